//! Group commit for SCIM writes.
//!
//! A SCIM write waits in a queue until one of the waiting futures, the *leader*, takes every
//! queued write (up to [`MAX_BATCH`]) and runs them in one transaction, each inside its own
//! savepoint: a write that fails is rolled back to its savepoint and reported alone, the others
//! commit together. Every future answers only once the transaction committed, so a write
//! answered `201` is as durable as with one transaction per write; what changes is that
//! sixteen concurrent creates cost one commit (one WAL append and one full-text segment) instead
//! of sixteen.
//!
//! No thread or runtime is involved: the leader runs the batch inside its own `poll`, the
//! others wait on their wakers. A leader runs one batch and then hands the queue over by
//! waking the owner of the oldest write still queued, so no request waits behind a stream of
//! other people's writes. A future dropped while its write is queued takes the write out; once
//! a leader took it, it runs and its result is discarded, like a request whose client went
//! away after the commit.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use rusqlite::Connection;

use super::StoreError;

/// Most writes run in one transaction; later ones wait for the next leader.
pub(super) const MAX_BATCH: usize = 64;

type ScimResult<T> = Result<T, scim_core::Error>;

/// How a write ended inside the shared transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ran {
    /// It failed; its savepoint must be rolled back.
    Failed,
    /// It succeeded; `notify` says whether it queued provisioning changes.
    Kept {
        /// Whether the provisioning worker should be woken after the commit.
        notify: bool,
    },
}

/// A queued write, with its result type erased.
pub(super) trait Job: Send {
    /// Runs the write on the writer connection, inside the batch's transaction.
    fn run(&mut self, conn: &Connection) -> Ran;
    /// The transaction committed: a successful write's result is final.
    fn committed(&mut self);
    /// The transaction did not commit: every write of the batch fails with `error`.
    fn abort(&mut self, error: &StoreError);
}

/// Runs batches for a [`GroupQueue`]: opens the transaction, runs each job in a savepoint,
/// commits, and reports the outcome to every job.
pub(super) trait BatchRunner: Send + Sync + 'static {
    /// The queue of this runner.
    fn queue(&self) -> &GroupQueue;
    /// Runs `jobs` in one transaction.
    fn run_batch(&self, jobs: &mut [Box<dyn Job>]);
}

/// What a waiting future exposes to the queue: a way to wake it.
trait Owner: Send + Sync {
    fn wake(&self);
}

struct Entry {
    job: Box<dyn Job>,
    owner: Arc<dyn Owner>,
}

#[derive(Default)]
struct QueueState {
    entries: VecDeque<Entry>,
    leader: bool,
}

/// The queue of writes waiting for a leader.
#[derive(Default)]
pub(super) struct GroupQueue {
    state: Mutex<QueueState>,
}

impl std::fmt::Debug for GroupQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.lock();
        f.debug_struct("GroupQueue")
            .field("queued", &st.entries.len())
            .field("leader", &st.leader)
            .finish()
    }
}

impl GroupQueue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // The state is a list and a flag, consistent at every unlock; a panic elsewhere does
        // not invalidate it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

struct SlotState<T> {
    result: Option<ScimResult<T>>,
    waker: Option<Waker>,
}

/// Where a job leaves its result for its future.
struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, SlotState<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn publish(&self, result: ScimResult<T>) {
        let waker = {
            let mut st = self.lock();
            st.result = Some(result);
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn take(&self) -> Option<ScimResult<T>> {
        self.lock().result.take()
    }

    fn set_waker(&self, waker: &Waker) {
        let mut st = self.lock();
        match &st.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => st.waker = Some(waker.clone()),
        }
    }
}

impl<T: Send> Owner for Slot<T> {
    fn wake(&self) {
        let waker = self.lock().waker.take();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// A write and the slot its result goes to. Dropping it publishes the result: the write's own
/// when the transaction committed (or when the write failed by itself), else an error.
struct TypedJob<T, F> {
    write: Option<F>,
    result: Option<ScimResult<T>>,
    committed: bool,
    slot: Arc<Slot<T>>,
}

fn storage_error(detail: impl Into<String>) -> scim_core::Error {
    scim_core::Error::Storage {
        detail: detail.into(),
    }
}

impl<T, F> Job for TypedJob<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> ScimResult<(T, bool)> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> Ran {
        let Some(write) = self.write.take() else {
            return Ran::Failed;
        };
        match write(conn) {
            Ok((value, notify)) => {
                self.result = Some(Ok(value));
                Ran::Kept { notify }
            }
            Err(e) => {
                self.result = Some(Err(e));
                Ran::Failed
            }
        }
    }

    fn committed(&mut self) {
        self.committed = true;
    }

    fn abort(&mut self, error: &StoreError) {
        self.result = Some(Err(storage_error(error.to_string())));
    }
}

impl<T, F> Drop for TypedJob<T, F> {
    fn drop(&mut self) {
        let result = match self.result.take() {
            Some(Ok(_)) if !self.committed => Err(storage_error(
                "the write transaction ended without committing",
            )),
            Some(r) => r,
            None => Err(storage_error("the write was not run")),
        };
        self.slot.publish(result);
    }
}

/// The future of a queued write; see the module documentation.
pub(super) struct GroupWrite<R: BatchRunner, T> {
    runner: Arc<R>,
    slot: Arc<Slot<T>>,
    /// The job until the first poll queues it.
    job: Option<Box<dyn Job>>,
    /// Queued and not yet answered.
    waiting: bool,
}

impl<R: BatchRunner, T: Send + 'static> GroupWrite<R, T> {
    /// A write for `runner`'s queue. `write` runs on the writer connection inside a shared
    /// transaction and returns its value and whether it queued provisioning changes.
    pub(super) fn new<F>(runner: Arc<R>, write: F) -> Self
    where
        F: FnOnce(&Connection) -> ScimResult<(T, bool)> + Send + 'static,
    {
        let slot = Arc::new(Slot {
            state: Mutex::new(SlotState {
                result: None,
                waker: None,
            }),
        });
        let job = TypedJob {
            write: Some(write),
            result: None,
            committed: false,
            slot: Arc::clone(&slot),
        };
        Self {
            runner,
            slot,
            job: Some(Box::new(job)),
            waiting: false,
        }
    }

    fn owner(&self) -> Arc<dyn Owner> {
        Arc::clone(&self.slot) as Arc<dyn Owner>
    }
}

/// Resets the leader flag when a batch is over (also when a write panicked) and wakes the
/// owner of the oldest write still queued, who leads next.
struct Leadership<'a> {
    queue: &'a GroupQueue,
}

impl Drop for Leadership<'_> {
    fn drop(&mut self) {
        let next = {
            let mut st = self.queue.lock();
            st.leader = false;
            st.entries.front().map(|e| Arc::clone(&e.owner))
        };
        if let Some(owner) = next {
            owner.wake();
        }
    }
}

/// Runs one batch as the leader (the caller has set the leader flag).
fn lead<R: BatchRunner>(runner: &R) {
    let _leadership = Leadership {
        queue: runner.queue(),
    };
    let mut jobs: Vec<Box<dyn Job>> = {
        let mut st = runner.queue().lock();
        let n = st.entries.len().min(MAX_BATCH);
        st.entries.drain(..n).map(|e| e.job).collect()
    };
    runner.run_batch(&mut jobs);
    // Dropping the jobs publishes their results and wakes their futures.
    drop(jobs);
}

impl<R: BatchRunner, T: Send + 'static> Future for GroupWrite<R, T> {
    type Output = ScimResult<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(job) = this.job.take() {
            let owner = this.owner();
            this.runner
                .queue()
                .lock()
                .entries
                .push_back(Entry { job, owner });
            this.waiting = true;
        }
        loop {
            if let Some(result) = this.slot.take() {
                this.waiting = false;
                return Poll::Ready(result);
            }
            let lead_now = {
                let mut st = this.runner.queue().lock();
                if !st.leader && !st.entries.is_empty() {
                    st.leader = true;
                    true
                } else {
                    // Under the queue lock, so a leader handing over cannot miss this waker.
                    this.slot.set_waker(cx.waker());
                    false
                }
            };
            if !lead_now {
                // The result may have been published before the waker was set.
                return match this.slot.take() {
                    Some(result) => {
                        this.waiting = false;
                        Poll::Ready(result)
                    }
                    None => Poll::Pending,
                };
            }
            lead(&*this.runner);
        }
    }
}

impl<R: BatchRunner, T> Drop for GroupWrite<R, T> {
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        self.slot.lock().waker = None;
        let me = Arc::as_ptr(&self.slot);
        let (removed, next) = {
            let mut st = self.runner.queue().lock();
            let removed = st
                .entries
                .iter()
                .position(|e| std::ptr::addr_eq(Arc::as_ptr(&e.owner), me))
                .and_then(|i| st.entries.remove(i));
            // This future may have been the one a leader handed the queue to.
            let next = (!st.leader)
                .then(|| st.entries.front().map(|e| Arc::clone(&e.owner)))
                .flatten();
            (removed, next)
        };
        drop(removed);
        if let Some(owner) = next {
            owner.wake();
        }
    }
}

impl<R: BatchRunner, T> Unpin for GroupWrite<R, T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// Runs batches on an in-memory database: each job inserts a row; a job asking for a
    /// negative value fails after its insert, so its savepoint must undo it.
    struct Runner {
        queue: GroupQueue,
        conn: Mutex<Connection>,
        batches: Mutex<Vec<usize>>,
        fail_commit: bool,
    }

    impl Runner {
        fn new(fail_commit: bool) -> Arc<Self> {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch("CREATE TABLE t(v INTEGER)").unwrap();
            Arc::new(Self {
                queue: GroupQueue::default(),
                conn: Mutex::new(conn),
                batches: Mutex::new(Vec::new()),
                fail_commit,
            })
        }

        fn rows(&self) -> Vec<i64> {
            let conn = self.conn.lock().unwrap();
            let mut s = conn.prepare("SELECT v FROM t ORDER BY v").unwrap();
            s.query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        }
    }

    impl BatchRunner for Runner {
        fn queue(&self) -> &GroupQueue {
            &self.queue
        }

        fn run_batch(&self, jobs: &mut [Box<dyn Job>]) {
            self.batches.lock().unwrap().push(jobs.len());
            let mut conn = self.conn.lock().unwrap();
            let tx = conn.transaction().unwrap();
            for job in jobs.iter_mut() {
                tx.execute_batch("SAVEPOINT w").unwrap();
                match job.run(&tx) {
                    Ran::Kept { .. } => tx.execute_batch("RELEASE w").unwrap(),
                    Ran::Failed => tx.execute_batch("ROLLBACK TO w; RELEASE w").unwrap(),
                }
            }
            if self.fail_commit {
                let e = StoreError::Backend {
                    operation: "commit",
                    detail: "disk full".into(),
                };
                for job in jobs.iter_mut() {
                    job.abort(&e);
                }
                return;
            }
            tx.commit().unwrap();
            for job in jobs.iter_mut() {
                job.committed();
            }
        }
    }

    fn insert(runner: &Arc<Runner>, v: i64) -> GroupWrite<Runner, i64> {
        GroupWrite::new(Arc::clone(runner), move |conn: &Connection| {
            conn.execute("INSERT INTO t(v) VALUES (?)", [v.abs()])
                .map_err(|e| storage_error(e.to_string()))?;
            if v < 0 {
                return Err(scim_core::Error::Uniqueness {
                    attribute: "v".into(),
                    value: v.to_string(),
                });
            }
            Ok((v, true))
        })
    }

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn queued_writes_share_one_transaction_and_fail_alone() {
        let runner = Runner::new(false);
        let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&wakes));
        let mut a = insert(&runner, 1);
        let mut b = insert(&runner, -2);
        let mut c = insert(&runner, 3);
        // b and c queue up while another future leads.
        runner.queue.lock().leader = true;
        assert!(poll(&mut b, &waker).is_pending());
        assert!(poll(&mut c, &waker).is_pending());
        runner.queue.lock().leader = false;
        // a leads and runs all three in one batch.
        match poll(&mut a, &waker) {
            Poll::Ready(Ok(1)) => {}
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(*runner.batches.lock().unwrap(), vec![3]);
        assert!(wakes.0.load(Ordering::SeqCst) >= 2);
        match poll(&mut b, &waker) {
            Poll::Ready(Err(scim_core::Error::Uniqueness { attribute, value })) => {
                assert_eq!((attribute.as_str(), value.as_str()), ("v", "-2"));
            }
            other => panic!("unexpected {other:?}"),
        }
        match poll(&mut c, &waker) {
            Poll::Ready(Ok(3)) => {}
            other => panic!("unexpected {other:?}"),
        }
        // The failed write's insert was rolled back to its savepoint.
        assert_eq!(runner.rows(), vec![1, 3]);
    }

    #[test]
    fn a_failed_commit_fails_every_write() {
        let runner = Runner::new(true);
        let waker = Waker::from(Arc::new(CountingWaker(AtomicUsize::new(0))));
        let mut a = insert(&runner, 1);
        let mut b = insert(&runner, 2);
        runner.queue.lock().leader = true;
        assert!(poll(&mut b, &waker).is_pending());
        runner.queue.lock().leader = false;
        for f in [&mut a, &mut b] {
            match poll(f, &waker) {
                Poll::Ready(Err(scim_core::Error::Storage { detail })) => {
                    assert_eq!(detail, "storage backend error during commit: disk full");
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(runner.rows(), Vec::<i64>::new());
    }

    #[test]
    fn a_dropped_write_leaves_the_queue_and_hands_over() {
        let runner = Runner::new(false);
        let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(Arc::clone(&wakes));
        let mut a = insert(&runner, 1);
        let mut b = insert(&runner, 2);
        runner.queue.lock().leader = true;
        assert!(poll(&mut a, &waker).is_pending());
        assert!(poll(&mut b, &waker).is_pending());
        runner.queue.lock().leader = false;
        // a was handed the queue (say) but is dropped before it runs: b is woken instead.
        let before = wakes.0.load(Ordering::SeqCst);
        drop(a);
        assert_eq!(wakes.0.load(Ordering::SeqCst), before + 1);
        assert_eq!(runner.queue.lock().entries.len(), 1);
        match poll(&mut b, &waker) {
            Poll::Ready(Ok(2)) => {}
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(runner.rows(), vec![2]);
    }

    #[test]
    fn batches_are_capped() {
        let runner = Runner::new(false);
        let waker = Waker::from(Arc::new(CountingWaker(AtomicUsize::new(0))));
        let n = i64::try_from(MAX_BATCH).unwrap() + 5;
        let mut writes: Vec<_> = (1..=n).map(|v| insert(&runner, v)).collect();
        runner.queue.lock().leader = true;
        for w in &mut writes {
            assert!(poll(w, &waker).is_pending());
        }
        runner.queue.lock().leader = false;
        // The first leads one batch of MAX_BATCH; the next still queued leads the rest.
        assert!(poll(&mut writes[0], &waker).is_ready());
        let last = writes.len() - 1;
        assert!(poll(&mut writes[last], &waker).is_ready());
        assert_eq!(*runner.batches.lock().unwrap(), vec![MAX_BATCH, 5]);
        for w in &mut writes[1..last] {
            assert!(poll(w, &waker).is_ready());
        }
        assert_eq!(runner.rows().len(), writes.len());
    }
}

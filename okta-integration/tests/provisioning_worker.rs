//! The provisioning worker: exactly-once effects by change id across a crash and lease
//! expiry, retries with exponential backoff on an injected clock, permanent failures visible
//! with their reason, progress per push, and prompt pickup through the change signal.
// Test code outside #[test] functions: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod store_support;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use okta_integration::provisioning::{
    ChangeId, ClaimedBatch, Counts, ProvisionError, ProvisionFuture, Provisioner, StepOutcome,
    Worker, WorkerConfig,
};
use okta_integration::store::{OrgId, OrgSlug, Store};
use saml_sp::time::UnixTime;
use serde_json::json;
use store_support::{T0, TestClock, block_on, open, temp_db};

/// A host application that records applied change ids together with the effect (as the
/// documentation asks) and can be told to fail.
#[derive(Default)]
struct Host {
    applied_ids: Mutex<HashSet<ChangeId>>,
    delivered: Mutex<Vec<ChangeId>>,
    effects: Mutex<HashMap<String, u32>>,
    /// Fail on the change about this resource, this many times (permanently when set).
    fail: Mutex<Option<(String, u32, bool)>>,
    notify: Mutex<Option<mpsc::Sender<usize>>>,
}

impl Host {
    fn apply_sync(&self, batch: &ClaimedBatch) -> Result<(), ProvisionError> {
        let mut fail = self.fail.lock().unwrap();
        for c in &batch.changes {
            if let Some((target, times, permanent)) = fail.as_mut() {
                if target == c.event.resource_id() && *times > 0 {
                    *times -= 1;
                    let reason = format!("host database busy ({} left)", *times);
                    return Err(if *permanent {
                        ProvisionError::Rejected {
                            change: c.id,
                            reason,
                        }
                    } else {
                        ProvisionError::Change {
                            change: c.id,
                            reason,
                        }
                    });
                }
            }
            self.delivered.lock().unwrap().push(c.id);
            // "One transaction": the id and the effect together.
            if self.applied_ids.lock().unwrap().insert(c.id) {
                let key = format!("{}:{}", c.event.kind(), c.event.resource_id());
                *self.effects.lock().unwrap().entry(key).or_default() += 1;
            }
        }
        if let Some(tx) = self.notify.lock().unwrap().as_ref() {
            let _ = tx.send(batch.changes.len());
        }
        Ok(())
    }
}

impl Provisioner for Host {
    fn apply<'a>(&'a self, batch: &'a ClaimedBatch) -> ProvisionFuture<'a> {
        Box::pin(async move { self.apply_sync(batch) })
    }
}

fn never(_: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(std::future::pending())
}

fn make_org(store: &dyn Store) -> OrgId {
    block_on(store.create_organization(&OrgSlug::try_from("acme").unwrap(), "Acme", true))
        .unwrap()
        .id
}

fn create_users(store: &dyn Store, org: OrgId, names: &[&str]) -> Vec<String> {
    let scim = store_support::scim();
    names
        .iter()
        .map(|n| {
            let r = scim
                .create("User", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": n, "active": true}))
                .unwrap();
            let mut v = r.to_storage_json();
            v["id"] = json!(format!("u-{n}"));
            let r = scim_core::Resource::from_storage_json(&v).unwrap();
            block_on(store.resources(org).create(r))
                .unwrap()
                .id()
                .as_str()
                .to_owned()
        })
        .collect()
}

fn worker(
    store: Arc<dyn Store>,
    host: Arc<Host>,
    clock: Arc<TestClock>,
    config: WorkerConfig,
) -> Worker {
    Worker::new(store, host, clock, never, config)
}

#[test]
fn redelivery_after_a_crash_takes_effect_once() {
    let clock = TestClock::new();
    let path = temp_db("crash");
    let host = Arc::new(Host::default());
    let org;
    {
        let store = open(&path, &clock);
        org = make_org(&store);
        create_users(&store, org, &["a@x", "b@x", "c@x", "d@x", "e@x"]);
        // The worker claims a batch and the host commits its effects, then the process dies
        // before the acknowledgement.
        let batch = block_on(store.claim_batch(100, Duration::from_secs(60), clock_now(&clock)))
            .unwrap()
            .unwrap();
        assert_eq!(batch.changes.len(), 5);
        block_on(host.apply(&batch)).unwrap();
    }
    let store: Arc<dyn Store> = Arc::new(open(&path, &clock));
    let w = worker(
        store.clone(),
        host.clone(),
        clock.clone(),
        WorkerConfig::default(),
    );
    // The lease is still live: nothing is delivered twice concurrently.
    assert_eq!(block_on(w.run_once()).unwrap(), StepOutcome::Idle);
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.total,
        Counts {
            queued: 5,
            applied: 0,
            failed: 0
        }
    );
    let si = block_on(store.sign_in_user(org, "A@X")).unwrap().unwrap();
    assert!(
        !si.provisioned,
        "not provisioned before the worker acknowledged it"
    );
    clock.advance(61);
    assert_eq!(
        block_on(w.run_once()).unwrap(),
        StepOutcome::Applied { org, count: 5 }
    );
    assert_eq!(block_on(w.run_once()).unwrap(), StepOutcome::Idle);
    // Delivered twice, applied once.
    assert_eq!(host.delivered.lock().unwrap().len(), 10);
    let effects = host.effects.lock().unwrap().clone();
    assert_eq!(effects.len(), 5);
    assert!(effects.values().all(|n| *n == 1), "{effects:?}");
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.total,
        Counts {
            queued: 0,
            applied: 5,
            failed: 0
        }
    );
    assert_eq!(
        p.current_push,
        Counts {
            queued: 0,
            applied: 5,
            failed: 0
        }
    );
    assert_eq!(p.push_started_at, Some(UnixTime::from_unix_seconds(T0)));
    assert!(
        block_on(store.sign_in_user(org, "a@x"))
            .unwrap()
            .unwrap()
            .provisioned
    );

    // A later write starts a new push.
    clock.advance(10);
    create_users(store.as_ref(), org, &["f@x"]);
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.current_push,
        Counts {
            queued: 1,
            applied: 0,
            failed: 0
        }
    );
    assert_eq!(
        p.total,
        Counts {
            queued: 1,
            applied: 5,
            failed: 0
        }
    );
    assert_eq!(
        p.push_started_at,
        Some(UnixTime::from_unix_seconds(T0 + 71))
    );
}

fn clock_now(clock: &Arc<TestClock>) -> UnixTime {
    saml_sp::time::TimeProvider::now(clock.as_ref())
}

#[test]
fn failures_are_retried_with_backoff_then_given_up_with_the_reason() {
    let clock = TestClock::new();
    let store: Arc<dyn Store> = Arc::new(open(&temp_db("retry"), &clock));
    let org = make_org(store.as_ref());
    create_users(store.as_ref(), org, &["a@x", "b@x", "c@x"]);
    let host = Arc::new(Host::default());
    // The second change fails four times.
    *host.fail.lock().unwrap() = Some(("u-b@x".into(), 4, false));
    let config = WorkerConfig::default()
        .with_backoff(Duration::from_secs(1), Duration::from_secs(3))
        .with_max_attempts(4);
    assert_eq!(config.backoff(1), Duration::from_secs(1));
    assert_eq!(config.backoff(2), Duration::from_secs(2));
    assert_eq!(config.backoff(3), Duration::from_secs(3));
    let w = worker(store.clone(), host.clone(), clock.clone(), config);
    let t = |s: i64| UnixTime::from_unix_seconds(T0 + s);

    let first = block_on(w.run_once()).unwrap();
    let StepOutcome::Failed {
        applied,
        change,
        gave_up,
        retry_at,
        ..
    } = first
    else {
        panic!("expected a failure, got {first:?}");
    };
    assert_eq!((applied, gave_up, retry_at), (1, false, Some(t(1))));
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.total,
        Counts {
            queued: 2,
            applied: 1,
            failed: 0
        }
    );
    assert_eq!(p.retrying, 1);
    assert_eq!(p.last_error.as_deref(), Some("host database busy (3 left)"));
    // Not due yet: the organization's queue waits (order is kept).
    assert_eq!(block_on(w.run_once()).unwrap(), StepOutcome::Idle);
    clock.advance(1);
    let second = block_on(w.run_once()).unwrap();
    assert!(
        matches!(second, StepOutcome::Failed { applied: 0, gave_up: false, retry_at: Some(r), .. } if r == t(3))
    );
    clock.advance(1);
    assert_eq!(block_on(w.run_once()).unwrap(), StepOutcome::Idle);
    clock.advance(1);
    let third = block_on(w.run_once()).unwrap();
    assert!(
        matches!(third, StepOutcome::Failed { gave_up: false, retry_at: Some(r), .. } if r == t(6))
    );
    clock.advance(3);
    let fourth = block_on(w.run_once()).unwrap();
    assert!(
        matches!(fourth, StepOutcome::Failed { gave_up: true, retry_at: None, change: c, .. } if c == change)
    );
    // Given up: visible with its reason, and the queue moves on.
    let failed = block_on(store.failed_changes(org, 10)).unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, change);
    assert_eq!(failed[0].attempts, 4);
    assert_eq!(failed[0].reason, "host database busy (0 left)");
    assert_eq!(failed[0].failed_at, t(6));
    assert_eq!(failed[0].resource_id, "u-b@x");
    assert_eq!(
        block_on(w.run_once()).unwrap(),
        StepOutcome::Applied { org, count: 1 }
    );
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.total,
        Counts {
            queued: 0,
            applied: 2,
            failed: 1
        }
    );
    assert_eq!((p.retrying, p.last_error), (0, None));
    // An operator retries the failed change; the host now accepts it.
    assert_eq!(
        block_on(store.retry_failed(org, clock_now(&clock))).unwrap(),
        1
    );
    assert_eq!(
        block_on(w.run_once()).unwrap(),
        StepOutcome::Applied { org, count: 1 }
    );
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.total,
        Counts {
            queued: 0,
            applied: 3,
            failed: 0
        }
    );
    let effects = host.effects.lock().unwrap().clone();
    assert_eq!(effects.len(), 3);
    assert!(effects.values().all(|n| *n == 1));
}

#[test]
fn a_rejected_change_fails_at_once() {
    let clock = TestClock::new();
    let store: Arc<dyn Store> = Arc::new(open(&temp_db("reject"), &clock));
    let org = make_org(store.as_ref());
    create_users(store.as_ref(), org, &["a@x", "b@x"]);
    let host = Arc::new(Host::default());
    *host.fail.lock().unwrap() = Some(("u-a@x".into(), 1, true));
    let w = worker(store.clone(), host, clock, WorkerConfig::default());
    let out = block_on(w.run_once()).unwrap();
    assert!(matches!(
        out,
        StepOutcome::Failed {
            applied: 0,
            gave_up: true,
            retry_at: None,
            ..
        }
    ));
    assert_eq!(
        block_on(w.run_once()).unwrap(),
        StepOutcome::Applied { org, count: 1 }
    );
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.total,
        Counts {
            queued: 0,
            applied: 1,
            failed: 1
        }
    );
    let failed = block_on(store.failed_changes(org, 10)).unwrap();
    assert_eq!(failed[0].reason, "host database busy (0 left)");
    assert_eq!(failed[0].attempts, 1);
}

#[test]
fn the_running_worker_is_woken_by_new_changes_and_stops_gracefully() {
    let clock = TestClock::new();
    let store: Arc<dyn Store> = Arc::new(open(&temp_db("run"), &clock));
    let org = make_org(store.as_ref());
    let host = Arc::new(Host::default());
    let (tx, rx) = mpsc::channel();
    *host.notify.lock().unwrap() = Some(tx);
    // The idle timer never fires: only the change signal can wake the worker.
    let w = worker(
        store.clone(),
        host,
        clock,
        WorkerConfig::default().with_batch_size(2),
    );
    let stop = w.stop_handle();
    let running = std::thread::spawn(move || block_on(w.run()));
    create_users(store.as_ref(), org, &["a@x", "b@x", "c@x"]);
    let mut got = 0;
    while got < 3 {
        got += rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the worker was woken");
    }
    assert_eq!(got, 3);
    create_users(store.as_ref(), org, &["d@x"]);
    assert_eq!(rx.recv_timeout(Duration::from_secs(30)).unwrap(), 1);
    stop.stop();
    running.join().unwrap();
    let p = block_on(store.progress(org)).unwrap();
    assert_eq!(
        p.total,
        Counts {
            queued: 0,
            applied: 4,
            failed: 0
        }
    );
    assert!(stop.is_stopped());
}

#[test]
fn a_restarted_sole_worker_can_take_over_leases_at_once() {
    let clock = TestClock::new();
    let path = temp_db("release");
    let org;
    {
        let store = open(&path, &clock);
        org = make_org(&store);
        create_users(&store, org, &["a@x", "b@x"]);
        let b = block_on(store.claim_batch(100, Duration::from_secs(600), clock_now(&clock)))
            .unwrap()
            .unwrap();
        assert_eq!(b.changes.len(), 2);
    }
    let store: Arc<dyn Store> = Arc::new(open(&path, &clock));
    let host = Arc::new(Host::default());
    let w = worker(store.clone(), host.clone(), clock, WorkerConfig::default());
    assert_eq!(block_on(w.run_once()).unwrap(), StepOutcome::Idle);
    assert_eq!(block_on(store.release_leases()).unwrap(), 1);
    assert_eq!(
        block_on(w.run_once()).unwrap(),
        StepOutcome::Applied { org, count: 2 }
    );
    assert_eq!(host.delivered.lock().unwrap().len(), 2);
    assert_eq!(block_on(store.release_leases()).unwrap(), 0);
}

//! Helpers shared by the storage and provisioning tests: a temporary database, a settable
//! clock, a minimal executor and fixture paths.
// Test code: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use std::future::Future;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use okta_integration::store::sqlite::SqliteStore;
use saml_sp::time::{TimeProvider, UnixTime};
use scim_core::ids::SequentialIds;
use scim_core::time::{FixedClock, Timestamp};
use scim_core::{Options, Scim};

/// The instant tests start at.
pub const T0: i64 = 1_700_000_000;

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the current thread.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// A clock the test moves.
#[derive(Debug)]
pub struct TestClock(Mutex<UnixTime>);

impl TestClock {
    pub fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(UnixTime::from_unix_seconds(T0))))
    }

    pub fn advance(&self, secs: i64) {
        let mut t = self.0.lock().unwrap();
        *t = UnixTime::from_unix_seconds(t.as_unix_seconds() + secs);
    }
}

impl TimeProvider for TestClock {
    fn now(&self) -> UnixTime {
        *self.0.lock().unwrap()
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh database path under the system temporary directory.
pub fn temp_db(name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "okta-integration-tests-{}-{name}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("store.db")
}

/// The SCIM engine used by the tests (results up to 20,000 per page).
pub fn scim() -> Arc<Scim> {
    let clock = Arc::new(FixedClock::new(Timestamp::from_unix_seconds(T0).unwrap()));
    Arc::new(
        Scim::new(clock, Arc::new(SequentialIds::new("id")))
            .with_options(Options::default().with_max_results(20_000)),
    )
}

/// Opens a store at `path`.
pub fn open(path: &PathBuf, clock: &Arc<TestClock>) -> SqliteStore {
    SqliteStore::open(path, scim(), clock.clone()).unwrap()
}

/// The shared fixtures directory (`SHARED_FIXTURES_DIR`, default `../../shared/fixtures`
/// from this crate).
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("SHARED_FIXTURES_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures"
        )),
    }
}

/// A fixture file, failing with a message that names the path and the variable.
pub fn fixture(rel: &str) -> PathBuf {
    let p = fixtures_dir().join(rel);
    assert!(
        p.is_file(),
        "fixture {} is missing: set SHARED_FIXTURES_DIR to the shared fixtures folder",
        p.display()
    );
    p
}

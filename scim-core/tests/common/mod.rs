//! Shared test helpers: a deterministic engine, a tiny executor, fixture paths.
#![allow(dead_code)] // each test binary uses a different subset

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use scim_core::Scim;
use scim_core::ids::{IdGenerator, ScimId};
use scim_core::time::{FixedClock, Timestamp};
use serde_json::Value;

/// Hands out the given ids in order, then `id-N`.
pub(crate) struct ListIds(Mutex<(Vec<String>, usize)>);

impl ListIds {
    pub(crate) fn new(ids: &[&str]) -> Self {
        Self(Mutex::new((
            ids.iter().rev().map(|s| s.to_string()).collect(),
            0,
        )))
    }
}

impl IdGenerator for ListIds {
    fn new_id(&self) -> ScimId {
        let mut g = self.0.lock().unwrap();
        match g.0.pop() {
            Some(id) => ScimId::try_from(id).unwrap(),
            None => {
                g.1 += 1;
                ScimId::try_from(format!("id-{}", g.1)).unwrap()
            }
        }
    }
}

pub(crate) fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

pub(crate) fn engine(now: &str, ids: &[&str]) -> (Arc<Scim>, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(ts(now)));
    let scim = Scim::new(clock.clone(), Arc::new(ListIds::new(ids)));
    (Arc::new(scim), clock)
}

/// Runs a future that is ready at once or after a few polls (the in-memory store's).
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

pub(crate) fn data(path: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The shared fixtures folder: `SHARED_FIXTURES_DIR`, or `<workspace>/../shared/fixtures`.
pub(crate) fn fixture(rel: &str) -> Value {
    let dir = std::env::var_os("SHARED_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"));
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| {
        panic!(
            "shared fixture {} is missing ({e}); set SHARED_FIXTURES_DIR to the shared fixtures folder",
            p.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub(crate) const BASE: &str = "https://example.com/v2";

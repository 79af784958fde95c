//! One-time use of assertions.
//!
//! Every verified assertion's ID is recorded until the assertion could no longer be accepted
//! anyway (its latest `NotOnOrAfter` plus the clock skew). A second use within that window is
//! refused. The cache is always on; the default keeps entries in memory, which suffices for one
//! process. Several server instances need a shared implementation (for example in the database
//! that already holds sessions).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::time::UnixTime;

/// Why [`ReplayCache::check_and_record`] refused an assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayRefusal {
    /// The key was already recorded and has not expired.
    AlreadyUsed,
    /// The cache cannot record more entries (refusing is safer than forgetting one).
    Full,
}

/// Storage of used assertion IDs.
///
/// Implementations must make `check_and_record` atomic: two concurrent calls with the same key
/// must not both succeed.
pub trait ReplayCache: Send + Sync + std::fmt::Debug {
    /// Records `key` as used until `expires_at`, or refuses if it is already recorded and
    /// `now` is before its expiry.
    fn check_and_record(
        &self,
        key: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), ReplayRefusal>;
}

/// An in-memory [`ReplayCache`] with a bounded number of entries.
///
/// ```
/// use saml_sp::time::UnixTime;
/// use saml_sp::{InMemoryReplayCache, ReplayCache, ReplayRefusal};
///
/// let cache = InMemoryReplayCache::new(1000);
/// let now = UnixTime::from_unix_seconds(100);
/// let later = UnixTime::from_unix_seconds(400);
/// assert_eq!(cache.check_and_record("idp\nid1", later, now), Ok(()));
/// assert_eq!(cache.check_and_record("idp\nid1", later, now), Err(ReplayRefusal::AlreadyUsed));
/// // After expiry the entry is gone (the assertion itself is expired by then).
/// assert_eq!(cache.check_and_record("idp\nid1", later, later), Ok(()));
/// ```
#[derive(Debug)]
pub struct InMemoryReplayCache {
    entries: Mutex<HashMap<String, UnixTime>>,
    max_entries: usize,
}

impl InMemoryReplayCache {
    /// Default capacity: 100,000 unexpired assertions.
    pub const DEFAULT_MAX_ENTRIES: usize = 100_000;

    /// A cache holding at most `max_entries` unexpired entries.
    pub fn new(max_entries: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            max_entries,
        }
    }
}

impl Default for InMemoryReplayCache {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_ENTRIES)
    }
}

impl ReplayCache for InMemoryReplayCache {
    fn check_and_record(
        &self,
        key: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), ReplayRefusal> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(expiry) = entries.get(key) {
            if now < *expiry {
                return Err(ReplayRefusal::AlreadyUsed);
            }
        }
        if entries.len() >= self.max_entries && !entries.contains_key(key) {
            entries.retain(|_, expiry| now < *expiry);
            if entries.len() >= self.max_entries {
                return Err(ReplayRefusal::Full);
            }
        }
        entries.insert(key.to_owned(), expires_at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_cache_prunes_expired_then_refuses() {
        let cache = InMemoryReplayCache::new(2);
        let t = UnixTime::from_unix_seconds;
        assert_eq!(cache.check_and_record("a", t(10), t(0)), Ok(()));
        assert_eq!(cache.check_and_record("b", t(20), t(0)), Ok(()));
        assert_eq!(
            cache.check_and_record("c", t(30), t(5)),
            Err(ReplayRefusal::Full)
        );
        // At t=15 "a" has expired and makes room.
        assert_eq!(cache.check_and_record("c", t(30), t(15)), Ok(()));
        assert_eq!(
            cache.check_and_record("b", t(20), t(15)),
            Err(ReplayRefusal::AlreadyUsed)
        );
    }
}

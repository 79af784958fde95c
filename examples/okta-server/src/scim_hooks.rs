//! The clock and id source of the SCIM rules (`scim_core::Scim`), over the server's
//! [`TimeProvider`] and random source, shared by the store and the handlers.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use saml_sp::random::IdGenerator;
use saml_sp::time::TimeProvider;
use scim_core::Scim;
use scim_core::ids::ScimId;
use scim_core::time::{Clock, Timestamp};

/// scim-core's clock over a [`TimeProvider`].
struct ScimClock {
    clock: Arc<dyn TimeProvider>,
    /// Answered for a clock beyond what SCIM timestamps hold (year 9999): not a real clock.
    epoch: Timestamp,
}

impl Clock for ScimClock {
    fn now(&self) -> Timestamp {
        let t = self.clock.now();
        let nanos = i128::from(t.as_unix_seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos());
        Timestamp::from_unix_nanos(nanos).unwrap_or(self.epoch)
    }
}

/// Random 128-bit SCIM ids in lowercase hex.
struct RandomIds {
    random: Arc<dyn IdGenerator>,
    /// Fallback when the random source fails (it does not in practice): still unique here.
    counter: AtomicU64,
}

impl scim_core::ids::IdGenerator for RandomIds {
    fn new_id(&self) -> ScimId {
        let mut bytes = [0u8; 16];
        if self.random.fill(&mut bytes).is_err() {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            bytes = (u128::from(n) | (1 << 127)).to_be_bytes();
        }
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        ScimId::try_from(hex.as_str())
            .unwrap_or_else(|_| scim_core::ids::SequentialIds::new("u").new_id())
    }
}

impl fmt::Debug for RandomIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RandomIds")
    }
}

/// The SCIM rules with the server's clock and random ids.
pub(crate) fn scim(
    clock: Arc<dyn TimeProvider>,
    random: Arc<dyn IdGenerator>,
) -> Result<Arc<Scim>, String> {
    let epoch = Timestamp::from_unix_seconds(0).map_err(|e| e.to_string())?;
    Ok(Arc::new(Scim::new(
        Arc::new(ScimClock { clock, epoch }),
        Arc::new(RandomIds {
            random,
            counter: AtomicU64::new(0),
        }),
    )))
}

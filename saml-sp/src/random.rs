//! Identifiers that must be unpredictable: AuthnRequest IDs and RelayState values.
//!
//! Code that needs randomness takes a `&dyn IdGenerator`, so tests can pin the values.
//! [`SystemRandomIdGenerator`] (on `ring`'s operating-system generator) is the one place in the
//! crate that draws random bytes.
//!
//! ```
//! use saml_sp::random::{IdGenerator, SystemRandomIdGenerator};
//!
//! let ids = SystemRandomIdGenerator::new();
//! let id = ids.new_id()?;
//! assert!(id.starts_with('_'));
//! assert_eq!(id.len(), 41);
//! assert_ne!(id, ids.new_id()?);
//! # Ok::<(), saml_sp::random::RandomError>(())
//! ```

use std::fmt;

use ring::rand::{SecureRandom, SystemRandom};

/// Random bytes in a generated SAML ID: 160 bits, above the 128 bits SAML core §1.3.4 asks for.
pub const ID_RANDOM_BYTES: usize = 20;

/// Random bytes in a generated RelayState value: 128 bits.
pub const RELAY_STATE_RANDOM_BYTES: usize = 16;

/// The random generator could not produce bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RandomError {
    /// The operating system's random source failed.
    #[error("the system random number generator failed")]
    Unavailable,
}

/// A source of unpredictable identifiers.
///
/// Implementors supply [`fill`](Self::fill); the provided methods turn random bytes into values
/// of the right shape. A test implementation may instead override [`new_id`](Self::new_id) and
/// [`new_relay_state`](Self::new_relay_state) to return fixed values; callers still validate
/// what they receive (an ID must be an `xs:NCName`).
///
/// ```
/// use saml_sp::random::{IdGenerator, RandomError};
///
/// /// Deterministic bytes, for tests only.
/// #[derive(Debug)]
/// struct Counter;
///
/// impl IdGenerator for Counter {
///     fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
///         for (i, byte) in dest.iter_mut().enumerate() {
///             *byte = i as u8;
///         }
///         Ok(())
///     }
/// }
///
/// assert_eq!(Counter.new_id()?, "_000102030405060708090a0b0c0d0e0f10111213");
/// assert_eq!(Counter.new_relay_state()?, "000102030405060708090a0b0c0d0e0f");
/// # Ok::<(), RandomError>(())
/// ```
pub trait IdGenerator: Send + Sync + fmt::Debug {
    /// Fills `dest` with unpredictable bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError>;

    /// A fresh SAML ID: `_` followed by [`ID_RANDOM_BYTES`] random bytes in lowercase hex.
    ///
    /// The leading underscore makes it a valid `xs:NCName` (which may not start with a digit).
    fn new_id(&self) -> Result<String, RandomError> {
        let mut bytes = [0u8; ID_RANDOM_BYTES];
        self.fill(&mut bytes)?;
        let mut id = String::with_capacity(1 + 2 * ID_RANDOM_BYTES);
        id.push('_');
        push_hex(&mut id, &bytes);
        Ok(id)
    }

    /// A fresh RelayState value: [`RELAY_STATE_RANDOM_BYTES`] random bytes in lowercase hex
    /// (32 characters, well under the 80-byte limit of SAML bindings §3.4.3, and URL-safe).
    fn new_relay_state(&self) -> Result<String, RandomError> {
        let mut bytes = [0u8; RELAY_STATE_RANDOM_BYTES];
        self.fill(&mut bytes)?;
        let mut state = String::with_capacity(2 * RELAY_STATE_RANDOM_BYTES);
        push_hex(&mut state, &bytes);
        Ok(state)
    }
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    let digit = |nibble: u8| {
        char::from(if nibble < 10 {
            b'0' + nibble
        } else {
            b'a' + nibble - 10
        })
    };
    for byte in bytes {
        out.push(digit(byte >> 4));
        out.push(digit(byte & 0x0f));
    }
}

/// [`IdGenerator`] on the operating system's secure random source (`ring::rand::SystemRandom`).
///
/// ```
/// use saml_sp::random::{IdGenerator, SystemRandomIdGenerator};
///
/// let state = SystemRandomIdGenerator::new().new_relay_state()?;
/// assert_eq!(state.len(), 32);
/// assert!(state.bytes().all(|b| b.is_ascii_hexdigit()));
/// # Ok::<(), saml_sp::random::RandomError>(())
/// ```
pub struct SystemRandomIdGenerator {
    rng: SystemRandom,
}

impl SystemRandomIdGenerator {
    /// A generator on the operating system's random source.
    pub fn new() -> Self {
        Self {
            rng: SystemRandom::new(),
        }
    }
}

impl Default for SystemRandomIdGenerator {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SystemRandomIdGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SystemRandomIdGenerator")
    }
}

impl IdGenerator for SystemRandomIdGenerator {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        self.rng.fill(dest).map_err(|_| RandomError::Unavailable)
    }
}

/// The random source `ring` needs for RSA blinding when signing with the SP key.
///
/// PKCS#1 v1.5 signatures are deterministic: the randomness only hides the private key from
/// timing side channels and never shows in the output, so it is not injected.
pub(crate) fn blinding_rng() -> SystemRandom {
    SystemRandom::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Constant(u8);

    impl IdGenerator for Constant {
        fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
            dest.fill(self.0);
            Ok(())
        }
    }

    #[derive(Debug)]
    struct Broken;

    impl IdGenerator for Broken {
        fn fill(&self, _dest: &mut [u8]) -> Result<(), RandomError> {
            Err(RandomError::Unavailable)
        }
    }

    #[test]
    fn ids_are_underscore_then_forty_hex_digits() {
        assert_eq!(
            Constant(0xab).new_id().unwrap(),
            "_abababababababababababababababababababab"
        );
        assert_eq!(
            Constant(0x00).new_id().unwrap(),
            "_0000000000000000000000000000000000000000"
        );
    }

    #[test]
    fn relay_state_is_thirty_two_hex_digits() {
        assert_eq!(
            Constant(0xf1).new_relay_state().unwrap(),
            "f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1"
        );
    }

    #[test]
    fn failures_propagate() {
        assert_eq!(Broken.new_id(), Err(RandomError::Unavailable));
        assert_eq!(Broken.new_relay_state(), Err(RandomError::Unavailable));
    }

    #[test]
    fn system_random_ids_differ_and_are_ncnames() {
        let ids = SystemRandomIdGenerator::new();
        let first = ids.new_id().unwrap();
        let second = ids.new_id().unwrap();
        assert_ne!(first, second);
        for id in [&first, &second] {
            assert_eq!(id.len(), 41);
            assert!(id.starts_with('_'));
            assert!(
                id[1..]
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            );
        }
    }
}

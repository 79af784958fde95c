//! Secrets of the web UI: session ids, CSRF tokens and one-time sign-in tokens.
//!
//! Each secret is 256 random bits, shown once (in a cookie, a form or a printed URL) and stored
//! only as its SHA-256 digest. Lookups go by digest, so comparing the secret itself never
//! happens; CSRF tokens, which are compared, use constant-time equality.

use std::fmt;

use saml_sp::random::IdGenerator;
use subtle::ConstantTimeEq as _;

/// Random bytes in every secret.
const SECRET_BYTES: usize = 32;

/// A freshly generated secret: its text (to hand out once) and its digest (to store).
pub(crate) struct Secret {
    text: String,
}

impl Secret {
    /// A new secret from `random`, as 64 lowercase hex digits.
    pub(crate) fn generate(random: &dyn IdGenerator) -> Result<Self, SecretError> {
        let mut bytes = [0u8; SECRET_BYTES];
        random.fill(&mut bytes).map_err(|_| SecretError)?;
        Ok(Self { text: hex(&bytes) })
    }

    /// The secret itself, to hand out exactly once.
    pub(crate) fn reveal(&self) -> &str {
        &self.text
    }

    /// The digest to store.
    pub(crate) fn digest(&self) -> String {
        digest(&self.text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The random source failed.
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed")]
pub(crate) struct SecretError;

/// The SHA-256 of `text` in lowercase hex: how secrets are stored and looked up.
pub(crate) fn digest(text: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref())
}

/// Constant-time equality of two strings (the lengths are not secret).
pub(crate) fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether `text` has the shape of a secret this module makes (64 hex digits), so malformed
/// input is turned away before any lookup.
pub(crate) fn well_formed(text: &str) -> bool {
    text.len() == 2 * SECRET_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        for nibble in [byte >> 4, byte & 0x0f] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use saml_sp::random::SystemRandomIdGenerator;

    #[test]
    fn secrets_are_hex_and_distinct() {
        let random = SystemRandomIdGenerator::new();
        let a = Secret::generate(&random).unwrap();
        let b = Secret::generate(&random).unwrap();
        assert!(well_formed(a.reveal()));
        assert_ne!(a.reveal(), b.reveal());
        assert_eq!(a.digest(), digest(a.reveal()));
        assert_eq!(format!("{a:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn equality_and_shape() {
        assert!(equal("abc", "abc"));
        assert!(!equal("abc", "abd"));
        assert!(!equal("abc", "ab"));
        assert!(!well_formed("xyz"));
        assert!(!well_formed(&"g".repeat(64)));
    }
}

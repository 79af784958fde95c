//! Secrets: SCIM bearer tokens and session ids.
//!
//! A secret is 256 random bits, URL-safe base64, behind a prefix saying what it is
//! (`scim_…`, `sess_…`). Only its SHA-256 ([`SecretHash`]) is stored; a presented secret is
//! hashed and compared with the stored hash in constant time. Secrets have redacting `Debug`
//! and are never logged.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use http::header::AUTHORIZATION;
use saml_sp::random::IdGenerator;

use crate::error::Error;

/// Prefix of SCIM bearer tokens.
pub const SCIM_TOKEN_PREFIX: &str = "scim_";
/// Prefix of session ids.
pub const SESSION_ID_PREFIX: &str = "sess_";
/// Random bytes in a secret (256 bits).
pub const SECRET_RANDOM_BYTES: usize = 32;
/// Longest accepted presented secret: anything longer is refused before hashing.
pub const MAX_SECRET_LEN: usize = 256;

pub use crate::store::SecretHash;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident, $prefix:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// A fresh secret: the prefix then 256 random bits in URL-safe base64.
            pub fn generate(rng: &dyn IdGenerator) -> Result<Self, Error> {
                let mut bytes = [0u8; SECRET_RANDOM_BYTES];
                rng.fill(&mut bytes).map_err(|_| Error::Random)?;
                Ok(Self(format!("{}{}", $prefix, URL_SAFE_NO_PAD.encode(bytes))))
            }

            /// The secret itself: show it once, never log it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// Its SHA-256, the only form that is stored.
            pub fn hash(&self) -> SecretHash {
                SecretHash::of(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(", $prefix, "[redacted])"))
            }
        }
    };
}

secret_type!(
    /// A SCIM bearer token (`scim_` + 43 characters), shown once to the admin.
    ///
    /// ```
    /// use okta_integration::auth::ScimToken;
    /// use saml_sp::random::SystemRandomIdGenerator;
    ///
    /// let token = ScimToken::generate(&SystemRandomIdGenerator::new())?;
    /// assert!(token.expose_secret().starts_with("scim_"));
    /// assert_eq!(token.expose_secret().len(), 5 + 43);
    /// assert_eq!(format!("{token:?}"), "ScimToken(scim_[redacted])");
    /// assert!(token.hash().matches(token.expose_secret()));
    /// # Ok::<(), okta_integration::Error>(())
    /// ```
    ScimToken,
    "scim_"
);

secret_type!(
    /// A session id (`sess_` + 43 characters), the value of the session cookie.
    SessionId,
    "sess_"
);

/// Why a SCIM request was not authenticated. The response is the same 401 for every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BearerRefusal {
    /// No `Authorization` header.
    Missing,
    /// Not `Bearer <token>`, or not visible ASCII.
    Malformed,
    /// The organization has no token (integration not set up).
    NoToken,
    /// The token is not this organization's current token.
    Mismatch,
}

impl BearerRefusal {
    /// A stable name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::NoToken => "no_token_configured",
            Self::Mismatch => "mismatch",
        }
    }
}

/// The bearer token of a request, without checking it.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, BearerRefusal> {
    let value = headers.get(AUTHORIZATION).ok_or(BearerRefusal::Missing)?;
    let value = value.to_str().map_err(|_| BearerRefusal::Malformed)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(BearerRefusal::Malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > MAX_SECRET_LEN {
        return Err(BearerRefusal::Malformed);
    }
    Ok(token)
}

/// Checks the request's bearer token against the organization's stored hash.
///
/// ```
/// use http::HeaderMap;
/// use okta_integration::auth::{check_bearer, BearerRefusal, SecretHash};
///
/// let stored = SecretHash::of("scim_right");
/// let mut h = HeaderMap::new();
/// h.insert("authorization", "Bearer scim_right".parse().unwrap());
/// assert_eq!(check_bearer(&h, Some(&stored)), Ok(()));
/// h.insert("authorization", "Bearer scim_wrong".parse().unwrap());
/// assert_eq!(check_bearer(&h, Some(&stored)), Err(BearerRefusal::Mismatch));
/// ```
pub fn check_bearer(headers: &HeaderMap, stored: Option<&SecretHash>) -> Result<(), BearerRefusal> {
    let token = bearer_token(headers)?;
    let stored = stored.ok_or(BearerRefusal::NoToken)?;
    if stored.matches(token) {
        Ok(())
    } else {
        Err(BearerRefusal::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saml_sp::random::RandomError;

    #[derive(Debug)]
    struct Fixed(u8);
    impl IdGenerator for Fixed {
        fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
            dest.fill(self.0);
            Ok(())
        }
    }

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, v.parse().unwrap());
        h
    }

    #[test]
    fn tokens_are_prefixed_256_bit_and_hashed() {
        let t = ScimToken::generate(&Fixed(0xff)).unwrap();
        assert_eq!(t.expose_secret(), format!("scim_{}8", "_".repeat(42)));
        assert_eq!(t.hash(), SecretHash::of(t.expose_secret()));
        let s = SessionId::generate(&Fixed(0)).unwrap();
        assert_eq!(
            s.expose_secret(),
            "sess_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        );
        assert_eq!(format!("{s:?}"), "SessionId(sess_[redacted])");
    }

    #[test]
    fn bearer_checks() {
        let stored = SecretHash::of("scim_good");
        assert_eq!(
            check_bearer(&HeaderMap::new(), Some(&stored)),
            Err(BearerRefusal::Missing)
        );
        assert_eq!(
            check_bearer(&headers("Basic abc"), Some(&stored)),
            Err(BearerRefusal::Malformed)
        );
        assert_eq!(
            check_bearer(&headers("Bearer"), Some(&stored)),
            Err(BearerRefusal::Malformed)
        );
        assert_eq!(
            check_bearer(&headers("bearer scim_good"), Some(&stored)),
            Ok(())
        );
        assert_eq!(
            check_bearer(&headers("Bearer  scim_good "), Some(&stored)),
            Ok(())
        );
        assert_eq!(
            check_bearer(&headers("Bearer scim_good"), None),
            Err(BearerRefusal::NoToken)
        );
        assert_eq!(
            check_bearer(&headers("Bearer scim_goodx"), Some(&stored)),
            Err(BearerRefusal::Mismatch)
        );
        let long = format!("Bearer {}", "a".repeat(MAX_SECRET_LEN + 1));
        assert_eq!(
            check_bearer(&headers(&long), Some(&stored)),
            Err(BearerRefusal::Malformed)
        );
    }
}

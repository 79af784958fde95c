//! Validated identifiers. Each constructor is the only way in: `TryFrom<&str>` / `TryFrom<String>`,
//! with `as_str()` / `AsRef<str>` out.
//!
//! Configuration values ([`EntityId`], [`AcsUrl`]) are trimmed of surrounding ASCII whitespace
//! (admins paste them from web pages); values from messages are never trimmed.
//!
//! ```
//! use saml_sp::{AcsUrl, EntityId, RequestId};
//!
//! let sp = EntityId::try_from(" https://acme.example.com \n")?;
//! assert_eq!(sp.as_str(), "https://acme.example.com");
//! let acs = AcsUrl::try_from("https://acme.example.com/okta/auth")?;
//! assert_eq!(acs.as_ref(), "https://acme.example.com/okta/auth");
//! assert!(RequestId::try_from("id-1234").is_ok());
//! assert!(RequestId::try_from("1234").is_err()); // xs:ID cannot start with a digit
//! # Ok::<(), saml_sp::ConfigError>(())
//! ```

use std::fmt;

use crate::error::ConfigError;

/// Longest entity ID or URL accepted (SAML core limits entity IDs to 1024 characters).
const MAX_URI_LEN: usize = 1024;
/// Longest request ID accepted.
const MAX_ID_LEN: usize = 256;
/// Longest RelayState (SAML bindings §3.4.3, §3.5.3: at most 80 bytes).
const MAX_RELAY_STATE_LEN: usize = 80;

fn invalid(what: &'static str, detail: &'static str) -> ConfigError {
    ConfigError::InvalidValue { what, detail }
}

fn check_uri(value: &str, what: &'static str) -> Result<(), ConfigError> {
    if value.is_empty() {
        return Err(invalid(what, "empty"));
    }
    if value.len() > MAX_URI_LEN {
        return Err(invalid(what, "longer than 1024 bytes"));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(invalid(what, "contains whitespace or control characters"));
    }
    Ok(())
}

macro_rules! validated_string {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ConfigError;

            fn try_from(value: &str) -> Result<Self, Self::Error> {
                let check: fn(&str) -> Result<String, ConfigError> = $check;
                check(value).map(Self)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ConfigError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::try_from(value.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ConfigError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::try_from(value)
            }
        }
    };
}

validated_string!(
    /// A SAML entity ID (the SP's "Audience URI", or the IdP's issuer): a URI of at most 1024
    /// bytes without whitespace.
    EntityId,
    |value| {
        let value = value.trim_ascii();
        check_uri(value, "entity ID")?;
        Ok(value.to_owned())
    }
);

validated_string!(
    /// The SP's Assertion Consumer Service URL: an absolute `http`/`https` URL, compared
    /// byte for byte with `Destination` and `Recipient`.
    AcsUrl,
    |value| {
        let value = value.trim_ascii();
        check_uri(value, "ACS URL")?;
        let lower = value.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(invalid("ACS URL", "must be an http or https URL"));
        }
        Ok(value.to_owned())
    }
);

validated_string!(
    /// The ID of an AuthnRequest we sent (an `xs:ID`: an XML name without colon, at most 256
    /// bytes), expected back as `InResponseTo`.
    RequestId,
    |value| {
        if value.is_empty() || value.len() > MAX_ID_LEN {
            return Err(invalid("request ID", "must be 1 to 256 bytes"));
        }
        if !crate::xml::is_ncname(value) {
            return Err(invalid("request ID", "must be an XML name without colon"));
        }
        Ok(value.to_owned())
    }
);

validated_string!(
    /// A RelayState value: at most 80 bytes (SAML bindings §3.4.3), no control characters.
    RelayState,
    |value| {
        if value.len() > MAX_RELAY_STATE_LEN {
            return Err(invalid("RelayState", "longer than 80 bytes"));
        }
        if value.chars().any(char::is_control) {
            return Err(invalid("RelayState", "contains control characters"));
        }
        Ok(value.to_owned())
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_id_is_trimmed_and_checked() {
        assert_eq!(
            EntityId::try_from("\n http://www.okta.com/exk1 \t")
                .unwrap()
                .as_str(),
            "http://www.okta.com/exk1"
        );
        assert_eq!(
            EntityId::try_from("  "),
            Err(ConfigError::InvalidValue {
                what: "entity ID",
                detail: "empty"
            })
        );
        assert!(EntityId::try_from("a b").is_err());
        assert!(EntityId::try_from("x".repeat(1025)).is_err());
    }

    #[test]
    fn acs_url_must_be_http() {
        assert!(AcsUrl::try_from("https://a.example/acs").is_ok());
        assert!(AcsUrl::try_from("HTTP://a.example/acs").is_ok());
        assert_eq!(
            AcsUrl::try_from("javascript:alert(1)"),
            Err(ConfigError::InvalidValue {
                what: "ACS URL",
                detail: "must be an http or https URL"
            })
        );
    }

    #[test]
    fn request_id_is_an_ncname() {
        assert_eq!(
            RequestId::try_from("_abc-1.2").unwrap().as_str(),
            "_abc-1.2"
        );
        assert!(RequestId::try_from("a:b").is_err());
        assert!(RequestId::try_from("").is_err());
        assert!(RequestId::try_from("x".repeat(257)).is_err());
    }

    #[test]
    fn relay_state_is_short() {
        assert!(RelayState::try_from("/dashboard").is_ok());
        assert!(RelayState::try_from("x".repeat(81)).is_err());
        assert!(RelayState::try_from("a\nb").is_err());
    }
}

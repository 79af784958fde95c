//! Validated identifiers: resource ids, attribute names and schema URNs, plus the injected id
//! generator.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::error::{Error, Result};

/// Longest accepted resource id, in bytes.
pub const MAX_ID_LEN: usize = 256;

/// A resource `id` assigned by the service provider (RFC 7643 §3.1): non-empty, at most
/// [`MAX_ID_LEN`] bytes, no control characters, no `/`, and not the reserved word `bulkId`.
/// Compared exactly (`caseExact: true`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScimId(String);

impl ScimId {
    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for ScimId {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self> {
        Self::try_from(s.to_owned())
    }
}

impl TryFrom<String> for ScimId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        if s.is_empty() || s.len() > MAX_ID_LEN {
            return Err(Error::invalid_value(
                "id",
                format!("an id must be 1 to {MAX_ID_LEN} bytes long"),
            ));
        }
        if s.chars().any(|c| c.is_control() || c == '/') {
            return Err(Error::invalid_value(
                "id",
                "an id must not contain '/' or control characters",
            ));
        }
        if s == "bulkId" {
            return Err(Error::invalid_value("id", "'bulkId' is a reserved keyword"));
        }
        Ok(Self(s))
    }
}

impl AsRef<str> for ScimId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ScimId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An attribute name (RFC 7643 §2.1: `ATTRNAME = ALPHA *(nameChar)`, plus the `$ref` name),
/// compared case-insensitively.
///
/// ```
/// use scim_core::ids::AttrName;
/// assert_eq!(AttrName::try_from("userName").unwrap(), AttrName::try_from("USERNAME").unwrap());
/// assert!(AttrName::try_from("1abc").is_err());
/// ```
#[derive(Debug, Clone)]
pub struct AttrName(String);

impl AttrName {
    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for AttrName {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self> {
        let ok = s == "$ref"
            || (s.len() <= 128
                && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::invalid_value(
                s,
                "not a valid attribute name (a letter followed by letters, digits, '-' or '_')",
            ))
        }
    }
}

impl PartialEq for AttrName {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for AttrName {}

impl Hash for AttrName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl AsRef<str> for AttrName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A schema URI (RFC 7643 §3 and §10), compared case-insensitively. Must start with `urn:`.
#[derive(Debug, Clone)]
pub struct SchemaUrn(String);

impl SchemaUrn {
    /// The URN as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for SchemaUrn {
    type Error = Error;
    fn try_from(s: &str) -> Result<Self> {
        let lower = s.get(..4).map(str::to_ascii_lowercase);
        if lower.as_deref() == Some("urn:")
            && s.len() > 4
            && s.len() <= 512
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::invalid_value(
                "schemas",
                format!("'{s}' is not a schema URN"),
            ))
        }
    }
}

impl PartialEq for SchemaUrn {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for SchemaUrn {}

impl Hash for SchemaUrn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl AsRef<str> for SchemaUrn {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Source of new resource ids, injected so tests are deterministic. Implement it over a
/// cryptographic random source (e.g. 128-bit random hex) in production.
pub trait IdGenerator: Send + Sync {
    /// A fresh id, never returned before.
    fn new_id(&self) -> ScimId;
}

/// Ids `prefix-1`, `prefix-2`, …: deterministic, for tests and examples.
#[derive(Debug)]
pub struct SequentialIds {
    prefix: String,
    next: std::sync::atomic::AtomicU64,
}

impl SequentialIds {
    /// Starts at 1. The prefix must be a valid id on its own (e.g. `u`).
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            next: std::sync::atomic::AtomicU64::new(1),
        }
    }
}

impl IdGenerator for SequentialIds {
    fn new_id(&self) -> ScimId {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A prefix plus a number contains no '/' or control characters unless the prefix
        // does; fall back to the bare number in that case.
        ScimId::try_from(format!("{}{n}", self.prefix)).unwrap_or_else(|_| ScimId(n.to_string()))
    }
}

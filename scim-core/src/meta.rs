//! `meta` (RFC 7643 §3.1) and ETag preconditions (RFC 7644 §3.14).

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::time::Timestamp;

/// Resource metadata kept by the service provider.
///
/// `version` is a revision counter, bumped on every change; it is rendered as the weak ETag
/// `W/"<revision>"`, so computing it never walks the resource (a 100,000-member group costs
/// the same as an empty one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Resource type name, e.g. `User`.
    pub resource_type: String,
    /// When the resource was created.
    pub created: Timestamp,
    /// When the resource last changed.
    pub last_modified: Timestamp,
    /// Revision counter, starting at 1.
    pub revision: u64,
}

impl Meta {
    /// Metadata of a resource created at `now`.
    pub fn new(resource_type: impl Into<String>, now: Timestamp) -> Self {
        Self {
            resource_type: resource_type.into(),
            created: now,
            last_modified: now,
            revision: 1,
        }
    }

    /// Records a change at `now`.
    pub fn touch(&mut self, now: Timestamp) {
        self.last_modified = now;
        self.revision = self.revision.saturating_add(1);
    }

    /// The weak ETag, e.g. `W/"3"`.
    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.revision)
    }

    /// The `meta` JSON object; `location` is given when the resource's URL is known.
    pub fn to_json(&self, location: Option<&str>) -> Value {
        let mut m = Map::new();
        m.insert("resourceType".into(), json!(self.resource_type));
        m.insert("created".into(), json!(self.created.to_rfc3339()));
        m.insert(
            "lastModified".into(),
            json!(self.last_modified.to_rfc3339()),
        );
        if let Some(loc) = location {
            m.insert("location".into(), json!(loc));
        }
        m.insert("version".into(), json!(self.etag()));
        Value::Object(m)
    }
}

fn opaque(tag: &str) -> &str {
    let t = tag.trim();
    t.strip_prefix("W/").unwrap_or(t)
}

fn list_matches(header: &str, current_etag: &str) -> bool {
    let cur = opaque(current_etag);
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || (!t.is_empty() && opaque(t) == cur))
}

/// Checks an `If-Match` header value against the current ETag (weak comparison, since SCIM
/// versions are weak ETags; `*` matches any existing resource).
///
/// ```
/// use scim_core::meta::check_if_match;
/// assert!(check_if_match("W/\"3\"", "W/\"3\"").is_ok());
/// assert_eq!(check_if_match("W/\"2\"", "W/\"3\"").unwrap_err().status(), 412);
/// ```
pub fn check_if_match(header: &str, current_etag: &str) -> Result<()> {
    if list_matches(header, current_etag) {
        Ok(())
    } else {
        Err(Error::PreconditionFailed {
            current: current_etag.to_owned(),
        })
    }
}

/// What an `If-None-Match` header means for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoneMatchOutcome {
    /// No match: process the request.
    Proceed,
    /// Match on GET/HEAD: answer `304 Not Modified`.
    NotModified,
    /// Match on another method: answer `412 Precondition Failed`.
    PreconditionFailed,
}

/// Evaluates an `If-None-Match` header value against the current ETag.
pub fn check_if_none_match(
    header: &str,
    current_etag: &str,
    is_get_or_head: bool,
) -> NoneMatchOutcome {
    if !list_matches(header, current_etag) {
        NoneMatchOutcome::Proceed
    } else if is_get_or_head {
        NoneMatchOutcome::NotModified
    } else {
        NoneMatchOutcome::PreconditionFailed
    }
}

/// Conditions on a write (PUT, PATCH, DELETE): the `If-Match` header value, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// The raw `If-Match` header value.
    pub if_match: Option<String>,
}

impl Conditions {
    /// No conditions.
    pub fn none() -> Self {
        Self::default()
    }

    /// `If-Match: <etag>`.
    pub fn if_match(etag: impl Into<String>) -> Self {
        Self {
            if_match: Some(etag.into()),
        }
    }

    /// Checks the conditions against the current ETag.
    pub fn check(&self, current_etag: &str) -> Result<()> {
        match &self.if_match {
            Some(h) => check_if_match(h, current_etag),
            None => Ok(()),
        }
    }
}

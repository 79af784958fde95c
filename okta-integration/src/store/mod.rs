//! Storage: organizations, integration settings, SCIM resources with their provisioning queue,
//! sessions, SAML request state, the replay cache and the audit log — every row scoped by
//! organization.
//!
//! [`Store`] is the trait the handlers and the provisioning worker use. Its methods return
//! boxed `Send` futures ([`StoreFuture`]), so it works with any executor and as
//! `Arc<dyn Store>`. [`sqlite::SqliteStore`] is the embedded implementation; the trait is
//! written so that a PostgreSQL store fits it as well (no SQLite types in it, times are
//! [`UnixTime`], ids are plain integers and strings, and every multi-row change is one method
//! so it can be one transaction).
//!
//! # Rules every implementation keeps
//!
//! - **Tenants are isolated.** Every method takes an [`OrgId`]; a token hash, session, request
//!   state, replay entry, resource or queue entry of one organization is never returned for
//!   another.
//! - **A SCIM change and its provisioning queue entry are one transaction.** The
//!   [`scim_core::store::ResourceStore`] returned by [`Store::resources`] writes, for every
//!   accepted change, the resource, its [`Change`](crate::provisioning::Change) entries and
//!   an audit record atomically, and wakes the worker through [`Store::change_signal`].
//! - **Deactivation is synchronous.** When a SCIM write deactivates or deletes a user, that
//!   user's sessions are deleted in the same transaction, and [`Store::session`] refuses a
//!   session whose user is not active, so nothing waits for the queue.
//! - **Secrets are stored hashed.** SCIM tokens and session ids are kept as [`SecretHash`]
//!   (SHA-256) and compared in constant time.

#[cfg(feature = "sqlite")]
mod sql_filter;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use saml_sp::time::UnixTime;
use scim_core::store::ResourceStore;

use crate::audit::{AuditEvent, AuditPage, AuditQuery};
use crate::provisioning::{ChangeId, ChangeSignal, ClaimedBatch, FailedChange, Progress};

/// The future type of [`Store`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Errors of the storage layer.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed (I/O, corruption, a lock held longer than the busy timeout).
    #[error("storage backend error during {operation}: {detail}")]
    Backend {
        /// What the store was doing.
        operation: &'static str,
        /// The backend's message.
        detail: String,
    },
    /// The database was written by a newer version of this crate.
    #[error("database schema version {found} is newer than the supported version {supported}")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Highest version this build knows.
        supported: i64,
    },
    /// A value that must be unique already exists (e.g. an organization slug).
    #[error("{what} '{value}' already exists")]
    Conflict {
        /// What kind of value.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The named record does not exist.
    #[error("{what} '{key}' not found")]
    NotFound {
        /// What kind of record.
        what: &'static str,
        /// Its key.
        key: String,
    },
    /// A value given to the store is not acceptable (caller misuse or bad input).
    #[error("invalid {what}: {detail}")]
    InvalidInput {
        /// Which value.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A stored row could not be decoded (written by something else, or damaged).
    #[error("stored {what} is malformed: {detail}")]
    Corrupt {
        /// Which record.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
}

/// The numeric id of an organization: the key every other table is scoped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(i64);

impl OrgId {
    /// Wraps a stored id (as returned by [`OrgId::get`]).
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    /// The integer, for the host's own tables.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An organization's slug: the first DNS label of its host (`ORG` in `ORG.BASE`).
///
/// 1 to 63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-` (a DNS label
/// in lower case). Upper-case input is refused rather than folded, so a slug is one spelling.
///
/// ```
/// use okta_integration::store::OrgSlug;
/// assert_eq!(OrgSlug::try_from("test-org")?.as_str(), "test-org");
/// assert!(OrgSlug::try_from("Test_Org").is_err());
/// # Ok::<(), okta_integration::store::StoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgSlug(String);

impl OrgSlug {
    /// Longest slug (a DNS label).
    pub const MAX_LEN: usize = 63;

    /// The slug text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for OrgSlug {
    type Error = StoreError;

    fn try_from(s: &str) -> Result<Self, StoreError> {
        let bad = |detail: &str| StoreError::InvalidInput {
            what: "organization slug",
            detail: format!("'{}': {detail}", s.escape_debug()),
        };
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(bad("must be 1 to 63 characters"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(bad("only a-z, 0-9 and '-' are allowed"));
        }
        if s.starts_with('-') || s.ends_with('-') {
            return Err(bad("must not start or end with '-'"));
        }
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for OrgSlug {
    type Error = StoreError;

    fn try_from(s: String) -> Result<Self, StoreError> {
        Self::try_from(s.as_str())
    }
}

impl AsRef<str> for OrgSlug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization (tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// The id every table is keyed by.
    pub id: OrgId,
    /// The host label.
    pub slug: OrgSlug,
    /// The name shown to people.
    pub display_name: String,
    /// Whether requests to the bare base host (or an IP address) go to this organization.
    /// At most one organization is the default.
    pub is_default: bool,
    /// When it was created.
    pub created_at: UnixTime,
}

/// The SHA-256 of a secret (SCIM bearer token, session id). Only this is stored; comparison is
/// constant-time. `Debug` prints a short prefix only.
///
/// ```
/// use okta_integration::store::SecretHash;
/// let h = SecretHash::of("scim_token_value");
/// assert!(h.ct_eq(&SecretHash::of("scim_token_value")));
/// assert!(!h.ct_eq(&SecretHash::of("scim_token_valuE")));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    /// Hashes a secret.
    pub fn of(secret: &str) -> Self {
        let d = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
        let mut out = [0_u8; 32];
        out.copy_from_slice(d.as_ref());
        Self(out)
    }

    /// A hash read back from storage.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 hash bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.0.ct_eq(&other.0))
    }

    /// Whether `secret` hashes to this value (constant-time comparison of the hashes).
    pub fn matches(&self, secret: &str) -> bool {
        self.ct_eq(&Self::of(secret))
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, ..] = self.0;
        write!(f, "SecretHash({a:02x}{b:02x}{c:02x}{d:02x}…)")
    }
}

/// The identity-provider values an admin saves (already validated by the settings layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpSettings {
    /// Identity Provider Single Sign-On URL.
    pub sso_url: String,
    /// Identity Provider Issuer (entity id).
    pub issuer: String,
    /// Signing certificates, PEM text, in the order given.
    pub certificates: Vec<String>,
    /// The IdP metadata XML the values came from, when the admin pasted one.
    pub metadata_xml: Option<String>,
}

/// An organization's saved integration settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationSettings {
    /// The organization.
    pub org: OrgId,
    /// The identity-provider values.
    pub idp: IdpSettings,
    /// SHA-256 of the current SCIM bearer token.
    pub token_hash: SecretHash,
    /// First saved.
    pub created_at: UnixTime,
    /// Last saved (= when the current token was issued).
    pub updated_at: UnixTime,
}

/// What sign-in needs to know about a user of the SCIM store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInUser {
    /// The SCIM id.
    pub id: String,
    /// `userName` as stored (its case preserved).
    pub user_name: String,
    /// `active` (a user without the attribute counts as active, as in RFC 7643).
    pub active: bool,
    /// Whether the worker has delivered the user's creation to the host application.
    pub provisioned: bool,
}

/// A session to record. The session id itself never reaches the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the session id (the cookie value).
    pub id_hash: SecretHash,
    /// SCIM id of the signed-in user.
    pub user_id: String,
    /// `userName` (= NameID) of the signed-in user.
    pub user_name: String,
    /// When it was created.
    pub created_at: UnixTime,
    /// When it ends (bounded by the assertion's `SessionNotOnOrAfter`).
    pub expires_at: UnixTime,
}

/// A live session, as returned by [`Store::session`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The organization.
    pub org: OrgId,
    /// SCIM id of the user.
    pub user_id: String,
    /// `userName` of the user.
    pub user_name: String,
    /// When it was created.
    pub created_at: UnixTime,
    /// When it ends.
    pub expires_at: UnixTime,
}

/// State of an SP-initiated sign-in: the AuthnRequest id (checked against `InResponseTo`) and
/// the RelayState to return to. One-time: [`Store::take_request_state`] removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestState {
    /// The AuthnRequest `ID`.
    pub request_id: String,
    /// Where to go after sign-in (a relative path of the same organization).
    pub relay_state: Option<String>,
    /// When it was created.
    pub created_at: UnixTime,
    /// After this instant the state is refused.
    pub expires_at: UnixTime,
}

/// Storage for the whole integration; see the [module documentation](self) for the rules.
pub trait Store: Send + Sync + fmt::Debug {
    // ---- organizations ----

    /// Creates an organization. A second default replaces the first as default.
    /// [`StoreError::Conflict`] when the slug exists.
    fn create_organization<'a>(
        &'a self,
        slug: &'a OrgSlug,
        display_name: &'a str,
        is_default: bool,
    ) -> StoreFuture<'a, Organization>;

    /// An organization by slug.
    fn organization_by_slug<'a>(&'a self, slug: &'a str) -> StoreFuture<'a, Option<Organization>>;

    /// An organization by id.
    fn organization(&self, org: OrgId) -> StoreFuture<'_, Option<Organization>>;

    /// The default organization, if one is set.
    fn default_organization(&self) -> StoreFuture<'_, Option<Organization>>;

    /// Every organization, by slug.
    fn organizations(&self) -> StoreFuture<'_, Vec<Organization>>;

    /// Makes `org` the only default organization.
    fn set_default_organization(&self, org: OrgId) -> StoreFuture<'_, ()>;

    // ---- integration settings and SCIM token ----

    /// The saved settings, if any.
    fn integration_settings(&self, org: OrgId) -> StoreFuture<'_, Option<IntegrationSettings>>;

    /// Saves settings and the hash of a freshly issued SCIM token in one transaction: from
    /// the commit on, only the new token is accepted.
    fn save_integration_settings<'a>(
        &'a self,
        org: OrgId,
        idp: &'a IdpSettings,
        token_hash: SecretHash,
    ) -> StoreFuture<'a, IntegrationSettings>;

    /// Whether `token` is the organization's current SCIM token (hash compared in constant
    /// time). `false` when no token was issued.
    fn verify_scim_token<'a>(&'a self, org: OrgId, token: &'a str) -> StoreFuture<'a, bool>;

    // ---- SCIM resources ----

    /// The SCIM resource store of one organization. Every accepted change is written with its
    /// provisioning queue entries and audit record in one transaction.
    fn resources(&self, org: OrgId) -> Arc<dyn ResourceStore>;

    /// The user whose `userName` equals `user_name` case-insensitively, for sign-in.
    fn sign_in_user<'a>(
        &'a self,
        org: OrgId,
        user_name: &'a str,
    ) -> StoreFuture<'a, Option<SignInUser>>;

    // ---- sessions ----

    /// Records a session. [`StoreError::NotFound`] when the user does not exist in `org`.
    fn create_session<'a>(&'a self, org: OrgId, session: &'a NewSession) -> StoreFuture<'a, ()>;

    /// The session with this id hash, if it exists in `org`, has not expired at `now`, and its
    /// user still exists and is active.
    fn session(
        &self,
        org: OrgId,
        id_hash: SecretHash,
        now: UnixTime,
    ) -> StoreFuture<'_, Option<Session>>;

    /// Ends a session (sign-out). Ending an unknown session is not an error.
    fn revoke_session(&self, org: OrgId, id_hash: SecretHash) -> StoreFuture<'_, ()>;

    /// Ends every session of a user; returns how many there were.
    fn revoke_user_sessions<'a>(&'a self, org: OrgId, user_id: &'a str) -> StoreFuture<'a, u64>;

    // ---- SAML request state and replay ----

    /// Records the state of an SP-initiated sign-in.
    fn save_request_state<'a>(&'a self, org: OrgId, state: &'a RequestState)
    -> StoreFuture<'a, ()>;

    /// Removes and returns the state of `request_id` if it exists in `org` and has not expired
    /// at `now` (one-time: a second call returns `None`).
    fn take_request_state<'a>(
        &'a self,
        org: OrgId,
        request_id: &'a str,
        now: UnixTime,
    ) -> StoreFuture<'a, Option<RequestState>>;

    /// A persisted replay cache scoped to `org`, for [`saml_sp`]'s one-time-use check: an
    /// assertion id recorded before a restart stays refused after it.
    fn replay_cache(&self, org: OrgId) -> Arc<dyn saml_sp::ReplayCache>;

    /// Deletes expired sessions, request states and replay entries; returns how many rows.
    fn purge_expired(&self, now: UnixTime) -> StoreFuture<'_, u64>;

    // ---- audit log ----

    /// Appends an audit record (sign-ins, refusals, settings changes; SCIM changes are
    /// recorded by the resource store itself).
    fn append_audit<'a>(&'a self, org: OrgId, event: &'a AuditEvent) -> StoreFuture<'a, ()>;

    /// Audit records of `org`, newest first, one page at a time.
    fn audit_log<'a>(&'a self, org: OrgId, query: &'a AuditQuery) -> StoreFuture<'a, AuditPage>;

    // ---- provisioning queue ----

    /// Wakes the worker when a change is queued in this process.
    fn change_signal(&self) -> ChangeSignal;

    /// Leases up to `max` pending changes of one organization (oldest first, in change-id
    /// order, only when that organization has no other leased change and its oldest pending
    /// change is due at `now`). The lease lasts `lease` from `now`; an unacknowledged lease
    /// expires and the changes are delivered again.
    fn claim_batch(
        &self,
        max: usize,
        lease: Duration,
        now: UnixTime,
    ) -> StoreFuture<'_, Option<ClaimedBatch>>;

    /// Drops every organization's batch lease, so changes leased by a worker that died are
    /// delivered again at once instead of when the lease expires; returns how many leases were
    /// dropped. Call it at startup, and only when no other worker runs on this store (a live
    /// worker's batch would be delivered twice, which the host's idempotency absorbs).
    fn release_leases(&self) -> StoreFuture<'_, u64>;

    /// Marks changes as applied by the host application (idempotent).
    fn complete_changes<'a>(
        &'a self,
        org: OrgId,
        changes: &'a [ChangeId],
        now: UnixTime,
    ) -> StoreFuture<'a, ()>;

    /// Records a failed delivery of `change` with its reason: retried at `retry_at`, or marked
    /// failed for good when `retry_at` is `None`. The leases of `release` (the rest of the
    /// batch) are dropped so they are delivered again after it.
    fn record_failure<'a>(
        &'a self,
        org: OrgId,
        change: ChangeId,
        reason: &'a str,
        retry_at: Option<UnixTime>,
        release: &'a [ChangeId],
        now: UnixTime,
    ) -> StoreFuture<'a, ()>;

    /// Counts of queued, applied and failed changes, for the current push and in total.
    fn progress(&self, org: OrgId) -> StoreFuture<'_, Progress>;

    /// Changes that failed for good, newest first, at most `limit`.
    fn failed_changes(&self, org: OrgId, limit: usize) -> StoreFuture<'_, Vec<FailedChange>>;

    /// Queues the failed changes of `org` again; returns how many.
    fn retry_failed(&self, org: OrgId, now: UnixTime) -> StoreFuture<'_, u64>;
}

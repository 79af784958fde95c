//! The audit log: one append-only record per SCIM change, sign-in, refusal and settings change,
//! per organization, queryable newest first with paging.
//!
//! SCIM changes are recorded by the store in the same transaction as the change; sign-ins and
//! refusals are recorded by the handlers with the exact reason (the browser only sees a
//! message in the user's terms).

use saml_sp::time::UnixTime;

/// What happened.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditKind {
    /// A SCIM write was accepted (the action names it, e.g. `user.created`).
    ScimChange,
    /// A user signed in.
    SignIn,
    /// A sign-in was refused (the detail gives the exact reason).
    SignInRefused,
    /// Integration settings were saved and a new SCIM token issued.
    SettingsSaved,
    /// A SCIM request was refused (bad or missing bearer token).
    ScimAuthRefused,
    /// A session ended (sign-out or revocation).
    SessionEnded,
    /// Anything else the host records.
    Other,
}

impl AuditKind {
    /// Every kind, for parsing.
    pub const ALL: [Self; 7] = [
        Self::ScimChange,
        Self::SignIn,
        Self::SignInRefused,
        Self::SettingsSaved,
        Self::ScimAuthRefused,
        Self::SessionEnded,
        Self::Other,
    ];

    /// The stored name, e.g. `"sign_in_refused"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ScimChange => "scim_change",
            Self::SignIn => "sign_in",
            Self::SignInRefused => "sign_in_refused",
            Self::SettingsSaved => "settings_saved",
            Self::ScimAuthRefused => "scim_auth_refused",
            Self::SessionEnded => "session_ended",
            Self::Other => "other",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One audit record to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// When it happened.
    pub at: UnixTime,
    /// What kind of event.
    pub kind: AuditKind,
    /// A short machine-readable action, e.g. `user.deactivated`, `idp_initiated`.
    pub action: String,
    /// Who did it (the SCIM client, the signing-in user's NameID, an admin), when known.
    pub actor: Option<String>,
    /// What it was done to (a SCIM id, a userName), when there is one.
    pub subject: Option<String>,
    /// Free text: the exact refusal reason, the changed attributes.
    pub detail: String,
}

impl AuditEvent {
    /// An event with no actor or subject.
    pub fn new(at: UnixTime, kind: AuditKind, action: impl Into<String>) -> Self {
        Self {
            at,
            kind,
            action: action.into(),
            actor: None,
            subject: None,
            detail: String::new(),
        }
    }

    /// Sets the actor.
    #[must_use]
    pub fn with_actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Sets the subject.
    #[must_use]
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the detail.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// A stored audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the log (increasing; the paging cursor).
    pub seq: i64,
    /// The event.
    pub event: AuditEvent,
}

/// A page request: records older than `before` (all when `None`), at most `limit`, optionally
/// of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    /// Return records with `seq` below this (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Page size (capped at [`AuditQuery::MAX_LIMIT`]).
    pub limit: usize,
    /// Only this kind.
    pub kind: Option<AuditKind>,
}

impl AuditQuery {
    /// Largest page.
    pub const MAX_LIMIT: usize = 1000;

    /// The newest `limit` records of any kind.
    pub const fn latest(limit: usize) -> Self {
        Self {
            before: None,
            limit,
            kind: None,
        }
    }
}

/// One page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    /// The records.
    pub records: Vec<AuditRecord>,
    /// Cursor for the next (older) page, `None` at the end.
    pub next_before: Option<i64>,
}

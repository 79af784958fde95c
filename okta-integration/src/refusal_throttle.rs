//! A per-organization limit on how many refusals of unauthenticated requests reach the audit
//! log.
//!
//! Anyone can send a SCIM request with a wrong token or post a forged `SAMLResponse`, and
//! each refusal is an audit record: without a limit, a client in a loop grows the database
//! (and takes the store's write lock) once per request. Within each minute an organization
//! records at most the configured number of refusals of each kind; the rest are counted, and
//! when the next refusal of that kind arrives after the minute, one summary record says how
//! many were left out. Every refusal still goes to the `tracing` log with its reason.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::audit::{AuditEvent, AuditKind};
use crate::store::OrgId;

/// Length of one counting window, in seconds.
const WINDOW_SECONDS: i64 = 60;

/// Most (organization, kind) windows kept; beyond it, windows with nothing left to report
/// are dropped.
const MAX_WINDOWS: usize = 10_000;

/// The default number of refusals of each kind recorded per organization and minute.
pub(crate) const DEFAULT_REFUSALS_PER_MINUTE: u32 = 60;

/// Whether `kind` is a refusal of a request that proved nothing (no valid token, no valid
/// signed assertion), the kind of record anyone can cause.
pub(crate) const fn is_throttled(kind: AuditKind) -> bool {
    matches!(kind, AuditKind::ScimAuthRefused | AuditKind::SignInRefused)
}

/// What to write for one refusal.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Admission {
    /// A summary of the refusals left out of the previous window, written first.
    pub(crate) summary: Option<AuditEvent>,
    /// Whether the refusal itself is recorded.
    pub(crate) record: bool,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    recorded: u32,
    left_out: u64,
}

/// Counts refusals per organization and kind in one-minute windows.
#[derive(Debug)]
pub(crate) struct RefusalThrottle {
    per_minute: u32,
    windows: Mutex<HashMap<(OrgId, AuditKind), Window>>,
}

impl RefusalThrottle {
    /// A throttle recording at most `per_minute` refusals of each kind per organization.
    pub(crate) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Decides what to record for `event`, a refusal of organization `org`.
    pub(crate) fn admit(&self, org: OrgId, event: &AuditEvent) -> Admission {
        let now = event.at.as_unix_seconds();
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() >= MAX_WINDOWS && !windows.contains_key(&(org, event.kind)) {
            windows.retain(|_, w| w.left_out > 0 && now < w.start.saturating_add(WINDOW_SECONDS));
        }
        let window = windows.entry((org, event.kind)).or_insert(Window {
            start: now,
            recorded: 0,
            left_out: 0,
        });
        let mut summary = None;
        if now >= window.start.saturating_add(WINDOW_SECONDS) || now < window.start {
            if window.left_out > 0 {
                summary = Some(self.summary(event, window));
            }
            *window = Window {
                start: now,
                recorded: 0,
                left_out: 0,
            };
        }
        let record = window.recorded < self.per_minute;
        if record {
            window.recorded += 1;
        } else {
            window.left_out = window.left_out.saturating_add(1);
        }
        Admission { summary, record }
    }

    fn summary(&self, event: &AuditEvent, window: &Window) -> AuditEvent {
        let what = match event.kind {
            AuditKind::ScimAuthRefused => "SCIM requests refused for their bearer token",
            _ => "sign-ins refused",
        };
        AuditEvent::new(event.at, event.kind, "audit.refusals_not_recorded").with_detail(format!(
            "{} more {what} in the minute from {} (unix time) were not recorded: at most {} \
             are recorded per minute; the server log has each one",
            window.left_out, window.start, self.per_minute
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saml_sp::time::UnixTime;

    fn refusal(at: i64, kind: AuditKind) -> AuditEvent {
        AuditEvent::new(UnixTime::from_unix_seconds(at), kind, "refused")
    }

    fn recorded(throttle: &RefusalThrottle, org: OrgId, at: i64, kind: AuditKind) -> bool {
        let a = throttle.admit(org, &refusal(at, kind));
        assert_eq!(a.summary, None);
        a.record
    }

    #[test]
    fn records_the_limit_per_minute_then_summarizes_the_rest() {
        let t = RefusalThrottle::new(3);
        let org = OrgId::new(1);
        let kind = AuditKind::ScimAuthRefused;
        let decisions: Vec<bool> = (0..5).map(|i| recorded(&t, org, 1_000 + i, kind)).collect();
        assert_eq!(decisions, [true, true, true, false, false]);

        // The next refusal after the minute is recorded, after a summary of the two left out.
        let a = t.admit(org, &refusal(1_060, kind));
        assert!(a.record);
        let summary = a.summary.unwrap();
        assert_eq!(summary.kind, kind);
        assert_eq!(summary.action, "audit.refusals_not_recorded");
        assert_eq!(summary.at, UnixTime::from_unix_seconds(1_060));
        assert_eq!(
            summary.detail,
            "2 more SCIM requests refused for their bearer token in the minute from 1000 \
             (unix time) were not recorded: at most 3 are recorded per minute; the server log \
             has each one"
        );
        // A new window: two more fit, and no second summary.
        assert!(recorded(&t, org, 1_061, kind));
        assert!(recorded(&t, org, 1_062, kind));
        assert!(!recorded(&t, org, 1_063, kind));
    }

    #[test]
    fn organizations_and_kinds_are_counted_apart() {
        let t = RefusalThrottle::new(1);
        assert!(recorded(&t, OrgId::new(1), 10, AuditKind::ScimAuthRefused));
        assert!(!recorded(&t, OrgId::new(1), 11, AuditKind::ScimAuthRefused));
        assert!(recorded(&t, OrgId::new(2), 12, AuditKind::ScimAuthRefused));
        assert!(recorded(&t, OrgId::new(1), 13, AuditKind::SignInRefused));
        let a = t.admit(OrgId::new(1), &refusal(75, AuditKind::SignInRefused));
        assert_eq!((a.summary, a.record), (None, true));
    }

    #[test]
    fn a_clock_that_moves_back_starts_a_new_window() {
        let t = RefusalThrottle::new(1);
        let kind = AuditKind::SignInRefused;
        assert!(recorded(&t, OrgId::new(1), 500, kind));
        assert!(!recorded(&t, OrgId::new(1), 501, kind));
        let a = t.admit(OrgId::new(1), &refusal(400, kind));
        assert!(a.record);
        assert_eq!(
            a.summary.map(|s| s.detail),
            Some(
                "1 more sign-ins refused in the minute from 500 (unix time) were not \
                 recorded: at most 1 are recorded per minute; the server log has each one"
                    .to_owned()
            )
        );
    }

    #[test]
    fn only_refusals_of_unauthenticated_requests_are_throttled() {
        let throttled: Vec<AuditKind> = AuditKind::ALL
            .into_iter()
            .filter(|k| is_throttled(*k))
            .collect();
        assert_eq!(
            throttled,
            [AuditKind::SignInRefused, AuditKind::ScimAuthRefused]
        );
    }
}

//! Protocol checks on a verified assertion (SAML profiles §4.1.4.2-3, core §2.4-2.5).
//!
//! In order: the `Version` of the Response and of the Assertion (`2.0`), issuer, destination,
//! no condition we do not understand, the conditions' time window, `IssueInstant`s not in the
//! future, the lifetime of the conditions, a bearer subject confirmation (recipient, time window
//! and lifetime), audiences, `InResponseTo`, and one-time use. Time windows allow the configured
//! clock skew on both ends; `NotOnOrAfter` is exclusive.
//!
//! The lifetime bound (`NotOnOrAfter` at most [`SpConfig::max_assertion_lifetime`] after the
//! Assertion's `IssueInstant`, itself at most the skew in the future) bounds how long a replay
//! cache entry lives: now + 2 × skew + the maximum lifetime at the latest.

use std::time::Duration;

use crate::assertion::{Assertion, BEARER, ConfirmationData};
use crate::config::SpConfig;
use crate::error::ValidationError;
use crate::ids::RequestId;
use crate::replay::ReplayRefusal;
use crate::response::Envelope;
use crate::time::UnixTime;
use crate::verified::{Authenticated, Verified};

/// Checks `[not_before, not_on_or_after)` against `now` with `skew` on both ends.
fn check_window(
    not_before: Option<UnixTime>,
    not_on_or_after: Option<UnixTime>,
    now: UnixTime,
    skew: Duration,
) -> Result<(), ValidationError> {
    if let Some(not_before) = not_before {
        if now.saturating_add(skew) < not_before {
            return Err(ValidationError::NotYetValid { not_before, now });
        }
    }
    if let Some(not_on_or_after) = not_on_or_after {
        if now.saturating_sub(skew) >= not_on_or_after {
            return Err(ValidationError::Expired {
                not_on_or_after,
                now,
            });
        }
    }
    Ok(())
}

/// Checks that `not_on_or_after` is at most the configured lifetime after `issue_instant`.
fn check_lifetime(
    field: &'static str,
    issue_instant: UnixTime,
    not_on_or_after: Option<UnixTime>,
    max_lifetime: Duration,
) -> Result<(), ValidationError> {
    match not_on_or_after {
        Some(not_on_or_after) if not_on_or_after > issue_instant.saturating_add(max_lifetime) => {
            Err(ValidationError::Lifetime {
                field,
                issue_instant,
                not_on_or_after,
                max_lifetime,
            })
        }
        _ => Ok(()),
    }
}

/// Finds a fully valid bearer confirmation, or says why there is none (the first bearer
/// confirmation's problem, since the IdP sends one in practice).
fn bearer_confirmation<'a>(
    assertion: &'a Assertion,
    config: &SpConfig,
    now: UnixTime,
) -> Result<&'a ConfirmationData, ValidationError> {
    let mut first_error = None;
    for confirmation in assertion
        .confirmations
        .iter()
        .filter(|c| c.method == BEARER)
    {
        let outcome = match &confirmation.data {
            None => Err(ValidationError::SubjectConfirmation {
                detail: "no SubjectConfirmationData",
            }),
            Some(data) => {
                if data.recipient.as_deref() != Some(config.acs_url.as_str()) {
                    Err(ValidationError::Recipient {
                        expected: config.acs_url.as_str().to_owned(),
                        found: data.recipient.clone(),
                    })
                } else if data.not_on_or_after.is_none() {
                    Err(ValidationError::SubjectConfirmation {
                        detail: "no NotOnOrAfter",
                    })
                } else {
                    match check_window(
                        data.not_before,
                        data.not_on_or_after,
                        now,
                        config.clock_skew,
                    ) {
                        Ok(()) => check_lifetime(
                            "SubjectConfirmationData NotOnOrAfter",
                            assertion.issue_instant(),
                            data.not_on_or_after,
                            config.max_assertion_lifetime,
                        )
                        .map(|()| data),
                        Err(ValidationError::NotYetValid { .. }) => {
                            Err(ValidationError::SubjectConfirmation {
                                detail: "not valid yet (NotBefore)",
                            })
                        }
                        Err(_) => Err(ValidationError::SubjectConfirmation {
                            detail: "expired (NotOnOrAfter)",
                        }),
                    }
                }
            }
        };
        match outcome {
            Ok(data) => return Ok(data),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(ValidationError::SubjectConfirmation {
        detail: "no bearer SubjectConfirmation",
    }))
}

/// Runs every protocol check and records the assertion as used.
pub(crate) fn validate(
    verified: Verified<Assertion>,
    envelope: &Envelope,
    config: &SpConfig,
    expected_request: Option<&RequestId>,
    now: UnixTime,
) -> Result<Authenticated, ValidationError> {
    let assertion = verified.get();
    let idp = config.idp.entity_id().as_str();

    // SAML 2.0 only (core §3.2.2 and §2.3.3: a message of another version is not understood).
    if envelope.is_response && envelope.version.as_deref() != Some("2.0") {
        return Err(ValidationError::Version {
            element: "Response",
            found: envelope.version.clone(),
        });
    }
    if assertion.version.as_deref() != Some("2.0") {
        return Err(ValidationError::Version {
            element: "Assertion",
            found: assertion
                .version
                .as_deref()
                .map(|v| v.chars().take(64).collect()),
        });
    }

    // Issuer: the assertion's always, the response's when present.
    if assertion.issuer() != Some(idp) {
        return Err(ValidationError::Issuer {
            expected: idp.to_owned(),
            found: assertion.issuer().map(|i| i.chars().take(1024).collect()),
        });
    }
    if let Some(issuer) = &envelope.issuer {
        if issuer != idp {
            return Err(ValidationError::Issuer {
                expected: idp.to_owned(),
                found: Some(issuer.chars().take(1024).collect()),
            });
        }
    }

    if let Some(destination) = &envelope.destination {
        if destination != config.acs_url.as_str() {
            return Err(ValidationError::Destination {
                expected: config.acs_url.as_str().to_owned(),
                found: destination.chars().take(1024).collect(),
            });
        }
    }

    // A condition we do not understand makes the assertion Indeterminate (core §2.5.1.1).
    let conditions = assertion.conditions.as_ref();
    if let Some(unknown) = conditions.and_then(|c| c.unknown.as_ref()) {
        return Err(ValidationError::UnknownCondition {
            namespace: unknown.namespace.clone(),
            local: unknown.local.clone(),
            xsi_type: unknown.xsi_type.clone(),
        });
    }

    // The assertion's own validity window first (an assertion that is wholly expired or not
    // yet valid reports `expired` or `not_yet_valid`), then its issue instants and lifetime,
    // then the bearer confirmation (its own window reports `subject_confirmation`, its lifetime
    // `lifetime`).
    check_window(
        conditions.and_then(|c| c.not_before),
        conditions.and_then(|c| c.not_on_or_after),
        now,
        config.clock_skew,
    )?;

    // Nothing may have been issued after now (plus the skew).
    let latest_issue = now.saturating_add(config.clock_skew);
    let issued = [
        ("Response", envelope.issue_instant),
        ("Assertion", Some(assertion.issue_instant())),
    ];
    for (element, issue_instant) in issued {
        if let Some(issue_instant) = issue_instant.filter(|i| *i > latest_issue) {
            return Err(ValidationError::IssuedInFuture {
                element,
                issue_instant,
                now,
            });
        }
    }

    check_lifetime(
        "Conditions NotOnOrAfter",
        assertion.issue_instant(),
        conditions.and_then(|c| c.not_on_or_after),
        config.max_assertion_lifetime,
    )?;

    let confirmation = bearer_confirmation(assertion, config, now)?;
    let restrictions = conditions.map_or(&[][..], |c| c.audience_restrictions.as_slice());
    let entity_id = config.entity_id.as_str();
    if restrictions.is_empty() && !config.danger.missing_audience_restriction_allowed() {
        return Err(ValidationError::Audience {
            expected: entity_id.to_owned(),
            found: Vec::new(),
        });
    }
    if let Some(failing) = restrictions
        .iter()
        .find(|audiences| !audiences.iter().any(|a| a == entity_id))
    {
        return Err(ValidationError::Audience {
            expected: entity_id.to_owned(),
            found: failing.iter().take(16).cloned().collect(),
        });
    }

    // InResponseTo: every value present must be the expected request; with a request expected
    // at least one must be present; without one, none may be.
    let present: Vec<&str> = [
        envelope.in_response_to.as_deref(),
        confirmation.in_response_to.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    match expected_request {
        Some(expected) => {
            // The Response envelope may be unsigned (only the Assertion signed), so its value
            // alone proves nothing: the bearer confirmation inside the covered Assertion must
            // name the request (SAML profiles §4.1.4.2), and any other value must agree.
            let mismatch = present.iter().find(|v| **v != expected.as_str());
            if confirmation.in_response_to.is_none() || mismatch.is_some() {
                return Err(ValidationError::InResponseTo {
                    expected: Some(expected.as_str().to_owned()),
                    found: mismatch.map(|v| v.chars().take(256).collect()),
                });
            }
        }
        None => {
            if let Some(found) = present.first() {
                return Err(ValidationError::InResponseTo {
                    expected: None,
                    found: Some(found.chars().take(256).collect()),
                });
            }
            if !config.allow_unsolicited {
                return Err(ValidationError::Unsolicited);
            }
        }
    }

    // One-time use, until the assertion could not be accepted anyway (bounded by the lifetime
    // checks above). This also enforces any `OneTimeUse` condition.
    let confirmation_end = confirmation.not_on_or_after.unwrap_or(now);
    let latest = conditions
        .and_then(|c| c.not_on_or_after)
        .map_or(confirmation_end, |c| c.max(confirmation_end));
    let expires_at = latest.saturating_add(config.clock_skew);
    let key = format!("{idp}\n{}", assertion.id());
    match config.replay_cache.check_and_record(&key, expires_at, now) {
        Ok(()) => {}
        Err(ReplayRefusal::AlreadyUsed) => {
            return Err(ValidationError::Replay {
                assertion_id: assertion.id().chars().take(256).collect(),
            });
        }
        Err(ReplayRefusal::Full) => return Err(ValidationError::ReplayCacheFull),
    }

    let in_response_to = expected_request.map(|r| r.as_str().to_owned());
    Ok(Authenticated::new(
        verified,
        in_response_to,
        confirmation_end,
    ))
}

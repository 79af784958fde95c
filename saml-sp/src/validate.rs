//! Protocol checks on a verified assertion (SAML profiles §4.1.4.2-3, core §2.5).
//!
//! In order: issuer, destination, the conditions' time window, a bearer subject confirmation
//! (recipient and time window), audiences, `InResponseTo`, and one-time use. Time windows allow the
//! configured clock skew on both ends; `NotOnOrAfter` is exclusive.

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
    skew: std::time::Duration,
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
                        Ok(()) => Ok(data),
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

    // The assertion's own validity window first (an assertion that is wholly expired reports
    // `expired`), then the bearer confirmation (its own window reports `subject_confirmation`).
    let conditions = assertion.conditions.as_ref();
    check_window(
        conditions.and_then(|c| c.not_before),
        conditions.and_then(|c| c.not_on_or_after),
        now,
        config.clock_skew,
    )?;

    let confirmation = bearer_confirmation(assertion, config, now)?;
    let restrictions = conditions.map_or(&[][..], |c| c.audience_restrictions.as_slice());
    let entity_id = config.entity_id.as_str();
    if restrictions.is_empty() {
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

    // One-time use, until the assertion could not be accepted anyway.
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

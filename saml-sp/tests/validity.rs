//! The checks on what a signed assertion says about itself: `Version`, `IssueInstant`, UTC
//! timestamps, conditions we do not understand, the maximum lifetime and a missing
//! `AudienceRestriction`. Each case changes one value of an otherwise valid signed response
//! (`common::signing`) and asserts the exact error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is the failure report"
)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::signing::{
    ACS_URL, ASSERTION_ID, ISSUER, NAME_ID, Response, SAML, SP_ENTITY_ID, idp_certificate,
};
use common::{at, sp};
use saml_sp::danger::DangerousOptions;
use saml_sp::time::UnixTime;
use saml_sp::{
    Authenticated, Error, ReplayCache, ReplayRefusal, ShapeError, SpConfig, SpConfigBuilder,
    ValidationError,
};

fn builder() -> SpConfigBuilder {
    sp(SP_ENTITY_ID, ACS_URL, ISSUER, &idp_certificate()).allow_unsolicited_responses(true)
}

fn config() -> SpConfig {
    builder().build().unwrap()
}

fn verify_with(config: &SpConfig, response: &Response, now: &str) -> Result<Authenticated, Error> {
    config.verify_response(response.signed().as_bytes(), None, at(now))
}

fn verify(response: &Response) -> Result<Authenticated, Error> {
    verify_with(&config(), response, Response::NOW)
}

/// The validation error refusing `response`.
fn refusal(response: &Response) -> ValidationError {
    match verify(response) {
        Err(Error::Validation(e)) => e,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn the_unchanged_response_verifies() {
    let user = verify(&Response::default()).unwrap();
    assert_eq!(user.name_id().value(), NAME_ID);
    assert_eq!(user.assertion_id(), ASSERTION_ID);
}

// ---------------------------------------------------------------- conditions

#[test]
fn a_condition_we_do_not_understand_is_refused() {
    let with = |extra: &str| Response {
        conditions: format!("{}{extra}", Response::audience(SP_ENTITY_ID)),
        ..Response::default()
    };
    let typed = with(
        "<saml:Condition xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:ex=\"urn:example:conditions\" xsi:type=\"ex:OfficeHoursOnly\"/>",
    );
    let error = refusal(&typed);
    assert_eq!(
        error,
        ValidationError::UnknownCondition {
            namespace: SAML.to_owned(),
            local: "Condition".to_owned(),
            xsi_type: Some("ex:OfficeHoursOnly".to_owned()),
        }
    );
    assert_eq!(error.check(), "condition");
    assert_eq!(
        error.to_string(),
        "unknown condition {urn:oasis:names:tc:SAML:2.0:assertion}Condition \
         (xsi:type \"ex:OfficeHoursOnly\")"
    );

    let foreign = with("<ex:Custom xmlns:ex=\"urn:example:conditions\">x</ex:Custom>");
    assert_eq!(
        refusal(&foreign),
        ValidationError::UnknownCondition {
            namespace: "urn:example:conditions".to_owned(),
            local: "Custom".to_owned(),
            xsi_type: None,
        }
    );

    // A SAML element that is not a condition, and a condition name in another namespace.
    let misplaced = with("<saml:Audience>https://acme.example.com</saml:Audience>");
    assert_eq!(
        refusal(&misplaced),
        ValidationError::UnknownCondition {
            namespace: SAML.to_owned(),
            local: "Audience".to_owned(),
            xsi_type: None,
        }
    );
    let lookalike = with("<x:OneTimeUse xmlns:x=\"urn:oasis:names:tc:SAML:1.0:assertion\"/>");
    assert_eq!(
        refusal(&lookalike),
        ValidationError::UnknownCondition {
            namespace: "urn:oasis:names:tc:SAML:1.0:assertion".to_owned(),
            local: "OneTimeUse".to_owned(),
            xsi_type: None,
        }
    );
}

#[test]
fn one_time_use_and_proxy_restriction_are_accepted() {
    let response = Response {
        conditions: format!(
            "{}<saml:OneTimeUse/><saml:ProxyRestriction Count=\"0\">\
             <saml:Audience>https://other.example.com</saml:Audience></saml:ProxyRestriction>",
            Response::audience(SP_ENTITY_ID)
        ),
        ..Response::default()
    };
    let config = config();
    let user = verify_with(&config, &response, Response::NOW).unwrap();
    assert_eq!(user.name_id().value(), NAME_ID);
    // OneTimeUse is what the replay cache does for every assertion.
    match verify_with(&config, &response, Response::NOW) {
        Err(Error::Validation(e)) => assert_eq!(
            e,
            ValidationError::Replay {
                assertion_id: ASSERTION_ID.to_owned()
            }
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_time_use_and_proxy_restriction_at_most_once() {
    for element in ["OneTimeUse", "ProxyRestriction"] {
        let response = Response {
            conditions: format!(
                "{}<saml:{element}/><saml:{element}/>",
                Response::audience(SP_ENTITY_ID)
            ),
            ..Response::default()
        };
        match verify(&response) {
            Err(Error::Shape(e)) => assert_eq!(
                e,
                ShapeError::Repeated {
                    element,
                    parent: "Conditions"
                }
            ),
            other => panic!("{element}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- Version

#[test]
fn version_must_be_2_0() {
    let cases = [
        (
            Response {
                assertion_version: Some("2.1".to_owned()),
                ..Response::default()
            },
            ValidationError::Version {
                element: "Assertion",
                found: Some("2.1".to_owned()),
            },
            "Assertion Version \"2.1\" is not \"2.0\"",
        ),
        (
            Response {
                assertion_version: None,
                ..Response::default()
            },
            ValidationError::Version {
                element: "Assertion",
                found: None,
            },
            "Assertion Version (none) is not \"2.0\"",
        ),
        (
            Response {
                assertion_version: Some("2.0 ".to_owned()),
                ..Response::default()
            },
            ValidationError::Version {
                element: "Assertion",
                found: Some("2.0 ".to_owned()),
            },
            "Assertion Version \"2.0 \" is not \"2.0\"",
        ),
        (
            Response {
                response_version: Some("1.1".to_owned()),
                ..Response::default()
            },
            ValidationError::Version {
                element: "Response",
                found: Some("1.1".to_owned()),
            },
            "Response Version \"1.1\" is not \"2.0\"",
        ),
        (
            Response {
                response_version: None,
                ..Response::default()
            },
            ValidationError::Version {
                element: "Response",
                found: None,
            },
            "Response Version (none) is not \"2.0\"",
        ),
    ];
    for (response, expected, message) in cases {
        let error = refusal(&response);
        assert_eq!(error, expected);
        assert_eq!(error.check(), "version");
        assert_eq!(error.to_string(), message);
    }
}

// ---------------------------------------------------------------- IssueInstant

#[test]
fn issue_instant_in_the_future_is_refused_beyond_the_skew() {
    // Now is 09:31:00; the default skew is 3 minutes. Conditions and confirmation stay valid.
    let issued_at = |instant: &str| Response {
        issue_instant: instant.to_owned(),
        ..Response::default()
    };
    assert!(verify(&issued_at("2030-06-15T09:34:00.000Z")).is_ok());
    assert_eq!(
        refusal(&issued_at("2030-06-15T09:34:00.001Z")),
        ValidationError::IssuedInFuture {
            element: "Assertion",
            issue_instant: at("2030-06-15T09:34:00.001Z"),
            now: at(Response::NOW),
        }
    );
    let response_issued_at = Response {
        response_issue_instant: "2030-06-15T09:40:00Z".to_owned(),
        ..Response::default()
    };
    let error = refusal(&response_issued_at);
    assert_eq!(
        error,
        ValidationError::IssuedInFuture {
            element: "Response",
            issue_instant: at("2030-06-15T09:40:00Z"),
            now: at(Response::NOW),
        }
    );
    assert_eq!(error.check(), "issue_instant");
    assert_eq!(
        error.to_string(),
        "Response IssueInstant 2030-06-15T09:40:00Z is in the future (now 2030-06-15T09:31:00Z)"
    );
    // A larger configured skew accepts it.
    let lenient = builder()
        .with_clock_skew(Duration::from_secs(600))
        .build()
        .unwrap();
    assert!(verify_with(&lenient, &response_issued_at, Response::NOW).is_ok());
}

#[test]
fn the_response_issue_instant_is_required() {
    // Only the Assertion is signed: the Response attribute can be removed.
    let signed = Response::default().signed();
    let without = signed.replacen(" IssueInstant=\"2030-06-15T09:30:00.000Z\"", "", 1);
    assert!(without.contains("<saml:Assertion ID=\"id-assertion-0001\" IssueInstant="));
    match config().verify_response(without.as_bytes(), None, at(Response::NOW)) {
        Err(Error::Shape(e)) => assert_eq!(
            e,
            ShapeError::MissingAttribute {
                attribute: "IssueInstant",
                element: "Response"
            }
        ),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- UTC timestamps

#[test]
fn timestamps_must_be_utc() {
    type Set = fn(&mut Response, String);
    let fields: [(&str, &str, Set); 6] = [
        ("Response IssueInstant", "2030-06-15T09:30:00", |r, v| {
            r.response_issue_instant = v
        }),
        ("Assertion IssueInstant", "2030-06-15T09:30:00", |r, v| {
            r.issue_instant = v;
        }),
        (
            "SubjectConfirmationData NotOnOrAfter",
            "2030-06-15T09:35:00",
            |r, v| r.confirmation_not_on_or_after = v,
        ),
        ("Conditions NotBefore", "2030-06-15T09:25:00", |r, v| {
            r.not_before = v;
        }),
        ("Conditions NotOnOrAfter", "2030-06-15T09:35:00", |r, v| {
            r.not_on_or_after = v;
        }),
        ("AuthnInstant", "2030-06-15T09:02:11", |r, v| {
            r.authn_instant = v;
        }),
    ];
    for (field, local, set) in fields {
        // The same instant with an explicit zero offset is UTC.
        let mut zero = Response::default();
        set(&mut zero, format!("{local}+00:00"));
        assert!(verify(&zero).is_ok(), "{field} +00:00");

        let mut missing = Response::default();
        set(&mut missing, local.to_owned());
        let error = refusal(&missing);
        assert_eq!(
            error,
            ValidationError::TimestampZone {
                field,
                value: local.to_owned(),
                reason: "timestamp has no time zone (SAML requires UTC, written with a 'Z')"
                    .to_owned(),
            },
            "{field}"
        );
        assert_eq!(error.check(), "timestamp_zone");

        // 11:30+02:00 is the right instant, but not written in UTC.
        let mut offset = Response::default();
        let shifted = local.replacen("T09:", "T11:", 1);
        set(&mut offset, format!("{shifted}+02:00"));
        assert_eq!(
            refusal(&offset),
            ValidationError::TimestampZone {
                field,
                value: format!("{shifted}+02:00"),
                reason: "timestamp has the offset 120 minutes (SAML requires UTC)".to_owned(),
            },
            "{field}"
        );
    }
}

#[test]
fn an_unreadable_timestamp_is_a_shape_error() {
    let response = Response {
        not_before: "yesterday".to_owned(),
        ..Response::default()
    };
    match verify(&response) {
        Err(Error::Shape(e)) => assert_eq!(
            e,
            ShapeError::InvalidTimestamp {
                field: "Conditions NotBefore",
                value: "yesterday".to_owned()
            }
        ),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- lifetime

/// A replay cache that records the expiry it is given.
#[derive(Debug, Default)]
struct RecordingCache {
    expiries: Mutex<Vec<UnixTime>>,
}

impl ReplayCache for RecordingCache {
    fn check_and_record(
        &self,
        _key: &str,
        expires_at: UnixTime,
        _now: UnixTime,
    ) -> Result<(), ReplayRefusal> {
        self.expiries.lock().unwrap().push(expires_at);
        Ok(())
    }
}

#[test]
fn an_assertion_valid_for_ever_is_refused() {
    let forever = "9999-12-31T23:59:59Z";
    let conditions = Response {
        not_on_or_after: forever.to_owned(),
        ..Response::default()
    };
    let error = refusal(&conditions);
    assert_eq!(
        error,
        ValidationError::Lifetime {
            field: "Conditions NotOnOrAfter",
            issue_instant: at("2030-06-15T09:30:00Z"),
            not_on_or_after: at(forever),
            max_lifetime: Duration::from_secs(86_400),
        }
    );
    assert_eq!(error.check(), "lifetime");
    assert_eq!(
        error.to_string(),
        "Conditions NotOnOrAfter 9999-12-31T23:59:59Z is more than 86400s after IssueInstant \
         2030-06-15T09:30:00Z"
    );

    let confirmation = Response {
        confirmation_not_on_or_after: forever.to_owned(),
        ..Response::default()
    };
    assert_eq!(
        refusal(&confirmation),
        ValidationError::Lifetime {
            field: "SubjectConfirmationData NotOnOrAfter",
            issue_instant: at("2030-06-15T09:30:00Z"),
            not_on_or_after: at(forever),
            max_lifetime: Duration::from_secs(86_400),
        }
    );
}

#[test]
fn lifetime_bound_is_inclusive_and_configurable() {
    let day_later = Response {
        not_on_or_after: "2030-06-16T09:30:00Z".to_owned(),
        confirmation_not_on_or_after: "2030-06-16T09:30:00Z".to_owned(),
        ..Response::default()
    };
    assert!(verify(&day_later).is_ok());
    let a_bit_more = Response {
        not_on_or_after: "2030-06-16T09:30:00.001Z".to_owned(),
        ..day_later.clone()
    };
    assert_eq!(refusal(&a_bit_more).check(), "lifetime");

    let hour = builder()
        .with_max_assertion_lifetime(Duration::from_secs(3600))
        .build()
        .unwrap();
    match verify_with(&hour, &day_later, Response::NOW) {
        Err(Error::Validation(e)) => assert_eq!(
            e,
            ValidationError::Lifetime {
                field: "Conditions NotOnOrAfter",
                issue_instant: at("2030-06-15T09:30:00Z"),
                not_on_or_after: at("2030-06-16T09:30:00Z"),
                max_lifetime: Duration::from_secs(3600),
            }
        ),
        other => panic!("{other:?}"),
    }

    let forever = Response {
        not_on_or_after: "9999-12-31T23:59:59Z".to_owned(),
        confirmation_not_on_or_after: "9999-12-31T23:59:59Z".to_owned(),
        ..Response::default()
    };
    let unbounded = builder()
        .with_max_assertion_lifetime(Duration::MAX)
        .build()
        .unwrap();
    assert!(verify_with(&unbounded, &forever, Response::NOW).is_ok());
}

#[test]
fn replay_cache_expiry_is_bounded_by_the_lifetime() {
    let cache = Arc::new(RecordingCache::default());
    let config = builder().with_replay_cache(cache.clone()).build().unwrap();
    let longest = Response {
        not_on_or_after: "2030-06-16T09:30:00Z".to_owned(),
        confirmation_not_on_or_after: "2030-06-16T09:00:00Z".to_owned(),
        ..Response::default()
    };
    verify_with(&config, &longest, Response::NOW).unwrap();
    // The later NotOnOrAfter plus the skew: at most IssueInstant + 24 h + 3 min.
    assert_eq!(
        *cache.expiries.lock().unwrap(),
        [at("2030-06-16T09:33:00Z")]
    );
}

// ---------------------------------------------------------------- audience

#[test]
fn missing_audience_restriction_needs_the_dangerous_option() {
    let without = Response {
        conditions: String::new(),
        ..Response::default()
    };
    assert_eq!(
        refusal(&without),
        ValidationError::Audience {
            expected: SP_ENTITY_ID.to_owned(),
            found: Vec::new(),
        }
    );

    let danger = DangerousOptions::default().allow_missing_audience_restriction();
    assert!(danger.missing_audience_restriction_allowed());
    assert!(!danger.sha1_allowed());
    let lenient = builder().dangerous(danger).build().unwrap();
    let user = verify_with(&lenient, &without, Response::NOW).unwrap();
    assert_eq!(user.name_id().value(), NAME_ID);

    // A restriction that is present must still name us.
    let elsewhere = Response {
        conditions: Response::audience("https://other.example.com"),
        ..Response::default()
    };
    match verify_with(&lenient, &elsewhere, Response::NOW) {
        Err(Error::Validation(e)) => assert_eq!(
            e,
            ValidationError::Audience {
                expected: SP_ENTITY_ID.to_owned(),
                found: vec!["https://other.example.com".to_owned()],
            }
        ),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- messages

#[test]
fn issuer_messages_print_the_value_or_none() {
    let other = builder().build().unwrap();
    let wrong_idp = sp(
        SP_ENTITY_ID,
        ACS_URL,
        "http://www.okta.com/other",
        &idp_certificate(),
    )
    .allow_unsolicited_responses(true)
    .build()
    .unwrap();
    let error = verify_with(&wrong_idp, &Response::default(), Response::NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "issuer \"http://www.okta.com/exk5vect0rs0000h7x8\" is not the configured IdP \
         \"http://www.okta.com/other\""
    );
    let no_issuer = Response {
        assertion_issuer: None,
        ..Response::default()
    };
    let error = verify_with(&other, &no_issuer, Response::NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "issuer (none) is not the configured IdP \"http://www.okta.com/exk5vect0rs0000h7x8\""
    );
}

//! The four Okta-style bench responses verify with the settings of their MANIFEST, from both
//! the base64 form value and the raw XML. They are valid until 2099, so the maximum assertion
//! lifetime is raised for them (the default refuses them, see `default_lifetime_refuses_them`).

mod common;

use common::{BENCH_MAX_LIFETIME, at, fixture, fixture_text, sp};
use saml_sp::{Error, SpConfig, ValidationError};

const ENTITY_ID: &str = "https://test-org.example.com";
const ACS: &str = "https://test-org.example.com/okta/auth";
const ISSUER: &str = "http://www.okta.com/exk1fcr9ohpkXjQ0l0h8";
const FILES: [&str; 4] = [
    "response_assertion_signed",
    "response_response_signed",
    "response_both_signed",
    "response_large_both_signed",
];

#[allow(
    clippy::unwrap_used,
    reason = "test helper: a panic is the failure report"
)]
fn config() -> SpConfig {
    sp(ENTITY_ID, ACS, ISSUER, &fixture_text("bench/idp.crt"))
        .allow_unsolicited_responses(true)
        .with_max_assertion_lifetime(BENCH_MAX_LIFETIME)
        .build()
        .unwrap()
}

#[test]
fn bench_responses_verify_from_form_value_and_xml() {
    let now = at("2026-06-01T00:00:00Z");
    for file in FILES {
        for ext in ["b64", "xml"] {
            // A fresh config each time: the replay cache would refuse the second use.
            let auth = config()
                .verify_response(&fixture(&format!("bench/{file}.{ext}")), None, now)
                .unwrap_or_else(|e| panic!("{file}.{ext}: {e} ({})", e.check()));
            assert_eq!(auth.issuer(), ISSUER, "{file}");
            assert_eq!(auth.in_response_to(), None);
            assert!(!auth.name_id().value().is_empty());
            assert!(!auth.attributes().is_empty());
        }
    }
}

#[test]
fn bench_response_model_values() {
    let now = at("2026-06-01T00:00:00Z");
    let auth = config()
        .verify_response(&fixture("bench/response_both_signed.xml"), None, now)
        .unwrap();
    let name_id = auth.name_id();
    assert_eq!(name_id.value(), "jane.doe@example.com");
    assert_eq!(
        name_id.format(),
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    );
    assert_eq!(name_id.name_qualifier(), None);
    assert_eq!(name_id.sp_name_qualifier(), None);
    assert_eq!(auth.session_index(), Some("id42118831648206581553927581"));
    assert_eq!(auth.assertion_id(), "id42118831648206581553927581");
    assert_eq!(auth.authn_instant(), Some(at("2025-01-01T00:00:00Z")));
    assert_eq!(auth.session_not_on_or_after(), None);
    assert_eq!(auth.not_on_or_after(), at("2099-12-31T23:59:59Z"));
    let attributes: Vec<(&str, Vec<&str>)> = auth
        .attributes()
        .iter()
        .map(|a| (a.name(), a.values().iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        attributes,
        [
            ("firstName", vec!["Jane"]),
            ("lastName", vec!["Doe"]),
            ("email", vec!["jane.doe@example.com"]),
            ("login", vec!["jane.doe@example.com"]),
            ("department", vec!["Engineering"]),
            ("groups", vec!["Everyone", "Engineering", "okta-admins"]),
        ]
    );
    assert!(auth.attributes().iter().all(|a| a.friendly_name().is_none()
        && a.name_format() == Some("urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified")));
}

#[test]
fn second_use_is_a_replay() {
    let now = at("2026-06-01T00:00:00Z");
    let sp = config();
    let input = fixture("bench/response_assertion_signed.b64");
    sp.verify_response(&input, None, now).unwrap();
    assert_eq!(
        sp.verify_response(&input, None, now).unwrap_err().check(),
        "replay"
    );
}

#[test]
fn unverified_issuer_then_verify() {
    let input = fixture("bench/response_both_signed.b64");
    let parsed = saml_sp::UnverifiedResponse::parse(&input, &saml_sp::Limits::default()).unwrap();
    assert_eq!(parsed.unverified_issuer().as_deref(), Some(ISSUER));
    assert_eq!(parsed.unverified_in_response_to(), None);
    let auth = config()
        .verify_parsed_response(&parsed, None, at("2026-06-01T00:00:00Z"))
        .unwrap();
    assert_eq!(auth.name_id().value(), "jane.doe@example.com");
}

#[test]
fn default_lifetime_refuses_them() {
    let sp = sp(ENTITY_ID, ACS, ISSUER, &fixture_text("bench/idp.crt"))
        .allow_unsolicited_responses(true)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let result = sp.verify_response(
        &fixture("bench/response_both_signed.xml"),
        None,
        at("2026-06-01T00:00:00Z"),
    );
    let Err(Error::Validation(err)) = result else {
        panic!("{result:?}")
    };
    assert_eq!(
        err,
        ValidationError::Lifetime {
            field: "Conditions NotOnOrAfter",
            issue_instant: at("2025-01-01T00:00:00Z"),
            not_on_or_after: at("2099-12-31T23:59:59Z"),
            max_lifetime: std::time::Duration::from_secs(86_400),
        }
    );
}

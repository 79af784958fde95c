//! Runs every case of `tests/data/generated/manifest.json` through the public verifier.
//!
//! The vectors were signed by the `xmlsec1` command-line tool and the attacks made by
//! mutation (`scripts/saml-vectors/generate.py`); the table of cases is
//! `tests/data/generated/README.md`. A valid case must verify and yield exactly the recorded
//! issuer, NameID (value and format), SessionIndex, InResponseTo and attributes; a rejected
//! case must fail with exactly the recorded check name ([`saml_sp::Error::check`]).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is the failure report"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use saml_sp::danger::DangerousOptions;
use saml_sp::time::UnixTime;
use saml_sp::{AcsUrl, Authenticated, Certificate, EntityId, IdpConfig, RequestId, SpConfig};
use serde_json::Value;

/// Cases that currently fail because of a verifier defect, each with the reason. They are
/// reported loudly on every run; any other mismatch fails the test, and so does an entry whose
/// case now behaves as recorded (the list must not outlive the defect).
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/generated")
}

fn manifest() -> Value {
    let path = data_dir().join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn cases() -> Vec<Value> {
    manifest()["cases"].as_array().unwrap().clone()
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("field {key} missing in {v}"))
}

fn config(settings: &Value) -> SpConfig {
    let certs = settings["idp_certs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path = data_dir().join(p.as_str().unwrap());
            let pem = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            Certificate::from_pem(&pem).unwrap()
        })
        .collect::<Vec<_>>();
    let idp = IdpConfig::new(
        EntityId::try_from(str_field(settings, "idp_issuer")).unwrap(),
        certs,
    )
    .unwrap();
    let mut danger = DangerousOptions::default();
    if settings["allow_sha1"].as_bool().unwrap() {
        danger = danger.allow_sha1();
    }
    if settings["allow_rsa_1024"].as_bool().unwrap() {
        danger = danger.allow_rsa_1024();
    }
    SpConfig::builder(
        EntityId::try_from(str_field(settings, "sp_entity_id")).unwrap(),
        AcsUrl::try_from(str_field(settings, "acs_url")).unwrap(),
        idp,
    )
    .allow_unsolicited_responses(settings["allow_unsolicited"].as_bool().unwrap())
    .dangerous(danger)
    .build()
    .unwrap()
}

fn submit(sp: &SpConfig, case: &Value, input: &[u8]) -> Result<Authenticated, saml_sp::Error> {
    let settings = &case["settings"];
    let now: UnixTime = str_field(settings, "now").parse().unwrap();
    let request = settings["request_id"]
        .as_str()
        .map(|id| RequestId::try_from(id).unwrap());
    if settings["standalone_assertion"].as_bool().unwrap() {
        sp.verify_assertion(input, request.as_ref(), now)
    } else {
        sp.verify_response(input, request.as_ref(), now)
    }
}

/// What the verifier returned, in the manifest's terms.
fn outcome(result: &Result<Authenticated, saml_sp::Error>) -> Value {
    match result {
        Err(e) => {
            serde_json::json!({"verdict": "reject", "check": e.check(), "detail": e.to_string()})
        }
        Ok(auth) => {
            let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for attribute in auth.attributes() {
                attributes
                    .entry(attribute.name().to_owned())
                    .or_default()
                    .extend(attribute.values().iter().cloned());
            }
            serde_json::json!({
                "verdict": "valid",
                "issuer": auth.issuer(),
                "name_id": {"value": auth.name_id().value(), "format": auth.name_id().format()},
                "session_index": auth.session_index(),
                "in_response_to": auth.in_response_to(),
                "attributes": attributes,
            })
        }
    }
}

/// Compares an outcome with an expectation; `None` when they agree.
fn mismatch(expected: &Value, got: &Value) -> Option<String> {
    let same = match str_field(expected, "verdict") {
        "reject" => got["verdict"] == "reject" && got["check"] == expected["check"],
        "valid" => {
            let mut expected_attrs = expected["attributes"].clone();
            // Key order is irrelevant; value order is not.
            if let Value::Object(map) = &mut expected_attrs {
                let sorted: BTreeMap<_, _> = map.clone().into_iter().collect();
                *map = sorted.into_iter().collect();
            }
            got["verdict"] == "valid"
                && got["issuer"] == expected["issuer"]
                && got["name_id"] == expected["name_id"]
                && got["session_index"] == expected["session_index"]
                && got["in_response_to"] == expected["in_response_to"]
                && got["attributes"] == expected_attrs
        }
        other => panic!("unknown verdict {other}"),
    };
    (!same).then(|| format!("expected {expected}\n      got {got}"))
}

/// Runs one case; `None` when every submission matched its expectation.
fn run(case: &Value) -> Option<String> {
    let path = data_dir().join(str_field(case, "file"));
    let input =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let sp = config(&case["settings"]);
    let submissions = case["submissions"].as_u64().unwrap();
    for _ in 1..submissions {
        // Earlier submissions of a replay case are accepted.
        let got = outcome(&submit(&sp, case, &input));
        if let Some(m) = mismatch(&case["first_submission"], &got) {
            return Some(format!("first submission: {m}"));
        }
    }
    mismatch(&case["expect"], &outcome(&submit(&sp, case, &input)))
}

#[test]
fn every_generated_vector_has_its_expected_outcome() {
    let cases = cases();
    assert!(cases.len() >= 140, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut known = Vec::new();
    let mut fixed = Vec::new();
    for (name, _) in KNOWN_FAILURES {
        assert!(
            cases.iter().any(|case| str_field(case, "name") == *name),
            "KNOWN_FAILURES names {name}, which is not a case"
        );
    }
    for case in &cases {
        let name = str_field(case, "name");
        let known_reason = KNOWN_FAILURES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, r)| *r);
        match (run(case), known_reason) {
            (None, None) => {}
            (None, Some(_)) => fixed.push(name.to_owned()),
            (Some(m), None) => failures.push(format!("{name}: {m}")),
            (Some(m), Some(reason)) => known.push(format!("{name} ({reason}): {m}")),
        }
    }
    if !known.is_empty() {
        eprintln!(
            "\n!!! {} KNOWN VERIFIER FAILURES (listed in KNOWN_FAILURES; fix the verifier, not the \
             expectation):\n  {}\n",
            known.len(),
            known.join("\n  ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} generated vectors did not behave as recorded:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "these KNOWN_FAILURES now behave as recorded; remove them from the list: {}",
        fixed.join(", ")
    );
}

#[test]
fn every_attack_class_is_covered_or_explained() {
    let manifest = manifest();
    let mut covered = [false; 50];
    for case in manifest["cases"].as_array().unwrap() {
        for class in case["classes"].as_array().unwrap() {
            covered[usize::try_from(class.as_u64().unwrap()).unwrap()] = true;
        }
    }
    for key in manifest["classes_not_applicable"]
        .as_object()
        .unwrap()
        .keys()
    {
        let number: String = key.chars().take_while(char::is_ascii_digit).collect();
        covered[number.parse::<usize>().unwrap()] = true;
    }
    let missing: Vec<usize> = (1..=49).filter(|&n| !covered[n]).collect();
    assert!(
        missing.is_empty(),
        "attack classes without a case: {missing:?}"
    );
}

#[test]
fn every_case_is_well_formed() {
    let checks = [
        "input_size",
        "base64",
        "xml_syntax",
        "xml_doctype",
        "xml_limits",
        "processing_instruction",
        "shape",
        "duplicate_id",
        "unsigned",
        "signature_reference",
        "signature_transform",
        "signature_algorithm",
        "signature_key",
        "signature",
        "encrypted_assertion",
        "status",
        "version",
        "timestamp_zone",
        "issuer",
        "destination",
        "condition",
        "recipient",
        "subject_confirmation",
        "not_yet_valid",
        "expired",
        "issue_instant",
        "lifetime",
        "audience",
        "in_response_to",
        "unsolicited",
        "replay",
    ];
    let mut names = std::collections::HashSet::new();
    for case in cases() {
        let name = str_field(&case, "name");
        assert!(names.insert(name.to_owned()), "duplicate case {name}");
        assert!(
            data_dir().join(str_field(&case, "file")).is_file(),
            "{name}"
        );
        let expect = &case["expect"];
        match str_field(expect, "verdict") {
            "valid" => {
                assert_eq!(case["category"], "valid", "{name}");
                // A valid vector is, by construction, accepted by xmlsec1 too.
                assert_eq!(case["xmlsec1_ok"], true, "{name}");
            }
            "reject" => assert!(checks.contains(&str_field(expect, "check")), "{name}"),
            other => panic!("{name}: verdict {other}"),
        }
    }
}

/// Class 30: a verifier cannot exist without an IdP certificate (no fail-open path).
#[test]
fn a_verifier_without_certificate_cannot_be_built() {
    let err = IdpConfig::new(
        EntityId::try_from("http://www.okta.com/exk5vect0rs0000h7x8").unwrap(),
        Vec::<Certificate>::new(),
    )
    .unwrap_err();
    assert_eq!(saml_sp::Error::from(err).check(), "config");
}

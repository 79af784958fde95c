//! Our exclusive canonicalization, byte for byte against lxml's (libxml2's).
//!
//! `tests/data/c14n/` was written by `scripts/saml-vectors/generate.py`: for the generated
//! valid vectors, a few attack documents, the bench responses and several shared SAML
//! fixtures, the exclusive c14n (with and without comments, with the signature's
//! InclusiveNamespaces PrefixList when it names one) of each signed element with its
//! enveloped signature removed, its SignedInfo, the whole document, and every element taken
//! as the apex in turn. Shared fixtures are read from `$SHARED_FIXTURES_DIR` (default
//! `../shared/fixtures` beside the workspace).
//!
//! Every recorded output is compared as it is, with no adjustment: each item has its own output
//! files, and the generator removes an enveloped signature keeping the text that follows it (as
//! the enveloped-signature transform does, and as our removal does).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is the failure report"
)]

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use saml_sp::internal::fuzzing::{c14n, c14n_element, c14n_every_subtree};
use serde_json::Value;

fn c14n_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/c14n")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The XML of a source document (form values are base64-decoded, a BOM dropped).
fn source(item: &Value) -> Vec<u8> {
    let file = item["file"].as_str().unwrap();
    let data = match item["source"].as_str().unwrap() {
        "generated" => read(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/generated")
                .join(file),
        ),
        "shared" => common::fixture(file),
        other => panic!("unknown source {other}"),
    };
    if file.ends_with(".b64") || file.ends_with(".base64") {
        let compact: Vec<u8> = data
            .into_iter()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let xml = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .unwrap();
        xml.strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .map_or(xml.clone(), <[u8]>::to_vec)
    } else {
        data
    }
}

/// "/*[1]/*[4]/*[2]" -> [4, 2] (positions below the root).
fn positions(xpath: &str) -> Vec<usize> {
    let steps: Vec<usize> = xpath
        .split("/*[")
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches(']').parse().unwrap())
        .collect();
    assert_eq!(steps.first(), Some(&1), "{xpath}");
    steps[1..].to_vec()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// `None` when equal, otherwise where and how the bytes differ.
fn compare(what: &str, expected: &[u8], got: &[u8]) -> Option<String> {
    if expected == got {
        return None;
    }
    let at = expected
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(got.len()));
    let window = |b: &[u8]| {
        let start = at.saturating_sub(40);
        String::from_utf8_lossy(&b[start..(at + 60).min(b.len())]).into_owned()
    };
    Some(format!(
        "{what}: differs at byte {at} (lengths {} vs {})\n  lxml: {:?}\n  ours: {:?}",
        expected.len(),
        got.len(),
        window(expected),
        window(got)
    ))
}

fn manifest() -> Value {
    serde_json::from_slice(&read(&c14n_dir().join("manifest.json"))).unwrap()
}

#[test]
fn signed_elements_match_lxml() {
    let manifest = manifest();
    let items = manifest["items"].as_array().unwrap();
    assert!(items.len() >= 100, "only {} items", items.len());
    let mut failures = Vec::new();
    let mut compared = 0;
    for item in items {
        let xml = source(item);
        let path = positions(item["xpath"].as_str().unwrap());
        let removed = item["enveloped_signature_removed"].as_bool().unwrap();
        let prefixes = strings(&item["prefix_list"]);
        let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        for (tag, out) in item["outputs"].as_object().unwrap() {
            let expected = read(&c14n_dir().join(out.as_str().unwrap()));
            let got = match tag.as_str() {
                "exc" => c14n_element(&xml, &path, removed, false, &[]),
                "exc_comments" => c14n_element(&xml, &path, removed, true, &[]),
                "exc_prefixlist" => c14n_element(&xml, &path, removed, false, &prefixes),
                "exc_comments_prefixlist" => c14n_element(&xml, &path, removed, true, &prefixes),
                "signedinfo" => c14n_element(
                    &xml,
                    &positions(item["signedinfo_xpath"].as_str().unwrap()),
                    false,
                    false,
                    &[],
                ),
                other => panic!("unknown output {other}"),
            }
            .unwrap_or_else(|e| panic!("{}: {e}", out));
            compared += 1;
            if let Some(m) = compare(out.as_str().unwrap(), &expected, &got) {
                failures.push(m);
            }
        }
    }
    assert!(compared >= 350, "only {compared} outputs compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} canonical forms differ from lxml:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn whole_documents_and_every_subtree_match_lxml() {
    let manifest = manifest();
    let documents = manifest["documents"].as_array().unwrap();
    assert!(documents.len() >= 50, "only {} documents", documents.len());
    let mut failures = Vec::new();
    let mut compared = 0;
    for item in documents {
        let xml = source(item);
        let prefixes = strings(&item["prefix_list"]);
        let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        for (tag, out) in item["outputs"].as_object().unwrap() {
            let expected = read(&c14n_dir().join(out.as_str().unwrap()));
            let got = match tag.as_str() {
                "document_exc" => c14n(&xml, false),
                "document_exc_comments" => c14n(&xml, true),
                "every_subtree" => c14n_every_subtree(&xml, &[]),
                "every_subtree_prefixlist" => c14n_every_subtree(&xml, &prefixes),
                other => panic!("unknown output {other}"),
            }
            .unwrap_or_else(|e| panic!("{}: {e}", out));
            compared += 1;
            if let Some(m) = compare(out.as_str().unwrap(), &expected, &got) {
                failures.push(m);
            }
        }
    }
    assert!(compared >= 200, "only {compared} outputs compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} canonical forms differ from lxml:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

//! Binding decoders on real encoded values from the shared fixtures.
//!
//! Expected lengths and SHA-256 digests were computed independently with Python's standard
//! library (`base64.b64decode`, then `zlib.decompress(data, -15)` for raw DEFLATE).

// Test helpers outside #[test] functions: a panic is how a test reports failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use ring::digest::{SHA256, digest};
use saml_sp::binding::{DecodeLimits, decode_post_value, decode_redirect_value};

fn fixture(relative: &str) -> Vec<u8> {
    let dir = std::env::var_os("SHARED_FIXTURES_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
        PathBuf::from,
    );
    let path = dir.join(relative);
    std::fs::read(&path).unwrap_or_else(|err| {
        panic!(
            "fixture {} is missing ({err}); set SHARED_FIXTURES_DIR to the shared fixtures folder",
            path.display()
        )
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn raw_deflate_fixtures_inflate_to_the_exact_documents() {
    let cases = [
        (
            "saml/ruby-saml/valid_response.xml.base64",
            "9c35b5c9621da0915dc3e7bb652ad51f9c6edfe1f4bf03839b51bd40e1d1a04b",
            "ID=\"pfxd7a13e68-5796-a145-71b6-686687cfbe08\"",
            "</saml:Assertion></samlp:Response>",
        ),
        (
            "saml/ruby-saml/invalids_invalid_signature_position.xml.base64",
            "0b28a979898cfeb73f50ac4cd026df7ec035c6f9d83141010c708cc4323b7cc7",
            "ID=\"pfxbc826afd-e9fe-d3fb-d874-c4700c3ef0c8\"",
            "</ds:KeyInfo></ds:Signature></samlp:Response>",
        ),
    ];
    for (file, sha256, id, tail) in cases {
        let encoded = fixture(file);
        let text = std::str::from_utf8(&encoded).unwrap();
        let xml = decode_redirect_value(text, &DecodeLimits::default()).unwrap();
        assert_eq!(xml.len(), 3361, "{file}");
        assert_eq!(hex(digest(&SHA256, &xml).as_ref()), sha256, "{file}");
        let xml = String::from_utf8(xml).unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\"?>\r\n<samlp:Response "),
            "{file}"
        );
        assert!(xml.contains(id), "{file}");
        assert!(xml.ends_with(tail), "{file}");
        // The same value is not a plain POST value: base64 decodes, but to compressed bytes.
        let compressed = decode_post_value(&encoded, &DecodeLimits::default()).unwrap();
        assert_ne!(compressed.first(), Some(&b'<'));
    }
}

#[test]
fn raw_deflate_fixture_respects_the_inflated_cap() {
    let encoded = fixture("saml/ruby-saml/valid_response.xml.base64");
    let text = std::str::from_utf8(&encoded).unwrap();
    let limits = DecodeLimits::default().with_max_decoded_bytes(3360);
    let err = decode_redirect_value(text, &limits).unwrap_err();
    assert_eq!(err.check(), "input_size");
    assert_eq!(
        err.to_string(),
        "decoded message is over the limit of 3360 bytes"
    );
}

#[test]
fn post_value_with_a_bom_inside_the_payload_decodes() {
    let encoded = fixture("saml/python3-saml/wrapped_response_2.xml.base64");
    let xml = decode_post_value(&encoded, &DecodeLimits::default()).unwrap();
    assert!(xml.starts_with(
        b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<samlp:Response "
    ));
}

#[test]
fn bench_post_values_decode_to_the_published_xml() {
    for name in [
        "response_assertion_signed",
        "response_response_signed",
        "response_both_signed",
        "response_large_both_signed",
    ] {
        let encoded = fixture(&format!("bench/{name}.b64"));
        let xml = fixture(&format!("bench/{name}.xml"));
        assert_eq!(
            decode_post_value(&encoded, &DecodeLimits::default()).unwrap(),
            xml,
            "{name}"
        );
    }
}

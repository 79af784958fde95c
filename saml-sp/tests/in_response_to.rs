//! SP-initiated sign-in binds to the request only through signed data: an `InResponseTo` added
//! to an unsigned Response envelope around a signed, unsolicited Assertion must not turn that
//! Assertion into an answer to the attacker's own request.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a panic is the failure report"
)]

mod common;

use common::{at, sp};
use saml_sp::RequestId;

const VECTOR: &str = "tests/data/generated/valid/google_assertion_signed_idp_initiated.xml";
const CERT: &str = "tests/data/generated/keys/idp-rsa2048.crt";
const RESPONSE_ID: &str = r#" ID="id367820005163254645756134301""#;

fn read(relative: &str) -> String {
    let path = format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {path}: {err}"))
}

#[test]
fn unsigned_envelope_in_response_to_does_not_answer_a_request() {
    let original = read(VECTOR);
    assert!(
        original.contains(RESPONSE_ID),
        "the vector's Response ID changed"
    );
    let promoted = original.replacen(
        RESPONSE_ID,
        &format!(r#"{RESPONSE_ID} InResponseTo="id-attacker-own-request""#),
        1,
    );
    let request = RequestId::try_from("id-attacker-own-request").unwrap();
    let now = at("2030-06-15T09:31:00Z");
    let config = || {
        sp(
            "https://acme.example.com",
            "https://acme.example.com/okta/auth",
            "https://accounts.google.com/o/saml2?idpid=C0vect0rs",
            &read(CERT),
        )
        .build()
        .unwrap()
    };

    let refused = config()
        .verify_response(promoted.as_bytes(), Some(&request), now)
        .unwrap_err();
    assert_eq!(refused.check(), "in_response_to");

    // The unmodified unsolicited response is refused too, since unsolicited responses are off.
    let unsolicited = config()
        .verify_response(original.as_bytes(), None, now)
        .unwrap_err();
    assert_eq!(unsolicited.check(), "unsolicited");
}

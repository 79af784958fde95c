//! Refusals of unsigned hostile documents quote attacker-chosen names and IDs only in part:
//! an error message (which the application logs and may store) stays small whatever the size
//! of the ID, element name or namespace URI it mentions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a panic is the failure report"
)]

mod common;

use common::signing::{ACS_URL, ISSUER, SP_ENTITY_ID, idp_certificate};
use common::{at, sp};
use saml_sp::{DsigError, Error, ShapeError};

const NOW: &str = "2030-06-15T09:31:00Z";

/// A Response (attributes `attrs` on the root) holding `signature` after its Issuer and
/// `extra` before its one Assertion.
fn response(attrs: &str, signature: &str, extra: &str) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Version="2.0" IssueInstant="2030-06-15T09:30:00Z" {attrs}><saml:Issuer>{ISSUER}</saml:Issuer>{signature}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>{extra}<saml:Assertion ID="a1" Version="2.0" IssueInstant="2030-06-15T09:30:00Z"><saml:Issuer>{ISSUER}</saml:Issuer></saml:Assertion></samlp:Response>"#
    )
}

/// A Response signature (never valid) with Reference `uri` and `c14n_child` inside its
/// exclusive c14n transform.
fn signature(uri: &str, c14n_child: &str) -> String {
    format!(
        r#"<ds:Signature><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="{uri}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">{c14n_child}</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>"#
    )
}

fn refuse(xml: &str) -> Error {
    let config = sp(SP_ENTITY_ID, ACS_URL, ISSUER, &idp_certificate())
        .allow_unsolicited_responses(true)
        .build()
        .unwrap();
    config
        .verify_response(xml.as_bytes(), None, at(NOW))
        .unwrap_err()
}

fn dsig(error: Error) -> DsigError {
    match error {
        Error::Dsig(e) => e,
        other => panic!("expected a signature error, got {other:?}"),
    }
}

/// 100,000 characters: far over what any message should quote.
fn huge(c: char) -> String {
    std::iter::repeat_n(c, 100_000).collect()
}

fn first_200(s: &str) -> String {
    s.chars().take(200).collect()
}

#[test]
fn reference_to_another_id_quotes_the_root_id_in_part() {
    let id = huge('A');
    let error = refuse(&response(
        &format!("ID=\"{id}\""),
        &signature("#other", ""),
        "",
    ));
    assert_eq!(error.check(), "signature_reference");
    assert_eq!(
        dsig(error),
        DsigError::ReferenceUri {
            uri: "#other".to_owned(),
            expected: format!("#{}", first_200(&id)),
        }
    );
}

#[test]
fn unexpected_element_in_a_transform_is_quoted_in_part() {
    let name = format!("x{}", huge('y'));
    let namespace = format!("urn:{}", huge('n'));
    let error = refuse(&response(
        "ID=\"r1\"",
        &signature("#r1", &format!("<f:{name} xmlns:f=\"{namespace}\"/>")),
        "",
    ));
    assert_eq!(error.check(), "signature_transform");
    assert_eq!(
        dsig(error),
        DsigError::Transform {
            algorithm: format!("{{{}}}{}", first_200(&namespace), first_200(&name)),
        }
    );
}

#[test]
fn assertion_hidden_in_extensions_names_its_parent_in_part() {
    let name = format!("x{}", huge('y'));
    let error = refuse(&response(
        "ID=\"r1\"",
        "",
        &format!("<samlp:Extensions><{name}><saml:Assertion/></{name}></samlp:Extensions>"),
    ));
    assert_eq!(error.check(), "shape");
    let Error::Shape(shape) = error else {
        panic!("expected a shape error, got {error:?}");
    };
    assert_eq!(
        shape,
        ShapeError::MisplacedAssertion {
            parent: first_200(&name),
        }
    );
}

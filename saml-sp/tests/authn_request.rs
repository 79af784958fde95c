//! AuthnRequest construction and encoding, checked against exact expected output, against our
//! own decoders, and against an independent decoder (Python standard library).

// Test helpers outside #[test] functions: a panic is how a test reports failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use saml_sp::authn_request::{
    AuthnRequest, AuthnRequestBuilder, AuthnRequestError, RSA_SHA256_SIG_ALG, SpSigningKey,
};
use saml_sp::binding::{DecodeLimits, MessageKind, RedirectQuery, decode_post_value};
use saml_sp::random::{IdGenerator, RandomError};
use saml_sp::time::UnixTime;

const SP_KEY: &str = include_str!("data/sp/sp_test_key.pem");
const SP_CERT: &str = include_str!("data/sp/sp_test_cert.pem");

/// Hands out one fixed ID, so the rendered XML can be compared byte for byte.
#[derive(Debug)]
struct FixedId(&'static str);

impl IdGenerator for FixedId {
    fn fill(&self, _dest: &mut [u8]) -> Result<(), RandomError> {
        Err(RandomError::Unavailable)
    }

    fn new_id(&self) -> Result<String, RandomError> {
        Ok(self.0.to_owned())
    }
}

fn now() -> UnixTime {
    UnixTime::parse_xs_datetime("2024-05-06T07:08:09Z").unwrap()
}

fn builder() -> AuthnRequestBuilder {
    AuthnRequestBuilder::new(
        "https://test-org.example.com",
        "https://test-org.example.com/okta/auth",
        "https://example.okta.com/app/example_app/exk1fcr9ohpkXjQ0l0h8/sso/saml",
    )
}

fn request() -> AuthnRequest {
    builder()
        .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        .build(&FixedId("_3f2a9c"), now())
        .unwrap()
}

/// The signing key's public key, read from the certificate (not from the private key).
fn cert_public_key() -> Vec<u8> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(SP_CERT.as_bytes()).unwrap();
    let cert = pem.parse_x509().unwrap();
    cert.public_key().subject_public_key.data.to_vec()
}

#[test]
fn renders_exact_xml() {
    let request = request();
    assert_eq!(request.id(), "_3f2a9c");
    assert_eq!(request.request_id().as_str(), "_3f2a9c");
    assert_eq!(request.issue_instant(), now());
    assert_eq!(
        request.destination(),
        "https://example.okta.com/app/example_app/exk1fcr9ohpkXjQ0l0h8/sso/saml"
    );
    assert_eq!(
        request.xml(),
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_3f2a9c" Version="2.0" "#,
            r#"IssueInstant="2024-05-06T07:08:09Z" "#,
            r#"Destination="https://example.okta.com/app/example_app/exk1fcr9ohpkXjQ0l0h8/sso/saml" "#,
            r#"AssertionConsumerServiceURL="https://test-org.example.com/okta/auth" "#,
            r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">"#,
            r#"<saml:Issuer>https://test-org.example.com</saml:Issuer>"#,
            r#"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>"#,
            r#"</samlp:AuthnRequest>"#
        )
    );
}

#[test]
fn renders_options_and_escapes_values() {
    let request = AuthnRequestBuilder::new(
        "urn:sp&co",
        "https://sp.example/acs?x=1&y=<2>",
        "https://idp.example/sso",
    )
    .with_force_authn(true)
    .with_is_passive(true)
    .build(
        &FixedId("a1"),
        UnixTime::from_unix_parts(0, 5_000_000).unwrap(),
    )
    .unwrap();
    assert_eq!(
        request.xml(),
        concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1" Version="2.0" "#,
            r#"IssueInstant="1970-01-01T00:00:00.005Z" Destination="https://idp.example/sso" "#,
            r#"AssertionConsumerServiceURL="https://sp.example/acs?x=1&amp;y=&lt;2&gt;" "#,
            r#"ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" "#,
            r#"ForceAuthn="true" IsPassive="true">"#,
            r#"<saml:Issuer>urn:sp&amp;co</saml:Issuer></samlp:AuthnRequest>"#
        )
    );
}

#[test]
fn build_rejects_bad_settings_and_ids() {
    let cases: Vec<(AuthnRequestBuilder, AuthnRequestError)> = vec![
        (
            AuthnRequestBuilder::new("", "https://sp/acs", "https://idp/sso"),
            AuthnRequestError::InvalidValue {
                what: "SP entity ID",
                detail: "must not be empty",
            },
        ),
        (
            AuthnRequestBuilder::new("https://sp", "https://sp/ acs", "https://idp/sso"),
            AuthnRequestError::InvalidValue {
                what: "ACS URL",
                detail: "must not contain whitespace or control characters",
            },
        ),
        (
            AuthnRequestBuilder::new("https://sp", "https://sp/acs", "ftp://idp/sso"),
            AuthnRequestError::InvalidValue {
                what: "IdP SSO URL",
                detail: "must be an http or https URL",
            },
        ),
        (
            AuthnRequestBuilder::new("https://sp", "https://sp/acs", "https://idp/sso#frag"),
            AuthnRequestError::InvalidValue {
                what: "IdP SSO URL",
                detail: "must not have a fragment",
            },
        ),
        (
            AuthnRequestBuilder::new("https://sp", "https://sp/acs", "https://idp/sso")
                .with_name_id_format(&"x".repeat(2049)),
            AuthnRequestError::InvalidValue {
                what: "NameID format",
                detail: "is too long",
            },
        ),
    ];
    for (builder, expected) in cases {
        assert_eq!(builder.build(&FixedId("_ok"), now()), Err(expected));
    }
    for bad_id in ["", "1abc", "a b", "a\"b", "a:b", "-x"] {
        let id: &'static str = Box::leak(bad_id.to_owned().into_boxed_str());
        assert_eq!(
            builder().build(&FixedId(id), now()),
            Err(AuthnRequestError::InvalidId {
                id: bad_id.to_owned()
            })
        );
    }
    #[derive(Debug)]
    struct Broken;
    impl IdGenerator for Broken {
        fn fill(&self, _dest: &mut [u8]) -> Result<(), RandomError> {
            Err(RandomError::Unavailable)
        }
    }
    assert_eq!(
        builder().build(&Broken, now()),
        Err(AuthnRequestError::Random(RandomError::Unavailable))
    );
}

#[test]
fn redirect_url_round_trips_through_our_decoder() {
    let request = request();
    let url = request.redirect_url(Some("state/1 2")).unwrap();
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(base, request.destination());
    assert!(query.ends_with("&RelayState=state%2F1%202"), "{query}");
    let parsed = RedirectQuery::parse(query, &DecodeLimits::default()).unwrap();
    assert_eq!(parsed.kind(), MessageKind::Request);
    assert_eq!(parsed.message(), request.xml().as_bytes());
    assert_eq!(parsed.relay_state(), Some("state/1 2"));
    assert_eq!(parsed.sig_alg(), None);
    assert_eq!(parsed.signature(), None);

    let no_state = request.redirect_url(None).unwrap();
    assert!(!no_state.contains("RelayState"));
}

#[test]
fn redirect_url_appends_to_an_existing_query() {
    let request = AuthnRequestBuilder::new(
        "https://sp",
        "https://sp/acs",
        "https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1",
    )
    .build(&FixedId("_x"), now())
    .unwrap();
    let url = request.redirect_url(None).unwrap();
    assert!(
        url.starts_with("https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1&SAMLRequest="),
        "{url}"
    );
}

#[test]
fn relay_state_is_limited_to_80_bytes() {
    let request = request();
    assert!(request.redirect_url(Some(&"r".repeat(80))).is_ok());
    assert_eq!(
        request.redirect_url(Some(&"r".repeat(81))),
        Err(AuthnRequestError::RelayStateTooLong { len: 81 })
    );
    assert_eq!(
        request.post_form(Some(&"r".repeat(81))),
        Err(AuthnRequestError::RelayStateTooLong { len: 81 })
    );
}

#[test]
fn signed_redirect_verifies_with_the_certificate_key() {
    let key = SpSigningKey::from_pem(SP_KEY).unwrap();
    assert_eq!(format!("{key:?}"), "SpSigningKey { bits: 2048, .. }");
    let request = request();
    let url = request.signed_redirect_url(Some("rs"), &key).unwrap();
    let (_, query) = url.split_once('?').unwrap();
    let parsed = RedirectQuery::parse(query, &DecodeLimits::default()).unwrap();
    assert_eq!(parsed.sig_alg(), Some(RSA_SHA256_SIG_ALG));
    let signed = parsed.signed_octets().unwrap();
    assert!(signed.starts_with("SAMLRequest="));
    assert!(signed.ends_with(
        "&RelayState=rs&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
    ));
    let signature = parsed.signature().unwrap();
    assert_eq!(signature.len(), 256);

    let public_key = cert_public_key();
    assert_eq!(public_key, key.public_key_der());
    let verifier = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public_key);
    verifier.verify(signed.as_bytes(), signature).unwrap();
    // The signature covers the query: any change breaks it.
    let tampered = signed.replace("RelayState=rs", "RelayState=rt");
    assert!(verifier.verify(tampered.as_bytes(), signature).is_err());
    // RSA PKCS#1 v1.5 is deterministic: the same request signs to the same URL.
    assert_eq!(request.signed_redirect_url(Some("rs"), &key).unwrap(), url);
}

#[test]
fn signing_key_parsing_errors() {
    assert_eq!(
        SpSigningKey::from_pem(SP_CERT).unwrap_err(),
        AuthnRequestError::Key {
            detail: "expected a PRIVATE KEY or RSA PRIVATE KEY PEM block"
        }
    );
    assert_eq!(
        SpSigningKey::from_pkcs8_der(&[0x30, 0x00]).unwrap_err(),
        AuthnRequestError::Key {
            detail: "not a usable RSA PKCS#8 key (2048-4096 bits)"
        }
    );
    assert_eq!(
        SpSigningKey::from_pkcs1_der(b"junk").unwrap_err(),
        AuthnRequestError::Key {
            detail: "not a usable RSA PKCS#1 key (2048-4096 bits)"
        }
    );
}

#[test]
fn post_form_carries_the_base64_request_and_escapes_html() {
    let request = request();
    let form = request.post_form(Some("<script>&'\"")).unwrap();
    assert_eq!(form.action(), request.destination());
    assert_eq!(form.relay_state(), Some("<script>&'\""));
    assert_eq!(
        decode_post_value(form.saml_request(), &DecodeLimits::default()).unwrap(),
        request.xml().as_bytes()
    );
    let expected = format!(
        concat!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">",
            "<meta name=\"referrer\" content=\"no-referrer\"><title>Signing in</title></head>\n",
            "<body onload=\"document.forms[0].submit()\">\n",
            "<form method=\"post\" action=\"https://example.okta.com/app/example_app/exk1fcr9ohpkXjQ0l0h8/sso/saml\">\n",
            "<input type=\"hidden\" name=\"SAMLRequest\" value=\"{}\">\n",
            "<input type=\"hidden\" name=\"RelayState\" value=\"&lt;script&gt;&amp;&#39;&quot;\">\n",
            "<noscript><p>Press the button to continue signing in.</p>",
            "<button type=\"submit\">Continue</button></noscript>\n</form></body></html>\n"
        ),
        form.saml_request()
    );
    assert_eq!(form.to_html(), expected);
    let without_state = request.post_form(None).unwrap().to_html();
    assert!(!without_state.contains("RelayState"));
}

/// Runs the committed Python decoder on a URL; returns its five output lines.
fn python_decode(url: &str) -> Vec<String> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scripts/check_redirect.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .arg(url)
        .output()
        .unwrap_or_else(|err| {
            panic!("python3 is needed for the independent redirect check ({err})")
        });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn python_standard_library_decodes_our_redirect_urls() {
    let request = request();
    let key = SpSigningKey::from_pem(SP_KEY).unwrap();

    let plain = python_decode(&request.redirect_url(Some("a b&c")).unwrap());
    assert_eq!(
        STANDARD.decode(&plain[0]).unwrap(),
        request.xml().as_bytes()
    );
    assert_eq!(plain[1..], ["a b&c", "-", "-", "-"]);

    let signed_url = request.signed_redirect_url(Some("a b&c"), &key).unwrap();
    let signed = python_decode(&signed_url);
    assert_eq!(
        STANDARD.decode(&signed[0]).unwrap(),
        request.xml().as_bytes()
    );
    assert_eq!(signed[1], "a b&c");
    assert_eq!(signed[2], RSA_SHA256_SIG_ALG);
    let signature = STANDARD.decode(&signed[3]).unwrap();
    let verifier = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, cert_public_key());
    verifier.verify(signed[4].as_bytes(), &signature).unwrap();
}

#[test]
fn request_id_round_trips_into_sp_initiated_verification() {
    use saml_sp::{AcsUrl, Certificate, EntityId, IdpConfig, SpConfig};

    let cert = include_str!("data/generated/keys/idp-rsa2048.crt");
    let response = include_bytes!("data/generated/valid/okta_response_signed.xml");
    let sp = SpConfig::builder(
        EntityId::try_from("https://acme.example.com").unwrap(),
        AcsUrl::try_from("https://acme.example.com/okta/auth").unwrap(),
        IdpConfig::new(
            EntityId::try_from("http://www.okta.com/exk5vect0rs0000h7x8").unwrap(),
            Certificate::from_pem_bundle(cert).unwrap(),
        )
        .unwrap(),
    )
    .build()
    .unwrap();
    let now = UnixTime::parse_xs_datetime("2030-06-15T09:31:00Z").unwrap();

    // The ID the response answers, as our builder would have issued it.
    let request = AuthnRequestBuilder::new(
        "https://acme.example.com",
        "https://acme.example.com/okta/auth",
        "https://acme.okta.com/app/acme/exk5vect0rs0000h7x8/sso/saml",
    )
    .build(&FixedId("id-7c1f0e4a9b2d4c58a0f3e6d1b2c3a4f5"), now)
    .unwrap();
    let user = sp
        .verify_response(response, Some(request.request_id()), now)
        .unwrap();
    assert_eq!(user.in_response_to(), Some(request.id()));
    assert_eq!(user.name_id().value(), "jane.doe@acme.example.com");

    // Another request's ID is refused.
    let other = AuthnRequestBuilder::new(
        "https://acme.example.com",
        "https://acme.example.com/okta/auth",
        "https://acme.okta.com/app/acme/exk5vect0rs0000h7x8/sso/saml",
    )
    .build(&FixedId("_another"), now)
    .unwrap();
    let err = sp
        .verify_response(response, Some(other.request_id()), now)
        .unwrap_err();
    assert_eq!(err.check(), "in_response_to");
}

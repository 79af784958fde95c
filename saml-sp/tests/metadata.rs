//! IdP metadata feeding the verifier: metadata in, `IdpConfig` out, responses verified with it.

// Test helpers outside #[test] functions: a panic is how a test reports failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use saml_sp::metadata::IdpMetadata;
use saml_sp::{AcsUrl, ConfigError, EntityId, SpConfig};

const BENCH_ISSUER: &str = "http://www.okta.com/exk1fcr9ohpkXjQ0l0h8";

/// Okta-shaped metadata around the bench IdP certificate (bare base64, wrapped at 64 columns).
fn bench_idp_metadata() -> String {
    let pem = common::fixture_text("bench/idp.crt");
    let base64: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{BENCH_ISSUER}">
<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>
{base64}
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://test-org.okta.com/app/x/exk1fcr9ohpkXjQ0l0h8/sso/saml"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://test-org.okta.com/app/x/exk1fcr9ohpkXjQ0l0h8/sso/saml"/>
</md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

#[test]
fn metadata_configures_a_verifier_that_accepts_the_bench_responses() {
    let metadata = IdpMetadata::parse(bench_idp_metadata().as_bytes()).unwrap();
    assert_eq!(
        metadata.idp_config().unwrap().entity_id().as_str(),
        BENCH_ISSUER
    );
    // A fresh verifier (and replay cache) per response: the four share one assertion ID.
    let fresh_sp = || {
        SpConfig::builder(
            EntityId::try_from("https://test-org.example.com").unwrap(),
            AcsUrl::try_from("https://test-org.example.com/okta/auth").unwrap(),
            metadata.idp_config().unwrap(),
        )
        .allow_unsolicited_responses(true)
        .with_max_assertion_lifetime(common::BENCH_MAX_LIFETIME)
        .build()
        .unwrap()
    };
    for name in [
        "response_assertion_signed.b64",
        "response_response_signed.b64",
        "response_both_signed.b64",
        "response_large_both_signed.b64",
    ] {
        let input = common::fixture(&format!("bench/{name}"));
        let user = fresh_sp()
            .verify_response(&input, None, common::at("2030-01-01T00:00:00Z"))
            .unwrap_or_else(|err| panic!("{name}: {}: {err}", err.check()));
        assert_eq!(user.issuer(), BENCH_ISSUER, "{name}");
        assert_eq!(user.name_id().value(), "jane.doe@example.com", "{name}");
    }
}

#[test]
fn every_fixture_metadata_yields_an_idp_config() {
    for (file, entity_id) in [
        (
            "saml/crewjam-saml/okta_idp_metadata.xml",
            "http://www.okta.com/exkppsa1qwuFV4D7z0h7",
        ),
        (
            "saml/crewjam-saml/google_idp_metadata.xml",
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
        ),
        (
            "saml/crewjam-saml/onelogin_2014_idp_metadata.xml",
            "http://idp.example.com/metadata.php",
        ),
        (
            "saml/crewjam-saml/onelogin_2016_idp_metadata.xml",
            "https://app.onelogin.com/saml/metadata/503983",
        ),
        (
            "saml/crewjam-saml/realworld_2017_idp_metadata.xml",
            "https://idp.secureworks.com/SAML2",
        ),
        (
            "saml/samael/idp_2_metadata.xml",
            "https://fujifish.github.io/samling/samling.html",
        ),
    ] {
        let metadata = IdpMetadata::parse(&common::fixture(file)).unwrap();
        let idp = metadata
            .idp_config()
            .unwrap_or_else(|err| panic!("{file}: {err}"));
        assert_eq!(idp.entity_id().as_str(), entity_id, "{file}");
    }
}

#[test]
fn metadata_entity_id_must_be_a_valid_issuer() {
    let xml = bench_idp_metadata().replace(
        &format!("entityID=\"{BENCH_ISSUER}\""),
        "entityID=\"not a uri\"",
    );
    let metadata = IdpMetadata::parse(xml.as_bytes()).unwrap();
    assert_eq!(metadata.entity_id(), "not a uri");
    assert!(matches!(
        metadata.idp_config(),
        Err(ConfigError::InvalidValue { .. })
    ));
}

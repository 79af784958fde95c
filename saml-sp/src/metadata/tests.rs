use proptest::prelude::*;
use ring::digest::{SHA256, digest};

use super::*;
use crate::test_support::fixture;

const SOAP_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";
const SP_CERT: &str = include_str!("../../tests/data/sp/sp_test_cert.pem");

fn sha256_hex(bytes: &[u8]) -> String {
    digest(&SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn cert_base64() -> String {
    SP_CERT
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

fn endpoints(list: &[(&str, &str)]) -> Vec<Endpoint> {
    list.iter()
        .map(|(binding, location)| Endpoint {
            binding: (*binding).to_owned(),
            location: (*location).to_owned(),
        })
        .collect()
}

struct Expected {
    file: &'static str,
    entity_id: &'static str,
    valid_until: Option<&'static str>,
    sso: Vec<(&'static str, &'static str)>,
    cert_sha256: &'static [&'static str],
    name_id_formats: &'static [&'static str],
}

#[test]
fn every_idp_metadata_fixture_reads_exactly() {
    let okta_sso = "https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml";
    let onelogin_sso = "https://app.onelogin.com/trust/saml2/http-post/sso/503983";
    let onelogin_soap = "https://app.onelogin.com/trust/saml2/soap/sso/503983";
    let cases = [
        Expected {
            file: "saml/crewjam-saml/okta_idp_metadata.xml",
            entity_id: "http://www.okta.com/exkppsa1qwuFV4D7z0h7",
            valid_until: None,
            sso: vec![
                (HTTP_POST_BINDING, okta_sso),
                (HTTP_REDIRECT_BINDING, okta_sso),
            ],
            cert_sha256: &["d40df01ccede49d207cb6d8abd15770a4b6eca14a85448c2959a98f85dc31ed4"],
            name_id_formats: &[
                "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            ],
        },
        Expected {
            file: "saml/crewjam-saml/google_idp_metadata.xml",
            entity_id: "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
            valid_until: Some("2021-01-03T16:17:49Z"),
            // Listed twice in the file; kept once.
            sso: vec![(
                HTTP_POST_BINDING,
                "https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1",
            )],
            cert_sha256: &["df6f6d4eecf6c2d6515a64bc80430a879c25cfb03b666aeb1e61ce4fe02d7da2"],
            name_id_formats: &["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"],
        },
        Expected {
            file: "saml/crewjam-saml/onelogin_2014_idp_metadata.xml",
            entity_id: "http://idp.example.com/metadata.php",
            valid_until: None,
            sso: vec![
                (HTTP_REDIRECT_BINDING, onelogin_sso),
                (HTTP_POST_BINDING, onelogin_sso),
                (SOAP_BINDING, onelogin_soap),
            ],
            cert_sha256: &["19a4fff2e8fcc7f3ea5046348dbf1d81320654d1f712028cc97933cb1247fc99"],
            name_id_formats: &["urn:oasis:names:tc:SAML:1.1:nameid-format:transient"],
        },
        Expected {
            file: "saml/crewjam-saml/onelogin_2016_idp_metadata.xml",
            entity_id: "https://app.onelogin.com/saml/metadata/503983",
            valid_until: None,
            sso: vec![
                (HTTP_POST_BINDING, onelogin_sso),
                (SOAP_BINDING, onelogin_soap),
            ],
            cert_sha256: &["e4713d805c35991de0b6adac8644ad9c32f24a5e7bf8a09daa5654898e7b2c3e"],
            name_id_formats: &["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"],
        },
        Expected {
            file: "saml/crewjam-saml/realworld_2017_idp_metadata.xml",
            entity_id: "https://idp.secureworks.com/SAML2",
            valid_until: None,
            sso: vec![(
                HTTP_POST_BINDING,
                "https://idp.secureworks.com/SAML2/SSO/POST",
            )],
            cert_sha256: &["fe448e4acbc0ec6f4c22b934f01e5b064d6b0c1761243f283d5aba18de10cc51"],
            name_id_formats: &["urn:oasis:names:tc:SAML:2.0:nameid-format:transient"],
        },
        Expected {
            file: "saml/samael/idp_2_metadata.xml",
            entity_id: "https://fujifish.github.io/samling/samling.html",
            valid_until: None,
            // The file has a trailing space inside Location; it is trimmed.
            sso: vec![(
                HTTP_REDIRECT_BINDING,
                "https://fujifish.github.io/samling/samling.html",
            )],
            cert_sha256: &["fd187d5fb09f858db1a8afd0036994864d4a050120aea578c34c7b6821b75090"],
            name_id_formats: &["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"],
        },
    ];
    for case in cases {
        let idp = IdpMetadata::parse(&fixture(case.file)).unwrap();
        assert_eq!(idp.entity_id(), case.entity_id, "{}", case.file);
        assert_eq!(
            idp.valid_until().map(|t| t.to_string()).as_deref(),
            case.valid_until,
            "{}",
            case.file
        );
        assert!(!idp.want_authn_requests_signed(), "{}", case.file);
        assert_eq!(
            idp.single_sign_on_services(),
            endpoints(&case.sso),
            "{}",
            case.file
        );
        let fingerprints: Vec<String> = idp
            .signing_certificates()
            .iter()
            .map(|der| sha256_hex(der))
            .collect();
        assert_eq!(fingerprints, case.cert_sha256, "{}", case.file);
        assert_eq!(idp.name_id_formats(), case.name_id_formats, "{}", case.file);
        // PEM output decodes back to the same certificate.
        for (pem, der) in idp
            .signing_certificates_pem()
            .iter()
            .zip(idp.signing_certificates())
        {
            assert_eq!(&certificate_der(pem, 0).unwrap(), der);
            assert!(pem.lines().all(|line| line.len() <= 64));
        }
    }
}

#[test]
fn okta_fixture_urls_by_binding() {
    let idp = IdpMetadata::parse(&fixture("saml/crewjam-saml/okta_idp_metadata.xml")).unwrap();
    let sso = "https://dev-513394.oktapreview.com/app/rstudioincdev513394_dev_1/exkppsa1qwuFV4D7z0h7/sso/saml";
    assert_eq!(idp.redirect_sso_url(), Some(sso));
    assert_eq!(idp.post_sso_url(), Some(sso));
    assert_eq!(idp.sso_url(SOAP_BINDING), None);
}

fn idp_xml(descriptor_body: &str) -> String {
    format!(
        r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID=" https://idp.example/meta ">
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="1">{descriptor_body}</IDPSSODescriptor>
</EntityDescriptor>"#
    )
}

fn key(use_attr: &str, cert: &str) -> String {
    format!(
        r#"<KeyDescriptor {use_attr}><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"#
    )
}

const SSO: &str = r#"<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/>"#;

#[test]
fn default_namespace_prefixes_and_key_use_rules() {
    let b64 = cert_base64();
    // A PEM-wrapped certificate and a bare one with CRLF: the same DER, kept once.
    let pem_cert = SP_CERT.replace('\n', "\r\n");
    let body = format!(
        "{}{}{}{}{SSO}",
        key(r#"use="signing""#, &b64),
        key("", &pem_cert),
        key(r#"use="encryption""#, "not even base64"),
        key(r#"use=" signing ""#, &b64)
    );
    let idp = IdpMetadata::parse(idp_xml(&body).as_bytes()).unwrap();
    assert_eq!(idp.entity_id(), "https://idp.example/meta");
    assert!(idp.want_authn_requests_signed());
    assert_eq!(idp.signing_certificates().len(), 1);
    assert_eq!(
        idp.signing_certificates_pem(),
        [certificate_der(SP_CERT, 0)
            .map(|der| der_to_pem(&der))
            .unwrap()]
    );
    assert_eq!(idp.redirect_sso_url(), Some("https://idp.example/sso"));
    assert_eq!(idp.post_sso_url(), None);
}

#[test]
fn rollover_keeps_every_signing_certificate() {
    let okta = IdpMetadata::parse(&fixture("saml/crewjam-saml/okta_idp_metadata.xml")).unwrap();
    let okta_b64 = STANDARD.encode(&okta.signing_certificates()[0]);
    let body = format!(
        "{}{}{SSO}",
        key(r#"use="signing""#, &okta_b64),
        key(r#"use="signing""#, &cert_base64())
    );
    let idp = IdpMetadata::parse(idp_xml(&body).as_bytes()).unwrap();
    assert_eq!(idp.signing_certificates().len(), 2);
    assert_eq!(
        idp.signing_certificates()[0],
        okta.signing_certificates()[0]
    );
    assert_eq!(
        idp.signing_certificates()[1],
        certificate_der(SP_CERT, 0).unwrap()
    );
}

#[test]
fn entities_descriptor_selects_the_idp() {
    let b64 = cert_base64();
    let idp_entity = |id: &str| {
        format!(
            r#"<md:EntityDescriptor entityID="{id}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://{id}/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
            key(r#"use="signing""#, &b64)
                .replace("<KeyDescriptor", "<md:KeyDescriptor")
                .replace("</KeyDescriptor>", "</md:KeyDescriptor>")
        )
    };
    let sp_entity = r#"<md:EntityDescriptor entityID="sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#;
    let one = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{sp_entity}<md:EntitiesDescriptor>{}</md:EntitiesDescriptor></md:EntitiesDescriptor>"#,
        idp_entity("a.example")
    );
    let idp = IdpMetadata::parse(one.as_bytes()).unwrap();
    assert_eq!(idp.entity_id(), "a.example");
    assert_eq!(idp.post_sso_url(), Some("https://a.example/sso"));

    let two = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{}{sp_entity}{}</md:EntitiesDescriptor>"#,
        idp_entity("a.example"),
        idp_entity("b.example")
    );
    assert_eq!(
        IdpMetadata::parse(two.as_bytes()),
        Err(MetadataError::SeveralIdps { count: 2 })
    );
    let b = IdpMetadata::parse_entity(two.as_bytes(), "b.example", &Limits::default()).unwrap();
    assert_eq!(b.post_sso_url(), Some("https://b.example/sso"));
    assert_eq!(
        IdpMetadata::parse_entity(two.as_bytes(), "sp", &Limits::default()),
        Err(MetadataError::EntityNotFound {
            entity_id: "sp".to_owned()
        })
    );
}

#[test]
fn rejects_metadata_that_cannot_configure_an_idp() {
    let b64 = cert_base64();
    let signing = key(r#"use="signing""#, &b64);
    let cases: Vec<(String, MetadataError)> = vec![
        (
            "<EntityDescriptor entityID=\"x\"/>".to_owned(),
            MetadataError::WrongRoot {
                namespace: String::new(),
                local: "EntityDescriptor".to_owned(),
            },
        ),
        (
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#.to_owned(),
            MetadataError::NoIdpDescriptor,
        ),
        (
            idp_xml(&format!("{signing}{SSO}")).replace(
                "urn:oasis:names:tc:SAML:1.1:protocol urn:oasis:names:tc:SAML:2.0:protocol",
                "urn:oasis:names:tc:SAML:1.1:protocol",
            ),
            MetadataError::NoIdpDescriptor,
        ),
        (
            idp_xml(&format!("{signing}{SSO}")).replace(r#"entityID=" https://idp.example/meta ""#, ""),
            MetadataError::InvalidValue {
                what: "entityID",
                detail: "missing",
            },
        ),
        (
            idp_xml(&format!("{signing}{SSO}")).replace(" https://idp.example/meta ", "  "),
            MetadataError::InvalidValue {
                what: "entityID",
                detail: "empty",
            },
        ),
        (
            idp_xml(&signing),
            MetadataError::NoSingleSignOnService,
        ),
        (
            idp_xml(&format!("{}{SSO}", key(r#"use="encryption""#, &b64))),
            MetadataError::NoSigningCertificate,
        ),
        (
            idp_xml(&format!("{}{SSO}", key("", "!!!"))),
            MetadataError::Certificate {
                index: 0,
                detail: "not base64",
            },
        ),
        (
            idp_xml(&format!("{}{SSO}", key("", "AQIDBA=="))),
            MetadataError::Certificate {
                index: 0,
                detail: "not an X.509 certificate",
            },
        ),
        (
            idp_xml(&format!("{}{SSO}", key("", &STANDARD.encode(vec![0u8; MAX_CERTIFICATE_BYTES + 3])))),
            MetadataError::Certificate {
                index: 0,
                detail: "too large",
            },
        ),
        (
            idp_xml(&format!("{}{SSO}", key("", "-----BEGIN CERTIFICATE-----\nAAAA"))),
            MetadataError::Certificate {
                index: 0,
                detail: "PEM END line missing",
            },
        ),
        (
            idp_xml(&format!(r#"{signing}<SingleSignOnService Location="https://idp.example/sso"/>"#)),
            MetadataError::InvalidValue {
                what: "SingleSignOnService Binding",
                detail: "missing",
            },
        ),
        (
            idp_xml(&format!("{signing}{SSO}")).replace(r#"WantAuthnRequestsSigned="1""#, r#"WantAuthnRequestsSigned="yes""#),
            MetadataError::InvalidValue {
                what: "WantAuthnRequestsSigned",
                detail: "not a boolean",
            },
        ),
        (
            idp_xml(&format!("{signing}{SSO}")).replace("entityID=", r#"validUntil="soon" entityID="#),
            MetadataError::InvalidValue {
                what: "validUntil",
                detail: "not an xs:dateTime",
            },
        ),
    ];
    for (xml, expected) in cases {
        assert_eq!(IdpMetadata::parse(xml.as_bytes()), Err(expected), "{xml}");
    }
}

#[test]
fn certificate_count_is_capped() {
    let b64 = cert_base64();
    let keys: String = (0..=MAX_SIGNING_CERTIFICATES)
        .map(|_| key(r#"use="signing""#, &b64))
        .collect();
    // Repeats of one certificate collapse to one.
    let idp = IdpMetadata::parse(idp_xml(&format!("{keys}{SSO}")).as_bytes()).unwrap();
    assert_eq!(idp.signing_certificates().len(), 1);

    // Distinct certificates: flip one bit of the signature (the last bytes of the DER); the
    // structure still parses, which is all the metadata reader checks.
    let der = certificate_der(SP_CERT, 0).unwrap();
    let variant = |i: usize| {
        let mut der = der.clone();
        let at = der.len() - 1 - i;
        der[at] ^= 1;
        STANDARD.encode(der)
    };
    let at_cap: String = (0..MAX_SIGNING_CERTIFICATES)
        .map(|i| key("", &variant(i)))
        .collect();
    let idp = IdpMetadata::parse(idp_xml(&format!("{at_cap}{SSO}")).as_bytes()).unwrap();
    assert_eq!(idp.signing_certificates().len(), MAX_SIGNING_CERTIFICATES);
    let over = format!("{at_cap}{}", key("", &variant(MAX_SIGNING_CERTIFICATES)));
    assert_eq!(
        IdpMetadata::parse(idp_xml(&format!("{over}{SSO}")).as_bytes()),
        Err(MetadataError::TooManyCertificates)
    );
}

#[test]
fn xml_limits_and_doctype_apply() {
    let doctype = br#"<!DOCTYPE md [<!ENTITY x "y">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>"#;
    let err = IdpMetadata::parse(doctype).unwrap_err();
    assert_eq!(err.check(), "xml_doctype");
    let small = Limits::default().with_max_bytes(100);
    let xml = idp_xml(SSO);
    let err = IdpMetadata::parse_with_limits(xml.as_bytes(), &small).unwrap_err();
    assert_eq!(
        err,
        MetadataError::Xml(XmlError::TooLarge {
            size: xml.len(),
            limit: 100
        })
    );
    assert_eq!(err.check(), "input_size");
}

#[test]
fn sp_metadata_exact_output() {
    let xml = SpMetadataBuilder::new(
        "https://test-org.example.com",
        "https://test-org.example.com/okta/auth",
    )
    .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
    .with_want_assertions_signed(true)
    .build()
    .unwrap();
    assert_eq!(
        xml,
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://test-org.example.com\">\n",
            "  <md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n",
            "    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>\n",
            "    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>\n",
            "    <md:AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" Location=\"https://test-org.example.com/okta/auth\" index=\"0\" isDefault=\"true\"/>\n",
            "  </md:SPSSODescriptor>\n",
            "</md:EntityDescriptor>\n"
        )
    );
}

#[test]
fn sp_metadata_parses_back_with_the_exact_values() {
    let xml = SpMetadataBuilder::new("urn:sp:a&b\"c", "https://sp.example/acs?x=1&y=2")
        .with_authn_requests_signed(true)
        .with_signing_certificate(SP_CERT)
        .with_name_id_format("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        .build()
        .unwrap();
    let doc = Document::parse(xml.as_bytes(), &Limits::default()).unwrap();
    let root = doc.root();
    assert!(root.is(METADATA_NS, "EntityDescriptor"));
    assert_eq!(root.attribute("entityID"), Some("urn:sp:a&b\"c"));
    let sp = root.child(METADATA_NS, "SPSSODescriptor").unwrap();
    assert_eq!(sp.attribute("AuthnRequestsSigned"), Some("true"));
    assert_eq!(sp.attribute("WantAssertionsSigned"), Some("false"));
    assert_eq!(
        sp.attribute("protocolSupportEnumeration"),
        Some(SAML2_PROTOCOL)
    );
    let children: Vec<&str> = sp.child_elements().map(|e| e.local_name()).collect();
    assert_eq!(
        children,
        ["KeyDescriptor", "NameIDFormat", "AssertionConsumerService"]
    );
    let kd = sp.child(METADATA_NS, "KeyDescriptor").unwrap();
    assert_eq!(kd.attribute("use"), Some("signing"));
    let certs: Vec<_> = key_descriptor_certificates(kd).collect();
    assert_eq!(certs.len(), 1);
    assert_eq!(
        certificate_der(&certs[0].text(), 0).unwrap(),
        certificate_der(SP_CERT, 0).unwrap()
    );
    let acs = sp.child(METADATA_NS, "AssertionConsumerService").unwrap();
    assert_eq!(acs.attribute("Binding"), Some(HTTP_POST_BINDING));
    assert_eq!(
        acs.attribute("Location"),
        Some("https://sp.example/acs?x=1&y=2")
    );
    assert_eq!(acs.attribute("index"), Some("0"));
    assert_eq!(acs.attribute("isDefault"), Some("true"));
    assert_eq!(
        sp.child(METADATA_NS, "NameIDFormat").unwrap().text(),
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    );
}

#[test]
fn sp_metadata_settings_are_checked() {
    assert_eq!(
        SpMetadataBuilder::new("https://sp", "https://sp/acs")
            .with_authn_requests_signed(true)
            .build(),
        Err(MetadataError::Config {
            detail: "AuthnRequestsSigned needs a signing certificate"
        })
    );
    assert_eq!(
        SpMetadataBuilder::new("", "https://sp/acs").build(),
        Err(MetadataError::InvalidValue {
            what: "entityID",
            detail: "empty"
        })
    );
    assert_eq!(
        SpMetadataBuilder::new("https://sp", "https://sp/acs\u{7}").build(),
        Err(MetadataError::InvalidValue {
            what: "AssertionConsumerService Location",
            detail: "contains control characters"
        })
    );
    assert_eq!(
        SpMetadataBuilder::new("https://sp", "https://sp/acs")
            .with_signing_certificate("AQID")
            .build(),
        Err(MetadataError::Certificate {
            index: 0,
            detail: "not an X.509 certificate"
        })
    );
    assert_eq!(MetadataError::Config { detail: "x" }.check(), "config");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let _ = IdpMetadata::parse(&bytes);
    }

    #[test]
    fn mutated_metadata_never_panics(
        cut in 0usize..2000,
        insert in "[<>/=\"a-z: ]{0,8}",
    ) {
        let xml = idp_xml(&format!("{}{SSO}", key(r#"use="signing""#, &cert_base64())));
        let at = cut.min(xml.len());
        if xml.is_char_boundary(at) {
            let mutated = format!("{}{insert}{}", &xml[..at], &xml[at..]);
            let _ = IdpMetadata::parse(mutated.as_bytes());
        }
    }

    #[test]
    fn sp_entity_ids_round_trip(entity_id in "[!-~][ -~]{0,60}[!-~]", acs in "https://[a-z]{1,10}\\.example/[ -~]{0,30}[!-~]") {
        let xml = SpMetadataBuilder::new(&entity_id, &acs).build().unwrap();
        let doc = Document::parse(xml.as_bytes(), &Limits::default()).unwrap();
        prop_assert_eq!(doc.root().attribute("entityID"), Some(entity_id.as_str()));
        let acs_el = doc.root().child(METADATA_NS, "SPSSODescriptor").unwrap().child(METADATA_NS, "AssertionConsumerService").unwrap();
        prop_assert_eq!(acs_el.attribute("Location"), Some(acs.as_str()));
    }
}

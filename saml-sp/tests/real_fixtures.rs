//! One row per file of the shared SAML fixtures MANIFEST (`saml/MANIFEST.md`): our verdict on
//! real IdP responses and published attack samples, with the options used.
//!
//! Columns: the file; how it is fed (`Post` = the form value as given, `Xml` = raw XML,
//! `Deflated` = raw-DEFLATE + base64, which the HTTP-POST binding never uses, so the test inflates
//! it first); the entry point (Response, or a standalone Assertion); the trusted certificate
//! (a PEM file, the signing certificate of an IdP metadata file, or, where the manifest says the
//! fixture "verifies with" its embedded certificate, that one); the SP values and the IdP issuer
//! from the manifest; the pinned "now"; the expected request ID (`None` = IdP-initiated, allowed);
//! the legacy-crypto opt-ins the fixture needs; and the expected verdict: `Valid(name_id)` or
//! `Reject(check)`.
//!
//! A few fixtures the manifest calls valid carry placeholder SP values (`Recipient="recipient"`,
//! no `AudienceRestriction`) or were spliced from two sources (two issuers). Their verdict is the
//! protocol check that refuses them, and `SignedOnly` rows additionally run only the structure
//! and signature checks (`saml_sp::internal::fuzzing::verify_signatures`), showing that the
//! signature verifies and giving the verified NameID.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is the failure report"
)]

mod common;

use std::io::Read as _;

use common::{at, fixture, fixture_text, sp};
use saml_sp::danger::DangerousOptions;
use saml_sp::internal::fuzzing;
use saml_sp::{Error, RequestId};

#[derive(Clone, Copy, Debug)]
enum Feed {
    Post,
    Xml,
    Deflated,
}

#[derive(Clone, Copy, Debug)]
enum Entry {
    Response,
    Assertion,
}

#[derive(Clone, Copy, Debug)]
enum Cert {
    Pem(&'static str),
    Metadata(&'static str),
    Embedded,
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    Valid(&'static str),
    Reject(&'static str),
}

#[derive(Clone, Copy, Debug)]
struct Sp {
    entity_id: &'static str,
    acs: &'static str,
    issuer: &'static str,
}

#[derive(Clone, Copy, Debug)]
struct Row {
    file: &'static str,
    feed: Feed,
    entry: Entry,
    cert: Cert,
    sp: Sp,
    now: &'static str,
    request: Option<&'static str>,
    sha1: bool,
    rsa1024: bool,
    expect: Expect,
    /// For rows refused by a protocol check only: the NameID that structure and signature
    /// checks alone verify.
    signed_only: Option<&'static str>,
}

const OKTA_2020: Sp = Sp {
    entity_id: "http://localhost:8000/saml/metadata",
    acs: "http://localhost:8000/saml/acs",
    issuer: "http://www.okta.com/exkppsa1qwuFV4D7z0h7",
};
const ONELOGIN_2016: Sp = Sp {
    entity_id: "https://29ee6d2e.ngrok.io/saml/metadata",
    acs: "https://29ee6d2e.ngrok.io/saml/acs",
    issuer: "https://app.onelogin.com/saml/metadata/503983",
};
const GOOGLE: Sp = Sp {
    issuer: "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
    ..ONELOGIN_2016
};
const ONELOGIN_2014: Sp = Sp {
    entity_id: "http://sp.example.com/demo1/metadata.php",
    acs: "http://sp.example.com/demo1/index.php?acs",
    issuer: "http://idp.example.com/metadata.php",
};
const SECUREWORKS: Sp = Sp {
    entity_id: "https://preview.docrocket-ross.test.octolabs.io/saml/metadata",
    acs: "https://preview.docrocket-ross.test.octolabs.io/saml/acs",
    issuer: "https://idp.secureworks.com/SAML2",
};
const PITBULK: Sp = Sp {
    entity_id: "https://pitbulk.no-ip.org/newonelogin/demo1/metadata.php",
    acs: "https://pitbulk.no-ip.org/newonelogin/demo1/index.php?acs",
    issuer: "https://pitbulk.no-ip.org/simplesaml/saml2/idp/metadata.php",
};
const PY_SETTINGS1: Sp = Sp {
    entity_id: "http://stuff.com/endpoints/metadata.php",
    acs: "https://pitbulk.no-ip.org/newonelogin/demo1/index.php?acs",
    issuer: "http://idp.example.com/",
};
const ADFS: Sp = Sp {
    entity_id: "example.com",
    acs: "https://someone.example.com/endpoint",
    issuer: "http://login.example.com/issuer",
};
const RUBY_ONELOGIN: Sp = Sp {
    entity_id: "https://someone.example.com/audience",
    acs: "http://app.muda.no/sso/consume",
    issuer: "https://app.onelogin.com/saml2",
};
const PY_ONELOGIN_2010: Sp = Sp {
    entity_id: "http://stuff.com/endpoints/metadata.php",
    acs: "https://example.com/placeholder-recipient",
    issuer: "https://app.onelogin.com/saml/metadata/13590",
};
const ROLAND: Sp = Sp {
    entity_id: "urn:mace:example.com:saml:roland:sp",
    acs: "http://lingon.catalogix.se:8087/",
    issuer: "urn:mace:example.com:saml:roland:idp",
};
const PHP_SAML_FIXED: Sp = Sp {
    entity_id: "php-saml-fixed",
    acs: "http://localhost/php-saml-fixed/consume.php",
    issuer: "https://idp/simplesaml/saml2/idp/metadata.php",
};
const EXAMPLE_COM: Sp = Sp {
    entity_id: "example.com",
    acs: "https://example.com/endpoint",
    issuer: "idp.example.com",
};
const OKTA_2013: Sp = Sp {
    entity_id: "https://auth0145.auth0.com",
    acs: "https://auth0145.auth0.com",
    issuer: "http://www.okta.com/k7xkhq0jUHUPQAXVMUAN",
};
const FOOBLE: Sp = Sp {
    entity_id: "fooble.com",
    acs: "https://examplesaml.fooble.com/access/saml",
    issuer: "example",
};
const NEWRELIC: Sp = Sp {
    entity_id: "rpm.newrelic.com",
    acs: "https://rpm.newrelic.com/accounts/136857/sso/saml/finalize",
    issuer: "https://sso.wellspringworldwide.com/simplesaml/saml2/idp/metadata.php",
};
const RUBY_PLACEHOLDERS: Sp = Sp {
    entity_id: "audience",
    acs: "https://example.com/placeholder-recipient",
    issuer: "https://app.onelogin.com/saml2",
};
const SAMLING: Sp = Sp {
    entity_id: "http://test_accept_signed_with_correct_key.test",
    acs: "http://sp.example.com/demo1/index.php?acs",
    issuer: "https://fujifish.github.io/samling/samling.html",
};
const SAMLING_ATTACK: Sp = Sp {
    entity_id: "https://sp.example.com/placeholder",
    acs: "https://example.com/placeholder-ancestor",
    issuer: "https://capriza.github.io/samling/samling.html",
};
const ZOO: Sp = Sp {
    entity_id: "https://api.dev.zoo.dev",
    acs: "https://api.dev.zoo.dev/auth/saml/00000000-00000000-00000000-00000000/login",
    issuer: "https://some.idp.test/blah/",
};
const TEST_IDP: Sp = Sp {
    entity_id: "https://sp.example.com/placeholder",
    acs: "https://sp.example.com/placeholder",
    issuer: "https://idp.example.com",
};
const EVIL_CORP: Sp = Sp {
    entity_id: "https://evil-corp.madness.com",
    acs: "https://evil-corp.madness.com/sso/callback",
    issuer: "https://evil-corp.com",
};
const TESTSHIB: Sp = Sp {
    entity_id: "https://localhost/placeholder",
    acs: "http://localhost/browserSamlLogin",
    issuer: "https://idp.testshib.org/idp/shibboleth",
};
const FEIDE: Sp = Sp {
    entity_id: "passport-saml",
    acs: "http://localhost:3000/login/callback",
    issuer: "https://openidp.feide.no",
};
const NODEJS: Sp = Sp {
    entity_id: "ForNodeJS",
    acs: "https://example.com/placeholder-fornodejs",
    issuer: "https://app.onelogin.com/saml/metadata/164679",
};

const fn row(file: &'static str, feed: Feed, cert: Cert, sp: Sp, now: &'static str) -> Row {
    Row {
        file,
        feed,
        entry: Entry::Response,
        cert,
        sp,
        now,
        request: None,
        sha1: false,
        rsa1024: false,
        expect: Expect::Reject("unset"),
        signed_only: None,
    }
}

impl Row {
    const fn irt(mut self, id: &'static str) -> Self {
        self.request = Some(id);
        self
    }
    const fn legacy(mut self) -> Self {
        self.sha1 = true;
        self.rsa1024 = true;
        self
    }
    const fn assertion(mut self) -> Self {
        self.entry = Entry::Assertion;
        self
    }
    const fn valid(mut self, name_id: &'static str) -> Self {
        self.expect = Expect::Valid(name_id);
        self
    }
    const fn reject(mut self, check: &'static str) -> Self {
        self.expect = Expect::Reject(check);
        self
    }
    const fn signed_only(mut self, name_id: &'static str) -> Self {
        self.signed_only = Some(name_id);
        self
    }
}

use Cert::{Embedded, Metadata, Pem};
use Feed::{Deflated, Post, Xml};

const OKTA_MD: Cert = Metadata("crewjam-saml/okta_idp_metadata.xml");
const OL2016_MD: Cert = Metadata("crewjam-saml/onelogin_2016_idp_metadata.xml");
const OL2014_MD: Cert = Metadata("crewjam-saml/onelogin_2014_idp_metadata.xml");
const SW_MD: Cert = Metadata("crewjam-saml/realworld_2017_idp_metadata.xml");
const PY_CERT: Cert = Pem("python3-saml/settings1_idp_x509cert.pem");
const NODE_CERT: Cert = Pem("node-saml/cert.pem");

const XSW_NOW: &str = "2014-07-17T01:02:59Z";
const OL16_NOW: &str = "2016-01-05T17:53:12Z";
const OL14_IRT: &str = "ONELOGIN_4fee3b046395c4e751011e97f8900b5273d56685";
const OL16_IRT: &str = "id-d40c15c104b52691eccf0a2a5c8a15595be75423";
const NODE_NOW: &str = "2020-09-25T16:30:00Z";
const NODE_IRT: &str = "_e8df3fe5f04237d25670";

/// The verdict table.
const ROWS: &[Row] = &[
    // 1. crewjam-saml
    row("crewjam-saml/TestSPCanHandleOktaSignedResponseEncryptedAssertion_response.b64", Post, OKTA_MD, OKTA_2020, "2020-03-03T19:24:28Z")
        .irt("id-a7364d1e4432aa9085a7a8bd824ea2fa8fa8f684").reject("encrypted_assertion"),
    row("crewjam-saml/TestSPCanHandleOktaResponseEncryptedSignedAssertion_response.b64", Post, OKTA_MD, OKTA_2020, "2020-03-03T19:31:55Z")
        .irt("id-6d976cdde8e76df5df0a8ff58148fc0b7ec6796d").reject("encrypted_assertion"),
    row("crewjam-saml/TestSPCanHandleOktaResponseEncryptedAssertionBothSigned_response.b64", Post, OKTA_MD, OKTA_2020, "2020-03-03T19:40:54Z")
        .irt("id-953d4cab69ff475c5901d12e585b0bb15a7b85fe").reject("encrypted_assertion"),
    row("crewjam-saml/DERIVED_okta_decrypted_signed_assertion.xml", Xml, OKTA_MD, OKTA_2020, "2020-03-03T19:31:55Z")
        .irt("id-6d976cdde8e76df5df0a8ff58148fc0b7ec6796d").assertion().valid("testuser@testrsc.com"),
    row("crewjam-saml/DERIVED_okta_decrypted_signed_assertion_bothsigned.xml", Xml, OKTA_MD, OKTA_2020, "2020-03-03T19:40:54Z")
        .irt("id-953d4cab69ff475c5901d12e585b0bb15a7b85fe").assertion().valid("testuser@testrsc.com"),
    row("crewjam-saml/DERIVED_okta_decrypted_unsigned_assertion.xml", Xml, OKTA_MD, OKTA_2020, "2020-03-03T19:24:28Z")
        .irt("id-a7364d1e4432aa9085a7a8bd824ea2fa8fa8f684").assertion().reject("unsigned"),
    row("crewjam-saml/TestSPCanHandleOneloginResponse_response.b64", Post, OL2016_MD, ONELOGIN_2016, OL16_NOW)
        .irt(OL16_IRT).legacy().valid("ross@kndr.org"),
    row("crewjam-saml/TestSPCanHandlePlaintextResponse_response.b64", Post, Metadata("crewjam-saml/google_idp_metadata.xml"), GOOGLE, "2016-01-05T16:55:39Z")
        .irt("id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6").valid("ross@octolabs.io"),
    row("crewjam-saml/TestServiceProviderCanHandleSignedAssertionsResponse_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("crewjam-saml/TestXswPermutationOneIsRejected_response.b64", Post, OL2016_MD, ONELOGIN_2016, OL16_NOW)
        .irt(OL16_IRT).legacy().reject("duplicate_id"),
    row("crewjam-saml/TestXswPermutationTwoIsRejected_response.b64", Post, OL2016_MD, ONELOGIN_2016, OL16_NOW)
        .irt(OL16_IRT).legacy().reject("duplicate_id"),
    row("crewjam-saml/TestXswPermutationThreeIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().reject("shape"),
    row("crewjam-saml/TestXswPermutationFourIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().reject("unsigned"),
    row("crewjam-saml/TestXswPermutationFiveIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().reject("shape"),
    row("crewjam-saml/TestXswPermutationSixIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().reject("signature_reference"),
    row("crewjam-saml/TestXswPermutationSevenIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().reject("duplicate_id"),
    row("crewjam-saml/TestXswPermutationEightIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().reject("duplicate_id"),
    row("crewjam-saml/TestXswPermutationNineIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().reject("signature_reference"),
    row("crewjam-saml/TestSPMultipleAssertions.xml", Xml, SW_MD, SECUREWORKS, "2017-04-21T13:12:51Z")
        .irt("id-3992f74e652d89c3cf1efd6c7e472abaac9bc917").legacy().reject("duplicate_id"),
    row("crewjam-saml/TestSPRealWorldAssertionSignedNotResponse_response.xml", Xml, SW_MD, SECUREWORKS, "2017-04-21T13:12:51Z")
        .irt("id-3992f74e652d89c3cf1efd6c7e472abaac9bc917").legacy().valid("rkinder@secureworks.com"),
    // 2. python3-saml
    row("python3-saml/valid_response.xml.base64", Post, PY_CERT, PY_SETTINGS1, "2014-02-19T01:37:00Z")
        .irt("ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807").legacy().valid("492882615acf31c8096b627245d76ae53036c090"),
    row("python3-saml/double_signed_response.xml.base64", Post, PY_CERT, PITBULK, "2014-03-21T13:43:00Z")
        .irt("ONELOGIN_191c03e68d71d9796f5e07e6262ca4ad883a74b1").legacy().valid("_2126dd19b8a9a28238d88fdc7385e60995004a7782"),
    row("python3-saml/signed_assertion_response.xml.base64", Post, PY_CERT, PITBULK, "2014-03-31T00:37:00Z")
        .irt("ONELOGIN_612bbf9b1645294aa0b4637b1bc5f39de8b79ceb").legacy().valid("_3af62f1d03513bdd61dd5bf04d3deb7aa617480e22"),
    row("python3-saml/adfs_response.xml.base64", Post, Embedded, ADFS, "2011-06-22T12:50:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().reject("signature"),
    row("python3-saml/invalids_signature_wrapping_attack.xml.base64", Post, PY_CERT, PITBULK, "2014-03-21T13:41:00Z")
        .irt("ONELOGIN_5d9e319c1b8a67da48227964c28d280e7860f804").legacy().reject("duplicate_id"),
    row("python3-saml/invalids_signature_wrapping_attack2.xml.base64", Post, Embedded, ROLAND, "2019-12-20T12:16:00Z")
        .irt("id12").legacy().reject("signature_reference"),
    row("python3-saml/wrapped_response_2.xml.base64", Post, Embedded, PHP_SAML_FIXED, "2011-06-13T16:02:00Z")
        .irt("_32442a8c3d1ba8ea136c").legacy().reject("unsigned"),
    row("python3-saml/response_node_text_attack.xml.base64", Post, PY_CERT, PY_ONELOGIN_2010, "2010-11-18T21:55:00Z")
        .legacy().reject("base64"),
    row("python3-saml/invalids_multiple_assertions.xml.base64", Post, PY_CERT, PY_ONELOGIN_2010, "2010-11-18T21:55:00Z")
        .legacy().reject("shape"),
    // 3. ruby-saml
    row("ruby-saml/adfs_response_sha256.xml", Xml, Pem("ruby-saml/DERIVED_adfs_sha256_keyinfo_cert.pem"), ADFS, "2011-06-22T12:50:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().valid("hello@example.com"),
    row("ruby-saml/adfs_response_sha1.xml", Xml, Embedded, ADFS, "2011-06-22T12:50:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").reject("signature_algorithm"),
    row("ruby-saml/valid_response.xml.base64", Deflated, Embedded, RUBY_ONELOGIN, "2011-06-04T02:20:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().reject("recipient").signed_only("test@onelogin.com"),
    row("ruby-saml/invalids_invalid_signature_position.xml.base64", Deflated, Embedded, RUBY_ONELOGIN, "2011-06-04T02:20:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().reject("shape"),
    row("ruby-saml/response_node_text_attack2.xml.base64", Post, Embedded, RUBY_ONELOGIN, "2011-06-04T02:20:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().reject("recipient").signed_only("test@onelogin.com"),
    row("ruby-saml/response_node_text_attack3.xml.base64", Post, Embedded, RUBY_ONELOGIN, "2011-06-04T02:20:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().reject("signature"),
    row("ruby-saml/response_with_ds_namespace_at_the_root.xml.base64", Post, Embedded, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("ruby-saml/inclusive_namespaces.xml", Xml, Embedded, OKTA_2013, "2013-08-03T21:50:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().reject("issuer").signed_only("admin@kluglabs.com"),
    row("ruby-saml/response_with_saml2_namespace.xml.base64", Post, Pem("ruby-saml/certificate_without_head_foot"), FOOBLE, "2011-06-14T18:25:00Z")
        .legacy().reject("base64"),
    row("ruby-saml/response_with_signed_assertion_2.xml.base64", Post, Pem("ruby-saml/certificate_without_head_foot"), NEWRELIC, "2013-03-25T15:36:00Z")
        .irt("_9e1f35d0-778f-0130-1da9-042b2b4fd265").legacy().valid("e40c0890745ce9250ad223b59090cc6dc5d1f5a1"),
    row("ruby-saml/response_assertion_wrapped.xml.base64", Post, Embedded, RUBY_PLACEHOLDERS, "2011-06-04T02:20:00Z")
        .legacy().reject("shape"),
    row("ruby-saml/invalids_response_with_concealed_signed_assertion.xml", Xml, Embedded, EXAMPLE_COM, "2012-04-04T07:30:00Z")
        .irt("_f7201940-6055-012f-3bc1-782bcb13c426").legacy().reject("signature_reference"),
    row("ruby-saml/invalids_response_with_doubled_signed_assertion.xml", Xml, Embedded, EXAMPLE_COM, "2012-04-04T07:30:00Z")
        .irt("_f7201940-6055-012f-3bc1-782bcb13c426").legacy().reject("shape"),
    row("ruby-saml/invalids_multiple_signed.xml.base64", Post, PY_CERT, PITBULK, "2014-02-19T01:37:00Z")
        .irt("ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807").legacy().reject("shape"),
    row("ruby-saml/invalids_response_invalid_signed_element.xml.base64", Post, PY_CERT, PITBULK, "2014-02-19T01:37:00Z")
        .irt("ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807").legacy().reject("shape"),
    row("ruby-saml/invalids_encrypted_new_attack.xml.base64", Post, Embedded, RUBY_ONELOGIN, "2014-02-19T01:37:00Z")
        .legacy().reject("signature_reference"),
    row("ruby-saml/attackxee.xml", Xml, PY_CERT, PITBULK, "2014-02-19T01:37:00Z").reject("xml_doctype"),
    // 4. samael
    row("samael/response_signed.xml", Xml, Embedded, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("samael/response_signed_assertion.xml", Xml, Embedded, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("samael/response_signed_by_idp_2.xml", Xml, Pem("samael/idp_2_metadata_public.pem"), SAMLING, XSW_NOW)
        .irt(OL14_IRT).legacy().valid("\n        _ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("samael/multi_saml_response_signed.xml", Xml, Pem("samael/cert.pem"), ZOO, "2022-05-04T15:37:00Z")
        .reject("signature"),
    row("samael/multi_saml_response_signed_2.xml", Xml, Pem("samael/cert.pem"), ZOO, "2022-05-04T15:37:00Z")
        .legacy().reject("audience").signed_only("some@customer.com"),
    row("samael/ancestor_attack_signed.xml", Xml, Pem("samael/idp_2_metadata_public.pem"), SAMLING_ATTACK, "2026-02-25T13:35:00Z")
        .reject("shape"),
    row("samael/object_attack_response.xml", Xml, Pem("samael/cert.pem"), SAMLING_ATTACK, "2026-02-25T13:35:00Z")
        .reject("signature_reference"),
    row("samael/xpointer_attack_signed.xml", Xml, Pem("samael/cert.pem"), TEST_IDP, "2026-02-25T13:35:00Z")
        .reject("shape"),
    // 5. node-saml
    row("node-saml/valid_response.root-signed.assertion-signed.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().reject("audience").signed_only("vincent.vega@evil-corp.com\n            "),
    row("node-saml/valid_response.root-unsigned.assertion-signed.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().reject("audience").signed_only("vincent.vega@evil-corp.com\n            "),
    row("node-saml/invalid_response.root-unsigned.assertion-unsigned.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().reject("unsigned"),
    row("node-saml/invalid_response.root-signed.assertion-invalidly-signed.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().reject("signature"),
    row("node-saml/invalid_response.root-signed.multiple-root-elements.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().reject("xml_syntax"),
    row("node-saml/invalid_response.root-resigned-by-attacker-assertion-unsigned-attackers-cert-at-keyinfo.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().reject("signature"),
    row("node-saml/testshib_encrypted_response.xml", Xml, Embedded, TESTSHIB, "2014-06-02T17:49:00Z")
        .irt("_3138d675d6ed416d43d6").reject("encrypted_assertion"),
    // 6. xml-crypto
    row("xml-crypto/valid_saml.xml", Xml, Pem("xml-crypto/feide_public.pem"), FEIDE, "2012-07-03T11:32:00Z")
        .irt("_d766d16611ac0d14121b").legacy().valid("_6c5dcaa3053321ff4d63785fbc3f67c59a129cde82"),
    row("xml-crypto/valid_saml_withcomments.xml", Xml, Pem("xml-crypto/feide_public.pem"), FEIDE, "2012-07-03T11:32:00Z")
        .irt("_d766d16611ac0d14121b").legacy().reject("signature"),
    row("xml-crypto/valid_saml_signature_wrapping.xml", Xml, Pem("xml-crypto/feide_public.pem"), FEIDE, "2012-07-03T11:32:00Z")
        .irt("_d766d16611ac0d14121b").legacy().reject("duplicate_id"),
    row("xml-crypto/saml_wrapped_signed_info_node.xml", Xml, Embedded, NODEJS, "2013-06-10T06:22:00Z")
        .legacy().reject("shape"),
    row("xml-crypto/saml_multiple_signed_info_nodes.xml", Xml, Embedded, NODEJS, "2013-06-10T06:22:00Z")
        .legacy().reject("signature_reference"),
    row("xml-crypto/signature_with_inclusivenamespaces.xml", Xml, Pem("xml-crypto/signature_with_inclusivenamespaces.pem"), OKTA_2013, "2013-08-03T21:50:00Z")
        .assertion().legacy().valid("admin@kluglabs.com"),
];

/// The signing certificate of an IdP metadata file, or the first certificate of a document.
fn first_certificate(text: &str) -> String {
    let start = text
        .find("X509Certificate>")
        .expect("an X509Certificate element")
        + "X509Certificate>".len();
    let end = start + text[start..].find('<').expect("end of X509Certificate");
    text[start..end].to_owned()
}

fn certificate(row: &Row, input_xml: &[u8]) -> String {
    let text = match row.cert {
        Pem(path) => return fixture_text(&format!("saml/{path}")),
        Metadata(path) => first_certificate(&fixture_text(&format!("saml/{path}"))),
        Embedded => first_certificate(&String::from_utf8_lossy(input_xml)),
    };
    // ADFS quirk (ruby-saml adfs_response_*): the X509Certificate holds base64 of PEM text.
    use base64::Engine as _;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(&compact) {
        Ok(decoded) if decoded.starts_with(b"-----BEGIN") => {
            String::from_utf8(decoded).expect("PEM text")
        }
        _ => text,
    }
}

/// The bytes handed to the verifier, and the XML they decode to (for the embedded certificate).
fn input(row: &Row) -> (Vec<u8>, Vec<u8>) {
    let raw = fixture(&format!("saml/{}", row.file));
    let decode = |text: &[u8]| {
        let compact: String = String::from_utf8_lossy(text)
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .expect("fixture base64")
    };
    match row.feed {
        Xml => (raw.clone(), raw),
        Post => {
            let xml = decode(&raw);
            let xml = xml
                .strip_prefix(b"\xEF\xBB\xBF")
                .map_or(xml.clone(), <[u8]>::to_vec);
            (raw, xml)
        }
        Deflated => {
            let compressed = decode(&raw);
            let mut xml = Vec::new();
            flate2::read::DeflateDecoder::new(compressed.as_slice())
                .read_to_end(&mut xml)
                .expect("raw DEFLATE");
            (xml.clone(), xml)
        }
    }
}

fn run(row: &Row) -> Result<String, Error> {
    let (bytes, xml) = input(row);
    let cert = certificate(row, &xml);
    let mut danger = DangerousOptions::default();
    if row.sha1 {
        danger = danger.allow_sha1();
    }
    if row.rsa1024 {
        danger = danger.allow_rsa_1024();
    }
    let config = common::try_sp(row.sp.entity_id, row.sp.acs, row.sp.issuer, &cert)
        .unwrap_or_else(|e| panic!("{}: config: {e}", row.file))
        .allow_unsolicited_responses(true)
        .dangerous(danger)
        .build()
        .unwrap_or_else(|e| panic!("{}: config: {e}", row.file));
    let request = row
        .request
        .map(|r| RequestId::try_from(r).expect("request id"));
    let now = at(row.now);
    let result = match row.entry {
        Entry::Response => config.verify_response(&bytes, request.as_ref(), now),
        Entry::Assertion => config.verify_assertion(&bytes, request.as_ref(), now),
    };
    result.map(|auth| auth.name_id().value().to_owned())
}

#[test]
fn every_manifest_response_gets_its_verdict() {
    let mut failures = Vec::new();
    for row in ROWS {
        let outcome = run(row);
        let ok = match (&row.expect, &outcome) {
            (Expect::Valid(name_id), Ok(got)) => got == name_id,
            (Expect::Reject(check), Err(e)) => e.check() == *check,
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{}: expected {:?}, got {}",
                row.file,
                row.expect,
                match &outcome {
                    Ok(name_id) => format!("valid {name_id:?}"),
                    Err(e) => format!("{}: {e}", e.check()),
                }
            ));
        }
        if let Some(expected_name_id) = row.signed_only {
            let (bytes, xml) = input(row);
            let signed = fuzzing::verify_signatures(
                &bytes,
                &certificate(row, &xml),
                row.sha1,
                row.rsa1024,
                matches!(row.entry, Entry::Assertion),
            );
            match signed {
                Ok(name_id) if name_id == expected_name_id => {}
                other => failures.push(format!(
                    "{}: signatures alone: expected {expected_name_id:?}, got {other:?}",
                    row.file
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows differ:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

/// Every response or assertion file of the manifest has a row (metadata, keys and certificates
/// are inputs of other rows).
#[test]
fn every_manifest_document_has_a_row() {
    let manifest = fixture_text("saml/MANIFEST.md");
    let mut missing = Vec::new();
    for line in manifest.lines().filter(|l| l.starts_with("| ")) {
        let cell = line[2..].split(" |").next().unwrap_or("").trim();
        let file = cell.split_whitespace().next().unwrap_or("");
        let is_document =
            file.ends_with(".xml") || file.ends_with(".b64") || file.ends_with(".base64");
        let is_input_only = file.contains("metadata") || file == "hmac_signature.xml";
        if is_document
            && !is_input_only
            && !ROWS.iter().any(|r| r.file.ends_with(&format!("/{file}")))
        {
            missing.push(file.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "manifest files without a row: {missing:?}"
    );
}

/// The HMAC-signed document (root is not SAML): the XML-DSig layer alone refuses `hmac-sha1`
/// whatever key is configured (key-confusion attack, class 27).
#[test]
fn hmac_signature_is_refused() {
    let xml = fixture("saml/xml-crypto/hmac_signature.xml");
    let cert = fixture_text("saml/xml-crypto/feide_public.pem");
    let err = fuzzing::verify_root_signature(&xml, &cert, true, true).unwrap_err();
    assert_eq!(err.check(), "signature_algorithm");
    assert_eq!(
        err.to_string(),
        "signature algorithm not allowed: http://www.w3.org/2000/09/xmldsig#hmac-sha1"
    );
}

/// crewjam's TestSPRejectsInjectedComment: a comment injected into the signed Google NameID
/// changes nothing for c14n, but the value read is the full text, so the digest no longer
/// matches... and if it did, the NameID would still not be truncated.
#[test]
fn comment_injected_into_google_name_id_is_rejected() {
    let row = ROWS
        .iter()
        .find(|r| {
            r.file
                .ends_with("TestSPCanHandlePlaintextResponse_response.b64")
        })
        .unwrap();
    let (_, xml) = input(row);
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(text.contains(">ross@octolabs.io<"));
    let mutated = text.replacen(
        ">ross@octolabs.io<",
        ">ross@octolabs.io<!-- c -->.example.com<",
        1,
    );
    let config = sp(
        GOOGLE.entity_id,
        GOOGLE.acs,
        GOOGLE.issuer,
        &certificate(row, &xml),
    )
    .build()
    .unwrap();
    let request = RequestId::try_from(row.request.unwrap()).unwrap();
    let err = config
        .verify_response(mutated.as_bytes(), Some(&request), at(row.now))
        .unwrap_err();
    assert_eq!(err.check(), "signature");
}

/// Without the legacy opt-ins, the OneLogin 2016 response (RSA-SHA1) is refused by policy.
#[test]
fn sha1_needs_the_dangerous_opt_in() {
    let row = ROWS
        .iter()
        .find(|r| {
            r.file
                .ends_with("TestSPCanHandleOneloginResponse_response.b64")
        })
        .unwrap();
    let plain = Row {
        sha1: false,
        rsa1024: false,
        ..*row
    };
    assert_eq!(run(&plain).unwrap_err().check(), "signature_algorithm");
}

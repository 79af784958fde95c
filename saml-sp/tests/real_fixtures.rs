//! One row per file of the shared SAML fixtures MANIFEST (`saml/MANIFEST.md`): our verdict on
//! real IdP responses and published attack samples, with the options used.
//!
//! Columns: the file; how it is fed (`Post` = the form value as given, `Xml` = raw XML,
//! `Deflated` = raw-DEFLATE + base64, which the HTTP-POST binding never uses, so the test inflates
//! it first); the entry point (Response, or a standalone Assertion); the trusted certificate
//! (a PEM file, the signing certificate of an IdP metadata file, or, where the manifest says the
//! fixture "verifies with" its embedded certificate, that one); the SP values and the IdP issuer
//! from the manifest; the pinned "now"; the expected request ID (`None` = IdP-initiated, allowed);
//! the options the file needs beyond the defaults; and the expected verdict.
//!
//! Options: `legacy` = [`DangerousOptions::allow_sha1`] and
//! [`DangerousOptions::allow_rsa_1024`]; `no_audience` =
//! [`DangerousOptions::allow_missing_audience_restriction`] (node-saml and samael test IdPs send
//! no `AudienceRestriction`); `long_lived(d)` = a maximum assertion lifetime of `d` instead of
//! the 24-hour default (test IdPs issuing assertions valid for years or centuries).
//!
//! Verdicts: `valid(name_id)` (the manifest calls the file valid, and it verifies to that
//! NameID); `attack(check)` and `invalid(check)` (the manifest calls it an attack, or invalid or a
//! sample whose signature does not verify: refused by that check); `out_of_scope(check, why)`
//! (the manifest calls it valid but no configuration should accept it: refused by that check,
//! for the reason given). `signed_only(name_id)` additionally runs only the structure and
//! signature checks (`saml_sp::internal::fuzzing::verify_signatures`) on a refused file, showing
//! that its signature verifies and which NameID it carries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is the failure report"
)]

mod common;

use std::io::Read as _;
use std::time::Duration;

use common::{UNBOUNDED_LIFETIME, at, fixture, fixture_text, sp};
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
    /// The manifest calls the file valid; it verifies to this NameID.
    Valid(&'static str),
    /// The manifest calls the file an attack; refused by this check.
    Attack(&'static str),
    /// The manifest calls the file invalid, or a sample whose signature does not verify;
    /// refused by this check.
    Invalid(&'static str),
    /// The manifest calls the file valid, but no configuration should accept it: refused by
    /// `check`, for the reason given.
    OutOfScope {
        check: &'static str,
        reason: &'static str,
    },
}

impl Expect {
    /// The check that refuses the file (`None` when it verifies).
    fn check(self) -> Option<&'static str> {
        match self {
            Self::Valid(_) => None,
            Self::Attack(check) | Self::Invalid(check) | Self::OutOfScope { check, .. } => {
                Some(check)
            }
        }
    }
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
    /// `Some` when the file needs a longer maximum assertion lifetime than the default.
    max_lifetime: Option<Duration>,
    /// Whether a missing `AudienceRestriction` is allowed.
    no_audience: bool,
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
        max_lifetime: None,
        no_audience: false,
        expect: Expect::Invalid("unset"),
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
    const fn attack(mut self, check: &'static str) -> Self {
        self.expect = Expect::Attack(check);
        self
    }
    const fn invalid(mut self, check: &'static str) -> Self {
        self.expect = Expect::Invalid(check);
        self
    }
    const fn out_of_scope(mut self, check: &'static str, reason: &'static str) -> Self {
        self.expect = Expect::OutOfScope { check, reason };
        self
    }
    const fn long_lived(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = Some(lifetime);
        self
    }
    const fn no_audience(mut self) -> Self {
        self.no_audience = true;
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

/// Assertions valid for years (test IdPs): the lifetime bound is lifted for them.
const YEARS: Duration = UNBOUNDED_LIFETIME;
const ENCRYPTED: &str = "the assertion is an EncryptedAssertion: decryption is not supported yet";
/// ruby-saml's OneLogin 2014 family, issued on 2014-06-04 (NotBefore 2011, NotOnOrAfter 2030).
const RUBY_NOW: &str = "2014-06-04T02:23:00Z";
const RUBY_IRT: &str = "_fc4a34b0-7efb-012e-caae-782bcb13bb38";
/// The 2013 Okta assertion, issued at 21:54:43.942Z.
const OKTA_2013_NOW: &str = "2013-08-03T21:55:00Z";

/// The verdict table.
const ROWS: &[Row] = &[
    // 1. crewjam-saml
    row("crewjam-saml/TestSPCanHandleOktaSignedResponseEncryptedAssertion_response.b64", Post, OKTA_MD, OKTA_2020, "2020-03-03T19:24:28Z")
        .irt("id-a7364d1e4432aa9085a7a8bd824ea2fa8fa8f684").out_of_scope("encrypted_assertion", ENCRYPTED),
    row("crewjam-saml/TestSPCanHandleOktaResponseEncryptedSignedAssertion_response.b64", Post, OKTA_MD, OKTA_2020, "2020-03-03T19:31:55Z")
        .irt("id-6d976cdde8e76df5df0a8ff58148fc0b7ec6796d").out_of_scope("encrypted_assertion", ENCRYPTED),
    row("crewjam-saml/TestSPCanHandleOktaResponseEncryptedAssertionBothSigned_response.b64", Post, OKTA_MD, OKTA_2020, "2020-03-03T19:40:54Z")
        .irt("id-953d4cab69ff475c5901d12e585b0bb15a7b85fe").out_of_scope("encrypted_assertion", ENCRYPTED),
    row("crewjam-saml/DERIVED_okta_decrypted_signed_assertion.xml", Xml, OKTA_MD, OKTA_2020, "2020-03-03T19:31:55Z")
        .irt("id-6d976cdde8e76df5df0a8ff58148fc0b7ec6796d").assertion().valid("testuser@testrsc.com"),
    row("crewjam-saml/DERIVED_okta_decrypted_signed_assertion_bothsigned.xml", Xml, OKTA_MD, OKTA_2020, "2020-03-03T19:40:54Z")
        .irt("id-953d4cab69ff475c5901d12e585b0bb15a7b85fe").assertion().valid("testuser@testrsc.com"),
    row("crewjam-saml/DERIVED_okta_decrypted_unsigned_assertion.xml", Xml, OKTA_MD, OKTA_2020, "2020-03-03T19:24:28Z")
        .irt("id-a7364d1e4432aa9085a7a8bd824ea2fa8fa8f684").assertion().invalid("unsigned"),
    row("crewjam-saml/TestSPCanHandleOneloginResponse_response.b64", Post, OL2016_MD, ONELOGIN_2016, OL16_NOW)
        .irt(OL16_IRT).legacy().valid("ross@kndr.org"),
    row("crewjam-saml/TestSPCanHandlePlaintextResponse_response.b64", Post, Metadata("crewjam-saml/google_idp_metadata.xml"), GOOGLE, "2016-01-05T16:55:39Z")
        .irt("id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6").valid("ross@octolabs.io"),
    row("crewjam-saml/TestServiceProviderCanHandleSignedAssertionsResponse_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("crewjam-saml/TestXswPermutationOneIsRejected_response.b64", Post, OL2016_MD, ONELOGIN_2016, OL16_NOW)
        .irt(OL16_IRT).legacy().attack("duplicate_id"),
    row("crewjam-saml/TestXswPermutationTwoIsRejected_response.b64", Post, OL2016_MD, ONELOGIN_2016, OL16_NOW)
        .irt(OL16_IRT).legacy().attack("duplicate_id"),
    row("crewjam-saml/TestXswPermutationThreeIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).attack("shape"),
    row("crewjam-saml/TestXswPermutationFourIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).attack("unsigned"),
    row("crewjam-saml/TestXswPermutationFiveIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).attack("shape"),
    row("crewjam-saml/TestXswPermutationSixIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).attack("signature_reference"),
    row("crewjam-saml/TestXswPermutationSevenIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).attack("duplicate_id"),
    row("crewjam-saml/TestXswPermutationEightIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).attack("duplicate_id"),
    row("crewjam-saml/TestXswPermutationNineIsRejected_response.b64", Post, OL2014_MD, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).attack("signature_reference"),
    row("crewjam-saml/TestSPMultipleAssertions.xml", Xml, SW_MD, SECUREWORKS, "2017-04-21T13:12:51Z")
        .irt("id-3992f74e652d89c3cf1efd6c7e472abaac9bc917").legacy().attack("duplicate_id"),
    row("crewjam-saml/TestSPRealWorldAssertionSignedNotResponse_response.xml", Xml, SW_MD, SECUREWORKS, "2017-04-21T13:12:51Z")
        .irt("id-3992f74e652d89c3cf1efd6c7e472abaac9bc917").legacy().valid("rkinder@secureworks.com"),
    // 2. python3-saml
    row("python3-saml/valid_response.xml.base64", Post, PY_CERT, PY_SETTINGS1, "2014-02-19T01:37:01Z")
        .irt("ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807").legacy().long_lived(YEARS).valid("492882615acf31c8096b627245d76ae53036c090"),
    row("python3-saml/double_signed_response.xml.base64", Post, PY_CERT, PITBULK, "2014-03-21T13:43:00Z")
        .irt("ONELOGIN_191c03e68d71d9796f5e07e6262ca4ad883a74b1").legacy().long_lived(YEARS).valid("_2126dd19b8a9a28238d88fdc7385e60995004a7782"),
    row("python3-saml/signed_assertion_response.xml.base64", Post, PY_CERT, PITBULK, "2014-03-31T00:37:16Z")
        .irt("ONELOGIN_612bbf9b1645294aa0b4637b1bc5f39de8b79ceb").legacy().long_lived(YEARS).valid("_3af62f1d03513bdd61dd5bf04d3deb7aa617480e22"),
    row("python3-saml/adfs_response.xml.base64", Post, Embedded, ADFS, "2011-06-22T12:50:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().invalid("signature"),
    row("python3-saml/invalids_signature_wrapping_attack.xml.base64", Post, PY_CERT, PITBULK, "2014-03-21T13:41:09Z")
        .irt("ONELOGIN_5d9e319c1b8a67da48227964c28d280e7860f804").legacy().long_lived(YEARS).attack("duplicate_id"),
    row("python3-saml/invalids_signature_wrapping_attack2.xml.base64", Post, Embedded, ROLAND, "2019-12-20T12:16:00Z")
        .irt("id12").legacy().attack("signature_reference"),
    row("python3-saml/wrapped_response_2.xml.base64", Post, Embedded, PHP_SAML_FIXED, "2011-06-13T16:02:25Z")
        .irt("_32442a8c3d1ba8ea136c").legacy().attack("unsigned"),
    row("python3-saml/response_node_text_attack.xml.base64", Post, PY_CERT, PY_ONELOGIN_2010, "2010-11-18T21:58:00Z")
        .legacy().attack("base64"),
    row("python3-saml/invalids_multiple_assertions.xml.base64", Post, PY_CERT, PY_ONELOGIN_2010, "2010-11-18T21:58:00Z")
        .legacy().invalid("shape"),
    // 3. ruby-saml
    row("ruby-saml/adfs_response_sha256.xml", Xml, Pem("ruby-saml/DERIVED_adfs_sha256_keyinfo_cert.pem"), ADFS, "2011-06-22T12:50:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().valid("hello@example.com"),
    row("ruby-saml/adfs_response_sha1.xml", Xml, Embedded, ADFS, "2011-06-22T12:50:00Z")
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().out_of_scope("signature_algorithm",
            "SignatureMethod `xmldsig-more#rsa-sha1` and DigestMethod `xmlenc#sha1` are not registered \
             algorithm URIs (the SHA-256 sample with its URIs edited); xmlsec1 fails on it too"),
    row("ruby-saml/valid_response.xml.base64", Deflated, Embedded, RUBY_ONELOGIN, RUBY_NOW)
        .irt(RUBY_IRT).legacy().long_lived(YEARS).out_of_scope("recipient",
            "the Response Destination `http://app.muda.no/sso/consume` and the bearer Recipient \
             `recipient` (a placeholder) differ, and both must be our ACS URL (SAML bindings \
             §3.5.5.2, profiles §4.1.4.3); the ACS URL here is the Destination")
        .signed_only("test@onelogin.com"),
    row("ruby-saml/invalids_invalid_signature_position.xml.base64", Deflated, Embedded, RUBY_ONELOGIN, RUBY_NOW)
        .irt(RUBY_IRT).legacy().long_lived(YEARS).invalid("shape"),
    row("ruby-saml/response_node_text_attack2.xml.base64", Post, Embedded, RUBY_ONELOGIN, RUBY_NOW)
        .irt(RUBY_IRT).legacy().long_lived(YEARS).attack("recipient").signed_only("test@onelogin.com"),
    row("ruby-saml/response_node_text_attack3.xml.base64", Post, Embedded, RUBY_ONELOGIN, RUBY_NOW)
        .irt(RUBY_IRT).legacy().long_lived(YEARS).attack("signature"),
    row("ruby-saml/response_with_ds_namespace_at_the_root.xml.base64", Post, Embedded, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("ruby-saml/inclusive_namespaces.xml", Xml, Embedded, OKTA_2013, OKTA_2013_NOW)
        .irt("_fc4a34b0-7efb-012e-caae-782bcb13bb38").legacy().out_of_scope("issuer",
            "spliced from two sources: the Response Issuer `http://login.example.com/issuer` (an \
             ADFS sample) is not the signed Okta Assertion's Issuer, and both must be the IdP's \
             (SAML profiles §4.1.4.2)")
        .signed_only("admin@kluglabs.com"),
    row("ruby-saml/response_with_saml2_namespace.xml.base64", Post, Pem("ruby-saml/certificate_without_head_foot"), FOOBLE, "2011-06-14T18:27:00Z")
        .legacy().out_of_scope("base64",
            "a parsing sample whose signature is a placeholder (`DigestValue` \
             `stuffigL2y02mPWQlGIOlo=` is not a SHA-1 digest); it cannot verify with any key"),
    row("ruby-saml/response_with_signed_assertion_2.xml.base64", Post, Pem("ruby-saml/certificate_without_head_foot"), NEWRELIC, "2013-03-25T15:36:00Z")
        .irt("_9e1f35d0-778f-0130-1da9-042b2b4fd265").legacy().valid("e40c0890745ce9250ad223b59090cc6dc5d1f5a1"),
    row("ruby-saml/response_assertion_wrapped.xml.base64", Post, Embedded, RUBY_PLACEHOLDERS, "2011-06-04T02:23:00Z")
        .legacy().attack("shape"),
    row("ruby-saml/invalids_response_with_concealed_signed_assertion.xml", Xml, Embedded, EXAMPLE_COM, "2012-04-04T07:34:00Z")
        .irt("_f7201940-6055-012f-3bc1-782bcb13c426").legacy().attack("signature_reference"),
    row("ruby-saml/invalids_response_with_doubled_signed_assertion.xml", Xml, Embedded, EXAMPLE_COM, "2012-04-04T07:34:00Z")
        .irt("_f7201940-6055-012f-3bc1-782bcb13c426").legacy().attack("shape"),
    row("ruby-saml/invalids_multiple_signed.xml.base64", Post, PY_CERT, PITBULK, "2014-02-19T01:37:01Z")
        .irt("ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807").legacy().long_lived(YEARS).attack("shape"),
    row("ruby-saml/invalids_response_invalid_signed_element.xml.base64", Post, PY_CERT, PITBULK, "2014-02-19T01:37:01Z")
        .irt("ONELOGIN_5fe9d6e499b2f0913206aab3f7191729049bb807").legacy().long_lived(YEARS).invalid("shape"),
    row("ruby-saml/invalids_encrypted_new_attack.xml.base64", Post, Embedded, RUBY_ONELOGIN, "2014-03-21T13:42:00Z")
        .legacy().attack("signature_reference"),
    row("ruby-saml/attackxee.xml", Xml, PY_CERT, PITBULK, "2014-02-19T01:37:01Z").attack("xml_doctype"),
    // 4. samael
    row("samael/response_signed.xml", Xml, Embedded, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("samael/response_signed_assertion.xml", Xml, Embedded, ONELOGIN_2014, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).valid("_ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("samael/response_signed_by_idp_2.xml", Xml, Pem("samael/idp_2_metadata_public.pem"), SAMLING, XSW_NOW)
        .irt(OL14_IRT).legacy().long_lived(YEARS).valid("\n        _ce3d2948b4cf20146dee0a0b3dd6f69b6cf86f62d7"),
    row("samael/multi_saml_response_signed.xml", Xml, Pem("samael/cert.pem"), ZOO, "2022-05-04T15:37:00Z")
        .long_lived(YEARS).no_audience().invalid("signature"),
    row("samael/multi_saml_response_signed_2.xml", Xml, Pem("samael/cert.pem"), ZOO, "2022-05-04T15:37:00Z")
        .legacy().long_lived(YEARS).no_audience().valid("some@customer.com"),
    row("samael/ancestor_attack_signed.xml", Xml, Pem("samael/idp_2_metadata_public.pem"), SAMLING_ATTACK, "2026-02-25T13:35:00Z")
        .attack("shape"),
    row("samael/object_attack_response.xml", Xml, Pem("samael/cert.pem"), SAMLING_ATTACK, "2026-02-25T13:35:00Z")
        .attack("signature_reference"),
    row("samael/xpointer_attack_signed.xml", Xml, Pem("samael/cert.pem"), TEST_IDP, "2026-02-25T13:35:00Z")
        .attack("shape"),
    // 5. node-saml
    row("node-saml/valid_response.root-signed.assertion-signed.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().no_audience().valid("vincent.vega@evil-corp.com\n            "),
    row("node-saml/valid_response.root-unsigned.assertion-signed.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().no_audience().valid("vincent.vega@evil-corp.com\n            "),
    row("node-saml/invalid_response.root-unsigned.assertion-unsigned.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().no_audience().invalid("unsigned"),
    row("node-saml/invalid_response.root-signed.assertion-invalidly-signed.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().no_audience().invalid("signature"),
    row("node-saml/invalid_response.root-signed.multiple-root-elements.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().no_audience().invalid("xml_syntax"),
    row("node-saml/invalid_response.root-resigned-by-attacker-assertion-unsigned-attackers-cert-at-keyinfo.xml", Xml, NODE_CERT, EVIL_CORP, NODE_NOW)
        .irt(NODE_IRT).legacy().no_audience().attack("signature"),
    row("node-saml/testshib_encrypted_response.xml", Xml, Embedded, TESTSHIB, "2014-06-02T17:49:00Z")
        .irt("_3138d675d6ed416d43d6").out_of_scope("encrypted_assertion", ENCRYPTED),
    // 6. xml-crypto
    row("xml-crypto/valid_saml.xml", Xml, Pem("xml-crypto/feide_public.pem"), FEIDE, "2012-07-03T11:32:20Z")
        .irt("_d766d16611ac0d14121b").legacy().valid("_6c5dcaa3053321ff4d63785fbc3f67c59a129cde82"),
    row("xml-crypto/valid_saml_withcomments.xml", Xml, Pem("xml-crypto/feide_public.pem"), FEIDE, "2012-07-03T11:32:20Z")
        .irt("_d766d16611ac0d14121b").legacy().invalid("signature"),
    row("xml-crypto/valid_saml_signature_wrapping.xml", Xml, Pem("xml-crypto/feide_public.pem"), FEIDE, "2012-07-03T11:32:20Z")
        .irt("_d766d16611ac0d14121b").legacy().attack("duplicate_id"),
    row("xml-crypto/saml_wrapped_signed_info_node.xml", Xml, Embedded, NODEJS, "2013-06-10T06:25:00Z")
        .legacy().attack("shape"),
    row("xml-crypto/saml_multiple_signed_info_nodes.xml", Xml, Embedded, NODEJS, "2013-06-10T06:25:00Z")
        .legacy().attack("signature_reference"),
    row("xml-crypto/signature_with_inclusivenamespaces.xml", Xml, Pem("xml-crypto/signature_with_inclusivenamespaces.pem"), OKTA_2013, OKTA_2013_NOW)
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
    if row.no_audience {
        danger = danger.allow_missing_audience_restriction();
    }
    let mut builder = common::try_sp(row.sp.entity_id, row.sp.acs, row.sp.issuer, &cert)
        .unwrap_or_else(|e| panic!("{}: config: {e}", row.file))
        .allow_unsolicited_responses(true)
        .dangerous(danger);
    if let Some(lifetime) = row.max_lifetime {
        builder = builder.with_max_assertion_lifetime(lifetime);
    }
    let config = builder
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
        let ok = match (row.expect, &outcome) {
            (Expect::Valid(name_id), Ok(got)) => got == name_id,
            (expect, Err(e)) => expect.check() == Some(e.check()),
            (_, Ok(_)) => false,
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

/// The verdict counts, as the table states them (and the test above checks them).
#[test]
fn verdict_counts() {
    let count = |f: fn(&Expect) -> bool| ROWS.iter().filter(|r| f(&r.expect)).count();
    assert_eq!(ROWS.len(), 67);
    assert_eq!(count(|e| matches!(e, Expect::Valid(_))), 20);
    assert_eq!(count(|e| matches!(e, Expect::OutOfScope { .. })), 8);
    assert_eq!(count(|e| matches!(e, Expect::Attack(_))), 29);
    assert_eq!(count(|e| matches!(e, Expect::Invalid(_))), 10);
    // Every out-of-scope row says why.
    for row in ROWS {
        if let Expect::OutOfScope { reason, .. } = row.expect {
            assert!(reason.len() > 40, "{}: {reason}", row.file);
        }
    }
}

/// The first verdict word of a MANIFEST table line after the file cell: `VALID`/`valid`,
/// `INVALID` or `ATTACK` (`None` for samples the manifest gives no verdict).
fn manifest_verdict(line: &str) -> Option<&'static str> {
    let rest = line.trim_start_matches('|').split_once('|')?.1;
    rest.split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|word| match word {
            "VALID" | "valid" => Some("valid"),
            "INVALID" => Some("invalid"),
            "ATTACK" => Some("attack"),
            _ => None,
        })
}

/// The rows agree with the manifest: a file it calls valid verifies, or is out of scope with a
/// reason; a file it calls an attack or invalid is refused.
#[test]
fn rows_follow_the_manifest_verdicts() {
    let manifest = fixture_text("saml/MANIFEST.md");
    let mut disagreements = Vec::new();
    let mut checked = 0;
    for row in ROWS {
        let name = row.file.rsplit('/').next().unwrap();
        let Some(line) = manifest
            .lines()
            .find(|l| l.starts_with(&format!("| {name} ")))
        else {
            disagreements.push(format!("{}: no manifest line", row.file));
            continue;
        };
        let agrees = matches!(
            (manifest_verdict(line), row.expect),
            (Some("valid"), Expect::Valid(_) | Expect::OutOfScope { .. })
                | (
                    Some("attack" | "invalid"),
                    Expect::Attack(_) | Expect::Invalid(_)
                )
                | (None, Expect::Invalid(_))
        );
        checked += 1;
        if !agrees {
            disagreements.push(format!(
                "{}: manifest {:?}, row {:?}",
                row.file,
                manifest_verdict(line),
                row.expect
            ));
        }
    }
    assert_eq!(checked, ROWS.len(), "{disagreements:?}");
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

/// The options the rows need are needed: without them, each such file is refused by the check
/// the option relaxes, so the defaults stay strict.
#[test]
fn row_options_are_needed() {
    for row in ROWS.iter().filter(|r| matches!(r.expect, Expect::Valid(_))) {
        if row.max_lifetime.is_some() {
            let strict = Row {
                max_lifetime: None,
                ..*row
            };
            assert_eq!(
                run(&strict).unwrap_err().check(),
                "lifetime",
                "{}",
                row.file
            );
        }
        if row.no_audience {
            let strict = Row {
                no_audience: false,
                ..*row
            };
            let err = run(&strict).unwrap_err();
            assert_eq!(err.check(), "audience", "{}", row.file);
            assert!(
                err.to_string().starts_with("audience restriction [] "),
                "{err}"
            );
        }
    }
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

//! Builds Okta-style responses with chosen protocol values and signs their Assertion with the
//! generated test IdP key (`tests/data/generated/keys/idp-rsa2048`), so that a test can change
//! one value and see exactly which check refuses it.
//!
//! The signature is made here with ring over our own exclusive c14n: these documents test the
//! protocol checks, not the signature code (which `generated_vectors.rs` checks against
//! xmlsec1-signed documents).

use std::path::Path;

use base64::Engine as _;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use saml_sp::internal::fuzzing::c14n_element;

pub(crate) const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const ISSUER: &str = "http://www.okta.com/exk5vect0rs0000h7x8";
pub(crate) const SP_ENTITY_ID: &str = "https://acme.example.com";
pub(crate) const ACS_URL: &str = "https://acme.example.com/okta/auth";
pub(crate) const NAME_ID: &str = "jane.doe@acme.example.com";
pub(crate) const ASSERTION_ID: &str = "id-assertion-0001";

fn key_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/generated/keys")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The certificate that verifies [`Response::signed`] documents.
pub(crate) fn idp_certificate() -> String {
    key_file("idp-rsa2048.crt")
}

/// Every value of the response a test may change; [`Response::default`] verifies at
/// [`Response::NOW`] with the SP of [`SP_ENTITY_ID`]/[`ACS_URL`] and IdP [`ISSUER`].
#[derive(Clone, Debug)]
pub(crate) struct Response {
    /// `Version` of the Response (`None` leaves the attribute out).
    pub(crate) response_version: Option<String>,
    /// `IssueInstant` of the Response.
    pub(crate) response_issue_instant: String,
    /// `Version` of the Assertion (`None` leaves the attribute out).
    pub(crate) assertion_version: Option<String>,
    /// `IssueInstant` of the Assertion.
    pub(crate) issue_instant: String,
    /// The Assertion `Issuer` (`None` leaves the element out).
    pub(crate) assertion_issuer: Option<String>,
    /// `NotOnOrAfter` of the bearer `SubjectConfirmationData`.
    pub(crate) confirmation_not_on_or_after: String,
    /// `NotBefore` of `Conditions`.
    pub(crate) not_before: String,
    /// `NotOnOrAfter` of `Conditions`.
    pub(crate) not_on_or_after: String,
    /// The children of `Conditions`, as XML.
    pub(crate) conditions: String,
    /// `AuthnInstant`.
    pub(crate) authn_instant: String,
}

impl Default for Response {
    fn default() -> Self {
        Self {
            response_version: Some("2.0".to_owned()),
            response_issue_instant: "2030-06-15T09:30:00.000Z".to_owned(),
            assertion_version: Some("2.0".to_owned()),
            issue_instant: "2030-06-15T09:30:00.000Z".to_owned(),
            assertion_issuer: Some(ISSUER.to_owned()),
            confirmation_not_on_or_after: "2030-06-15T09:35:00.000Z".to_owned(),
            not_before: "2030-06-15T09:25:00.000Z".to_owned(),
            not_on_or_after: "2030-06-15T09:35:00.000Z".to_owned(),
            conditions: Self::audience(SP_ENTITY_ID),
            authn_instant: "2030-06-15T09:02:11.000Z".to_owned(),
        }
    }
}

fn version(value: Option<&str>) -> String {
    value.map_or_else(String::new, |v| format!(" Version=\"{v}\""))
}

impl Response {
    /// A time inside the default response's validity window.
    pub(crate) const NOW: &'static str = "2030-06-15T09:31:00Z";

    /// An `AudienceRestriction` naming `audience`.
    pub(crate) fn audience(audience: &str) -> String {
        format!(
            "<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience>\
             </saml:AudienceRestriction>"
        )
    }

    /// The document with `signature` (empty or a `ds:Signature`) as the Assertion's second child.
    fn render(&self, signature: &str) -> String {
        let issuer = self
            .assertion_issuer
            .as_deref()
            .map_or_else(String::new, |i| format!("<saml:Issuer>{i}</saml:Issuer>"));
        format!(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
             xmlns:saml=\"{SAML}\" Destination=\"{ACS_URL}\" ID=\"id-response-0001\" \
             IssueInstant=\"{rii}\"{rv}><saml:Issuer>{ISSUER}</saml:Issuer><samlp:Status>\
             <samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>\
             </samlp:Status><saml:Assertion ID=\"{ASSERTION_ID}\" IssueInstant=\"{aii}\"{av}>\
             {issuer}{signature}<saml:Subject><saml:NameID>{NAME_ID}</saml:NameID>\
             <saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">\
             <saml:SubjectConfirmationData NotOnOrAfter=\"{scd}\" Recipient=\"{ACS_URL}\"/>\
             </saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore=\"{nb}\" \
             NotOnOrAfter=\"{noa}\">{conditions}</saml:Conditions><saml:AuthnStatement \
             AuthnInstant=\"{authn}\"><saml:AuthnContext><saml:AuthnContextClassRef>\
             urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport\
             </saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>\
             </saml:Assertion></samlp:Response>",
            rii = self.response_issue_instant,
            rv = version(self.response_version.as_deref()),
            aii = self.issue_instant,
            av = version(self.assertion_version.as_deref()),
            scd = self.confirmation_not_on_or_after,
            nb = self.not_before,
            noa = self.not_on_or_after,
            conditions = self.conditions,
            authn = self.authn_instant,
        )
    }

    /// The document with its Assertion signed (RSA-SHA256, SHA-256, exclusive c14n).
    pub(crate) fn signed(&self) -> String {
        let engine = base64::engine::general_purpose::STANDARD;
        // The Assertion is the third child of the Response; its signature comes after Issuer.
        let unsigned = self.render("");
        let canonical = c14n_element(unsigned.as_bytes(), &[3], false, false, &[])
            .unwrap_or_else(|e| panic!("c14n of the assertion: {e}"));
        let digest = ring::digest::digest(&ring::digest::SHA256, &canonical);
        let signed_info = format!(
            "<ds:SignedInfo><ds:CanonicalizationMethod \
             Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/><ds:SignatureMethod \
             Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/><ds:Reference \
             URI=\"#{ASSERTION_ID}\"><ds:Transforms><ds:Transform \
             Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><ds:Transform \
             Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\
             <ds:DigestValue>{}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
            engine.encode(digest.as_ref())
        );
        let signature = |value: &str| {
            format!(
                "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">{signed_info}\
                 <ds:SignatureValue>{value}</ds:SignatureValue></ds:Signature>"
            )
        };
        let template = self.render(&signature(""));
        // Assertion (3rd child) > Signature (2nd child when there is an Issuer) > SignedInfo.
        let position = if self.assertion_issuer.is_some() {
            2
        } else {
            1
        };
        let to_sign = c14n_element(template.as_bytes(), &[3, position, 1], false, false, &[])
            .unwrap_or_else(|e| panic!("c14n of SignedInfo: {e}"));
        let pem = key_file("idp-rsa2048.key");
        let der: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<String>();
        let der = engine.decode(der).unwrap_or_else(|e| panic!("key: {e}"));
        let key = RsaKeyPair::from_pkcs8(&der).unwrap_or_else(|e| panic!("key: {e}"));
        let mut value = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            &to_sign,
            &mut value,
        )
        .unwrap_or_else(|e| panic!("signing: {e}"));
        self.render(&signature(&engine.encode(value)))
    }
}

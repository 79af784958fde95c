//! A SAML 2.0 Service Provider that hands the application only what a trusted IdP signed.
//!
//! Pure Rust: quick-xml for tokenizing, an own namespace-resolved tree and Exclusive XML
//! Canonicalization, ring for the cryptography, x509-parser for certificates.
//!
//! # Verifying a response at the ACS endpoint
//!
//! ```no_run
//! use saml_sp::time::{SystemTimeProvider, TimeProvider};
//! use saml_sp::{AcsUrl, Certificate, EntityId, IdpConfig, RequestId, SpConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let idp_certificate_pem = ""; let saml_response_form_value = b"";
//! // Once, at start-up (or when the admin saves the settings page):
//! let idp = IdpConfig::new(
//!     EntityId::try_from("http://www.okta.com/exk1fcr9ohpkXjQ0l0h8")?,
//!     Certificate::from_pem_bundle(idp_certificate_pem)?,
//! )?;
//! let sp = SpConfig::builder(
//!     EntityId::try_from("https://acme.example.com")?,
//!     AcsUrl::try_from("https://acme.example.com/okta/auth")?,
//!     idp,
//! )
//! .allow_unsolicited_responses(true) // Okta "My Apps" sign-in; read the security warning
//! .build()?;
//!
//! // Per POST to the ACS URL:
//! let expected = None::<&RequestId>; // or the ID of the AuthnRequest this session sent
//! match sp.verify_response(saml_response_form_value, expected, SystemTimeProvider.now()) {
//!     Ok(user) => println!("signed in: {}", user.name_id().value()),
//!     Err(e) => eprintln!("rejected: {}: {e}", e.check()),
//! }
//! # Ok(()) }
//! ```
//!
//! # What is accepted
//!
//! One shape only: a `samlp:Response` root with at most one `ds:Signature` as a direct child
//! (referencing the Response's `ID`) and exactly one `saml:Assertion` as a direct child, whose
//! own `ds:Signature`, if any, is its direct child referencing its `ID`. A signature on the
//! Response, on the Assertion or on both is accepted as long as the Assertion is covered.
//! Elements are matched by namespace URI and local name, never by prefix. Every signature
//! present must verify, with a key from the configured certificates only (`KeyInfo` is never
//! read). The returned [`Authenticated`] is built only from the signed subtree.
//! [`SpConfig::verify_assertion`] accepts a document whose root is a signed Assertion.
//!
//! The signed Assertion must then say it is for us, now: `Version` 2.0, UTC timestamps, the
//! configured issuer, our ACS URL as `Destination` and `Recipient`, our entity ID in every
//! `AudienceRestriction`, a time window around now (with the clock skew), an `IssueInstant` not
//! in the future, a lifetime of at most [`SpConfig::max_assertion_lifetime`], no condition we
//! do not understand (`OneTimeUse` and `ProxyRestriction` are understood: every assertion is
//! used once anyway, and we never issue assertions onwards), and an ID not used before.
//!
//! Refused: DOCTYPE and entity declarations, unknown entity references, processing
//! instructions, repeated IDs, any other `Signature`/`Assertion`/`EncryptedAssertion`
//! placement, more than one `Reference`, transforms other than enveloped-signature followed by
//! exclusive c14n, algorithms outside RSA-SHA256/384/512, ECDSA-SHA256/384 and SHA-256/384/512
//! digests (SHA-1 and RSA keys under 2048 bits only through [`danger::DangerousOptions`]).
//! Encrypted assertions are not supported yet and get their own error.
//!
//! # Check names
//!
//! Every rejection has a stable snake_case name, [`Error::check`], for logs, metrics and tests
//! (the [`cli`] prints it as `rejected: <check>: <detail>`):
//!
//! | check | meaning |
//! |---|---|
//! | `input_size` | input or decoded XML larger than [`Limits::max_bytes`] |
//! | `base64` | the form value (or a `DigestValue`/`SignatureValue`) is not base64 |
//! | `xml_syntax` | not well-formed, namespace-well-formed UTF-8 XML 1.0 |
//! | `xml_doctype` | a DOCTYPE, or an entity reference other than the predefined ones |
//! | `xml_limits` | depth, element count or attributes-per-element budget exceeded |
//! | `processing_instruction` | a processing instruction anywhere in the document |
//! | `shape` | wrong root, not exactly one Assertion, assertion or signature in the wrong place, several signatures on one element, malformed `Signature` (two `SignedInfo`, `ds:Object`, a non-text child in `DigestValue`/`SignatureValue`), missing required element |
//! | `duplicate_id` | two elements share an ID (`ID`, `Id`, `id`, `AssertionID`, `xml:id`) |
//! | `unsigned` | the assertion is not covered by any signature |
//! | `signature_reference` | not exactly one `Reference`, or its URI is not `#` + the parent's ID |
//! | `signature_transform` | transforms other than enveloped-signature then exclusive c14n |
//! | `signature_algorithm` | unknown or disallowed algorithm (HMAC, inclusive c14n, SHA-1 without opt-in) |
//! | `signature_key` | no configured key fits (RSA under 2048 bits without opt-in, wrong key type) |
//! | `signature` | digest mismatch or bad signature value (deliberately one name) |
//! | `encrypted_assertion` | an `EncryptedAssertion` (not supported yet) |
//! | `status` | the top-level status is not Success |
//! | `version` | the `Version` of the Response or of the Assertion is not `2.0` (or missing) |
//! | `timestamp_zone` | a timestamp without time zone, or with an offset other than zero (SAML requires UTC) |
//! | `issuer` | Assertion (or Response) `Issuer` is not the configured IdP |
//! | `destination` | Response `Destination` present and not our ACS URL |
//! | `condition` | `Conditions` holds a condition we do not understand (a `saml:Condition` of any `xsi:type`, or any element but `AudienceRestriction`, `OneTimeUse`, `ProxyRestriction`) |
//! | `not_yet_valid` | before `NotBefore` (minus the skew) |
//! | `expired` | at or after `NotOnOrAfter` (plus the skew) |
//! | `issue_instant` | the Response or Assertion `IssueInstant` is later than now plus the skew |
//! | `lifetime` | a `NotOnOrAfter` lies more than [`SpConfig::max_assertion_lifetime`] (default 24 h) after the Assertion's `IssueInstant` |
//! | `recipient` | the bearer confirmation's `Recipient` is not our ACS URL |
//! | `subject_confirmation` | no bearer confirmation with `SubjectConfirmationData` and `NotOnOrAfter`, or outside its window |
//! | `audience` | no `AudienceRestriction` (unless [`danger::DangerousOptions::allow_missing_audience_restriction`]), or one without our entity ID |
//! | `in_response_to` | `InResponseTo` missing when expected, different, or present when none expected |
//! | `unsolicited` | IdP-initiated response while unsolicited responses are not enabled |
//! | `replay` | the assertion was already used (or the replay cache is full) |
//! | `config` | API misuse: invalid configuration value |
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod assertion;
pub mod authn_request;
mod base64;
pub mod binding;
mod c14n;
pub mod cli;
mod config;
pub mod danger;
mod dsig;
mod error;
mod ids;
#[doc(hidden)]
pub mod internal;
pub mod metadata;
pub mod random;
mod replay;
mod response;
pub mod time;
mod validate;
mod verified;
mod xml;
#[cfg(feature = "xmlsec")]
pub mod xmlsec_oracle;

pub use assertion::{Assertion, Attribute, NameId};
pub use config::{Certificate, IdpConfig, SpConfig, SpConfigBuilder};
pub use error::{
    Base64Error, ConfigError, DsigError, Error, ShapeError, ValidationError, XmlError,
};
pub use ids::{AcsUrl, EntityId, RelayState, RequestId};
pub use replay::{InMemoryReplayCache, ReplayCache, ReplayRefusal};
pub use response::UnverifiedResponse;
pub use verified::{Authenticated, Verified};
pub use xml::{Limits, XmlLimit};

#[cfg(test)]
pub(crate) mod test_support;

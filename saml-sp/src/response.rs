//! The verification pipeline: input bytes -> tree -> shape -> signatures -> signed model.
//!
//! The one accepted shape (a `Response`):
//! ```text
//! samlp:Response ID=...                 the root
//!   saml:Issuer?                        checked when present
//!   ds:Signature?                       directly after Issuer; references the Response ID
//!   samlp:Extensions?  samlp:Status
//!   saml:Assertion ID=...               exactly one, a direct child
//!     saml:Issuer
//!     ds:Signature?                     directly after Issuer; references the Assertion ID
//!     ...
//! ```
//! and at least one of the two signatures present (a Response signature covers the assertion).
//! Any other `Signature`, `Assertion` or `EncryptedAssertion` anywhere in the document, any
//! processing instruction, and any repeated ID (`ID`, `Id`, `id`, `AssertionID`, `xml:id`) is a
//! rejection. Every signature present must verify. The assertion model is then read from the
//! one `Assertion` element, which lies inside every subtree that was verified.

use std::collections::HashSet;

use crate::assertion::{Assertion, SAML};
use crate::config::SpConfig;
use crate::dsig::{self, DS};
use crate::error::{Error, ShapeError, ValidationError};
use crate::ids::RequestId;
use crate::time::UnixTime;
use crate::verified::{Authenticated, Verified};
use crate::xml::{Document, Element, Limits, NodeKind, XML_NS};

pub(crate) const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// What the document root must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Root {
    Response,
    Assertion,
}

/// Response-level values, checked by validation but never used for identity (all `None`/false
/// for a standalone Assertion).
#[derive(Clone, Debug, Default)]
pub(crate) struct Envelope {
    /// Whether the document is a Response (and the fields below were read from it).
    pub(crate) is_response: bool,
    pub(crate) version: Option<String>,
    pub(crate) issue_instant: Option<UnixTime>,
    pub(crate) destination: Option<String>,
    pub(crate) in_response_to: Option<String>,
    pub(crate) issuer: Option<String>,
}

/// Turns the POSTed `SAMLResponse` value (base64, any line breaks, optional BOM) or raw XML into
/// XML bytes. Raw XML is recognized by containing `<`, which base64 never contains.
pub(crate) fn decode_input(input: &[u8], limits: &Limits) -> Result<Vec<u8>, Error> {
    // Base64 is 4/3 of the XML plus line breaks: twice the XML limit is a safe bound that is
    // checked before any work.
    let limit = limits.max_bytes().saturating_mul(2);
    if input.len() > limit {
        return Err(Error::InputTooLarge {
            size: input.len(),
            limit,
        });
    }
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if body.contains(&b'<') {
        return Ok(input.to_vec());
    }
    let xml = crate::base64::decode_lenient(body, "SAMLResponse")?;
    if xml.len() > limits.max_bytes() {
        return Err(Error::InputTooLarge {
            size: xml.len(),
            limit: limits.max_bytes(),
        });
    }
    Ok(xml)
}

/// Refuses processing instructions anywhere and repeated IDs.
fn check_document(doc: &Document) -> Result<(), Error> {
    for node in doc.nodes() {
        if let NodeKind::ProcessingInstruction { target, .. } = node.kind() {
            return Err(Error::ProcessingInstruction {
                target: target.chars().take(64).collect(),
            });
        }
    }
    let mut seen = HashSet::new();
    for element in doc.elements() {
        for attr in element.attributes() {
            let id_like = (attr.namespace.is_empty()
                && matches!(attr.local, "ID" | "Id" | "id" | "AssertionID"))
                || (attr.namespace == XML_NS && attr.local == "id");
            if id_like && !seen.insert(attr.value) {
                return Err(Error::DuplicateId {
                    id: attr.value.chars().take(256).collect(),
                });
            }
        }
    }
    Ok(())
}

/// Whether `signature` sits where the schema puts it: the first child element of its parent,
/// or the second right after `Issuer`.
fn signature_in_schema_position(signature: Element<'_>, parent: Element<'_>) -> bool {
    let mut children = parent.child_elements();
    match children.next() {
        Some(first) if first.id() == signature.id() => true,
        Some(first) if first.is(SAML, "Issuer") => children
            .next()
            .is_some_and(|second| second.id() == signature.id()),
        _ => false,
    }
}

fn wrong_root(root: Element<'_>, expected: &'static str) -> Error {
    ShapeError::WrongRoot {
        namespace: root.namespace().chars().take(200).collect(),
        local: root.local_name().chars().take(200).collect(),
        expected,
    }
    .into()
}

/// Checks the status of a Response.
fn check_status(response: Element<'_>) -> Result<(), Error> {
    let status = response.child(SAMLP, "Status").ok_or(ShapeError::Missing {
        element: "Status",
        parent: "Response",
    })?;
    let code = status.child(SAMLP, "StatusCode");
    let value = code.and_then(|c| c.attribute("Value")).unwrap_or("");
    if value == SUCCESS
        && status
            .child_elements()
            .filter(|e| e.is(SAMLP, "StatusCode"))
            .count()
            == 1
    {
        return Ok(());
    }
    Err(ValidationError::Status {
        code: value.chars().take(256).collect(),
        second_level: code
            .and_then(|c| c.child(SAMLP, "StatusCode"))
            .and_then(|c| c.attribute("Value"))
            .map(|v| v.chars().take(256).collect()),
        message: status
            .child(SAMLP, "StatusMessage")
            .map(|m| m.text().chars().take(512).collect()),
    }
    .into())
}

/// Runs structure and signature checks and reads the assertion from the signed subtree.
///
/// Order of the checks (it decides which check name a document failing several gets):
/// processing instructions and repeated IDs; the root; more than one assertion child; an
/// assertion inside `Extensions`; the signatures in the two allowed places (at most one each,
/// each verified, then in schema position);
/// the status and the Response `IssueInstant` (present, UTC); exactly one assertion, not
/// encrypted; coverage; any `Signature`, `Assertion` or `EncryptedAssertion` elsewhere in the
/// document; and last, the assertion model (its timestamps UTC).
pub(crate) fn verify_document(
    doc: &Document,
    config: &SpConfig,
    root_kind: Root,
) -> Result<(Verified<Assertion>, Envelope), Error> {
    check_document(doc)?;
    let root = doc.root();
    let policy = config.danger.policy();
    let keys = config.idp.keys();

    let assertion_like =
        |e: &Element<'_>| e.is(SAML, "Assertion") || e.is(SAML, "EncryptedAssertion");

    let assertion = match root_kind {
        Root::Response => {
            if !root.is(SAMLP, "Response") {
                return Err(wrong_root(root, "samlp:Response"));
            }
            let direct: Vec<Element<'_>> = root.child_elements().filter(assertion_like).collect();
            if direct.len() > 1 {
                return Err(ShapeError::AssertionCount {
                    count: direct.len(),
                }
                .into());
            }
            direct.first().copied()
        }
        Root::Assertion => {
            if !root.is(SAML, "Assertion") {
                return Err(wrong_root(root, "saml:Assertion"));
            }
            Some(root)
        }
    };

    // `samlp:Extensions` never holds an assertion (XSW7 hides the signed one there).
    if let Some(extensions) = root.child(SAMLP, "Extensions") {
        if let Some(hidden) = extensions
            .descendants()
            .filter_map(|n| match n.kind() {
                NodeKind::Element(e) => Some(e),
                _ => None,
            })
            .find(|e| assertion_like(e))
        {
            return Err(ShapeError::MisplacedAssertion {
                parent: hidden
                    .parent()
                    .map_or_else(String::new, |p| p.local_name().chars().take(200).collect()),
            }
            .into());
        }
    }

    // The elements that may carry a signature, and their signatures.
    let mut signable: Vec<Element<'_>> = Vec::with_capacity(2);
    if root_kind == Root::Response {
        signable.push(root);
    }
    if let Some(a) = assertion.filter(|a| a.is(SAML, "Assertion")) {
        signable.push(a);
    }
    let mut covered = false;
    for parent in &signable {
        let mut signatures = parent.child_elements().filter(|e| e.is(DS, "Signature"));
        let Some(signature) = signatures.next() else {
            continue;
        };
        if signatures.next().is_some() {
            return Err(ShapeError::MultipleSignatures {
                parent: parent.local_name().to_owned(),
            }
            .into());
        }
        // Every signature present must verify.
        let signed = dsig::verify_enveloped(signature, keys, policy)?;
        if !signature_in_schema_position(signature, *parent) {
            return Err(ShapeError::MisplacedSignature {
                parent: parent.local_name().to_owned(),
            }
            .into());
        }
        if assertion.is_some_and(|a| signed.contains(a.id())) {
            covered = true;
        }
    }

    let mut envelope = Envelope::default();
    if root_kind == Root::Response {
        check_status(root)?;
        envelope.is_response = true;
        envelope.version = root
            .attribute("Version")
            .map(|v| v.chars().take(64).collect());
        let issue_instant = root
            .attribute("IssueInstant")
            .ok_or(ShapeError::MissingAttribute {
                attribute: "IssueInstant",
                element: "Response",
            })?;
        envelope.issue_instant = Some(crate::assertion::timestamp(
            issue_instant,
            "Response IssueInstant",
        )?);
        envelope.destination = root.attribute("Destination").map(str::to_owned);
        envelope.in_response_to = root.attribute("InResponseTo").map(str::to_owned);
        envelope.issuer = root.child(SAML, "Issuer").map(|i| i.text().into_owned());
    }
    let Some(assertion) = assertion else {
        return Err(ShapeError::AssertionCount { count: 0 }.into());
    };
    if assertion.is(SAML, "EncryptedAssertion") {
        return Err(Error::EncryptedAssertion);
    }
    if !covered {
        return Err(Error::Unsigned);
    }

    // Nothing signature- or assertion-like anywhere else.
    for element in doc.elements() {
        if assertion_like(&element) && element.id() != assertion.id() {
            return Err(ShapeError::MisplacedAssertion {
                parent: element
                    .parent()
                    .map_or_else(String::new, |p| p.local_name().chars().take(200).collect()),
            }
            .into());
        }
        if element.is(DS, "Signature")
            && !element
                .parent()
                .is_some_and(|p| signable.iter().any(|s| s.id() == p.id()))
        {
            return Err(ShapeError::MisplacedSignature {
                parent: element
                    .parent()
                    .map_or_else(String::new, |p| p.local_name().chars().take(200).collect()),
            }
            .into());
        }
    }

    let model = Assertion::from_element(assertion)?;
    Ok((Verified::new(model), envelope))
}

/// A parsed but not yet verified `Response`, for choosing the IdP configuration before
/// verification (several IdPs or tenants on one ACS URL).
///
/// Nothing read from it is trustworthy; the accessors say so in their names. Verify it with
/// [`SpConfig::verify_parsed_response`].
///
/// ```
/// use saml_sp::{Limits, UnverifiedResponse};
///
/// let xml = br#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
///     xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="r1">
///   <saml:Issuer>http://www.okta.com/exk1</saml:Issuer></samlp:Response>"#;
/// let response = UnverifiedResponse::parse(xml, &Limits::default())?;
/// assert_eq!(response.unverified_issuer().as_deref(), Some("http://www.okta.com/exk1"));
/// # Ok::<(), saml_sp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct UnverifiedResponse {
    doc: Document,
}

impl UnverifiedResponse {
    /// Decodes (form value or raw XML, as [`SpConfig::verify_response`]) and parses `input`.
    pub fn parse(input: &[u8], limits: &Limits) -> Result<Self, Error> {
        let xml = decode_input(input, limits)?;
        Ok(Self {
            doc: Document::parse(&xml, limits)?,
        })
    }

    /// The `Issuer` of the Response, or else of its first Assertion child. Unverified: use it
    /// only to pick which IdP configuration to verify with.
    pub fn unverified_issuer(&self) -> Option<String> {
        let root = self.doc.root();
        root.child(SAML, "Issuer")
            .or_else(|| {
                root.child(SAML, "Assertion")
                    .and_then(|a| a.child(SAML, "Issuer"))
            })
            .map(|issuer| issuer.text().into_owned())
    }

    /// The Response's `InResponseTo`, if any. Unverified: use it only to look up the request
    /// state (the verifier checks it again).
    pub fn unverified_in_response_to(&self) -> Option<&str> {
        self.doc.root().attribute("InResponseTo")
    }
}

impl SpConfig {
    /// Verifies a response parsed with [`UnverifiedResponse::parse`]; otherwise the same as
    /// [`verify_response`](Self::verify_response).
    pub fn verify_parsed_response(
        &self,
        response: &UnverifiedResponse,
        expected_request: Option<&RequestId>,
        now: UnixTime,
    ) -> Result<Authenticated, Error> {
        let (verified, envelope) = verify_document(&response.doc, self, Root::Response)?;
        Ok(crate::validate::validate(
            verified,
            &envelope,
            self,
            expected_request,
            now,
        )?)
    }

    /// Verifies a SAML `Response` posted to the ACS (HTTP-POST binding) and returns the
    /// authenticated subject.
    ///
    /// `input` is the `SAMLResponse` form value (base64 with any line breaks, optionally with a
    /// UTF-8 BOM) or the raw XML. `expected_request` is the ID of the AuthnRequest this browser
    /// session sent (SP-initiated sign-in), or `None` when no request is outstanding (then the
    /// response must carry no `InResponseTo`, and is accepted only if
    /// [`allow_unsolicited_responses`](crate::SpConfigBuilder::allow_unsolicited_responses) is
    /// set). `now` is the current time.
    ///
    /// On success the assertion ID has been recorded in the replay cache.
    pub fn verify_response(
        &self,
        input: &[u8],
        expected_request: Option<&RequestId>,
        now: UnixTime,
    ) -> Result<Authenticated, Error> {
        self.verify(input, Root::Response, expected_request, now)
    }

    /// Verifies a standalone signed `Assertion` (a document whose root is the Assertion), with
    /// the same checks as [`verify_response`](Self::verify_response) minus those on the
    /// Response envelope (status, Destination). The Assertion must carry its own signature.
    pub fn verify_assertion(
        &self,
        input: &[u8],
        expected_request: Option<&RequestId>,
        now: UnixTime,
    ) -> Result<Authenticated, Error> {
        self.verify(input, Root::Assertion, expected_request, now)
    }

    fn verify(
        &self,
        input: &[u8],
        root: Root,
        expected_request: Option<&RequestId>,
        now: UnixTime,
    ) -> Result<Authenticated, Error> {
        let xml = decode_input(input, &self.limits)?;
        let doc = Document::parse(&xml, &self.limits)?;
        let (verified, envelope) = verify_document(&doc, self, root)?;
        Ok(crate::validate::validate(
            verified,
            &envelope,
            self,
            expected_request,
            now,
        )?)
    }
}

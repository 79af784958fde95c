//! Errors, one enum per layer, rolled up into [`Error`].
//!
//! Every rejection names the check that failed through [`Error::check`], a stable snake_case
//! string meant for logs, metrics and tests. The full list is in the [crate documentation](crate).

use crate::time::UnixTime;
use crate::xml::XmlLimit;

/// Why a SAML message was rejected or the API was misused.
///
/// Variants caused by untrusted input carry enough context for a log line; the browser should
/// only ever see a generic message (never which cryptographic step failed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input (form value or XML) is larger than the configured limit.
    #[error("input is {size} bytes, over the limit of {limit}")]
    InputTooLarge {
        /// Size of the input, in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The form value is not valid base64.
    #[error("base64: {0}")]
    Base64(#[from] Base64Error),
    /// The document is not acceptable XML.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// The document contains a processing instruction (never produced by an IdP; refused so
    /// that no value can be split by one).
    #[error("processing instruction <?{target} ...?> in the document")]
    ProcessingInstruction {
        /// The instruction's target.
        target: String,
    },
    /// The document does not have the one accepted shape.
    #[error("document shape: {0}")]
    Shape(#[from] ShapeError),
    /// Two elements carry the same ID.
    #[error("ID {id:?} occurs more than once in the document")]
    DuplicateId {
        /// The repeated ID.
        id: String,
    },
    /// A signature is malformed, uses an algorithm or key that is not allowed, or does not verify.
    #[error(transparent)]
    Dsig(#[from] DsigError),
    /// The assertion is not covered by any signature.
    #[error("the assertion is not covered by a signature")]
    Unsigned,
    /// The response carries an `EncryptedAssertion`.
    #[error("encrypted assertions are not supported yet")]
    EncryptedAssertion,
    /// The signed content failed a protocol check (status, issuer, time, audience, ...).
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The API was misused (bad configuration); not caused by the message.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Error {
    /// The stable snake_case name of the failed check (see the [crate documentation](crate)).
    ///
    /// ```
    /// use saml_sp::Error;
    /// assert_eq!(Error::EncryptedAssertion.check(), "encrypted_assertion");
    /// assert_eq!(Error::Unsigned.check(), "unsigned");
    /// ```
    pub fn check(&self) -> &'static str {
        match self {
            Self::InputTooLarge { .. } => "input_size",
            Self::Base64(_) => "base64",
            Self::Xml(e) => e.check(),
            Self::ProcessingInstruction { .. } => "processing_instruction",
            Self::Shape(_) => "shape",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::Dsig(e) => e.check(),
            Self::Unsigned => "unsigned",
            Self::EncryptedAssertion => "encrypted_assertion",
            Self::Validation(e) => e.check(),
            Self::Config(_) => "config",
        }
    }
}

/// A base64 field could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64 in {field}")]
pub struct Base64Error {
    pub(crate) field: &'static str,
}

impl Base64Error {
    /// Which field held the bad base64 (`SAMLResponse`, `SignatureValue`, `DigestValue`,
    /// `certificate`).
    pub fn field(&self) -> &'static str {
        self.field
    }
}

/// The XML reader refused the document.
///
/// An entity reference other than the five predefined ones is
/// [`EntityReference`](Self::EntityReference), check `xml_syntax` (it is a well-formedness
/// error); a DOCTYPE is [`Doctype`](Self::Doctype), check `xml_doctype`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The document is larger than [`Limits::max_bytes`](crate::Limits::max_bytes).
    #[error("document is {size} bytes, over the limit of {limit}")]
    TooLarge {
        /// Size of the document.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The document is not well-formed, namespace-well-formed UTF-8 XML.
    #[error("XML syntax error at byte {offset}: {message}")]
    Syntax {
        /// Byte offset (in the XML, after any BOM) near the problem.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// The document has a document type declaration (DOCTYPE), refused outright.
    #[error("DOCTYPE declarations are not allowed")]
    Doctype,
    /// The document references an entity other than the five predefined ones.
    #[error("entity reference &{name}; is not allowed")]
    EntityReference {
        /// The entity name.
        name: String,
    },
    /// The document exceeds a structural budget of [`Limits`](crate::Limits).
    #[error("document exceeds the limit on {limit} ({max})")]
    LimitExceeded {
        /// Which budget.
        limit: XmlLimit,
        /// Its value.
        max: usize,
    },
}

impl XmlError {
    /// The stable check name: `input_size`, `xml_syntax`, `xml_doctype` or `xml_limits`.
    pub fn check(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "input_size",
            Self::Syntax { .. } => "xml_syntax",
            Self::Doctype => "xml_doctype",
            // An undeclared entity is a well-formedness error (WFC: Entity Declared): with
            // DOCTYPE refused, no entity other than the predefined five can ever be declared.
            Self::EntityReference { .. } => "xml_syntax",
            Self::LimitExceeded { .. } => "xml_limits",
        }
    }
}

/// Where the document departs from the one accepted shape (see the [crate docs](crate)).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShapeError {
    /// The root element is not the expected one.
    #[error("root element is {{{namespace}}}{local}, expected {expected}")]
    WrongRoot {
        /// Namespace URI of the root (empty when none).
        namespace: String,
        /// Local name of the root.
        local: String,
        /// The expected root (`samlp:Response` or `saml:Assertion`).
        expected: &'static str,
    },
    /// The response does not hold exactly one assertion as a direct child.
    #[error("expected exactly one Assertion or EncryptedAssertion child, found {count}")]
    AssertionCount {
        /// How many there are.
        count: usize,
    },
    /// An `Assertion` or `EncryptedAssertion` sits somewhere other than directly under the root.
    #[error("an assertion is nested inside {parent}, not directly under the Response")]
    MisplacedAssertion {
        /// Local name of the element holding it (its first 200 characters).
        parent: String,
    },
    /// A `Signature` sits somewhere other than directly under the Response or the Assertion.
    #[error("a Signature is nested inside {parent}, not directly under the Response or Assertion")]
    MisplacedSignature {
        /// Local name of the element holding it (its first 200 characters).
        parent: String,
    },
    /// One element carries more than one `Signature`.
    #[error("{parent} has more than one Signature")]
    MultipleSignatures {
        /// Local name of the signed element.
        parent: String,
    },
    /// A required element is missing.
    #[error("missing {element} in {parent}")]
    Missing {
        /// The missing element.
        element: &'static str,
        /// Where it should be.
        parent: &'static str,
    },
    /// An element occurs more often than allowed.
    #[error("{element} occurs more than once in {parent}")]
    Repeated {
        /// The repeated element.
        element: &'static str,
        /// Where.
        parent: &'static str,
    },
    /// A required attribute is missing.
    #[error("missing attribute {attribute} on {element}")]
    MissingAttribute {
        /// The attribute.
        attribute: &'static str,
        /// The element.
        element: &'static str,
    },
    /// A timestamp in the message cannot be read.
    #[error("invalid timestamp in {field}: {value:?}")]
    InvalidTimestamp {
        /// Where (`Conditions NotBefore`, ...).
        field: &'static str,
        /// The text (truncated to 64 characters).
        value: String,
    },
    /// An element that must hold text only has child elements.
    #[error("{element} must contain text only")]
    NotText {
        /// The element.
        element: &'static str,
    },
}

/// A signature is malformed, disallowed or invalid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DsigError {
    /// The `Signature` element does not have the XML-DSig structure we accept (for example two
    /// `SignedInfo`, a `ds:Object`, or an element inside `DigestValue`).
    #[error("malformed Signature: {detail}")]
    Malformed {
        /// What is wrong.
        detail: &'static str,
    },
    /// `SignedInfo` holds other than exactly one `Reference`.
    #[error("SignedInfo must hold exactly one Reference, found {count}")]
    ReferenceCount {
        /// How many there are.
        count: usize,
    },
    /// The `Reference` URI is not `#` followed by the ID of the signature's parent.
    #[error("Reference URI {uri:?} does not name the signed element ({expected:?})")]
    ReferenceUri {
        /// The URI in the message.
        uri: String,
        /// `#` + the ID of the signature's parent (its first 200 characters).
        expected: String,
    },
    /// The transforms are not exactly enveloped-signature followed by exclusive c14n.
    #[error("transform not allowed: {algorithm}")]
    Transform {
        /// The offending transform URI or `{namespace}name` of an unexpected element (each
        /// part cut to its first 200 characters), or a description of the bad sequence.
        algorithm: String,
    },
    /// An algorithm is not on the allow-list (HMAC, MD5, unknown URIs, inclusive c14n).
    #[error("{role} algorithm not allowed: {algorithm}")]
    Algorithm {
        /// What the algorithm is for (`signature`, `digest`, `canonicalization`).
        role: &'static str,
        /// The URI in the message.
        algorithm: String,
    },
    /// A SHA-1 algorithm was used and the caller did not opt in through [`crate::danger`].
    #[error("{role} algorithm {algorithm} uses SHA-1, which is not enabled")]
    LegacySha1 {
        /// `signature` or `digest`.
        role: &'static str,
        /// The URI in the message.
        algorithm: String,
    },
    /// No configured certificate has a key usable with the signature algorithm (for example an
    /// RSA key under 2048 bits without the opt-in, or an EC key for an RSA signature).
    #[error("no configured IdP key can check a {algorithm} signature: {detail}")]
    Key {
        /// The signature algorithm URI.
        algorithm: String,
        /// Why.
        detail: &'static str,
    },
    /// The digest of the signed element does not match `DigestValue`.
    #[error("signature is not valid (digest)")]
    DigestMismatch,
    /// `SignatureValue` does not verify with any configured key.
    #[error("signature is not valid")]
    BadSignature,
}

impl DsigError {
    /// The stable check name.
    pub fn check(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "shape",
            Self::ReferenceCount { .. } | Self::ReferenceUri { .. } => "signature_reference",
            Self::Transform { .. } => "signature_transform",
            Self::Algorithm { .. } | Self::LegacySha1 { .. } => "signature_algorithm",
            Self::Key { .. } => "signature_key",
            Self::DigestMismatch | Self::BadSignature => "signature",
        }
    }
}

/// `"value"` (quoted, with escapes), or `(none)` when absent, for error messages.
fn quoted_or_none(value: Option<&str>) -> String {
    value.map_or_else(|| "(none)".to_owned(), |v| format!("{v:?}"))
}

/// The signed assertion (or the Response around it) failed a protocol check.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The `Version` of the Response or of the Assertion is not `2.0`.
    #[error("{element} Version {} is not \"2.0\"", quoted_or_none(found.as_deref()))]
    Version {
        /// `Response` or `Assertion`.
        element: &'static str,
        /// The `Version` attribute (`None` when missing; truncated to 64 characters).
        found: Option<String>,
    },
    /// A timestamp of the message is not in UTC: it has no zone, or a non-zero offset (SAML core
    /// §1.3.3). A timestamp that cannot be read at all is [`ShapeError::InvalidTimestamp`].
    #[error("{field} {value:?} is not a UTC timestamp ({reason})")]
    TimestampZone {
        /// Which timestamp (`Assertion IssueInstant`, `Conditions NotOnOrAfter`, ...).
        field: &'static str,
        /// The text (truncated to 64 characters).
        value: String,
        /// Why: the [`DateTimeError`](crate::time::DateTimeError) message.
        reason: String,
    },
    /// The Response or the Assertion was issued later than now plus the clock skew.
    #[error("{element} IssueInstant {issue_instant} is in the future (now {now})")]
    IssuedInFuture {
        /// `Response` or `Assertion`.
        element: &'static str,
        /// The `IssueInstant`.
        issue_instant: UnixTime,
        /// The time used for the check.
        now: UnixTime,
    },
    /// `Conditions` holds a condition we do not understand: a `saml:Condition` (with any
    /// `xsi:type`) or an element other than `AudienceRestriction`, `OneTimeUse` and
    /// `ProxyRestriction` of the SAML assertion namespace. SAML core §2.5.1.1 makes such an
    /// assertion Indeterminate, and it is refused.
    #[error("unknown condition {{{namespace}}}{local}{}", xsi_type.as_deref().map(|t| format!(" (xsi:type {t:?})")).unwrap_or_default())]
    UnknownCondition {
        /// Namespace URI of the element (empty when none; truncated to 200 characters).
        namespace: String,
        /// Local name of the element (truncated to 200 characters).
        local: String,
        /// Its `xsi:type`, if any (truncated to 200 characters).
        xsi_type: Option<String>,
    },
    /// A `NotOnOrAfter` (of `Conditions` or of the bearer `SubjectConfirmationData`) lies further
    /// after the Assertion's `IssueInstant` than the configured maximum lifetime (see
    /// [`SpConfigBuilder::with_max_assertion_lifetime`](crate::SpConfigBuilder::with_max_assertion_lifetime)).
    #[error("{field} {not_on_or_after} is more than {}s after IssueInstant {issue_instant}", max_lifetime.as_secs())]
    Lifetime {
        /// `Conditions NotOnOrAfter` or `SubjectConfirmationData NotOnOrAfter`.
        field: &'static str,
        /// The Assertion `IssueInstant`.
        issue_instant: UnixTime,
        /// The bound in the message.
        not_on_or_after: UnixTime,
        /// The configured maximum lifetime.
        max_lifetime: std::time::Duration,
    },
    /// The response status is not Success.
    #[error("status {code}{}{}", second_level.as_deref().map(|s| format!(" / {s}")).unwrap_or_default(), message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        /// Top-level status code URI (empty when missing).
        code: String,
        /// Second-level status code URI, if any.
        second_level: Option<String>,
        /// `StatusMessage`, if any.
        message: Option<String>,
    },
    /// An `Issuer` is missing or is not the configured IdP entity ID.
    #[error("issuer {} is not the configured IdP {expected:?}", quoted_or_none(found.as_deref()))]
    Issuer {
        /// The configured IdP entity ID.
        expected: String,
        /// The issuer in the message (`None` when missing).
        found: Option<String>,
    },
    /// The response `Destination` is not our ACS URL.
    #[error("destination {found:?} is not our ACS URL {expected:?}")]
    Destination {
        /// Our ACS URL.
        expected: String,
        /// The Destination in the message.
        found: String,
    },
    /// The bearer confirmation's `Recipient` is missing or is not our ACS URL.
    #[error("recipient {} is not our ACS URL {expected:?}", quoted_or_none(found.as_deref()))]
    Recipient {
        /// Our ACS URL.
        expected: String,
        /// The Recipient in the message (`None` when missing).
        found: Option<String>,
    },
    /// No usable bearer `SubjectConfirmation`: none at all, no `SubjectConfirmationData`, no
    /// `NotOnOrAfter`, or outside its time window. (A wrong `Recipient` is
    /// [`Recipient`](Self::Recipient).)
    #[error("no usable bearer SubjectConfirmation: {detail}")]
    SubjectConfirmation {
        /// Why the (first) bearer confirmation is not usable.
        detail: &'static str,
    },
    /// The assertion (or its confirmation) is not valid yet.
    #[error("not valid before {not_before} (now {now})")]
    NotYetValid {
        /// The `NotBefore` bound.
        not_before: UnixTime,
        /// The time used for the check.
        now: UnixTime,
    },
    /// The assertion (or its confirmation) has expired.
    #[error("expired at {not_on_or_after} (now {now})")]
    Expired {
        /// The `NotOnOrAfter` bound.
        not_on_or_after: UnixTime,
        /// The time used for the check.
        now: UnixTime,
    },
    /// An `AudienceRestriction` does not include our entity ID, or there is none (unless
    /// [`DangerousOptions::allow_missing_audience_restriction`](crate::danger::DangerousOptions::allow_missing_audience_restriction)).
    #[error("audience restriction {found:?} does not include our entity ID {expected:?}")]
    Audience {
        /// Our entity ID.
        expected: String,
        /// The audiences of the failing restriction (empty when there is no restriction).
        found: Vec<String>,
    },
    /// `InResponseTo` does not match the request we sent, or names a request we did not send.
    #[error(
        "InResponseTo {} does not match the expected request {}",
        quoted_or_none(found.as_deref()),
        quoted_or_none(expected.as_deref())
    )]
    InResponseTo {
        /// The request ID we expected (`None` for an IdP-initiated sign-in).
        expected: Option<String>,
        /// The value in the message (`None` when missing).
        found: Option<String>,
    },
    /// An unsolicited (IdP-initiated) response arrived and unsolicited responses are not enabled.
    #[error("unsolicited response (no InResponseTo) and IdP-initiated sign-in is not enabled")]
    Unsolicited,
    /// This assertion was already used.
    #[error("assertion {assertion_id:?} was already used")]
    Replay {
        /// The assertion ID.
        assertion_id: String,
    },
    /// The replay cache is full of unexpired entries; refused rather than forgetting one.
    #[error("replay cache is full")]
    ReplayCacheFull,
}

impl ValidationError {
    /// The stable check name.
    pub fn check(&self) -> &'static str {
        match self {
            Self::Version { .. } => "version",
            Self::TimestampZone { .. } => "timestamp_zone",
            Self::IssuedInFuture { .. } => "issue_instant",
            Self::UnknownCondition { .. } => "condition",
            Self::Lifetime { .. } => "lifetime",
            Self::Status { .. } => "status",
            Self::Issuer { .. } => "issuer",
            Self::Destination { .. } => "destination",
            Self::Recipient { .. } => "recipient",
            Self::SubjectConfirmation { .. } => "subject_confirmation",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::Expired { .. } => "expired",
            Self::Audience { .. } => "audience",
            Self::InResponseTo { .. } => "in_response_to",
            Self::Unsolicited => "unsolicited",
            Self::Replay { .. } | Self::ReplayCacheFull => "replay",
        }
    }
}

/// The configuration is unusable (API misuse, not caused by a message).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No IdP certificate was configured.
    #[error("at least one IdP certificate is required")]
    NoCertificate,
    /// A configured certificate cannot be read.
    #[error("IdP certificate #{index} is not usable: {detail}")]
    Certificate {
        /// Position of the certificate in the configuration (0-based).
        index: usize,
        /// Why.
        detail: String,
    },
    /// A value (entity ID, URL, request ID) is empty, too long or contains forbidden characters.
    #[error("invalid {what}: {detail}")]
    InvalidValue {
        /// Which value.
        what: &'static str,
        /// Why.
        detail: &'static str,
    },
}

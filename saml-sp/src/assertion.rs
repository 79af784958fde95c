//! The assertion model, read from a verified `saml:Assertion` element.
//!
//! Elements are matched by namespace URI and local name. Text values are the concatenation of
//! all text children (a comment inside a value neither truncates nor splits it) and are never
//! trimmed. Timestamps must be UTC ([`UnixTime::parse_saml_datetime`]).
//!
//! `Conditions` may hold `AudienceRestriction` (checked by validation), `OneTimeUse` and
//! `ProxyRestriction` (each at most once). Both of the latter are accepted as they are: every
//! assertion is used once anyway (the replay cache refuses a second use, whatever the
//! assertion says), and `ProxyRestriction` only limits assertions the relying party would issue
//! on the strength of this one, which we never do. Any other condition, a `saml:Condition` of
//! any `xsi:type` or an element of another namespace, is recorded and refused by validation
//! (SAML core §2.5.1.1: a condition that is not understood makes the assertion Indeterminate).

use crate::error::{Error, ShapeError, ValidationError};
use crate::time::{DateTimeError, UnixTime};
use crate::xml::{Element, NodeKind};

pub(crate) const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A subject's `NameID`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameId {
    value: String,
    format: Option<String>,
    name_qualifier: Option<String>,
    sp_name_qualifier: Option<String>,
}

impl NameId {
    /// The identifier (for Okta's default configuration, the user's email or username).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The `Format` URI, if given (Google omits it).
    pub fn format(&self) -> Option<&str> {
        self.format.as_deref()
    }

    /// `NameQualifier`, if given.
    pub fn name_qualifier(&self) -> Option<&str> {
        self.name_qualifier.as_deref()
    }

    /// `SPNameQualifier`, if given.
    pub fn sp_name_qualifier(&self) -> Option<&str> {
        self.sp_name_qualifier.as_deref()
    }
}

/// One `saml:Attribute` with all its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    name: String,
    name_format: Option<String>,
    friendly_name: Option<String>,
    values: Vec<String>,
}

impl Attribute {
    /// `Name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `NameFormat`, if given.
    pub fn name_format(&self) -> Option<&str> {
        self.name_format.as_deref()
    }

    /// `FriendlyName`, if given.
    pub fn friendly_name(&self) -> Option<&str> {
        self.friendly_name.as_deref()
    }

    /// Every `AttributeValue`, in order. An empty or `xsi:nil` value is an empty string; a value
    /// holding elements (such as a `NameID`) is the concatenated text inside it.
    pub fn values(&self) -> &[String] {
        &self.values
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConfirmationData {
    pub(crate) not_before: Option<UnixTime>,
    pub(crate) not_on_or_after: Option<UnixTime>,
    pub(crate) recipient: Option<String>,
    pub(crate) in_response_to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SubjectConfirmation {
    pub(crate) method: String,
    pub(crate) data: Option<ConfirmationData>,
}

/// A child of `Conditions` we do not understand (the first one, if several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UnknownCondition {
    pub(crate) namespace: String,
    pub(crate) local: String,
    pub(crate) xsi_type: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Conditions {
    pub(crate) not_before: Option<UnixTime>,
    pub(crate) not_on_or_after: Option<UnixTime>,
    pub(crate) audience_restrictions: Vec<Vec<String>>,
    pub(crate) unknown: Option<UnknownCondition>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AuthnStatement {
    pub(crate) authn_instant: UnixTime,
    pub(crate) session_index: Option<String>,
    pub(crate) session_not_on_or_after: Option<UnixTime>,
    pub(crate) class_ref: Option<String>,
}

/// A SAML assertion as read from signed content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assertion {
    id: String,
    pub(crate) version: Option<String>,
    issue_instant: UnixTime,
    issuer: Option<String>,
    name_id: NameId,
    pub(crate) confirmations: Vec<SubjectConfirmation>,
    pub(crate) conditions: Option<Conditions>,
    authn: Option<AuthnStatement>,
    attributes: Vec<Attribute>,
}

impl Assertion {
    /// The assertion `ID`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `IssueInstant`.
    pub fn issue_instant(&self) -> UnixTime {
        self.issue_instant
    }

    /// The `Issuer` text (`None` when missing; a missing issuer fails validation).
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The subject's `NameID`.
    pub fn name_id(&self) -> &NameId {
        &self.name_id
    }

    /// `SessionIndex` of the first `AuthnStatement`.
    pub fn session_index(&self) -> Option<&str> {
        self.authn.as_ref()?.session_index.as_deref()
    }

    /// `AuthnInstant` of the first `AuthnStatement`.
    pub fn authn_instant(&self) -> Option<UnixTime> {
        self.authn.as_ref().map(|a| a.authn_instant)
    }

    /// `SessionNotOnOrAfter` of the first `AuthnStatement`.
    pub fn session_not_on_or_after(&self) -> Option<UnixTime> {
        self.authn.as_ref()?.session_not_on_or_after
    }

    /// `AuthnContextClassRef` of the first `AuthnStatement`.
    pub fn authn_context_class_ref(&self) -> Option<&str> {
        self.authn.as_ref()?.class_ref.as_deref()
    }

    /// All attributes of all `AttributeStatement`s, in document order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The values of the first attribute named `name`.
    pub fn attribute_values(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
    }

    /// Reads the model from a `saml:Assertion` element (already verified by the caller).
    pub(crate) fn from_element(element: Element<'_>) -> Result<Self, Error> {
        let id = required_attr(element, "ID", "Assertion")?.to_owned();
        let version = element.attribute("Version").map(str::to_owned);
        let issue_instant = timestamp(
            required_attr(element, "IssueInstant", "Assertion")?,
            "Assertion IssueInstant",
        )?;
        let issuer = at_most_one(element, "Issuer", "Assertion")?
            .map(|e| text_value(e, "Issuer"))
            .transpose()?;

        let subject = at_most_one(element, "Subject", "Assertion")?.ok_or(ShapeError::Missing {
            element: "Subject",
            parent: "Assertion",
        })?;
        let name_id_element =
            at_most_one(subject, "NameID", "Subject")?.ok_or(ShapeError::Missing {
                element: "NameID",
                parent: "Subject",
            })?;
        let name_id = NameId {
            value: text_value(name_id_element, "NameID")?,
            format: name_id_element.attribute("Format").map(str::to_owned),
            name_qualifier: name_id_element
                .attribute("NameQualifier")
                .map(str::to_owned),
            sp_name_qualifier: name_id_element
                .attribute("SPNameQualifier")
                .map(str::to_owned),
        };
        let mut confirmations = Vec::new();
        for sc in subject
            .child_elements()
            .filter(|e| e.is(SAML, "SubjectConfirmation"))
        {
            let method = required_attr(sc, "Method", "SubjectConfirmation")?.to_owned();
            let data = match at_most_one(sc, "SubjectConfirmationData", "SubjectConfirmation")? {
                None => None,
                Some(d) => Some(ConfirmationData {
                    not_before: optional_timestamp(
                        d,
                        "NotBefore",
                        "SubjectConfirmationData NotBefore",
                    )?,
                    not_on_or_after: optional_timestamp(
                        d,
                        "NotOnOrAfter",
                        "SubjectConfirmationData NotOnOrAfter",
                    )?,
                    recipient: d.attribute("Recipient").map(str::to_owned),
                    in_response_to: d.attribute("InResponseTo").map(str::to_owned),
                }),
            };
            confirmations.push(SubjectConfirmation { method, data });
        }

        let conditions = match at_most_one(element, "Conditions", "Assertion")? {
            None => None,
            Some(c) => Some(read_conditions(c)?),
        };

        let authn = match element
            .child_elements()
            .find(|e| e.is(SAML, "AuthnStatement"))
        {
            None => None,
            Some(a) => Some(AuthnStatement {
                authn_instant: timestamp(
                    required_attr(a, "AuthnInstant", "AuthnStatement")?,
                    "AuthnInstant",
                )?,
                session_index: a.attribute("SessionIndex").map(str::to_owned),
                session_not_on_or_after: optional_timestamp(
                    a,
                    "SessionNotOnOrAfter",
                    "SessionNotOnOrAfter",
                )?,
                class_ref: a
                    .child(SAML, "AuthnContext")
                    .and_then(|c| c.child(SAML, "AuthnContextClassRef"))
                    .map(|r| text_value(r, "AuthnContextClassRef"))
                    .transpose()?,
            }),
        };

        let mut attributes = Vec::new();
        for statement in element
            .child_elements()
            .filter(|e| e.is(SAML, "AttributeStatement"))
        {
            for attribute in statement
                .child_elements()
                .filter(|e| e.is(SAML, "Attribute"))
            {
                attributes.push(Attribute {
                    name: required_attr(attribute, "Name", "Attribute")?.to_owned(),
                    name_format: attribute.attribute("NameFormat").map(str::to_owned),
                    friendly_name: attribute.attribute("FriendlyName").map(str::to_owned),
                    values: attribute
                        .child_elements()
                        .filter(|v| v.is(SAML, "AttributeValue"))
                        .map(attribute_value)
                        .collect(),
                });
            }
        }

        Ok(Self {
            id,
            version,
            issue_instant,
            issuer,
            name_id,
            confirmations,
            conditions,
            authn,
            attributes,
        })
    }
}

fn required_attr<'d>(
    element: Element<'d>,
    attribute: &'static str,
    element_name: &'static str,
) -> Result<&'d str, ShapeError> {
    element
        .attribute(attribute)
        .ok_or(ShapeError::MissingAttribute {
            attribute,
            element: element_name,
        })
}

fn at_most_one<'d>(
    parent: Element<'d>,
    local: &'static str,
    parent_name: &'static str,
) -> Result<Option<Element<'d>>, ShapeError> {
    let mut found = parent.child_elements().filter(|e| e.is(SAML, local));
    let first = found.next();
    if found.next().is_some() {
        return Err(ShapeError::Repeated {
            element: local,
            parent: parent_name,
        });
    }
    Ok(first)
}

/// The text of an element that must not contain elements.
fn text_value(element: Element<'_>, name: &'static str) -> Result<String, ShapeError> {
    if element.has_child_elements() {
        return Err(ShapeError::NotText { element: name });
    }
    Ok(element.text().into_owned())
}

/// The text of an `AttributeValue`: its own text, or for structured values (an
/// eduPersonTargetedID `NameID`, ...) all text inside it in document order.
fn attribute_value(element: Element<'_>) -> String {
    if element.attribute_ns(XSI, "nil") == Some("true") {
        return String::new();
    }
    if !element.has_child_elements() {
        return element.text().into_owned();
    }
    let mut out = String::new();
    for node in element.descendants() {
        if let NodeKind::Text(t) = node.kind() {
            out.push_str(t);
        }
    }
    out
}

/// Reads the children of `Conditions`: its audience restrictions, and the first condition we do
/// not understand.
fn read_conditions(conditions: Element<'_>) -> Result<Conditions, Error> {
    // Each at most once (SAML core §2.5.1.5-6); their meaning is in the module docs.
    at_most_one(conditions, "OneTimeUse", "Conditions")?;
    at_most_one(conditions, "ProxyRestriction", "Conditions")?;
    let mut audience_restrictions = Vec::new();
    let mut unknown = None;
    for child in conditions.child_elements() {
        if child.is(SAML, "AudienceRestriction") {
            audience_restrictions.push(
                child
                    .child_elements()
                    .filter(|a| a.is(SAML, "Audience"))
                    .map(|a| text_value(a, "Audience"))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        } else if !(child.is(SAML, "OneTimeUse") || child.is(SAML, "ProxyRestriction")) {
            unknown.get_or_insert_with(|| UnknownCondition {
                namespace: child.namespace().chars().take(200).collect(),
                local: child.local_name().chars().take(200).collect(),
                xsi_type: child
                    .attribute_ns(XSI, "type")
                    .map(|t| t.chars().take(200).collect()),
            });
        }
    }
    Ok(Conditions {
        not_before: optional_timestamp(conditions, "NotBefore", "Conditions NotBefore")?,
        not_on_or_after: optional_timestamp(conditions, "NotOnOrAfter", "Conditions NotOnOrAfter")?,
        audience_restrictions,
        unknown,
    })
}

/// Reads a SAML timestamp: unreadable text is a shape error, a time that is not UTC a
/// validation error (`timestamp_zone`).
pub(crate) fn timestamp(text: &str, field: &'static str) -> Result<UnixTime, Error> {
    UnixTime::parse_saml_datetime(text).map_err(|error| match error {
        DateTimeError::MissingZone | DateTimeError::NotUtc { .. } => {
            ValidationError::TimestampZone {
                field,
                value: text.chars().take(64).collect(),
                reason: error.to_string(),
            }
            .into()
        }
        _ => ShapeError::InvalidTimestamp {
            field,
            value: text.chars().take(64).collect(),
        }
        .into(),
    })
}

fn optional_timestamp(
    element: Element<'_>,
    attribute: &str,
    field: &'static str,
) -> Result<Option<UnixTime>, Error> {
    element
        .attribute(attribute)
        .map(|t| timestamp(t, field))
        .transpose()
}

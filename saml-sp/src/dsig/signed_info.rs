//! Reading a `ds:Signature` into the one structure we accept.
//!
//! ```text
//! Signature
//!   SignedInfo                      exactly one
//!     CanonicalizationMethod        exclusive c14n (with or without comments)
//!     SignatureMethod               on the allow-list
//!     Reference URI="#<parent ID>"  exactly one
//!       Transforms                  enveloped-signature, then exclusive c14n
//!       DigestMethod                on the allow-list
//!       DigestValue                 text only (base64)
//!   SignatureValue                  text only (base64)
//!   KeyInfo                         optional, never read
//! ```
//! Anything else (a second `SignedInfo`, `ds:Object`, unknown elements, elements or comments
//! inside `DigestValue`/`SignatureValue`) is refused.

use super::algorithms::{self, DigestAlgorithm, SignatureAlgorithm};
use crate::c14n::{EXC_C14N, EXC_C14N_WITH_COMMENTS};
use crate::error::{DsigError, Error};
use crate::xml::{Element, NodeKind};

pub(crate) const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A canonicalization step: exclusive c14n with its options. For the Reference transform,
/// `with_comments` is recorded but has no effect (see `verify_enveloped`).
#[derive(Debug)]
pub(crate) struct C14nMethod {
    pub(crate) with_comments: bool,
    pub(crate) inclusive_prefixes: Vec<String>,
}

/// The parts of a `Signature` needed to verify it.
#[derive(Debug)]
pub(crate) struct ParsedSignature<'d> {
    pub(crate) signed_info: Element<'d>,
    pub(crate) signed_info_c14n: C14nMethod,
    pub(crate) signature_method: &'static SignatureAlgorithm,
    pub(crate) transform_c14n: C14nMethod,
    pub(crate) digest_method: &'static DigestAlgorithm,
    pub(crate) digest_value: Vec<u8>,
    pub(crate) signature_value: Vec<u8>,
}

fn malformed(detail: &'static str) -> Error {
    Error::Dsig(DsigError::Malformed { detail })
}

/// The child elements of `element`; any non-whitespace text or any processing instruction
/// among them is refused (comments are ignored, as c14n ignores them).
fn element_children<'d>(
    element: Element<'d>,
    what: &'static str,
) -> Result<Vec<Element<'d>>, Error> {
    let mut out = Vec::new();
    for child in element.children() {
        match child.kind() {
            NodeKind::Element(e) => out.push(e),
            NodeKind::Text(t) if t.trim_ascii().is_empty() => {}
            NodeKind::Comment(_) => {}
            _ => return Err(malformed(what)),
        }
    }
    Ok(out)
}

/// The text of an element that must hold text only (no element, comment or PI child): the
/// SAMLStorm class of bugs hides a second value behind a comment in `DigestValue`.
fn text_only<'d>(
    element: Element<'d>,
    what: &'static str,
) -> Result<std::borrow::Cow<'d, str>, Error> {
    if element
        .children()
        .any(|c| !matches!(c.kind(), NodeKind::Text(_)))
    {
        return Err(malformed(what));
    }
    Ok(element.text())
}

fn algorithm_attr<'d>(element: Element<'d>) -> Result<&'d str, Error> {
    element
        .attribute("Algorithm")
        .ok_or_else(|| malformed("missing Algorithm attribute"))
}

/// Reads an exclusive c14n method element (CanonicalizationMethod or Transform).
fn c14n_method(element: Element<'_>, role: &'static str) -> Result<C14nMethod, Error> {
    let algorithm = algorithm_attr(element)?;
    let with_comments = match algorithm {
        EXC_C14N => false,
        EXC_C14N_WITH_COMMENTS => true,
        other => {
            let error = if role == "transform" {
                DsigError::Transform {
                    algorithm: other.chars().take(200).collect(),
                }
            } else {
                DsigError::Algorithm {
                    role: "canonicalization",
                    algorithm: other.chars().take(200).collect(),
                }
            };
            return Err(error.into());
        }
    };
    let mut inclusive_prefixes = Vec::new();
    let children = element_children(element, "unexpected content in a c14n method")?;
    if children.len() > 1 {
        return Err(malformed("more than one child in a c14n method"));
    }
    if let Some(child) = children.first() {
        if !child.is(EXC_C14N, "InclusiveNamespaces") {
            return Err(DsigError::Transform {
                algorithm: format!(
                    "{{{}}}{}",
                    child.namespace().chars().take(200).collect::<String>(),
                    child.local_name().chars().take(200).collect::<String>()
                ),
            }
            .into());
        }
        if let Some(list) = child.attribute("PrefixList") {
            if list.contains(['\t', '\n', '\r']) {
                // libxmlsec1 splits the list at spaces only: a prefix list with a tab or line
                // end (written as a character reference) names other prefixes there.
                return Err(malformed(
                    "InclusiveNamespaces PrefixList separated by other whitespace than spaces",
                ));
            }
            inclusive_prefixes = list
                .split(' ')
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
        }
    }
    Ok(C14nMethod {
        with_comments,
        inclusive_prefixes,
    })
}

/// Parses `signature` (a `ds:Signature` element) under `policy`; its single `Reference` must
/// be `#parent_id`.
pub(crate) fn parse<'d>(
    signature: Element<'d>,
    parent_id: &str,
    policy: algorithms::Policy,
) -> Result<ParsedSignature<'d>, Error> {
    let children = element_children(signature, "text inside Signature")?;
    let signed_info = children
        .first()
        .copied()
        .filter(|e| e.is(DS, "SignedInfo"))
        .ok_or_else(|| malformed("Signature must start with SignedInfo"))?;

    // SignedInfo
    let si_children = element_children(signed_info, "text inside SignedInfo")?;
    let mut si = si_children.iter().copied();
    let c14n_element = si
        .next()
        .filter(|e| e.is(DS, "CanonicalizationMethod"))
        .ok_or_else(|| malformed("SignedInfo must start with CanonicalizationMethod"))?;
    let signed_info_c14n = c14n_method(c14n_element, "canonicalization")?;
    let method_element = si
        .next()
        .filter(|e| e.is(DS, "SignatureMethod"))
        .ok_or_else(|| malformed("SignatureMethod must follow CanonicalizationMethod"))?;
    let method_uri = algorithm_attr(method_element)?;
    let signature_method = algorithms::signature(method_uri).ok_or_else(|| {
        Error::from(DsigError::Algorithm {
            role: "signature",
            algorithm: method_uri.chars().take(200).collect(),
        })
    })?;
    if signature_method.hash == algorithms::Hash::Sha1 && !policy.allow_sha1 {
        return Err(DsigError::LegacySha1 {
            role: "signature",
            algorithm: method_uri.to_owned(),
        }
        .into());
    }
    if !element_children(method_element, "text inside SignatureMethod")?.is_empty() {
        return Err(malformed("SignatureMethod must be empty"));
    }
    let references: Vec<Element<'d>> = si.collect();
    if references.iter().any(|e| !e.is(DS, "Reference")) {
        return Err(malformed("unexpected element in SignedInfo"));
    }
    let [reference] = references.as_slice() else {
        return Err(DsigError::ReferenceCount {
            count: references.len(),
        }
        .into());
    };
    let reference = *reference;
    if parent_id
        .bytes()
        .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\''))
    {
        // libxmlsec1 looks a `#id` reference up with the XPointer `id('...')`, which splits its
        // argument at whitespace and cannot quote an apostrophe: it never finds such an element.
        return Err(malformed(
            "the signed element's ID contains whitespace or an apostrophe",
        ));
    }
    let reference_uri = reference.attribute("URI").unwrap_or("");
    let uri_names_parent = reference_uri
        .strip_prefix('#')
        .is_some_and(|r| !parent_id.is_empty() && r == parent_id);
    if !uri_names_parent {
        return Err(DsigError::ReferenceUri {
            uri: reference_uri.chars().take(200).collect(),
            expected: format!("#{}", parent_id.chars().take(200).collect::<String>()),
        }
        .into());
    }

    // Reference
    let ref_children = element_children(reference, "text inside Reference")?;
    let mut r = ref_children.iter().copied().peekable();
    let transforms = r
        .next_if(|e| e.is(DS, "Transforms"))
        .ok_or_else(|| DsigError::Transform {
            algorithm: "missing Transforms (enveloped-signature and exc-c14n required)".to_owned(),
        })?;
    let digest_method_element = r
        .next()
        .filter(|e| e.is(DS, "DigestMethod"))
        .ok_or_else(|| malformed("Reference must hold DigestMethod"))?;
    let digest_value_element = r
        .next()
        .filter(|e| e.is(DS, "DigestValue"))
        .ok_or_else(|| malformed("Reference must hold DigestValue"))?;
    if r.next().is_some() {
        return Err(malformed("unexpected element in Reference"));
    }

    let transform_list = element_children(transforms, "text inside Transforms")?;
    if transform_list.iter().any(|t| !t.is(DS, "Transform")) {
        return Err(malformed("unexpected element in Transforms"));
    }
    let (enveloped, exc) = match transform_list.as_slice() {
        [first, second] => (*first, *second),
        _ => {
            return Err(DsigError::Transform {
                algorithm: format!(
                    "{} transforms (expected enveloped-signature then exc-c14n)",
                    transform_list.len()
                ),
            }
            .into());
        }
    };
    let enveloped_uri = algorithm_attr(enveloped)?;
    if enveloped_uri != ENVELOPED {
        return Err(DsigError::Transform {
            algorithm: enveloped_uri.chars().take(200).collect(),
        }
        .into());
    }
    if !element_children(enveloped, "text inside Transform")?.is_empty() {
        return Err(DsigError::Transform {
            algorithm: "enveloped-signature with parameters".to_owned(),
        }
        .into());
    }
    let transform_c14n = c14n_method(exc, "transform")?;

    let digest_uri = algorithm_attr(digest_method_element)?;
    let digest_method = algorithms::digest(digest_uri).ok_or_else(|| {
        Error::from(DsigError::Algorithm {
            role: "digest",
            algorithm: digest_uri.chars().take(200).collect(),
        })
    })?;
    if digest_method.sha1 && !policy.allow_sha1 {
        return Err(DsigError::LegacySha1 {
            role: "digest",
            algorithm: digest_uri.to_owned(),
        }
        .into());
    }
    let mut rest = children.iter().copied().skip(1);
    let signature_value_element = rest
        .next()
        .filter(|e| e.is(DS, "SignatureValue"))
        .ok_or_else(|| malformed("SignedInfo must be followed by SignatureValue"))?;
    match rest.next() {
        None => {}
        Some(e) if e.is(DS, "KeyInfo") => {}
        Some(e) if e.is(DS, "SignedInfo") => return Err(malformed("more than one SignedInfo")),
        Some(e) if e.is(DS, "Object") => return Err(malformed("ds:Object is not allowed")),
        Some(_) => return Err(malformed("unexpected element in Signature")),
    }
    if let Some(extra) = rest.next() {
        return Err(malformed(if extra.is(DS, "Object") {
            "ds:Object is not allowed"
        } else {
            "unexpected element in Signature"
        }));
    }

    let digest_text = text_only(digest_value_element, "DigestValue must contain text only")?;
    let digest_value =
        crate::base64::decode_signature_field(digest_text.as_bytes(), "DigestValue")?;
    let signature_text = text_only(
        signature_value_element,
        "SignatureValue must contain text only",
    )?;
    let signature_value =
        crate::base64::decode_signature_field(signature_text.as_bytes(), "SignatureValue")?;

    Ok(ParsedSignature {
        signed_info,
        signed_info_c14n,
        signature_method,
        transform_c14n,
        digest_method,
        digest_value,
        signature_value,
    })
}

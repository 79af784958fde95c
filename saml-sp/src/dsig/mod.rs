//! XML-DSig enveloped-signature verification against configured keys only.
//!
//! [`verify_enveloped`] checks one `ds:Signature` that is a direct child of the element it
//! signs: the single `Reference` must be `#` + that element's `ID`, the transforms must be
//! enveloped-signature then exclusive c14n, the digest of the element (signature left out) must
//! match, and `SignatureValue` must verify over the canonical `SignedInfo` with one of the
//! configured keys. `KeyInfo` is never read. The caller decides where signatures may appear and
//! that IDs are unique (see `response.rs`).

pub(crate) mod algorithms;
pub(crate) mod keys;
pub(crate) mod signed_info;

use ring::signature::UnparsedPublicKey;

pub(crate) use algorithms::Policy;
pub(crate) use keys::TrustedKey;
pub(crate) use signed_info::DS;

use crate::c14n::{self, DigestSink, Options};
use crate::error::{DsigError, Error};
use crate::xml::Element;

/// Verifies `signature`, which must be a direct child of the element it signs, and returns
/// that element.
pub(crate) fn verify_enveloped<'d>(
    signature: Element<'d>,
    keys: &[TrustedKey],
    policy: Policy,
) -> Result<Element<'d>, Error> {
    let parent = signature.parent().ok_or(DsigError::Malformed {
        detail: "Signature at the document root",
    })?;
    let id = parent.attribute("ID").unwrap_or("");
    let parsed = signed_info::parse(signature, id, policy)?;

    // Digest of the signed element, canonicalized straight into the hash.
    let prefixes: Vec<&str> = parsed
        .transform_c14n
        .inclusive_prefixes
        .iter()
        .map(String::as_str)
        .collect();
    // A bare-name `#id` reference selects the element without its comments (XML-DSig §4.3.3.3),
    // so the WithComments variant of the transform finds none to keep: the digest input never
    // contains comments. libxmlsec1 behaves the same way.
    let options = Options {
        with_comments: false,
        inclusive_prefixes: &prefixes,
    };
    let mut sink = DigestSink::new(parsed.digest_method.ring);
    c14n::canonicalize(parent.as_node(), Some(signature.id()), &options, &mut sink);
    if sink.finish().as_ref() != parsed.digest_value.as_slice() {
        return Err(DsigError::DigestMismatch.into());
    }

    // Signature over the canonical SignedInfo.
    let si_prefixes: Vec<&str> = parsed
        .signed_info_c14n
        .inclusive_prefixes
        .iter()
        .map(String::as_str)
        .collect();
    let si_options = Options {
        with_comments: parsed.signed_info_c14n.with_comments,
        inclusive_prefixes: &si_prefixes,
    };
    let signed_bytes = c14n::canonicalize_to_vec(parsed.signed_info.as_node(), None, &si_options);
    let mut usable = false;
    let mut problem = "no key configured";
    for key in keys {
        match parsed.signature_method.for_key(key.kind, policy) {
            Ok(algorithm) => {
                usable = true;
                if UnparsedPublicKey::new(algorithm, &key.public_key)
                    .verify(&signed_bytes, &parsed.signature_value)
                    .is_ok()
                {
                    return Ok(parent);
                }
            }
            Err(why) => problem = why,
        }
    }
    if usable {
        Err(DsigError::BadSignature.into())
    } else {
        Err(DsigError::Key {
            algorithm: parsed.signature_method.uri.to_owned(),
            detail: problem,
        }
        .into())
    }
}

//! One-way differential fuzzing against libxmlsec1: whatever saml-sp's structure and
//! signature checks accept, libxmlsec1 must also verify with the same certificate.
//!
//! The first input byte picks a seed (a valid response signed by `xmlsec1` for the test IdP
//! key) or, for the last value, takes the rest of the input as the document; the remaining
//! bytes are edits (overwrite, insert, delete, or insert an XML token) applied to the seed, so
//! most inputs stay close to a document that verifies. Build with
//! `cargo fuzz run --features xmlsec xmlsec_differential`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saml_sp::internal::fuzzing::verify_signatures;
use saml_sp::xmlsec_oracle::verify_every_signature;

const CERT: &str = include_str!("../../saml-sp/tests/data/generated/keys/idp-rsa2048.crt");

const SEEDS: &[&[u8]] = &[
    include_bytes!("../../saml-sp/tests/data/generated/valid/okta_both_signed.xml"),
    include_bytes!("../../saml-sp/tests/data/generated/valid/okta_assertion_signed.xml"),
    include_bytes!(
        "../../saml-sp/tests/data/generated/valid/okta_response_signed_root_ns_prefixlist_pretty.xml"
    ),
    include_bytes!("../../saml-sp/tests/data/generated/valid/entra_both_signed.xml"),
    include_bytes!("../../saml-sp/tests/data/generated/valid/adfs_assertion_signed.xml"),
    include_bytes!("../../saml-sp/tests/data/generated/valid/keycloak_both_signed.xml"),
    include_bytes!("../../saml-sp/tests/data/generated/valid/google_response_signed.xml"),
    include_bytes!("../../saml-sp/tests/data/generated/valid/comment_in_signed_nameid.xml"),
    include_bytes!("../../saml-sp/tests/data/generated/valid/odd_prefixes_both_signed.xml"),
];

/// Fragments worth splicing in: comments, PIs, CDATA, entity and character references,
/// namespace declarations, whitespace, markup delimiters.
const TOKENS: &[&[u8]] = &[
    b"<!---->",
    b"<?x y?>",
    b"<![CDATA[x]]>",
    b"&amp;",
    b"&#13;",
    b"&#x20;",
    b" xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"",
    b" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
    b" ID=\"x\"",
    b"\r\n",
    b"\t",
    b" ",
    b"</",
    b"\"",
    b"\xEF\xBB\xBF",
];

fn mutate(data: &[u8]) -> Vec<u8> {
    let Some((&selector, edits)) = data.split_first() else {
        return Vec::new();
    };
    let Some(seed) = SEEDS.get(usize::from(selector) % (SEEDS.len() + 1)) else {
        return edits.to_vec();
    };
    let mut doc = seed.to_vec();
    for edit in edits.chunks_exact(4) {
        let &[op, hi, lo, value] = edit else {
            continue;
        };
        let pos = ((usize::from(hi) << 8) | usize::from(lo)) % (doc.len() + 1);
        match op % 4 {
            0 => {
                if let Some(b) = doc.get_mut(pos) {
                    *b = value;
                }
            }
            1 => doc.insert(pos, value),
            2 => {
                if pos < doc.len() {
                    doc.remove(pos);
                }
            }
            _ => {
                let token = TOKENS[usize::from(value) % TOKENS.len()];
                doc.splice(pos..pos, token.iter().copied());
            }
        }
    }
    doc
}

/// Removes a byte order mark (raw or as a character reference) at the start of each
/// `SignatureValue`'s text: saml-sp tolerates one in every base64 field and libxmlsec1 does
/// not, the one deliberate difference (see the oracle test
/// `a_byte_order_mark_before_a_signature_value_is_tolerated_by_us_only`).
fn without_signature_value_marks(doc: &[u8]) -> Vec<u8> {
    const TAG_END: &[u8] = b"SignatureValue>";
    const MARKS: [&[u8]; 4] = [b"\xEF\xBB\xBF", b"&#xFEFF;", b"&#xfeff;", b"&#65279;"];
    let mut out = Vec::with_capacity(doc.len());
    let mut rest = doc;
    while let Some(at) = rest.windows(TAG_END.len()).position(|w| w == TAG_END) {
        let (head, tail) = rest.split_at(at + TAG_END.len());
        out.extend_from_slice(head);
        rest = tail;
        if let Some(after) = MARKS.iter().find_map(|m| rest.strip_prefix(*m)) {
            rest = after;
        }
    }
    out.extend_from_slice(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let doc = mutate(data);
    if verify_signatures(&doc, CERT, false, false, false).is_ok() {
        if let Err(e) = verify_every_signature(&without_signature_value_marks(&doc), &[CERT]) {
            panic!(
                "accepted by saml-sp, refused by libxmlsec1: {e}\n{}",
                String::from_utf8_lossy(&doc)
            );
        }
    }
});

//! Lenient base64 for the fields IdPs line-wrap: the form value, certificates, `DigestValue`
//! and `SignatureValue`. ASCII whitespace anywhere (CR, LF, tab, space) and a leading UTF-8 BOM
//! are ignored. Padding may be missing in the form value and in certificates; `DigestValue` and
//! `SignatureValue` need theirs, as libxmlsec1 does (a value with a `=` missing decodes to the
//! same bytes, but a document whose signature verifies only for us is a parser differential).
//! Nothing else is forgiven.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::Simd;
use base64::engine::general_purpose::{PAD, PAD_INDIFFERENT};

use crate::error::Base64Error;

/// The standard alphabet, padding optional, on the fastest instruction set the CPU has (the
/// engine falls back to scalar code by itself).
fn engine() -> &'static Simd {
    static ENGINE: OnceLock<Simd> = OnceLock::new();
    ENGINE.get_or_init(|| Simd::standard(PAD_INDIFFERENT))
}

/// The standard alphabet with canonical padding required.
fn padded_engine() -> &'static Simd {
    static ENGINE: OnceLock<Simd> = OnceLock::new();
    ENGINE.get_or_init(|| Simd::standard(PAD))
}

/// Decodes `input`, skipping whitespace and a leading BOM; padding is optional.
pub(crate) fn decode_lenient(input: &[u8], field: &'static str) -> Result<Vec<u8>, Base64Error> {
    decode_with(engine(), input, field)
}

/// Decodes an XML-DSig value (`DigestValue`, `SignatureValue`), skipping whitespace and a
/// leading BOM; the padding must be complete.
pub(crate) fn decode_signature_field(
    input: &[u8],
    field: &'static str,
) -> Result<Vec<u8>, Base64Error> {
    decode_with(padded_engine(), input, field)
}

fn decode_with(engine: &Simd, input: &[u8], field: &'static str) -> Result<Vec<u8>, Base64Error> {
    let input = input
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(input)
        .trim_ascii();
    // Most values are one line: decode directly, and only compact when that fails.
    if let Ok(decoded) = engine.decode(input) {
        return Ok(decoded);
    }
    // Line-wrapped: copy the runs between whitespace (much faster than byte by byte).
    let mut compact = Vec::with_capacity(input.len());
    for run in input
        .split(u8::is_ascii_whitespace)
        .filter(|run| !run.is_empty())
    {
        compact.extend_from_slice(run);
    }
    engine.decode(compact).map_err(|_| Base64Error { field })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_whitespace_bom_and_missing_padding() {
        assert_eq!(decode_lenient(b"aGVs\r\nbG8=", "t").unwrap(), b"hello");
        assert_eq!(
            decode_lenient(b"\xEF\xBB\xBF aGVsbG8", "t").unwrap(),
            b"hello"
        );
        assert_eq!(decode_lenient(b"\taGVs bG8=\n", "t").unwrap(), b"hello");
    }

    #[test]
    fn signature_fields_need_their_padding() {
        assert_eq!(
            decode_signature_field(b"\xEF\xBB\xBFaGVs\r\nbG8=", "t").unwrap(),
            b"hello"
        );
        assert_eq!(decode_signature_field(b"aGk=", "t").unwrap(), b"hi");
        assert_eq!(decode_signature_field(b"aA==", "t").unwrap(), b"h");
        for unpadded in [&b"aGVsbG8"[..], b"aGk", b"aA=", b"aA", b"aGVs\nbG8"] {
            assert_eq!(
                decode_signature_field(unpadded, "DigestValue"),
                Err(Base64Error {
                    field: "DigestValue"
                }),
                "{unpadded:?}"
            );
            assert!(decode_lenient(unpadded, "t").is_ok(), "{unpadded:?}");
        }
    }

    #[test]
    fn refuses_other_characters() {
        assert_eq!(
            decode_lenient(b"aGVs*bG8=", "SignatureValue"),
            Err(Base64Error {
                field: "SignatureValue"
            })
        );
        assert!(decode_lenient(b"aGVsbG8=aGVs", "t").is_err());
    }
}

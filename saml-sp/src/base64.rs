//! Lenient base64 for the fields IdPs line-wrap: the form value, certificates, `DigestValue`
//! and `SignatureValue`. ASCII whitespace anywhere (CR, LF, tab, space) and a leading UTF-8 BOM
//! are ignored; padding may be present or not. Nothing else is forgiven.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::Simd;
use base64::engine::general_purpose::PAD_INDIFFERENT;

use crate::error::Base64Error;

/// The standard alphabet, padding optional, on the fastest instruction set the CPU has (the
/// engine falls back to scalar code by itself).
fn engine() -> &'static Simd {
    static ENGINE: OnceLock<Simd> = OnceLock::new();
    ENGINE.get_or_init(|| Simd::standard(PAD_INDIFFERENT))
}

/// Decodes `input`, skipping whitespace and a leading BOM.
pub(crate) fn decode_lenient(input: &[u8], field: &'static str) -> Result<Vec<u8>, Base64Error> {
    let input = input
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(input)
        .trim_ascii();
    // Most values are one line: decode directly, and only compact when that fails.
    if let Ok(decoded) = engine().decode(input) {
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
    engine().decode(compact).map_err(|_| Base64Error { field })
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

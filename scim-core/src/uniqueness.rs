//! The keys under which unique attribute values (`userName`, and any attribute whose
//! `uniqueness` is `server` or `global`) are compared.
//!
//! Two values collide when their keys are equal. Stores keep the key next to the value they
//! store, which stays exactly as the client sent it.
//!
//! - Every key is in Unicode Normalization Form C, so canonically equivalent spellings are one
//!   value: `"Ä"` (U+00C4) and `"A\u{308}"` (A + COMBINING DIAERESIS) collide.
//! - A value that is not `caseExact` (User `userName`, RFC 7643 §4.1.1) is also case-folded:
//!   each character of its canonical decomposition goes through lower case, upper case and lower
//!   case again (`char::to_lowercase`, `char::to_uppercase`), which groups characters exactly
//!   as Unicode full case folding (`CaseFolding.txt`, statuses C and F) does — `"straße"`,
//!   `"STRASSE"` and `"Strasse"` collide, as do `"ΟΔΟΣ"` and `"οδοσ"` — with one exception kept
//!   deliberately: U+0131 LATIN SMALL LETTER DOTLESS I is left as it is, as case folding leaves
//!   it, so `"ılgaz"` and `"ilgaz"` stay two names.
//!
//! ```
//! use scim_core::uniqueness::key;
//!
//! assert_eq!(key("\u{C4}nne", false), key("A\u{308}NNE", false));
//! assert_eq!(key("straße", false), key("STRASSE", false));
//! assert_ne!(key("Anne", true), key("anne", true));
//! assert_eq!(key("\u{C4}", true), key("A\u{308}", true));
//! ```

use unicode_normalization::UnicodeNormalization;

/// Names the key rules of this version. A store that persists keys records it and rebuilds
/// its keys when it changes.
pub const KEY_RULES: &str = "nfc+casefold/1";

/// The comparison key of a unique string value: NFC, and case-folded unless `case_exact`.
pub fn key(value: &str, case_exact: bool) -> String {
    if case_exact {
        return value.nfc().collect();
    }
    let mut folded = String::with_capacity(value.len());
    for c in value.nfd() {
        push_folded(c, &mut folded);
    }
    folded.nfc().collect()
}

/// Appends `c`, case-folded (see the module documentation).
fn push_folded(c: char, out: &mut String) {
    if c == '\u{131}' {
        out.push(c);
        return;
    }
    for lower in c.to_lowercase() {
        for upper in lower.to_uppercase() {
            out.extend(upper.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn canonical_equivalents_collide() {
        // Precomposed and decomposed, in either case.
        assert_eq!(key("\u{C4}", false), "\u{E4}");
        assert_eq!(key("A\u{308}", false), "\u{E4}");
        assert_eq!(key("a\u{308}", false), "\u{E4}");
        // Combining marks in a different but canonically equal order.
        assert_eq!(key("q\u{307}\u{323}", false), key("q\u{323}\u{307}", false));
        // Hangul syllable and its jamo.
        assert_eq!(key("\u{AC00}", true), key("\u{1100}\u{1161}", true));
    }

    #[test]
    fn case_folding() {
        let same = [
            ("BJensen@Example.com", "bjensen@example.com"),
            ("straße", "STRASSE"),
            ("\u{1E9E}", "ss"),
            ("ΟΔΟΣ", "οδοσ"),
            ("\u{FB01}le", "FILE"),
            ("\u{17F}", "s"),
            ("\u{212A}elvin", "kelvin"),
            ("\u{13A0}", "\u{AB70}"),
            ("\u{130}", "i\u{307}"),
        ];
        for (a, b) in same {
            assert_eq!(key(a, false), key(b, false), "{a} / {b}");
        }
        let different = [("\u{131}", "i"), ("\u{131}", "I"), ("a", "b")];
        for (a, b) in different {
            assert_ne!(key(a, false), key(b, false), "{a} / {b}");
        }
    }

    #[test]
    fn case_exact_keeps_case() {
        assert_eq!(key("Anne", true), "Anne");
        assert_ne!(key("Anne", true), key("anne", true));
    }
}

//! Exclusive XML Canonicalization on arbitrary documents: never panics, and is idempotent
//! (the canonical form of a canonical form is itself), with and without comments.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saml_sp::internal::fuzzing;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, document)) = data.split_first() else {
        return;
    };
    let with_comments = selector & 1 == 1;
    if let Ok(canonical) = fuzzing::c14n(document, with_comments) {
        // The output is XML again (it may exceed the default size limit only if the input was
        // near it, since namespace declarations can be repeated on many elements).
        match fuzzing::c14n(&canonical, with_comments) {
            Ok(again) => assert_eq!(
                again,
                canonical,
                "c14n is not idempotent for {:?}",
                String::from_utf8_lossy(document)
            ),
            Err(err) => assert_eq!(err.check(), "input_size", "canonical form refused: {err}"),
        }
    }
    // Every element as apex, with an InclusiveNamespaces PrefixList taken from the selector.
    let prefixes: &[&str] = match selector >> 1 & 3 {
        0 => &[],
        1 => &["xs"],
        2 => &["#default"],
        _ => &["xs", "xsi", "saml2"],
    };
    let _ = fuzzing::c14n_every_subtree(document, prefixes);
});

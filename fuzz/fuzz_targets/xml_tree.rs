//! The XML reader on arbitrary bytes: never panics, never exceeds its limits, and every
//! document it accepts can be canonicalized.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saml_sp::Limits;
use saml_sp::internal::fuzzing;

fuzz_target!(|data: &[u8]| {
    if let Ok(elements) = fuzzing::parse_tree(data) {
        assert!(elements >= 1, "an accepted document has a root element");
        assert!(elements <= Limits::DEFAULT_MAX_ELEMENTS);
        assert!(
            fuzzing::c14n(data, false).is_ok(),
            "a parsed document must canonicalize"
        );
    }
});

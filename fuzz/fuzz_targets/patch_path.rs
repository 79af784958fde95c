//! SCIM PATCH paths on arbitrary text: parsing never panics; whatever parses prints to text
//! that parses back to an equal path; a value filter binds and selects values without
//! panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_filter::{AttrPath, CoreSchemas, ParseOptions, PatchPath};
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Bare attribute paths (sortBy, attributes) share the first half of the grammar.
    if let Ok(path) = AttrPath::parse(text) {
        assert_eq!(path.to_string(), text);
        assert!(PatchPath::parse(text).is_ok());
    }
    let reparse = ParseOptions::new().with_max_len(usize::MAX);
    for options in [
        ParseOptions::new(),
        ParseOptions::new().with_bare_words(true),
    ] {
        let Ok(path) = PatchPath::parse_with(text, &options) else {
            continue;
        };
        let printed = path.to_string();
        let again = match PatchPath::parse_with(&printed, &reparse) {
            Ok(p) => p,
            Err(e) => panic!("printed path does not parse: {printed:?}: {e}"),
        };
        assert_eq!(again, path, "{printed:?}");
        assert_eq!(again.to_string(), printed);
        if let Ok(Some(matcher)) = path.value_matcher(&CoreSchemas) {
            for value in [
                json!({"value": "bjensen@example.com", "type": "work", "primary": true}),
                json!({"value": "2819c223", "display": "Admins", "$ref": "https://x/Groups/1"}),
                json!("urn:ietf:params:scim:schemas:core:2.0:User"),
                json!(null),
            ] {
                let _ = matcher.matches(&value);
            }
        }
    }
});

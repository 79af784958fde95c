//! SCIM filters on arbitrary text: parsing never panics; whatever parses prints to text that
//! parses back to an equal tree (and prints identically); binding and evaluating it against a
//! resource never panics.
//!
//! Input: the filter, optionally followed by a newline and a JSON resource to evaluate it on
//! (a fixed sample user otherwise). Both the strict grammar and the lenient bare-word dialect
//! are exercised.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use scim_filter::{CoreSchemas, Filter, Matcher, ParseOptions, Untyped};
use serde_json::{Value, json};

static SAMPLE: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00u1abcd",
        "userName": "bjensen@example.com",
        "name": {"givenName": "Bärbel", "familyName": "O'Malley"},
        "title": "", "active": true, "loginCount": 5, "score": 1.5,
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "meta": {"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"},
        "x509Certificates": [{"value": "MIIDQzCC"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"employeeNumber": "701984", "manager": {"value": "26118915"}}
    })
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (filter_text, resource) = match text.split_once('\n') {
        Some((f, json)) => match serde_json::from_str::<Value>(json) {
            Ok(v) => (f, v),
            Err(_) => (text, SAMPLE.clone()),
        },
        None => (text, SAMPLE.clone()),
    };
    // The printed form may be longer than the input (lenient values gain quotes), so it is
    // re-parsed without a length limit; depth and comparisons cannot grow.
    let reparse = ParseOptions::new().with_max_len(usize::MAX);
    for options in [
        ParseOptions::new(),
        ParseOptions::new().with_bare_words(true),
    ] {
        let Ok(filter) = Filter::parse_with(filter_text, &options) else {
            continue;
        };
        let printed = filter.to_string();
        let again = match Filter::parse_with(&printed, &reparse) {
            Ok(f) => f,
            Err(e) => panic!("printed filter does not parse: {printed:?}: {e}"),
        };
        assert_eq!(again, filter, "{printed:?}");
        assert_eq!(again.to_string(), printed);
        for types in [&CoreSchemas as &dyn scim_filter::AttributeTypes, &Untyped] {
            if let Ok(matcher) = Matcher::new(&filter, types) {
                let result = matcher.matches(&resource);
                let negated = Matcher::new(&Filter::negate(filter.clone()), types)
                    .map(|m| m.matches(&resource));
                if let (Ok(r), Ok(Ok(n))) = (result, negated) {
                    assert_eq!(n, !r, "not ({printed}) on {resource}");
                }
            }
        }
    }
});

//! SAML timestamp parsing on arbitrary text: never panics, and every accepted timestamp formats
//! to text that parses back to the same instant.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saml_sp::time::{MAX_DATETIME_LEN, UnixTime};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(time) = UnixTime::parse_xs_datetime(text) {
        assert!(text.len() <= MAX_DATETIME_LEN);
        let formatted = time.to_xs_datetime();
        assert_eq!(
            UnixTime::parse_xs_datetime(&formatted),
            Ok(time),
            "{text:?}"
        );
    }
});

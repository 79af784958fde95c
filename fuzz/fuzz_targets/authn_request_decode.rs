//! HTTP-Redirect and HTTP-POST binding decoders on arbitrary input: never panic, respect the
//! size caps (including against DEFLATE bombs), and round-trip what they accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saml_sp::binding::{
    DecodeLimits, RedirectQuery, decode_post_value, decode_redirect_value, encode_post_value,
    encode_redirect_value,
};

const MAX_DECODED: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    let limits = DecodeLimits::default().with_max_decoded_bytes(MAX_DECODED);

    if let Ok(message) = decode_post_value(data, &limits) {
        assert!(message.len() <= MAX_DECODED);
        let again = decode_post_value(encode_post_value(&message), &limits);
        assert_eq!(again.as_deref(), Ok(&message[..]));
    }

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(message) = decode_redirect_value(text, &limits) {
        assert!(message.len() <= MAX_DECODED);
        let encoded = encode_redirect_value(&message).expect("in-memory compression");
        assert_eq!(
            decode_redirect_value(&encoded, &limits).as_deref(),
            Ok(&message[..])
        );
    }
    if let Ok(query) = RedirectQuery::parse(text, &limits) {
        assert!(query.message().len() <= MAX_DECODED);
        assert_eq!(query.signed_octets().is_some(), query.sig_alg().is_some());
        if query.signature().is_some() {
            assert!(query.sig_alg().is_some());
        }
    }
});

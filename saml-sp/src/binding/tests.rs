use proptest::prelude::*;

use super::*;

fn limits() -> DecodeLimits {
    DecodeLimits::default()
}

#[test]
fn post_value_ignores_whitespace_bom_and_missing_padding() {
    let expected = b"<samlp:Response/>".to_vec();
    for value in [
        "PHNhbWxwOlJlc3BvbnNlLz4=",
        "PHNhbWxwOlJlc3BvbnNlLz4",
        "PHNh bWxw\tOlJl\r\nc3Bv\nbnNl\rLz4=",
        "\u{FEFF}PHNhbWxwOlJlc3BvbnNlLz4=",
        "\u{FEFF}\r\n  PHNhbWxwOlJlc3BvbnNlLz4=\r\n",
    ] {
        assert_eq!(
            decode_post_value(value, &limits()),
            Ok(expected.clone()),
            "{value:?}"
        );
    }
}

#[test]
fn post_value_rejects_non_base64() {
    for value in [
        "PHNhbWxw*OlJl",
        "PHNhbWxwOlJlc3BvbnNlLz4==",
        "PHNhbWxwOlJlc3BvbnNlLz4=PHNh",
        "PHNhbWxw-_",
        "\u{00A0}PHNh",
        "=",
        "A",
    ] {
        assert_eq!(
            decode_post_value(value, &limits()),
            Err(BindingError::Base64 {
                field: "SAMLResponse"
            }),
            "{value:?}"
        );
    }
    // The empty value decodes to an empty message; the XML reader then refuses it.
    assert_eq!(decode_post_value("", &limits()), Ok(Vec::new()));
}

#[test]
fn post_value_size_limits_are_checked_before_decoding() {
    let tight = DecodeLimits::default()
        .with_max_encoded_bytes(10)
        .with_max_decoded_bytes(6);
    assert_eq!(
        decode_post_value("PHNhbWxwOlJl", &tight),
        Err(BindingError::EncodedTooLarge {
            size: 12,
            limit: 10
        })
    );
    assert_eq!(
        decode_post_value("PHNhbWxw", &tight),
        Ok(b"<samlp".to_vec())
    );
    assert_eq!(
        decode_post_value("PHNhbWxwOg==", &tight),
        Err(BindingError::EncodedTooLarge {
            size: 12,
            limit: 10
        })
    );
    let tight = tight.with_max_encoded_bytes(100);
    assert_eq!(
        decode_post_value("PHNhbWxwOg==", &tight),
        Err(BindingError::DecodedTooLarge { limit: 6 })
    );
    assert_eq!(
        decode_post_value("PHNhbWxwOlJl", &tight),
        Err(BindingError::DecodedTooLarge { limit: 6 })
    );
}

#[test]
fn redirect_value_round_trips_and_matches_known_bytes() {
    assert_eq!(encode_redirect_value(b"<a/>").unwrap(), "s0nUtwMA");
    assert_eq!(
        decode_redirect_value("s0nUtwMA", &limits()).unwrap(),
        b"<a/>"
    );
    // A stored (uncompressed) block, as some encoders emit: BFINAL=1, BTYPE=00, LEN=4.
    let stored = STANDARD.encode(b"\x01\x04\x00\xfb\xff<a/>");
    assert_eq!(decode_redirect_value(&stored, &limits()).unwrap(), b"<a/>");
}

#[test]
fn redirect_value_rejects_broken_streams() {
    let truncated = STANDARD.encode(b"\xb3\x49\xd4");
    assert_eq!(
        decode_redirect_value(&truncated, &limits()),
        Err(BindingError::Deflate {
            detail: "stream ends early"
        })
    );
    let empty = STANDARD.encode(b"");
    assert_eq!(
        decode_redirect_value(&empty, &limits()),
        Err(BindingError::Deflate {
            detail: "stream ends early"
        })
    );
    let reserved_block_type = STANDARD.encode(b"\x07\x00");
    assert_eq!(
        decode_redirect_value(&reserved_block_type, &limits()),
        Err(BindingError::Deflate {
            detail: "corrupt stream"
        })
    );
    let trailing = STANDARD.encode(b"\xb3\x49\xd4\xb7\x03\x00extra");
    assert_eq!(
        decode_redirect_value(&trailing, &limits()),
        Err(BindingError::Deflate {
            detail: "data after the end of the stream"
        })
    );
    // A zlib-wrapped stream (header 0x78 0x9c) is not raw DEFLATE.
    let zlib = STANDARD.encode(b"\x78\x9c\xb3\x49\xd4\xb7\x03\x00\x02\xb3\x01\x0b");
    assert!(decode_redirect_value(&zlib, &limits()).is_err());
}

#[test]
fn redirect_value_caps_inflated_size_against_bombs() {
    // 16 MiB of zeros compresses to about 16 KB.
    let bomb = encode_redirect_value(&vec![0u8; 16 * 1024 * 1024]).unwrap();
    assert!(bomb.len() < 40_000, "{}", bomb.len());
    assert_eq!(
        decode_redirect_value(&bomb, &limits()),
        Err(BindingError::DecodedTooLarge {
            limit: DecodeLimits::DEFAULT_MAX_DECODED_BYTES
        })
    );
    // Exactly at the limit is accepted, one byte over is not.
    let at_limit = encode_redirect_value(&[b'x'; 100]).unwrap();
    let limits_100 = limits().with_max_decoded_bytes(100);
    assert_eq!(
        decode_redirect_value(&at_limit, &limits_100).unwrap().len(),
        100
    );
    let limits_99 = limits().with_max_decoded_bytes(99);
    assert_eq!(
        decode_redirect_value(&at_limit, &limits_99),
        Err(BindingError::DecodedTooLarge { limit: 99 })
    );
}

#[test]
fn query_parse_keeps_received_encoding_for_signed_octets() {
    let query = "foo=bar&SAMLRequest=s0nUtwMA&RelayState=a+b%2Fc&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=AQ%3D%3D";
    let parsed = RedirectQuery::parse(query, &limits()).unwrap();
    assert_eq!(parsed.kind(), MessageKind::Request);
    assert_eq!(parsed.message(), b"<a/>");
    assert_eq!(parsed.relay_state(), Some("a b/c"));
    assert_eq!(
        parsed.sig_alg(),
        Some("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    );
    assert_eq!(parsed.signature(), Some(&[1u8][..]));
    assert_eq!(
        parsed.signed_octets(),
        Some(
            "SAMLRequest=s0nUtwMA&RelayState=a+b%2Fc&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
        )
    );
}

#[test]
fn query_parse_without_signature_or_relay_state() {
    let parsed = RedirectQuery::parse("SAMLResponse=s0nUtwMA", &limits()).unwrap();
    assert_eq!(parsed.kind(), MessageKind::Response);
    assert_eq!(parsed.relay_state(), None);
    assert_eq!(parsed.sig_alg(), None);
    assert_eq!(parsed.signature(), None);
    assert_eq!(parsed.signed_octets(), None);
    assert_eq!(parsed.into_message(), b"<a/>");
    // SigAlg alone still yields signed octets (the caller decides whether a signature is needed).
    let parsed = RedirectQuery::parse("SigAlg=x&SAMLRequest=s0nUtwMA", &limits()).unwrap();
    assert_eq!(
        parsed.signed_octets(),
        Some("SAMLRequest=s0nUtwMA&SigAlg=x")
    );
}

#[test]
fn query_parse_rejects_ambiguous_queries() {
    let cases: &[(&str, BindingError)] = &[
        (
            "",
            BindingError::Query {
                detail: "no SAMLRequest or SAMLResponse parameter",
            },
        ),
        (
            "RelayState=x",
            BindingError::Query {
                detail: "no SAMLRequest or SAMLResponse parameter",
            },
        ),
        (
            "SAMLRequest=s0nUtwMA&SAMLResponse=s0nUtwMA",
            BindingError::Query {
                detail: "both SAMLRequest and SAMLResponse",
            },
        ),
        (
            "SAMLRequest=s0nUtwMA&SAMLRequest=s0nUtwMA",
            BindingError::Query {
                detail: "a SAML parameter is repeated",
            },
        ),
        (
            "SAMLRequest=s0nUtwMA&RelayState=a&RelayState=b",
            BindingError::Query {
                detail: "a SAML parameter is repeated",
            },
        ),
        (
            "SAMLRequest=s0nUtwMA&Signature=AQ%3D%3D",
            BindingError::Query {
                detail: "Signature without SigAlg",
            },
        ),
        (
            "SAMLRequest=s0nUtwMA&RelayState=%FF",
            BindingError::NotUtf8 {
                param: "RelayState",
            },
        ),
        (
            "SAMLRequest=sym3U%2AgMA",
            BindingError::Base64 {
                field: "SAMLRequest",
            },
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(
            RedirectQuery::parse(query, &limits()).as_ref(),
            Err(expected),
            "{query:?}"
        );
    }
    let long_state = format!("SAMLRequest=s0nUtwMA&RelayState={}", "a".repeat(1025));
    assert_eq!(
        RedirectQuery::parse(&long_state, &limits()),
        Err(BindingError::Query {
            detail: "RelayState is too long"
        })
    );
    let tight = limits().with_max_encoded_bytes(10);
    assert_eq!(
        RedirectQuery::parse("SAMLRequest=s0nUtwMA", &tight),
        Err(BindingError::EncodedTooLarge {
            size: 20,
            limit: 10
        })
    );
}

#[test]
fn query_values_encode_all_but_unreserved() {
    assert_eq!(
        encode_query_value("aZ09-._~ +/=&?#%é"),
        "aZ09-._~%20%2B%2F%3D%26%3F%23%25%C3%A9"
    );
}

#[test]
fn check_names_are_stable() {
    assert_eq!(
        BindingError::EncodedTooLarge { size: 1, limit: 0 }.check(),
        "input_size"
    );
    assert_eq!(
        BindingError::DecodedTooLarge { limit: 0 }.check(),
        "input_size"
    );
    assert_eq!(BindingError::Base64 { field: "x" }.check(), "base64");
    assert_eq!(BindingError::Deflate { detail: "x" }.check(), "deflate");
    assert_eq!(
        BindingError::Query { detail: "x" }.check(),
        "redirect_query"
    );
    assert_eq!(
        BindingError::NotUtf8 { param: "x" }.check(),
        "redirect_query"
    );
    assert_eq!(BindingError::Compression.check(), "compression");
}

proptest! {
    #[test]
    fn post_round_trip(message in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let encoded = encode_post_value(&message);
        prop_assert_eq!(decode_post_value(&encoded, &limits()), Ok(message));
    }

    #[test]
    fn post_decoding_ignores_inserted_whitespace(
        message in proptest::collection::vec(any::<u8>(), 0..512),
        breaks in proptest::collection::vec((any::<proptest::sample::Index>(), prop_oneof![Just(' '), Just('\r'), Just('\n'), Just('\t')]), 0..20),
    ) {
        let mut encoded: Vec<char> = encode_post_value(&message).chars().collect();
        for (index, ch) in breaks {
            let at = index.index(encoded.len() + 1);
            encoded.insert(at, ch);
        }
        let encoded: String = encoded.into_iter().collect();
        prop_assert_eq!(decode_post_value(&encoded, &limits()), Ok(message));
    }

    #[test]
    fn redirect_round_trip(message in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let encoded = encode_redirect_value(&message).unwrap();
        prop_assert_eq!(decode_redirect_value(&encoded, &limits()), Ok(message.clone()));
        let query = format!("SAMLRequest={}&RelayState=s", encode_query_value(&encoded));
        let parsed = RedirectQuery::parse(&query, &limits()).unwrap();
        prop_assert_eq!(parsed.message(), &message[..]);
    }

    #[test]
    fn arbitrary_values_never_panic(value in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_post_value(&value, &limits());
        let text = String::from_utf8_lossy(&value);
        let _ = decode_redirect_value(&text, &limits());
        let _ = RedirectQuery::parse(&text, &limits());
    }

    #[test]
    fn arbitrary_deflate_streams_respect_the_cap(
        stream in proptest::collection::vec(any::<u8>(), 0..256),
        cap in 0usize..2048,
    ) {
        let value = STANDARD.encode(&stream);
        let tight = limits().with_max_decoded_bytes(cap);
        match decode_redirect_value(&value, &tight) {
            Ok(message) => prop_assert!(message.len() <= cap),
            Err(BindingError::DecodedTooLarge { limit }) => prop_assert_eq!(limit, cap),
            Err(BindingError::Deflate { .. } | BindingError::Base64 { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}

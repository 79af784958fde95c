//! Property tests: the XML reader and c14n never panic and agree with themselves, and no
//! single-byte change to a signed response can change who signs in.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is the failure report"
)]

mod common;

use std::fmt::Write as _;

use proptest::prelude::*;
use saml_sp::internal::fuzzing;

/// A small generated XML tree.
#[derive(Clone, Debug)]
enum Node {
    Element {
        prefix: Option<usize>,
        local: String,
        attrs: Vec<(Option<usize>, String, String)>,
        children: Vec<Self>,
    },
    Text(String),
    Comment(String),
}

const NAMESPACES: [(&str, &str); 3] = [
    ("a", "urn:a"),
    ("b", "urn:b"),
    ("c", "http://c.example/ns#"),
];

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_.-]{0,6}"
}

fn text() -> impl Strategy<Value = String> {
    // Includes the characters c14n escapes, non-ASCII and line ends.
    proptest::collection::vec(
        prop_oneof![
            Just('a'),
            Just(' '),
            Just('<'),
            Just('>'),
            Just('&'),
            Just('"'),
            Just('\''),
            Just('\n'),
            Just('\t'),
            Just('é'),
            Just('€'),
            Just('z'),
            Just(']')
        ],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn node() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        text().prop_map(Node::Text),
        "[a-z ]{0,8}".prop_map(Node::Comment),
    ];
    leaf.prop_recursive(5, 40, 5, |inner| {
        (
            proptest::option::of(0..NAMESPACES.len()),
            name(),
            proptest::collection::vec(
                (proptest::option::of(0..NAMESPACES.len()), name(), text()),
                0..4,
            ),
            proptest::collection::vec(inner, 0..5),
        )
            .prop_map(|(prefix, local, attrs, children)| Node::Element {
                prefix,
                local,
                attrs,
                children,
            })
    })
}

fn escape(text: &str, attr: bool) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\n' if attr => out.push_str("&#10;"),
            '\t' if attr => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

fn write(node: &Node, out: &mut String) {
    match node {
        Node::Text(t) => out.push_str(&escape(t, false)),
        Node::Comment(c) => {
            let _ = write!(out, "<!--{c}-->");
        }
        Node::Element {
            prefix,
            local,
            attrs,
            children,
        } => {
            let qname = |p: &Option<usize>, l: &str| match p {
                Some(i) => format!("{}:{l}", NAMESPACES[*i].0),
                None => l.to_owned(),
            };
            let _ = write!(out, "<{}", qname(prefix, local));
            // Declare every namespace here (redundant declarations exercise c14n's pruning).
            for (p, uri) in NAMESPACES {
                let _ = write!(out, " xmlns:{p}=\"{uri}\"");
            }
            let mut seen = std::collections::HashSet::new();
            for (p, l, v) in attrs {
                let key = (p.map(|i| NAMESPACES[i].1), l.clone());
                if seen.insert(key) {
                    let _ = write!(out, " {}=\"{}\"", qname(p, l), escape(v, true));
                }
            }
            out.push('>');
            for child in children {
                write(child, out);
            }
            let _ = write!(out, "</{}>", qname(prefix, local));
        }
    }
}

fn document(root: &Node) -> Option<String> {
    matches!(root, Node::Element { .. }).then(|| {
        let mut out = String::new();
        write(root, &mut out);
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes: parse and c14n return, never panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = fuzzing::parse_tree(&bytes);
        let _ = fuzzing::c14n(&bytes, true);
        let _ = fuzzing::c14n_every_subtree(&bytes, &["a", "#default"]);
    }

    /// XML-ish text (tags, entities, declarations) never panics either.
    #[test]
    fn xmlish_text_never_panics(s in "(<[a-z:]{0,4}( [a-z:]{1,3}=\"[^\"<]{0,4}\")?/?>|</[a-z:]{0,4}>|&[a-z#0-9]{0,5};|<!--[a-z-]{0,4}-->|<!DOCTYPE a>|<\\?[a-z]{0,3} ?\\?>|<!\\[CDATA\\[[a-z]{0,3}\\]\\]>|[a-z ]{0,4}){0,12}") {
        let _ = fuzzing::parse_tree(s.as_bytes());
        let _ = fuzzing::c14n(s.as_bytes(), false);
    }

    /// Generated trees parse; their canonical form parses again and is a fixed point, with and
    /// without comments, for the whole document and for every subtree.
    #[test]
    fn canonical_form_is_a_fixed_point(root in node()) {
        let Some(xml) = document(&root) else { return Ok(()) };
        let canonical = fuzzing::c14n(xml.as_bytes(), true).unwrap();
        prop_assert_eq!(&fuzzing::c14n(&canonical, true).unwrap(), &canonical);
        let without = fuzzing::c14n(xml.as_bytes(), false).unwrap();
        prop_assert_eq!(fuzzing::c14n(&canonical, false).unwrap(), without);
        let subtrees = fuzzing::c14n_every_subtree(xml.as_bytes(), &[]).unwrap();
        prop_assert_eq!(fuzzing::c14n_every_subtree(&canonical, &[]).unwrap(), subtrees);
        // (An inclusive PrefixList is not compared: the canonical form has dropped the
        // declarations that nothing used, so there is nothing left to include.)
        prop_assert!(fuzzing::c14n_every_subtree(&canonical, &["a", "b", "#default"]).is_ok());
        prop_assert_eq!(
            fuzzing::parse_tree(xml.as_bytes()).unwrap(),
            fuzzing::parse_tree(&canonical).unwrap()
        );
    }

    /// Nesting beyond the depth limit is a typed error, at any depth.
    #[test]
    fn deep_nesting_is_refused(depth in 33usize..2000) {
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let err = fuzzing::parse_tree(xml.as_bytes()).unwrap_err();
        prop_assert_eq!(err.check(), "xml_limits");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Changing any single byte of a signed response either gets it rejected or leaves the
    /// verified identity exactly as signed.
    #[test]
    fn one_byte_changes_never_change_the_identity(position in 0usize..100_000, byte in any::<u8>()) {
        let xml = common::fixture("bench/response_assertion_signed.xml");
        let cert = common::fixture_text("bench/idp.crt");
        let mut mutated = xml;
        let at = position % mutated.len();
        mutated[at] = byte;
        let config = common::sp(
            "https://test-org.example.com",
            "https://test-org.example.com/okta/auth",
            "http://www.okta.com/exk1fcr9ohpkXjQ0l0h8",
            &cert,
        )
        .allow_unsolicited_responses(true)
        .build()
        .unwrap();
        if let Ok(auth) = config.verify_response(&mutated, None, common::at("2026-01-01T00:00:00Z")) {
            prop_assert_eq!(auth.name_id().value(), "jane.doe@example.com");
            prop_assert_eq!(auth.issuer(), "http://www.okta.com/exk1fcr9ohpkXjQ0l0h8");
        }
    }
}

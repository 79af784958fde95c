use super::*;
use crate::test_support::fixture;
use crate::xml::{Document, Limits};

const DS: &str = "http://www.w3.org/2000/09/xmldsig#";

fn parse(xml: &str) -> Document {
    Document::parse(xml.as_bytes(), &Limits::default()).unwrap()
}

fn c14n_root(xml: &str, with_comments: bool, prefixes: &[&str]) -> String {
    let doc = parse(xml);
    let options = Options {
        with_comments,
        inclusive_prefixes: prefixes,
    };
    String::from_utf8(canonicalize_to_vec(doc.root().as_node(), None, &options)).unwrap()
}

fn c14n_element(xml: &str, local: &str, prefixes: &[&str]) -> String {
    let doc = parse(xml);
    let element = doc.elements().find(|e| e.local_name() == local).unwrap();
    let options = Options {
        with_comments: false,
        inclusive_prefixes: prefixes,
    };
    String::from_utf8(canonicalize_to_vec(element.as_node(), None, &options)).unwrap()
}

#[test]
fn empty_elements_become_pairs_and_attributes_are_sorted() {
    assert_eq!(
        c14n_root(r#"<a z="1" b='2' xmlns:p="urn:p" p:a="3"/>"#, false, &[]),
        r#"<a xmlns:p="urn:p" b="2" z="1" p:a="3"></a>"#
    );
}

#[test]
fn escapes_text_and_attributes() {
    assert_eq!(
        c14n_root(
            "<a t=\"&lt;&amp;&quot;&#9;&#10;&#13;'>\">&lt;&amp;&gt;&#13;\"'</a>",
            false,
            &[]
        ),
        "<a t=\"&lt;&amp;&quot;&#x9;&#xA;&#xD;'>\">&lt;&amp;&gt;&#xD;\"'</a>"
    );
}

#[test]
fn comments_only_with_comments() {
    let xml = "<a>x<!-- c -->y</a>";
    assert_eq!(c14n_root(xml, false, &[]), "<a>xy</a>");
    assert_eq!(c14n_root(xml, true, &[]), "<a>x<!-- c -->y</a>");
}

#[test]
fn cdata_becomes_text() {
    assert_eq!(
        c14n_root("<a><![CDATA[<&>]]></a>", false, &[]),
        "<a>&lt;&amp;&gt;</a>"
    );
}

#[test]
fn unused_namespaces_are_dropped_and_used_ones_pulled_down() {
    let xml = r#"<r xmlns:a="urn:a" xmlns:b="urn:b"><b:x><a:y/></b:x></r>"#;
    assert_eq!(
        c14n_element(xml, "x", &[]),
        r#"<b:x xmlns:b="urn:b"><a:y xmlns:a="urn:a"></a:y></b:x>"#
    );
    assert_eq!(
        c14n_element(xml, "x", &["a"]),
        r#"<b:x xmlns:a="urn:a" xmlns:b="urn:b"><a:y></a:y></b:x>"#
    );
}

#[test]
fn default_namespace_and_its_undeclaration() {
    let xml = r#"<r xmlns="urn:d"><x><y xmlns=""/></x></r>"#;
    assert_eq!(
        c14n_element(xml, "x", &[]),
        r#"<x xmlns="urn:d"><y xmlns=""></y></x>"#
    );
    // At the apex an empty default namespace is the initial state: nothing to write.
    assert_eq!(c14n_root(r#"<y xmlns=""/>"#, false, &[]), "<y></y>");
}

#[test]
fn redeclaration_is_not_repeated() {
    let xml = r#"<p:a xmlns:p="urn:p"><p:b xmlns:p="urn:p"/><p:c xmlns:p="urn:q"/></p:a>"#;
    assert_eq!(
        c14n_root(xml, false, &[]),
        r#"<p:a xmlns:p="urn:p"><p:b></p:b><p:c xmlns:p="urn:q"></p:c></p:a>"#
    );
}

#[test]
fn xml_attributes_are_not_inherited_and_xml_prefix_never_declared() {
    let xml = r#"<r xml:lang="en"><x xml:space="preserve" a="1"/></r>"#;
    assert_eq!(
        c14n_element(xml, "x", &[]),
        r#"<x a="1" xml:space="preserve"></x>"#
    );
    // An element in the xml namespace: libxml2 writes no declaration for it either.
    for xml in [
        r#"<r><xml:x a="1"/></r>"#,
        r#"<r><xml:x xmlns:xml="http://www.w3.org/XML/1998/namespace" a="1"/></r>"#,
    ] {
        assert_eq!(c14n_element(xml, "x", &[]), r#"<xml:x a="1"></xml:x>"#);
        assert_eq!(
            c14n_root(xml, false, &["xml"]),
            r#"<r><xml:x a="1"></xml:x></r>"#
        );
    }
}

#[test]
fn excluded_subtree_is_left_out() {
    let xml = r#"<r ID="a"><x>1</x><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:S>2</ds:S></ds:Signature><y>3</y></r>"#;
    let doc = parse(xml);
    let sig = doc.root().child(DS, "Signature").unwrap();
    let out = canonicalize_to_vec(doc.root().as_node(), Some(sig.id()), &Options::default());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"<r ID="a"><x>1</x><y>3</y></r>"#
    );
}

#[test]
fn line_ends_and_attribute_whitespace_are_normalized() {
    assert_eq!(
        c14n_root("<a b=\"x\r\ny\tz\">1\r\n2\r3</a>", false, &[]),
        "<a b=\"x y z\">1\n2\n3</a>"
    );
}

#[test]
fn document_level_comments_and_pis() {
    let doc = parse("<?xml version=\"1.0\"?>\n<!--a-->\n<?p d?>\n<r/>\n<!--b-->");
    assert_eq!(
        String::from_utf8(canonicalize_document(&doc, true)).unwrap(),
        "<!--a-->\n<?p d?>\n<r></r>\n<!--b-->"
    );
    assert_eq!(
        String::from_utf8(canonicalize_document(&doc, false)).unwrap(),
        "<?p d?>\n<r></r>"
    );
}

/// The canonical bytes recorded from an independent signer for the four bench responses.
#[test]
fn matches_independent_vectors_byte_for_byte() {
    let cases = [
        ("response_assertion_signed", "assertion"),
        ("response_response_signed", "response"),
        ("response_both_signed", "assertion"),
        ("response_both_signed", "response"),
        ("response_large_both_signed", "assertion"),
        ("response_large_both_signed", "response"),
    ];
    for (file, which) in cases {
        let xml = fixture(&format!("bench/{file}.xml"));
        let doc = Document::parse(&xml, &Limits::default()).unwrap();
        let protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
        let assertion_ns = "urn:oasis:names:tc:SAML:2.0:assertion";
        let element = if which == "response" {
            doc.root()
        } else {
            doc.root().child(assertion_ns, "Assertion").unwrap()
        };
        assert!(element.is(protocol, "Response") || element.is(assertion_ns, "Assertion"));
        let signature = element.child(DS, "Signature").unwrap();
        let signed_info = signature.child(DS, "SignedInfo").unwrap();
        let reference = signed_info.child(DS, "Reference").unwrap();
        let transforms = reference.child(DS, "Transforms").unwrap();
        let prefix_list: Vec<String> = transforms
            .child_elements()
            .filter_map(|t| t.child(EXC_C14N, "InclusiveNamespaces"))
            .filter_map(|i| i.attribute("PrefixList").map(str::to_owned))
            .collect();
        let prefixes: Vec<&str> = prefix_list
            .iter()
            .flat_map(|l| l.split_ascii_whitespace())
            .collect();
        let options = Options {
            with_comments: false,
            inclusive_prefixes: &prefixes,
        };
        let digest_input = canonicalize_to_vec(element.as_node(), Some(signature.id()), &options);
        let expected = fixture(&format!("bench/vectors/{file}.{which}.digest_input"));
        assert_eq!(
            String::from_utf8_lossy(&digest_input),
            String::from_utf8_lossy(&expected),
            "{file} {which} digest input"
        );
        let si = canonicalize_to_vec(signed_info.as_node(), None, &Options::default());
        let expected_si = fixture(&format!("bench/vectors/{file}.{which}.signedinfo"));
        assert_eq!(
            String::from_utf8_lossy(&si),
            String::from_utf8_lossy(&expected_si),
            "{file} {which} SignedInfo"
        );
        // The streaming digest sink gives the same digest as hashing the vector.
        let mut sink = DigestSink::new(&ring::digest::SHA256);
        canonicalize(element.as_node(), Some(signature.id()), &options, &mut sink);
        assert_eq!(
            sink.finish().as_ref(),
            ring::digest::digest(&ring::digest::SHA256, &expected).as_ref()
        );
    }
}

use super::*;
use crate::error::XmlError;

fn parse(xml: &str) -> Result<Document, XmlError> {
    Document::parse(xml.as_bytes(), &Limits::default())
}

fn syntax_message(xml: &str) -> String {
    match parse(xml) {
        Err(XmlError::Syntax { message, .. }) => message,
        other => panic!("expected a syntax error for {xml:?}, got {other:?}"),
    }
}

#[test]
fn resolves_namespaces_by_uri_not_prefix() {
    let doc = parse(
        r#"<p:Response xmlns:p="urn:p" xmlns="urn:d"><Assertion a="1" p:b="2"/><x:A xmlns:x="urn:p"/></p:Response>"#,
    )
    .unwrap();
    let root = doc.root();
    assert!(root.is("urn:p", "Response"));
    assert_eq!(root.prefix(), "p");
    let children: Vec<_> = root.child_elements().collect();
    assert!(children[0].is("urn:d", "Assertion"));
    assert_eq!(children[0].attribute("a"), Some("1"));
    assert_eq!(children[0].attribute("b"), None);
    assert_eq!(children[0].attribute_ns("urn:p", "b"), Some("2"));
    assert!(children[1].is("urn:p", "A"));
    assert_eq!(
        root.namespace_declarations().collect::<Vec<_>>(),
        [("p", "urn:p"), ("", "urn:d")]
    );
}

#[test]
fn text_is_the_concatenation_of_text_children() {
    let doc = parse("<a>victim@corp.com<!-- x -->.evil.com<![CDATA[!]]>&amp;&#x41;</a>").unwrap();
    assert_eq!(doc.root().text(), "victim@corp.com.evil.com!&A");
}

#[test]
fn refuses_doctype_and_entities() {
    assert_eq!(
        parse("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").unwrap_err(),
        XmlError::Doctype
    );
    assert_eq!(
        parse("<a>&x;</a>").unwrap_err(),
        XmlError::EntityReference {
            name: "x".to_owned()
        }
    );
    assert_eq!(
        parse("<a b=\"&ext;\"/>").unwrap_err(),
        XmlError::EntityReference {
            name: "ext".to_owned()
        }
    );
}

#[test]
fn refuses_malformed_documents() {
    assert_eq!(syntax_message("<a/><b/>"), "more than one root element");
    assert_eq!(syntax_message("x<a/>"), "text outside the root element");
    assert_eq!(syntax_message("<a/>junk"), "text outside the root element");
    assert_eq!(syntax_message("<p:a/>"), "undeclared element prefix");
    assert_eq!(
        syntax_message("<a p:b='1'/>"),
        "undeclared attribute prefix"
    );
    assert_eq!(
        syntax_message("<a xmlns:p='urn:u' xmlns:q='urn:u' p:b='1' q:b='2'/>"),
        "attribute repeated by expanded name"
    );
    assert_eq!(
        syntax_message("<a>\u{1}</a>"),
        "character not allowed in XML"
    );
    assert_eq!(syntax_message("<a>&#0;</a>"), "invalid character reference");
    // Rust's integer parsing takes a sign; XML does not.
    for reference in ["&#+65;", "&#x+41;", "&#-65;", "&# 65;", "&#x;", "&#;"] {
        assert_eq!(
            syntax_message(&format!("<a>{reference}</a>")),
            "invalid character reference",
            "{reference}"
        );
        assert_eq!(
            syntax_message(&format!("<a b='{reference}'/>")),
            "invalid character reference",
            "{reference}"
        );
    }
    assert_eq!(
        syntax_message(" <?xml version=\"1.0\"?><a/>"),
        "XML declaration not at the start"
    );
    assert_eq!(
        syntax_message("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"),
        "only UTF-8 documents are supported"
    );
    assert_eq!(
        syntax_message("<a xmlns:p=''/>"),
        "a prefix cannot be undeclared in XML 1.0"
    );
    assert_eq!(syntax_message(""), "no root element");
    for uri in [
        "XMLSchema",
        "/ns",
        "http://www.w3.org/2000/09#/xmldsig#",
        "http://example.com/a b",
        "urn:x:\u{e9}",
        "urn:x%2",
        "urn:x%zz",
        "http://example.com/{x}",
        ":x",
        "1http://example.com/",
    ] {
        assert_eq!(
            syntax_message(&format!("<a xmlns:p=\"{uri}\"/>")),
            "namespace name is not an absolute URI",
            "{uri}"
        );
    }
    for uri in [
        "urn:x",
        "http://b.example/#",
        "http://www.w3.org/2000/09/xmldsig#",
        "urn:oasis:names:tc:SAML:2.0:assertion",
        "http://example.com/a%20b?q=1;r=(2);s=*,+$!'@~_.-:",
        "tag:example.com,2026:x#frag",
        "file:///x",
        "http://:80/x",
        "http://user:pw@example.com:8443/x",
        "http://example.com?q",
        "http://example.com#f",
        "http://1.2.3.4/x",
        "http://1.2.3.456/x",
        "http://1.2.3.4x/x",
        "http://3com.example/x",
        "http://example.com:65535",
    ] {
        assert!(parse(&format!("<a xmlns:p=\"{uri}\"/>")).is_ok(), "{uri}");
    }
    // Authorities libxml2's URI parser fails on (its canonicalization then fails on the whole
    // document).
    for uri in [
        "http://example.com:/x",
        "http://example.com:8a/x",
        "http://example.com:1:2/x",
        "http://example.com:99999999999/x",
        "http://a@b@example.com/x",
    ] {
        assert_eq!(
            syntax_message(&format!("<a xmlns:p=\"{uri}\"/>")),
            "namespace name is not an absolute URI",
            "{uri}"
        );
    }
    for uri in [
        "http://example.com/?q=1&amp;r=2",
        "urn:x&#38;y",
        "urn:x&#x26;y",
    ] {
        assert_eq!(
            syntax_message(&format!("<a xmlns:p=\"{uri}\"/>")),
            "namespace name contains '&'",
            "{uri}"
        );
    }
    assert_eq!(
        syntax_message("<a xmlns:p='urn:u' xmlns:p='urn:v'/>"),
        "namespace declared twice on one element"
    );
    assert_eq!(
        syntax_message("<a b='1' b='2'/>"),
        "attribute repeated by expanded name"
    );
    assert!(parse("<a></b>").is_err());
    assert!(parse("<a>").is_err());
    assert!(matches!(
        parse("<a>\u{FFFE}</a>"),
        Err(XmlError::Syntax { .. })
    ));
}

#[test]
fn refuses_invalid_utf8_anywhere() {
    for bad in [
        &b"<a>\xff</a>"[..],
        b"<a b='\xff'/>",
        b"<a\xff/>",
        b"<a><!--\xff--></a>",
        b"<a><![CDATA[\xff]]></a>",
        b"<a/>\xff",
        b"\xff<a/>",
        b"<a>\xc3</a>",
    ] {
        assert!(
            matches!(
                Document::parse(bad, &Limits::default()),
                Err(XmlError::Syntax { .. })
            ),
            "{bad:?}"
        );
    }
}

/// The error for a declaration at the start of the document (offset 0).
fn decl_error(message: &str) -> XmlError {
    XmlError::Syntax {
        offset: 0,
        message: message.to_owned(),
    }
}

#[test]
fn accepts_well_formed_xml_declarations() {
    for decl in [
        "<?xml version='1.0'?>",
        "<?xml version=\"1.0\" ?>",
        "<?xml version = '1.0'\tencoding\r\n=\"utf-8\"?>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>",
        "<?xml version=\"1.0\" standalone='no'?>",
    ] {
        let xml = format!("{decl}<a/>");
        assert!(parse(&xml).is_ok(), "{xml}");
    }
}

#[test]
fn refuses_malformed_xml_declarations() {
    let cases = [
        // XML 1.0 §2.8: only version, encoding and standalone.
        (
            "<?xml version=\"1.0\" encodig=\"UTF-8\"?>",
            "unknown pseudo-attribute in the XML declaration",
        ),
        (
            "<?xml version='1.0' Encoding='UTF-8'?>",
            "unknown pseudo-attribute in the XML declaration",
        ),
        (
            "<?xml version='1.0' encoding='UTF-8' x='1'?>",
            "unknown pseudo-attribute in the XML declaration",
        ),
        (
            "<?xml version='1.0' junk?>",
            "unknown pseudo-attribute in the XML declaration",
        ),
        // version is required and comes first.
        ("<?xml?>", "XML declaration without version"),
        ("<?xml ?>", "XML declaration without version"),
        (
            "<?xml encoding='UTF-8'?>",
            "XML declaration without version",
        ),
        (
            "<?xml encoding='UTF-8' version='1.0'?>",
            "XML declaration without version",
        ),
        // In that order, each once.
        (
            "<?xml version='1.0' standalone='yes' encoding='UTF-8'?>",
            "pseudo-attribute repeated or out of order in the XML declaration",
        ),
        (
            "<?xml version='1.0' version='1.0'?>",
            "pseudo-attribute repeated or out of order in the XML declaration",
        ),
        (
            "<?xml version='1.0' encoding='UTF-8' encoding='UTF-8'?>",
            "pseudo-attribute repeated or out of order in the XML declaration",
        ),
        // Whitespace between pseudo-attributes, Eq, quoted values.
        (
            "<?xml version='1.0'encoding='UTF-8'?>",
            "missing whitespace in the XML declaration",
        ),
        ("<?xml version 1.0?>", "missing '=' in the XML declaration"),
        ("<?xml version?>", "missing '=' in the XML declaration"),
        (
            "<?xml version=1.0?>",
            "unquoted value in the XML declaration",
        ),
        ("<?xml version=?>", "unquoted value in the XML declaration"),
        (
            "<?xml version='1.0\"?>",
            "unterminated value in the XML declaration",
        ),
        // VersionNum ::= '1.' [0-9]+, and only 1.0 is read.
        ("<?xml version='1'?>", "malformed XML version"),
        ("<?xml version='1.'?>", "malformed XML version"),
        ("<?xml version='1.0a'?>", "malformed XML version"),
        ("<?xml version=' 1.0'?>", "malformed XML version"),
        ("<?xml version='2.0'?>", "malformed XML version"),
        ("<?xml version='1.1'?>", "only XML 1.0 is supported"),
        // EncName ::= [A-Za-z] ([A-Za-z0-9._] | '-')*, and only UTF-8.
        (
            "<?xml version='1.0' encoding=''?>",
            "malformed encoding name",
        ),
        (
            "<?xml version='1.0' encoding='8BIT'?>",
            "malformed encoding name",
        ),
        (
            "<?xml version='1.0' encoding='UTF 8'?>",
            "malformed encoding name",
        ),
        (
            "<?xml version='1.0' encoding='utf-8 '?>",
            "malformed encoding name",
        ),
        (
            "<?xml version='1.0' encoding='UTF-16'?>",
            "only UTF-8 documents are supported",
        ),
        // standalone: yes or no.
        (
            "<?xml version='1.0' standalone='YES'?>",
            "standalone must be 'yes' or 'no'",
        ),
        (
            "<?xml version='1.0' standalone=''?>",
            "standalone must be 'yes' or 'no'",
        ),
    ];
    for (decl, message) in cases {
        let xml = format!("{decl}<a/>");
        assert_eq!(parse(&xml).unwrap_err(), decl_error(message), "{xml}");
    }
}

#[test]
fn refuses_attributes_without_whitespace() {
    // XML 1.0 §3.1: `'<' Name (S Attribute)* S? '>'`.
    for xml in [
        "<a x=\"1\"y=\"2\"/>",
        "<a x='1'y='2'></a>",
        "<a x='1' y='2'z='3'/>",
        "<a xmlns='urn:a'x='1'/>",
        "<a x='1'xmlns:p='urn:p'/>",
        "<r><a x=\"1\"y=\"2\">t</a></r>",
    ] {
        let offset = xml.find("<a").unwrap() as u64;
        assert_eq!(
            parse(xml).unwrap_err(),
            XmlError::Syntax {
                offset,
                message: "missing whitespace before an attribute".to_owned()
            },
            "{xml}"
        );
    }
    for xml in [
        "<a x='1' y='2'/>",
        "<a\tx='1'\ny='2'\r\nz='3' />",
        "<a x = '1'  y='2'/>",
    ] {
        assert!(parse(xml).is_ok(), "{xml}");
    }
}

#[test]
fn accepts_bom_and_declaration() {
    let doc = Document::parse(
        b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a/>\n",
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(doc.root().local_name(), "a");
    // quick-xml would skip a second one too; for libxml2 it is text before the root.
    assert!(matches!(
        Document::parse(b"\xEF\xBB\xBF\xEF\xBB\xBF<a/>", &Limits::default()),
        Err(XmlError::Syntax { message, .. }) if message == "a second byte order mark"
    ));
}

#[test]
fn enforces_limits() {
    let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
    assert_eq!(
        parse(&deep).unwrap_err(),
        XmlError::LimitExceeded {
            limit: XmlLimit::Depth,
            max: 32
        }
    );
    let wide = format!("<r>{}</r>", "<a/>".repeat(20));
    assert_eq!(
        Document::parse(wide.as_bytes(), &Limits::default().with_max_elements(10)).unwrap_err(),
        XmlError::LimitExceeded {
            limit: XmlLimit::Elements,
            max: 10
        }
    );
    let attrs: String = (0..70).map(|i| format!(" a{i}='x'")).collect();
    assert_eq!(
        parse(&format!("<r{attrs}/>")).unwrap_err(),
        XmlError::LimitExceeded {
            limit: XmlLimit::Attributes,
            max: 64
        }
    );
    assert_eq!(
        Document::parse(b"<a>0123456789</a>", &Limits::default().with_max_bytes(10)).unwrap_err(),
        XmlError::TooLarge {
            size: 17,
            limit: 10
        }
    );
}

#[test]
fn subtree_ranges() {
    let doc = parse("<r><a><b/>t</a><c/></r>").unwrap();
    let a = doc.root().child_elements().next().unwrap();
    let c = doc.root().child_elements().nth(1).unwrap();
    let b = a.child_elements().next().unwrap();
    assert!(a.contains(b.id()));
    assert!(!a.contains(c.id()));
    assert!(doc.root().contains(c.id()));
    assert_eq!(b.parent().unwrap().id(), a.id());
    assert_eq!(a.descendants().count(), 2);
}

#[test]
fn processing_instructions_are_kept_as_nodes() {
    let doc = parse("<a>x<?pi some data?>y</a>").unwrap();
    let kinds: Vec<String> = doc
        .root()
        .children()
        .map(|n| match n.kind() {
            NodeKind::Text(t) => format!("text {t}"),
            NodeKind::ProcessingInstruction { target, data } => format!("pi {target} {data}"),
            _ => "other".to_owned(),
        })
        .collect();
    assert_eq!(kinds, ["text x", "pi pi some data", "text y"]);
}

#[test]
fn many_namespaces_are_interned_once() {
    let decls: String = (0..40)
        .map(|i| format!(" xmlns:p{i}='urn:n{}'", i % 20))
        .collect();
    let children: String = (0..40).map(|i| format!("<p{i}:c/>")).collect();
    let doc = parse(&format!("<r{decls}>{children}</r>")).unwrap();
    let namespaces: Vec<&str> = doc.root().child_elements().map(|e| e.namespace()).collect();
    assert_eq!(namespaces.len(), 40);
    for (i, ns) in namespaces.iter().enumerate() {
        assert_eq!(*ns, format!("urn:n{}", i % 20));
    }
    // 20 distinct URIs, plus "" and the xml namespace.
    assert_eq!(doc.namespaces.len(), 22);
}

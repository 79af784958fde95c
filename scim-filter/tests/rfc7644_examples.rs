//! Every filter example of RFC 7644 §3.4.2.2 and every PATCH path example of §3.5.2 parses to
//! exactly the tree written out here, prints canonically, and re-parses to the same tree.

// Test helpers outside #[test] functions panic on purpose: a failed expectation is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use scim_filter::{
    AttrName, AttrPath, CompValue, CompareOp, Filter, Logical, PatchPath, SchemaUrn, ValuePath,
};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn path(text: &str) -> AttrPath {
    // Built from parts, not with the parser under test.
    let (schema, rest) = match text.rfind(':') {
        Some(i) => (Some(SchemaUrn::new(&text[..i]).unwrap()), &text[i + 1..]),
        None => (None, text),
    };
    let mut parts = rest.split('.');
    let attr = AttrName::new(parts.next().unwrap()).unwrap();
    let sub = parts.next().map(|s| AttrName::new(s).unwrap());
    assert!(parts.next().is_none());
    AttrPath::new(schema, attr, sub)
}

fn cmp(p: &str, op: CompareOp, value: impl Into<CompValue>) -> Filter {
    Filter::compare(path(p), op, value)
}

fn pr(p: &str) -> Filter {
    Filter::present(path(p))
}

fn and(operands: Vec<Filter>) -> Filter {
    Filter::And(logical(operands))
}

fn or(operands: Vec<Filter>) -> Filter {
    Filter::Or(logical(operands))
}

fn logical(operands: Vec<Filter>) -> Logical {
    let mut it = operands.into_iter();
    let mut l = Logical::new(it.next().unwrap(), it.next().unwrap());
    for f in it {
        l.push(f);
    }
    l
}

fn value_path(p: &str, inner: Filter) -> Filter {
    Filter::ValuePath(ValuePath::new(path(p), inner).unwrap())
}

use CompareOp::{Co, Eq, Ew, Ge, Gt, Le, Lt, Ne, Sw};

/// Parses, compares with the expected tree, and checks the printed form and its re-parse.
fn check(text: &str, expected: Filter) {
    let parsed = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(parsed, expected, "{text}");
    let printed = parsed.to_string();
    assert_eq!(Filter::parse(&printed).unwrap(), expected, "{printed}");
    // The hand-built tree prints the same canonical text.
    assert_eq!(expected.to_string(), printed);
}

#[test]
fn rfc7644_3_4_2_2_case_insensitivity_examples() {
    // "filter=userName Eq "john"" and "filter=Username eq "john"" evaluate the same.
    let a = Filter::parse(r#"userName Eq "john""#).unwrap();
    let b = Filter::parse(r#"Username eq "john""#).unwrap();
    assert_eq!(a, cmp("userName", Eq, "john"));
    assert_eq!(a, b);
    assert_eq!(b.to_string(), r#"Username eq "john""#);
}

#[test]
fn rfc7644_3_4_2_2_figure_2_examples() {
    check(r#"userName eq "bjensen""#, cmp("userName", Eq, "bjensen"));
    check(
        r#"name.familyName co "O'Malley""#,
        cmp("name.familyName", Co, "O'Malley"),
    );
    check(r#"userName sw "J""#, cmp("userName", Sw, "J"));
    check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        cmp(
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            Sw,
            "J",
        ),
    );
    check("title pr", pr("title"));
    check(
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        cmp("meta.lastModified", Gt, "2011-05-13T04:42:34Z"),
    );
    check(
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        cmp("meta.lastModified", Ge, "2011-05-13T04:42:34Z"),
    );
    check(
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        cmp("meta.lastModified", Lt, "2011-05-13T04:42:34Z"),
    );
    check(
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        cmp("meta.lastModified", Le, "2011-05-13T04:42:34Z"),
    );
    check(
        r#"title pr and userType eq "Employee""#,
        and(vec![pr("title"), cmp("userType", Eq, "Employee")]),
    );
    check(
        r#"title pr or userType eq "Intern""#,
        or(vec![pr("title"), cmp("userType", Eq, "Intern")]),
    );
    check(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        cmp("schemas", Eq, ENTERPRISE),
    );
    check(
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        and(vec![
            cmp("userType", Eq, "Employee"),
            or(vec![
                cmp("emails", Co, "example.com"),
                cmp("emails.value", Co, "example.org"),
            ]),
        ]),
    );
    check(
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        and(vec![
            cmp("userType", Ne, "Employee"),
            Filter::negate(or(vec![
                cmp("emails", Co, "example.com"),
                cmp("emails.value", Co, "example.org"),
            ])),
        ]),
    );
    // The grouping parentheses around one comparison leave no node.
    let grouped = and(vec![
        cmp("userType", Eq, "Employee"),
        cmp("emails.type", Eq, "work"),
    ]);
    let parsed = Filter::parse(r#"userType eq "Employee" and (emails.type eq "work")"#).unwrap();
    assert_eq!(parsed, grouped);
    assert_eq!(
        parsed.to_string(),
        r#"userType eq "Employee" and emails.type eq "work""#
    );
    check(
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        and(vec![
            cmp("userType", Eq, "Employee"),
            value_path(
                "emails",
                and(vec![
                    cmp("type", Eq, "work"),
                    cmp("value", Co, "@example.com"),
                ]),
            ),
        ]),
    );
    check(
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        or(vec![
            value_path(
                "emails",
                and(vec![
                    cmp("type", Eq, "work"),
                    cmp("value", Co, "@example.com"),
                ]),
            ),
            value_path(
                "ims",
                and(vec![cmp("type", Eq, "xmpp"), cmp("value", Co, "@foo.com")]),
            ),
        ]),
    );
}

#[test]
fn rfc7644_3_4_2_2_table_3_operators_and_ew() {
    check(
        r#"name.formatted ew "Jensen""#,
        cmp("name.formatted", Ew, "Jensen"),
    );
    for op in CompareOp::ALL {
        let text = format!(r#"title {} "x""#, op.as_str().to_uppercase());
        assert_eq!(
            Filter::parse(&text).unwrap(),
            cmp("title", op, "x"),
            "{text}"
        );
    }
}

#[test]
fn spans_locate_every_node() {
    let text = r#"userType eq "Employee" and emails[type eq "work"]"#;
    let f = Filter::parse(text).unwrap();
    let Filter::And(l) = &f else { panic!("{f:?}") };
    assert_eq!(&text[l.span().range()], text);
    let Filter::Compare(c) = &l.operands()[0] else {
        panic!()
    };
    assert_eq!(&text[c.span().range()], r#"userType eq "Employee""#);
    assert_eq!(&text[c.path().span().range()], "userType");
    let Filter::ValuePath(v) = &l.operands()[1] else {
        panic!()
    };
    assert_eq!(&text[v.span().range()], r#"emails[type eq "work"]"#);
    assert_eq!(&text[v.filter().span().range()], r#"type eq "work""#);
    let n = Filter::parse(r#"not (title pr)"#).unwrap();
    assert_eq!(n.span().range(), 0..14);
}

fn patch(text: &str, attr_path: &str, filter: Option<Filter>) {
    let parsed = PatchPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let expected = match filter {
        None => PatchPath::new(path(attr_path)),
        Some(f) => PatchPath::with_filter(path(attr_path), f).unwrap(),
    };
    assert_eq!(parsed, expected, "{text}");
    assert_eq!(parsed.to_string(), text);
    assert_eq!(PatchPath::parse(&parsed.to_string()).unwrap(), expected);
    assert_eq!(expected.to_string(), text);
}

#[test]
fn rfc7644_3_5_2_patch_path_examples() {
    // §3.5.2 (path attribute examples).
    patch("members", "members", None);
    patch("name.familyName", "name.familyName", None);
    patch(
        r#"addresses[type eq "work"]"#,
        "addresses",
        Some(cmp("type", Eq, "work")),
    );
    patch(
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        "members",
        Some(cmp("value", Eq, "2819c223-7f76-453a-919d-413861904646")),
    );
    patch(
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
        "members.displayName",
        Some(cmp("value", Eq, "2819c223-7f76-453a-919d-413861904646")),
    );
    // §3.5.2.2 (remove).
    patch(
        r#"members[value eq "902c246b-6245-4190-8e05-00816be7344a"]"#,
        "members",
        Some(cmp("value", Eq, "902c246b-6245-4190-8e05-00816be7344a")),
    );
    patch(
        r#"emails[type eq "work" and value ew "example.com"]"#,
        "emails",
        Some(and(vec![
            cmp("type", Eq, "work"),
            cmp("value", Ew, "example.com"),
        ])),
    );
    // §3.5.2.3 (replace).
    patch(
        r#"addresses[type eq "work"].streetAddress"#,
        "addresses.streetAddress",
        Some(cmp("type", Eq, "work")),
    );
    // §3.10 attribute notation, URN-qualified.
    patch(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        None,
    );
    patch(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        None,
    );
    patch(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#,
        "urn:ietf:params:scim:schemas:core:2.0:User:emails.value",
        Some(cmp("type", Eq, "work")),
    );
}

#[test]
fn a_whole_extension_as_a_path() {
    let p = PatchPath::parse(ENTERPRISE).unwrap();
    // The grammar splits at the last colon ...
    assert_eq!(
        p.attr_path().schema().unwrap().as_str(),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0"
    );
    assert_eq!(p.attr_path().attr(), "User");
    // ... and a caller that knows the URN recognises it.
    assert!(p.attr_path().names_schema(ENTERPRISE));
    assert!(p.attr_path().names_schema(&ENTERPRISE.to_uppercase()));
    assert!(
        !PatchPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department")
            .unwrap()
            .attr_path()
            .names_schema(ENTERPRISE)
    );
}

#[test]
fn equality_is_not_vacuous() {
    let a = Filter::parse(r#"userName eq "a""#).unwrap();
    for other in [
        r#"userName eq "A""#,
        r#"userName ne "a""#,
        r#"displayName eq "a""#,
        r#"userName.x eq "a""#,
        r#"urn:a:b:userName eq "a""#,
        r#"userName eq 1"#,
        "userName pr",
        r#"not (userName eq "a")"#,
    ] {
        assert_ne!(a, Filter::parse(other).unwrap(), "{other}");
    }
    assert_ne!(
        Filter::parse("x eq 1").unwrap(),
        Filter::parse("x eq 1.0").unwrap()
    );
    assert_ne!(
        Filter::parse("a pr and b pr and c pr").unwrap(),
        Filter::parse("a pr and (b pr and c pr)").unwrap()
    );
    assert_ne!(
        PatchPath::parse("emails.value").unwrap(),
        PatchPath::parse(r#"emails[type eq "w"].value"#).unwrap()
    );
}

//! Evaluation: each operator and type rule of RFC 7644 §3.4.2.2, with the exact set of
//! resources that match.

// Test helpers outside #[test] functions panic on purpose: a failed expectation is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use scim_filter::{
    AttrPath, AttributeTypes, CompareOp, CoreSchemas, DataType, ErrorKind, Filter, Matcher,
    Operand, PatchPath, ScimType, Untyped,
};
use serde_json::{Value, json};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn users() -> Vec<Value> {
    vec![
        json!({
            "id": "a", "userName": "bjensen", "externalId": "EXT-0",
            "name": {"familyName": "Jensen", "givenName": "Barbara", "formatted": "Ms. Barbara J Jensen III"},
            "title": "Tour Guide", "userType": "Employee", "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "meta": {"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"},
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
            ENT: {"employeeNumber": "701984", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}},
            "x509Certificates": [{"value": "MIIDQzCC"}],
            "loginCount": 5, "score": 1.5
        }),
        json!({
            "id": "b", "userName": "JSmith", "externalId": "ext-0", "title": "", "userType": "Intern",
            "active": false,
            "emails": [{"value": "jsmith@EXAMPLE.ORG", "type": "work"}],
            "meta": {"lastModified": "2011-05-13T06:42:34+02:00"},
            "ims": [{"value": "js@foo.com", "type": "xmpp"}],
            "loginCount": 12, "score": -3
        }),
        json!({
            "id": "c", "userName": "BÄRBEL", "name": {"givenName": "Bärbel"}, "title": null, "emails": [],
            "active": true,
            "meta": {"lastModified": "2011-05-13T04:42:35Z"},
            "groups": [{"value": "g1", "display": "Admins"}],
            "loginCount": 5.0, "score": 1e2
        }),
        json!({
            "id": "d", "userName": "domain\\jsmith", "active": "true",
            "meta": {"lastModified": "garbage"}, "loginCount": "12"
        }),
        json!({
            "id": "e", "userName": "alice", "active": true,
            "emails": [
                {"value": "alice@example.com", "type": "home"},
                {"value": "alice@work.example", "type": "work", "primary": false}
            ],
            "addresses": [{"type": "work", "postalCode": "94043"}],
            "name": {}, "phoneNumbers": [{"value": null}]
        }),
    ]
}

/// The ids of the users that match, in order.
fn hits_with(text: &str, types: &dyn AttributeTypes) -> Vec<String> {
    let filter = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let matcher = Matcher::new(&filter, types).unwrap_or_else(|e| panic!("{text}: {e}"));
    users()
        .iter()
        .filter(|u| {
            matcher
                .matches(u)
                .unwrap_or_else(|e| panic!("{text} on {u}: {e}"))
        })
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

fn hits(text: &str) -> Vec<String> {
    hits_with(text, &CoreSchemas)
}

#[track_caller]
fn check(text: &str, expected: &str) {
    let expected: Vec<String> = expected.chars().map(String::from).collect();
    assert_eq!(hits(text), expected, "{text}");
    // The complement holds for every filter that evaluates without error.
    let not = format!("not ({text})");
    let complement: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|s| s.to_string())
        .filter(|id| !expected.contains(id))
        .collect();
    assert_eq!(hits(&not), complement, "{not}");
}

#[test]
fn strings_are_case_insensitive_by_default() {
    check(r#"userName eq "BJENSEN""#, "a");
    check(r#"userName eq "bärbel""#, "c");
    check(r#"USERNAME Eq "Alice""#, "e");
    check(r#"userName ne "bjensen""#, "bcde");
    check(r#"userName co "SMITH""#, "bd");
    check(r#"userName sw "j""#, "b");
    check(r#"userName ew "SMITH""#, "bd");
    check(r#"userName ew "bel""#, "c");
    check(r#"userName co "ÄRB""#, "c");
    check(r#"userName eq "domain\\jsmith""#, "d");
    // Lexicographic by code point after folding.
    check(r#"userName gt "c""#, "bd");
    check(r#"userName ge "jsmith""#, "b");
    check(r#"userName lt "b""#, "e");
    check(r#"userName le "bjensen""#, "ae");
    check(r#"name.familyName co "jens""#, "a");
    check(r#"name.givenName sw "BÄ""#, "c");
}

#[test]
fn case_exact_attributes() {
    check(r#"externalId eq "ext-0""#, "b");
    check(r#"externalId eq "EXT-0""#, "a");
    check(r#"externalId co "xt""#, "b");
    check(r#"externalId ne "EXT-0""#, "b");
    check(r#"id eq "A""#, "");
    check(r#"id eq "a""#, "a");
    // binary is case exact, and a complex multi-valued attribute compares on `value`.
    check(r#"x509Certificates.value eq "miidqzcc""#, "");
    check(r#"x509Certificates.value eq "MIIDQzCC""#, "a");
    check(r#"x509Certificates eq "MIIDQzCC""#, "a");
    // Unknown attributes are not case exact.
    assert_eq!(hits_with(r#"externalId eq "ext-0""#, &Untyped), ["a", "b"]);
}

#[test]
fn presence() {
    check("title pr", "a"); // "" and null are not present
    check("name pr", "ac"); // {} is not
    check("emails pr", "abe"); // [] is not
    check("phoneNumbers pr", ""); // [{"value": null}] is not
    check("emails.type pr", "abe");
    check("name.givenName pr", "ac");
    check("meta.created pr", "a");
    check("nickName pr", "");
}

#[test]
fn date_times_compare_as_instants() {
    // b's "2011-05-13T06:42:34+02:00" is the same instant as a's "2011-05-13T04:42:34Z".
    check(r#"meta.lastModified eq "2011-05-13T04:42:34Z""#, "ab");
    check(r#"meta.lastModified eq "2011-05-12T21:42:34-07:00""#, "ab");
    check(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, "c");
    check(r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, "abc");
    check(r#"meta.lastModified lt "2011-05-13T04:42:35Z""#, "ab");
    check(r#"meta.lastModified le "2011-05-13T04:42:34.000Z""#, "ab");
    check(r#"meta.lastModified gt "2011-05-13T04:42:34.5Z""#, "c");
    // A stored value that is not a dateTime is "not equal" and unordered.
    check(r#"meta.lastModified ne "2011-05-13T04:42:34Z""#, "cd");
    // Substring operators compare the text.
    check(r#"meta.lastModified sw "2011-05-13T06""#, "b");
    // Without a schema the same strings compare lexically.
    assert_eq!(
        hits_with(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, &Untyped),
        ["b", "c", "d"]
    );
}

#[test]
fn numbers_compare_numerically() {
    check("loginCount eq 5", "ac"); // 5.0 equals 5; the string "12" is not a number
    check("loginCount eq 5.0", "ac");
    check("loginCount gt 5", "b");
    check("loginCount ge 5", "abc");
    check("loginCount lt 12", "ac");
    check("loginCount le 12", "abc");
    check("loginCount ne 5", "bd");
    check("score gt 1", "ac");
    check("score lt 0", "b");
    check("score le 1.5", "ab");
    check("score eq 1e2", "c");
    check("score eq 100", "c");
    check("score gt -3.5E0", "abc");
    check("loginCount gt 18446744073709551615", "");
}

#[test]
fn booleans() {
    check("active eq true", "ace"); // the string "true" is not the boolean
    check("active eq false", "b");
    check("active ne true", "bd");
    check("emails.primary eq true", "a");
    check("emails.primary eq false", "e");
}

#[test]
fn null_means_unassigned() {
    check("title eq null", "bcde");
    check("title ne null", "a");
    check("emails eq null", "cd");
}

#[test]
fn ne_needs_a_value() {
    // `title ne "x"`: a has "Tour Guide", b has "" (a value); c (null), d, e have none.
    check(r#"title ne "x""#, "ab");
}

#[test]
fn multi_valued_attributes_match_on_any_value() {
    check(r#"emails co "example""#, "abe");
    check(r#"emails.value ew ".org""#, "ab");
    check(r#"emails.type eq "home""#, "ae");
    check(r#"emails eq "alice@work.example""#, "e");
    check(r#"ims.type eq "XMPP""#, "b");
    // addresses has no `value` sub-attribute, so comparing it directly finds nothing.
    check(r#"addresses eq "94043""#, "");
    check(
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        "a",
    );
}

#[test]
fn value_paths_hold_on_one_value() {
    // e has a home email and another email containing "work": not the same value.
    check(r#"emails[type eq "home" and value co "work"]"#, "");
    check(r#"emails.type eq "home" and emails.value co "work""#, "e");
    check(r#"emails[type eq "work" and value co "alice"]"#, "e");
    check(r#"emails[primary eq true]"#, "a");
    check(r#"emails[not (primary eq true)]"#, "abe");
    check(r#"emails[type eq "work"]"#, "abe");
    check(r#"EMAILS[TYPE eq "WORK" and Value co "@example."]"#, "ab");
    check(r#"groups[display eq "admins"]"#, "c");
    check(r#"addresses[type eq "work" and postalCode sw "94"]"#, "e");
    check(
        r#"ims[type eq "xmpp" and value co "@foo.com"] or emails[type eq "home"]"#,
        "abe",
    );
    check(r#"phoneNumbers[value pr]"#, "");
    // A simple multi-valued attribute's values are reachable as `value`.
    check(
        r#"schemas[value eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]"#,
        "a",
    );
}

#[test]
fn urn_qualified_paths() {
    check(&format!(r#"{ENT}:employeeNumber eq "701984""#), "a");
    check(
        &format!(r#"{ENT}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
        "a",
    );
    check(&format!("{}:EMPLOYEENUMBER pr", ENT.to_uppercase()), "a");
    check(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice""#,
        "e",
    );
    check("employeeNumber pr", ""); // unqualified names are core attributes
    check(r#"urn:example:unknown:2.0:Ext:x pr"#, "");
}

#[test]
fn logic() {
    check(
        r#"userName eq "alice" or userName eq "bjensen" and active eq false"#,
        "e",
    );
    check(
        r#"(userName eq "alice" or userName eq "bjensen") and active eq true"#,
        "ae",
    );
    check(r#"not (userName eq "alice")"#, "abcd");
    check(r#"not (not (userName eq "alice"))"#, "e");
    check(r#"title pr and userType eq "Employee""#, "a");
    check(r#"title pr or userType eq "Intern""#, "ab");
    check(
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        "",
    );
    check(
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        "a",
    );
}

fn compile_error(text: &str) -> scim_filter::Error {
    let filter = Filter::parse(text).unwrap();
    match Matcher::new(&filter, &CoreSchemas) {
        Ok(_) => panic!("{text} compiled"),
        Err(e) => e,
    }
}

#[test]
fn unsupported_comparisons_are_invalid_filter() {
    let cases: &[(&str, CompareOp, Operand)] = &[
        ("active gt true", CompareOp::Gt, Operand::BooleanValue),
        ("title le false", CompareOp::Le, Operand::BooleanValue),
        (
            r#"active gt "x""#,
            CompareOp::Gt,
            Operand::Attribute(DataType::Boolean),
        ),
        (
            r#"active co "t""#,
            CompareOp::Co,
            Operand::Attribute(DataType::Boolean),
        ),
        (
            r#"x509Certificates.value lt "A""#,
            CompareOp::Lt,
            Operand::Attribute(DataType::Binary),
        ),
        (
            r#"x509Certificates ge "A""#,
            CompareOp::Ge,
            Operand::Attribute(DataType::Binary),
        ),
        ("loginCount co 5", CompareOp::Co, Operand::NumberValue),
        ("title sw true", CompareOp::Sw, Operand::BooleanValue),
        ("title gt null", CompareOp::Gt, Operand::NullValue),
        ("title co null", CompareOp::Co, Operand::NullValue),
        (
            r#"emails[primary ge true]"#,
            CompareOp::Ge,
            Operand::BooleanValue,
        ),
        (
            r#"emails[primary lt "x"]"#,
            CompareOp::Lt,
            Operand::Attribute(DataType::Boolean),
        ),
    ];
    for (text, op, operand) in cases {
        let e = compile_error(text);
        assert_eq!(
            e.kind(),
            &ErrorKind::UnsupportedComparison {
                op: *op,
                operand: *operand
            },
            "{text}"
        );
        assert_eq!(e.scim_type(), ScimType::InvalidFilter);
        let expected = match text.strip_prefix("emails[") {
            Some(_) => 7..text.len() - 1,
            None => 0..text.len(),
        };
        assert_eq!(e.span().range(), expected, "{text}");
    }
    assert_eq!(
        compile_error("active gt true").to_string(),
        "`gt` at 0 cannot be applied to a boolean value"
    );
    assert_eq!(
        compile_error(r#"title pr and active lt "x""#).to_string(),
        "`lt` at 13 cannot be applied to boolean attributes"
    );
    let e = compile_error(r#"meta.lastModified gt "yesterday""#);
    assert_eq!(
        e.kind(),
        &ErrorKind::InvalidDateTime {
            value: "yesterday".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "\"yesterday\" at 0 is not a dateTime (like \"2011-05-13T04:42:34Z\")"
    );
    // `Filter::matches` reports the same errors.
    assert!(
        Filter::parse("active gt true")
            .unwrap()
            .matches(&json!({}), &CoreSchemas)
            .is_err()
    );
}

#[test]
fn ordering_on_a_stored_boolean_fails_at_match_time() {
    // Without a schema the type is only known from the data.
    let filter = Filter::parse("active gt 1").unwrap();
    let matcher = Matcher::new(&filter, &Untyped).unwrap();
    let all = users();
    let e = matcher.matches(&all[0]).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::UnsupportedComparison {
            op: CompareOp::Gt,
            operand: Operand::Attribute(DataType::Boolean)
        }
    );
    assert_eq!(e.scim_type(), ScimType::InvalidFilter);
    assert!(!matcher.matches(&all[3]).unwrap()); // "true" is a string
    // Equality on a boolean with another type is simply false.
    assert!(
        !Filter::parse("active eq 1")
            .unwrap()
            .matches(&all[0], &Untyped)
            .unwrap()
    );
}

#[test]
fn patch_value_matchers_select_values() {
    let all = users();
    let select = |path: &str, values: &Value| -> Vec<usize> {
        let p = PatchPath::parse(path).unwrap();
        let m = p.value_matcher(&CoreSchemas).unwrap().unwrap();
        values
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(_, v)| m.matches(v).unwrap())
            .map(|(i, _)| i)
            .collect()
    };
    assert_eq!(
        select(r#"emails[type eq "work"].value"#, &all[0]["emails"]),
        [0]
    );
    assert_eq!(
        select(
            r#"emails[type eq "WORK" or primary eq false]"#,
            &all[4]["emails"]
        ),
        [1]
    );
    assert_eq!(
        select(r#"emails[value ew "EXAMPLE.COM"]"#, &all[4]["emails"]),
        [0]
    );
    assert_eq!(
        select(r#"emails[not (type pr)]"#, &all[4]["emails"]),
        Vec::<usize>::new()
    );
    let members = json!([{"value": "2819c223"}, {"value": "902c246b", "display": "x"}]);
    assert_eq!(select(r#"members[value eq "902c246b"]"#, &members), [1]);
    // Group members' value is not case exact in RFC 7643 §8.7.1.
    assert_eq!(select(r#"members[value eq "2819C223"]"#, &members), [0]);
    assert_eq!(
        select(
            r#"schemas[value sw "urn:ietf:params:scim:schemas:core"]"#,
            &all[0]["schemas"]
        ),
        [0]
    );
    // No filter, no matcher.
    assert!(
        PatchPath::parse("emails")
            .unwrap()
            .value_matcher(&CoreSchemas)
            .unwrap()
            .is_none()
    );
    // Type rules apply inside brackets too.
    let p = PatchPath::parse(r#"emails[primary gt true]"#).unwrap();
    assert_eq!(
        p.value_matcher(&CoreSchemas).unwrap_err().scim_type(),
        ScimType::InvalidFilter
    );
    // A matcher for values of a hand-named attribute.
    let m = Matcher::for_values_of(
        &AttrPath::parse("addresses").unwrap(),
        &Filter::parse(r#"postalCode sw "940""#).unwrap(),
        &CoreSchemas,
    )
    .unwrap();
    assert!(m.matches(&all[4]["addresses"][0]).unwrap());
}

#[test]
fn non_object_resources_have_no_attributes() {
    let f = Filter::parse(r#"userName eq "x""#).unwrap();
    for v in [
        json!(null),
        json!("x"),
        json!([{"userName": "x"}]),
        json!(1),
    ] {
        assert!(!f.matches(&v, &CoreSchemas).unwrap());
        assert!(
            Filter::parse(r#"not (userName eq "x")"#)
                .unwrap()
                .matches(&v, &CoreSchemas)
                .unwrap()
        );
    }
}

#[test]
fn attribute_names_in_the_resource_are_case_insensitive() {
    let user =
        json!({"UserName": "x", "Emails": [{"Value": "a@b", "Type": "work"}], "Active": true});
    for text in [
        r#"userName eq "X""#,
        r#"emails[type eq "work"]"#,
        r#"emails.value eq "a@b""#,
        "active eq true",
    ] {
        assert!(
            Filter::parse(text)
                .unwrap()
                .matches(&user, &CoreSchemas)
                .unwrap(),
            "{text}"
        );
    }
}

#[test]
fn custom_characteristics() {
    struct Custom;
    impl AttributeTypes for Custom {
        fn characteristics(
            &self,
            _: Option<&str>,
            attr: &str,
            _: Option<&str>,
        ) -> Option<scim_filter::Characteristics> {
            attr.eq_ignore_ascii_case("userName")
                .then(|| scim_filter::Characteristics::new(DataType::String).with_case_exact(true))
        }
    }
    assert_eq!(hits_with(r#"userName eq "JSmith""#, &Custom), ["b"]);
    assert_eq!(
        hits_with(r#"userName eq "jsmith""#, &Custom),
        Vec::<String>::new()
    );
    // A matcher outlives the schema it was built with and is shareable across threads.
    fn assert_send_sync<T: Send + Sync + 'static>(_: &T) {}
    let m = Matcher::new(&Filter::parse("a pr").unwrap(), &Custom).unwrap();
    assert_send_sync(&m);
}

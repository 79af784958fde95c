//! Values a client cannot slip past validation: multi-valued attributes that are not arrays,
//! required names that show nothing, and unique names that differ only in Unicode form or case.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is the failure report

mod common;

use common::{block_on, engine};
use scim_core::meta::Conditions;
use scim_core::store::{MemoryStore, ResourceStore};
use scim_core::{Error, Options, RenderOptions, Resource, Scim};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn error_json(scim_type: &str, detail: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400",
        "scimType": scim_type,
        "detail": detail,
    })
}

fn invalid_value(detail: &str) -> Value {
    error_json("invalidValue", detail)
}

fn patch(scim: &Scim, res: &mut Resource, ops: Value) -> Result<bool, Error> {
    let req = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": ops}))?;
    scim.patch(res, &req).map(|o| o.changed)
}

fn strict(scim: &Scim) -> Scim {
    scim.clone()
        .with_options(Options::default().with_lenient(false))
}

#[test]
fn multi_valued_attributes_must_be_arrays() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let cases = [
        (
            "User",
            json!({"schemas": [USER], "userName": "bjensen", "emails": {}}),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got an object",
        ),
        (
            "User",
            json!({"schemas": [USER], "userName": "bjensen", "emails": "a@b"}),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got a string",
        ),
        (
            "User",
            json!({"schemas": [USER], "userName": "bjensen", "emails": {"value": "a@b", "type": "work"}}),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got an object",
        ),
        (
            "User",
            json!({"schemas": [USER], "userName": "bjensen", "phoneNumbers": true}),
            "attribute 'phoneNumbers': a multi-valued attribute must be a JSON array, got a boolean",
        ),
        (
            "Group",
            json!({"schemas": [GROUP], "displayName": "Tour Guides", "members": 5}),
            "attribute 'members': a multi-valued attribute must be a JSON array, got a number",
        ),
        (
            "Group",
            json!({"schemas": [GROUP], "displayName": "Tour Guides", "members": {"value": "u1"}}),
            "attribute 'members': a multi-valued attribute must be a JSON array, got an object",
        ),
    ];
    for (rt, body, detail) in &cases {
        for s in [(*scim).clone(), strict(&scim)] {
            let err = s.create(rt, body).unwrap_err();
            assert_eq!(err.to_json(), invalid_value(detail), "{body}");
        }
    }
    // PUT bodies follow the same rule.
    let store = MemoryStore::new(scim.clone());
    let u = block_on(
        store.create(
            scim.create("User", &json!({"schemas": [USER], "userName": "bjensen"}))
                .unwrap(),
        ),
    )
    .unwrap();
    let err = block_on(store.replace("User", u.id().as_str(), &cases[0].1, &Conditions::none()))
        .unwrap_err();
    assert_eq!(err.to_json(), invalid_value(cases[0].2));
    // null and [] still mean "no values".
    let ok = scim
        .create(
            "User",
            &json!({"schemas": [USER], "userName": "bjensen", "emails": null, "phoneNumbers": []}),
        )
        .unwrap();
    assert!(ok.attribute("emails").is_none() && ok.attribute("phoneNumbers").is_none());
}

#[test]
fn patch_values_of_multi_valued_attributes_must_be_arrays() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &["u1", "g1"]);
    let mut user = scim
        .create("User", &json!({"schemas": [USER], "userName": "bjensen", "emails": [{"value": "b@x.org", "type": "work"}]}))
        .unwrap();
    let mut group = scim
        .create("Group", &json!({"schemas": [GROUP], "displayName": "Tour Guides", "members": [{"value": "u1"}]}))
        .unwrap();
    let before = (user.clone(), group.clone());
    let user_cases = [
        (
            json!([{"op": "add", "value": {"emails": {}}}]),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got an object",
        ),
        (
            json!([{"op": "replace", "value": {"emails": "a@b"}}]),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got a string",
        ),
        (
            json!([{"op": "add", "path": "emails", "value": {"value": "a@b", "type": "home"}}]),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got an object",
        ),
        (
            json!([{"op": "add", "path": "emails", "value": "a@b"}]),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got a string",
        ),
        (
            json!([{"op": "replace", "path": "emails", "value": 7}]),
            "attribute 'emails': a multi-valued attribute must be a JSON array, got a number",
        ),
        (
            json!([{"op": "remove", "path": "emails", "value": {"value": "b@x.org"}}]),
            "attribute 'emails': a value given with 'remove' on a multi-valued attribute must be a JSON array",
        ),
    ];
    let group_cases = [
        (
            json!([{"op": "add", "path": "members", "value": {"value": "u2"}}]),
            "attribute 'members': a multi-valued attribute must be a JSON array, got an object",
        ),
        (
            json!([{"op": "add", "path": "members", "value": 5}]),
            "attribute 'members': a multi-valued attribute must be a JSON array, got a number",
        ),
        (
            json!([{"op": "add", "value": {"members": {"value": "u2"}}}]),
            "attribute 'members': a multi-valued attribute must be a JSON array, got an object",
        ),
        (
            // Read as "remove everything" before; now refused.
            json!([{"op": "remove", "path": "members", "value": {"value": "u1"}}]),
            "attribute 'members': a value given with 'remove' on a multi-valued attribute must be a JSON array",
        ),
        (
            json!([{"op": "remove", "path": "members", "value": "u1"}]),
            "attribute 'members': a value given with 'remove' on a multi-valued attribute must be a JSON array",
        ),
    ];
    for s in [(*scim).clone(), strict(&scim)] {
        for (ops, detail) in &user_cases {
            let err = patch(&s, &mut user, ops.clone()).unwrap_err();
            assert_eq!(err.to_json(), invalid_value(detail), "{ops}");
        }
        for (ops, detail) in &group_cases {
            let err = patch(&s, &mut group, ops.clone()).unwrap_err();
            assert_eq!(err.to_json(), invalid_value(detail), "{ops}");
        }
        assert_eq!((&user, &group), (&before.0, &before.1));
    }
    // Microsoft's Postman suite adds a member as a bare id string with an explicit path: the
    // lenient dialect reads it as one member; strict mode refuses it.
    let ops = json!([{"op": "add", "path": "members", "value": "u2"}]);
    let err = patch(&strict(&scim), &mut group, ops.clone()).unwrap_err();
    assert_eq!(
        err.to_json(),
        invalid_value(
            "attribute 'members': a multi-valued attribute must be a JSON array, got a string"
        )
    );
    assert!(patch(&scim, &mut group, ops).unwrap());
    let out = scim.render(&group, RenderOptions::default()).unwrap();
    assert_eq!(out["members"], json!([{"value": "u1"}, {"value": "u2"}]));
    // The same bare string inside a no-path value object is a resource body: refused.
    let err = patch(
        &scim,
        &mut group,
        json!([{"op": "add", "value": {"members": "u3"}}]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_json(),
        invalid_value(
            "attribute 'members': a multi-valued attribute must be a JSON array, got a string"
        )
    );
}

#[test]
fn required_names_must_show_something() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let refused = [
        ("", "a required attribute must be a non-empty string"),
        (" ", "a required attribute must not be only whitespace"),
        ("   ", "a required attribute must not be only whitespace"),
        (
            "\u{3000}\u{A0}",
            "a required attribute must not be only whitespace",
        ),
        (
            "\t",
            "a required attribute must not contain control characters (U+0009)",
        ),
        (
            "bj\u{0}ensen",
            "a required attribute must not contain control characters (U+0000)",
        ),
        (
            "bjensen\n",
            "a required attribute must not contain control characters (U+000A)",
        ),
        (
            "bjensen\r\nX-Injected: 1",
            "a required attribute must not contain control characters (U+000D)",
        ),
        (
            "bj\u{1F}",
            "a required attribute must not contain control characters (U+001F)",
        ),
        (
            "bj\u{7F}",
            "a required attribute must not contain control characters (U+007F)",
        ),
        (
            "bj\u{85}",
            "a required attribute must not contain control characters (U+0085)",
        ),
    ];
    for (name, why) in refused {
        for s in [(*scim).clone(), strict(&scim)] {
            let err = s
                .create("User", &json!({"schemas": [USER], "userName": name}))
                .unwrap_err();
            assert_eq!(
                err.to_json(),
                invalid_value(&format!("attribute 'userName': {why}")),
                "{name:?}"
            );
            let err = s
                .create("Group", &json!({"schemas": [GROUP], "displayName": name}))
                .unwrap_err();
            assert_eq!(
                err.to_json(),
                invalid_value(&format!("attribute 'displayName': {why}")),
                "{name:?}"
            );
        }
    }
    // Through PATCH (path and no-path) and PUT as well; nothing changes.
    let store = MemoryStore::new(scim.clone());
    let u = block_on(
        store.create(
            scim.create("User", &json!({"schemas": [USER], "userName": "bjensen"}))
                .unwrap(),
        ),
    )
    .unwrap();
    let mut edited = u.clone();
    for ops in [
        json!([{"op": "replace", "path": "userName", "value": ""}]),
        json!([{"op": "replace", "value": {"userName": " "}}]),
        json!([{"op": "add", "path": "userName", "value": "bj\u{0}"}]),
    ] {
        let err = patch(&scim, &mut edited, ops.clone()).unwrap_err();
        assert_eq!(
            err.scim_type().map(|t| t.as_str()),
            Some("invalidValue"),
            "{ops}"
        );
        assert_eq!(err.status(), 400);
        assert_eq!(edited, u);
    }
    let err = patch(
        &scim,
        &mut edited,
        json!([{"op": "replace", "path": "userName", "value": ""}]),
    )
    .unwrap_err();
    assert_eq!(
        err.to_json(),
        invalid_value("attribute 'userName': a required attribute must be a non-empty string")
    );
    let err = block_on(store.replace(
        "User",
        u.id().as_str(),
        &json!({"schemas": [USER], "userName": "\u{2003}"}),
        &Conditions::none(),
    ))
    .unwrap_err();
    assert_eq!(
        err.to_json(),
        invalid_value("attribute 'userName': a required attribute must not be only whitespace")
    );
    // Names with inner spaces, leading or trailing spaces and any script are kept exactly.
    for name in [
        "Barbara Jensen",
        " bjensen",
        "bjensen ",
        "Ä\u{308}",
        "ユーザー",
        "x",
    ] {
        let r = scim
            .create("User", &json!({"schemas": [USER], "userName": name}))
            .unwrap();
        assert_eq!(r.attribute("userName"), Some(&json!(name)));
    }
    // Optional strings are not held to this rule: a formatted address may hold line breaks.
    let r = scim
        .create(
            "User",
            &json!({"schemas": [USER], "userName": "bjensen", "nickName": "",
                    "addresses": [{"formatted": "100 Universal City Plaza\nHollywood, CA"}]}),
        )
        .unwrap();
    assert_eq!(r.attribute("nickName"), Some(&json!("")));
}

#[test]
fn unique_names_compare_in_nfc_and_case_folded() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let store = MemoryStore::new(scim.clone());
    let create = |name: &str| {
        block_on(
            store.create(
                scim.create("User", &json!({"schemas": [USER], "userName": name}))
                    .unwrap(),
            ),
        )
    };
    // Stored exactly as sent, decomposed.
    let first = create("A\u{308}nne").unwrap();
    assert_eq!(first.attribute("userName"), Some(&json!("A\u{308}nne")));
    for dup in ["\u{C4}nne", "\u{E4}NNE", "a\u{308}nne"] {
        let err = create(dup).unwrap_err();
        assert_eq!(err.status(), 409);
        assert_eq!(
            err.to_json(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "409",
                "scimType": "uniqueness",
                "detail": format!("userName '{dup}' is already in use"),
            })
        );
    }
    create("straße").unwrap();
    assert_eq!(create("STRASSE").unwrap_err().status(), 409);
    // A rename through PATCH is checked the same way.
    let other = create("bjensen").unwrap();
    let req = scim
        .parse_patch(&json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "userName", "value": "\u{C4}NNE"}]}))
        .unwrap();
    let err =
        block_on(store.patch("User", other.id().as_str(), &req, &Conditions::none())).unwrap_err();
    assert_eq!(err.status(), 409);
    // The keys the stores index.
    let keys: Vec<String> = scim
        .unique_values(&first)
        .into_iter()
        .map(|u| u.key)
        .collect();
    assert_eq!(keys, ["\u{E4}nne"]);
    assert_eq!(
        scim_core::uniqueness::key("A\u{308}nne", false),
        "\u{E4}nne"
    );
}

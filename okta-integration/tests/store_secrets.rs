//! The SQLite store keeps no write-only value: the `password` Okta sends on every create (and
//! on password sync) is validated by the SCIM engine, never returned, and never written to the
//! database, on create, PUT or PATCH.
// Test code outside #[test] functions: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod store_support;

use std::sync::Arc;

use okta_integration::store::{OrgSlug, Store};
use scim_core::meta::Conditions;
use serde_json::{Value, json};
use store_support::{TestClock, block_on, open, temp_db};

/// The `attributes` of every stored resource document, in creation order.
fn stored_attributes(path: &std::path::Path) -> Vec<Value> {
    let side = rusqlite::Connection::open(path).unwrap();
    let mut stmt = side
        .prepare("SELECT doc FROM resources ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|doc| serde_json::from_str::<Value>(&doc.unwrap()).unwrap()["attributes"].clone())
        .collect()
}

#[test]
fn passwords_are_never_written_to_the_database() {
    let path = temp_db("store-secrets");
    let clock = TestClock::new();
    let store = Arc::new(open(&path, &clock));
    let org =
        block_on(store.create_organization(&OrgSlug::try_from("acme").unwrap(), "Acme", false))
            .unwrap()
            .id;
    let scim = store_support::scim();
    let resources = store.resources(org);

    // Create, as Okta sends it.
    let new = scim
        .create(
            "User",
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ann@acme.example",
                "active": true,
                "password": "created-s3cret",
                "groups": []
            }),
        )
        .unwrap();
    let id = block_on(resources.create(new))
        .unwrap()
        .id()
        .as_str()
        .to_owned();
    let expected = json!({"active": true, "userName": "ann@acme.example"});
    assert_eq!(stored_attributes(&path), vec![expected.clone()]);

    // PUT with a password.
    block_on(resources.replace(
        "User",
        &id,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ann@acme.example",
            "active": true,
            "password": "put-s3cret"
        }),
        &Conditions::none(),
    ))
    .unwrap();
    assert_eq!(stored_attributes(&path), vec![expected.clone()]);

    // Okta's password sync: PATCH without a path.
    let sync = scim
        .parse_patch(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"password": "patched-s3cret"}}]
        }))
        .unwrap();
    block_on(resources.patch("User", &id, &sync, &Conditions::none())).unwrap();
    assert_eq!(stored_attributes(&path), vec![expected]);
}

//! The SQLite store keeps no write-only value: the `password` Okta sends on every create (and
//! on password sync) is validated by the SCIM engine, never returned, and never written to the
//! database, on create, PUT or PATCH; opening a database written before that removes the passwords
//! it holds.
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

/// Every byte of the database and its write-ahead log, if any.
fn database_bytes(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(more) = std::fs::read(std::path::PathBuf::from(wal)) {
        bytes.extend(more);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn opening_a_database_written_before_removes_its_stored_passwords() {
    let path = temp_db("store-secrets-migration");
    let clock = TestClock::new();
    let scim = store_support::scim();
    {
        let store = Arc::new(open(&path, &clock));
        let org =
            block_on(store.create_organization(&OrgSlug::try_from("acme").unwrap(), "Acme", false))
                .unwrap()
                .id;
        let resources = store.resources(org);
        for user in ["ann@acme.example", "bob@acme.example"] {
            let new = scim
                .create(
                    "User",
                    &json!({
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": user,
                        "active": true
                    }),
                )
                .unwrap();
            block_on(resources.create(new)).unwrap();
        }
    }
    // What an earlier release left behind: the password in Ann's document, schema version 2.
    {
        let side = rusqlite::Connection::open(&path).unwrap();
        side.execute(
            "UPDATE resources SET doc = json_set(doc, '$.attributes.password', 'old-s3cret-0f9d') \
             WHERE json_extract(doc, '$.attributes.userName') = 'ann@acme.example'",
            [],
        )
        .unwrap();
        side.pragma_update(None, "user_version", 2).unwrap();
    }
    assert!(contains(&database_bytes(&path), b"old-s3cret-0f9d"));

    {
        let store = open(&path, &clock);
        assert_eq!(
            stored_attributes(&path),
            vec![
                json!({"active": true, "userName": "ann@acme.example"}),
                json!({"active": true, "userName": "bob@acme.example"}),
            ]
        );
        drop(store);
    }
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
    // Not in the live rows, and not in free space either.
    assert!(!contains(&database_bytes(&path), b"old-s3cret-0f9d"));
}

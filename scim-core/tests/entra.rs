//! Microsoft Entra's dialect (reference/scim.md §b2): capitalised ops, "False" strings,
//! `emails[type eq "work"].value` creating the element, value-selected member removal,
//! `$ref: null` members, no-path replace with path keys, unknown non-URN schemas, externalId
//! filters — and the same inputs refused when the lenient mode is off.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is the failure report

mod common;
#[path = "common/server.rs"]
mod server;

use std::sync::Arc;

use common::engine;
use scim_core::Options;
use serde_json::{Value, json};
use server::Server;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn patch(ops: Value) -> String {
    json!({"schemas": [PATCH], "Operations": ops}).to_string()
}

fn entra_user() -> Value {
    json!({
        "schemas": [USER, ENT],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENT: {"employeeNumber": "1234", "department": "Sales"}
    })
}

#[test]
fn entra_user_lifecycle() {
    let (scim, _) = engine("2024-02-01T00:00:00Z", &["e1"]);
    let s = Server::new(scim);
    let (st, u) = s.handle("POST", "/Users", Some(&entra_user().to_string()));
    assert_eq!(st, 201);
    assert_eq!(u["schemas"], json!([USER, ENT]));
    assert!(u.get("roles").is_none()); // empty = unassigned, not echoed
    // Match by externalId (and by the unquoted form Microsoft's docs show).
    for f in [
        "externalId%20eq%20%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22",
        "externalId+eq+0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    ] {
        let (st, l) = s.handle("GET", &format!("/Users?filter={f}"), None);
        assert_eq!(
            (
                st,
                l["totalResults"].clone(),
                l["Resources"][0]["id"].clone()
            ),
            (200, json!(1), json!("e1")),
            "{f}"
        );
    }
    // externalId is caseExact: another case does not match.
    let (_, l) = s.handle(
        "GET",
        "/Users?filter=externalId%20eq%20%220A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF%22",
        None,
    );
    assert_eq!(l["totalResults"], json!(0));

    // The default (no flag) update: capitalised ops, filtered email path, URN paths.
    let ops = json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Retail"},
        {"op": "Replace", "path": "addresses[type eq \"work\"].formatted", "value": "1 Main St"},
        {"op": "Add", "path": "nickName", "value": "Babs"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "5678"}
    ]);
    let (st, u) = s.handle("PATCH", "/Users/e1", Some(&patch(ops)));
    assert_eq!(st, 200, "{u}");
    assert_eq!(
        u["emails"],
        json!([{"primary": true, "type": "work", "value": "updatedEmail@microsoft.com"}])
    );
    assert_eq!(u["name"]["familyName"], json!("updatedFamilyName"));
    assert_eq!(
        u[ENT],
        json!({"employeeNumber": "5678", "department": "Retail"})
    );
    // The missing work address was created from the filter.
    assert_eq!(
        u["addresses"],
        json!([{"type": "work", "formatted": "1 Main St"}])
    );
    assert_eq!(u["nickName"], json!("Babs"));

    // With the aadOptscim062020 flag: one no-path replace whose keys are paths.
    let ops = json!([{"op": "replace", "value": {
        "displayName": "Updated Name",
        "name.givenName": "NewGiven",
        "name.familyName": "NewFamily",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "9"
    }}]);
    let (_, u) = s.handle("PATCH", "/Users/e1", Some(&patch(ops)));
    assert_eq!(u["displayName"], json!("Updated Name"));
    assert_eq!(
        u["name"],
        json!({"formatted": "givenName familyName", "givenName": "NewGiven", "familyName": "NewFamily"})
    );
    assert_eq!(u[ENT]["employeeNumber"], json!("9"));

    // Disable with a string boolean; the user stays visible with active present.
    let (_, u) = s.handle(
        "PATCH",
        "/Users/e1",
        Some(&patch(
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )),
    );
    assert_eq!(u["active"], json!(false));
    let (_, l) = s.handle(
        "GET",
        "/Users?filter=userName%20eq%20%22test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1%22",
        None,
    );
    assert_eq!(l["Resources"][0]["active"], json!(false));
    let (st, _) = s.handle("DELETE", "/Users/e1", None);
    assert_eq!(st, 204);
}

#[test]
fn entra_groups() {
    let (scim, _) = engine("2024-02-01T00:00:00Z", &["u1", "u2", "g1"]);
    let s = Server::new(scim);
    for n in ["a", "b"] {
        let (st, _) = s.handle(
            "POST",
            "/Users",
            Some(&json!({"schemas": [USER], "userName": n}).to_string()),
        );
        assert_eq!(st, 201);
    }
    // An unknown non-URN schema in `schemas`, and meta, are ignored.
    let create = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"}
    });
    let (st, g) = s.handle("POST", "/Groups", Some(&create.to_string()));
    assert_eq!(st, 201);
    assert_eq!(
        g["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Group"])
    );
    let (_, l) = s.handle(
        "GET",
        "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22displayName%22",
        None,
    );
    assert_eq!(l["totalResults"], json!(1));
    // Add members with "$ref": null.
    let add = json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}, {"$ref": null, "value": "u2"}]}]);
    let (_, g) = s.handle("PATCH", "/Groups/g1", Some(&patch(add)));
    assert_eq!(g["members"], json!([{"value": "u1"}, {"value": "u2"}]));
    // Remove with a value array removes only the listed members.
    let remove =
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]}]);
    let (_, g) = s.handle("PATCH", "/Groups/g1", Some(&patch(remove)));
    assert_eq!(g["members"], json!([{"value": "u2"}]));
    let (_, u) = s.handle("GET", "/Users/u1", None);
    assert!(u.get("groups").is_none());
    // Rename with a capitalised op.
    let (_, g) = s.handle("PATCH", "/Groups/g1", Some(&patch(json!([{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]))));
    assert_eq!(
        g["displayName"],
        json!("1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName")
    );
    let (st, _) = s.handle("DELETE", "/Groups/g1", None);
    assert_eq!(st, 204);
}

#[test]
fn strict_mode_refuses_the_dialect() {
    let (scim, _) = engine("2024-02-01T00:00:00Z", &["u1", "g1"]);
    let strict = Arc::new(
        (*scim)
            .clone()
            .with_options(Options::default().with_lenient(false)),
    );
    let s = Server::new(strict);
    let mut body = entra_user();
    body["active"] = json!("True");
    let (st, err) = s.handle("POST", "/Users", Some(&body.to_string()));
    assert_eq!((st, err["scimType"].clone()), (400, json!("invalidValue")));
    assert_eq!(
        err["detail"],
        json!("attribute 'active': expected true or false (boolean attribute), got a string")
    );
    let (st, _) = s.handle("POST", "/Users", Some(&entra_user().to_string()));
    assert_eq!(st, 201);
    let (st, err) = s.handle(
        "PATCH",
        "/Users/u1",
        Some(&patch(
            json!([{"op": "Replace", "path": "active", "value": "False"}]),
        )),
    );
    assert_eq!((st, err["scimType"].clone()), (400, json!("invalidValue")));
    // Capitalised op names are always accepted (RFC 7644 does not make them case-sensitive).
    let (st, _) = s.handle(
        "PATCH",
        "/Users/u1",
        Some(&patch(
            json!([{"op": "Replace", "path": "active", "value": false}]),
        )),
    );
    assert_eq!(st, 200);
    // A missing work email is noTarget in strict mode.
    let (st, err) = s.handle("PATCH", "/Users/u1", Some(&patch(json!([{"op": "replace", "path": "addresses[type eq \"work\"].formatted", "value": "x"}]))));
    assert_eq!((st, err["scimType"].clone()), (400, json!("noTarget")));
    // Unknown non-URN schema URIs are refused.
    let create = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/x"], "displayName": "d"});
    let (st, err) = s.handle("POST", "/Groups", Some(&create.to_string()));
    assert_eq!((st, err["scimType"].clone()), (400, json!("invalidValue")));
    // Unquoted filter values are invalidFilter.
    let (st, err) = s.handle("GET", "/Users?filter=externalId+eq+jyoung", None);
    assert_eq!((st, err["scimType"].clone()), (400, json!("invalidFilter")));
    // Strict remove with a value array on members clears all (RFC reading).
    let (_, g) = s.handle("POST", "/Groups", Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "d", "members": [{"value": "a"}, {"value": "b"}]}).to_string()));
    let id = g["id"].as_str().unwrap().to_owned();
    let (_, g) = s.handle(
        "PATCH",
        &format!("/Groups/{id}"),
        Some(&patch(
            json!([{"op": "remove", "path": "members", "value": [{"value": "a"}]}]),
        )),
    );
    assert!(g.get("members").is_none(), "{g}");
}

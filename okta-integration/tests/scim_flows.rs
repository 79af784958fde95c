//! The SCIM request sequences of Okta (PATCH style and the all-PUT App Integration Wizard
//! style) and Microsoft Entra, through `OktaIntegration::handle`, with exact statuses and
//! bodies; token checks, errors, ETags and discovery.
// Test code: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod integ_support;

use integ_support::Env;
use saml_sp::time::UnixTime;
use scim_core::Options;
use serde_json::{Value, json};

const HOST: &str = "acme.localhost:8080";
const BASE: &str = "http://acme.localhost:8080/okta/scim";
const T0: i64 = 1_700_000_000;
const TS0: &str = "2023-11-14T22:13:20Z";
const TS1: &str = "2023-11-14T22:14:20Z";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn env(name: &str) -> (Env, String) {
    let env = Env::new(
        name,
        "http://localhost:8080",
        UnixTime::from_unix_seconds(T0),
    )
    .await;
    let token = env.setup("acme", "http://www.okta.com/exk1").await;
    (env, token)
}

fn list(total: u64, start: u64, resources: Vec<Value>) -> Value {
    json!({"schemas": [LIST], "totalResults": total, "startIndex": start,
           "itemsPerPage": resources.len(), "Resources": resources})
}

fn meta(kind: &str, id: &str, created: &str, modified: &str, version: u64) -> Value {
    let endpoint = if kind == "User" { "Users" } else { "Groups" };
    json!({"resourceType": kind, "created": created, "lastModified": modified,
           "location": format!("{BASE}/{endpoint}/{id}"), "version": format!("W/\"{version}\"")})
}

fn okta_create_body(user_name: &str, given: &str, external: &str) -> Value {
    json!({
        "schemas": [USER], "userName": user_name,
        "name": {"givenName": given, "familyName": "Doe"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} Doe"), "locale": "en-US", "externalId": external,
        "groups": [], "password": "S3cret!x", "active": true
    })
}

/// The user as we render it after `okta_create_body`.
fn okta_user(
    id: &str,
    user_name: &str,
    given: &str,
    external: &str,
    active: bool,
    m: Value,
) -> Value {
    json!({
        "schemas": [USER], "id": id, "externalId": external, "userName": user_name,
        "name": {"givenName": given, "familyName": "Doe"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": format!("{given} Doe"), "locale": "en-US", "active": active, "meta": m
    })
}

#[tokio::test]
async fn okta_patch_style_sequence() {
    let (env, token) = env("okta-patch").await;
    let t = Some(token.as_str());

    // Test Connector Configuration.
    let (s, h, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?startIndex=1&count=2",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(0, 1, vec![])));
    assert_eq!(h["content-type"], "application/scim+json");

    // Assignment: lookup, then create.
    let lookup = "/okta/scim/Users?filter=userName%20eq%20%22jane.doe%40acme.example.com%22&startIndex=1&count=100";
    let (s, _, b) = env.scim("GET", HOST, lookup, t, None).await;
    assert_eq!((s, b), (200, list(0, 1, vec![])));
    let (s, h, b) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&okta_create_body(
                "jane.doe@acme.example.com",
                "Jane",
                "00u1",
            )),
        )
        .await;
    let jane_v1 = okta_user(
        "id-1",
        "jane.doe@acme.example.com",
        "Jane",
        "00u1",
        true,
        meta("User", "id-1", TS0, TS0, 1),
    );
    assert_eq!((s, &b), (201, &jane_v1));
    assert_eq!(h["location"], format!("{BASE}/Users/id-1"));
    assert_eq!(h["etag"], "W/\"1\"");

    // Duplicate userName (any case) is 409 uniqueness.
    let (s, _, b) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&okta_create_body(
                "JANE.DOE@acme.example.com",
                "Jane",
                "00u9",
            )),
        )
        .await;
    assert_eq!(s, 409);
    assert_eq!(
        b,
        json!({"schemas": [ERR], "status": "409", "scimType": "uniqueness",
        "detail": "userName 'JANE.DOE@acme.example.com' is already in use"})
    );

    // Lookup finds it case-insensitively; GET by id.
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=userName%20eq%20%22JANE.DOE%40ACME.EXAMPLE.COM%22",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(1, 1, vec![jane_v1.clone()])));
    let (s, _, b) = env
        .scim("GET", HOST, "/okta/scim/Users/id-1", t, None)
        .await;
    assert_eq!((s, b), (200, jane_v1.clone()));

    // Profile update (PUT with what Okta read back, id/meta/groups included).
    env.clock.advance(60);
    let mut put = jane_v1.clone();
    put["name"]["givenName"] = json!("Janet");
    put["displayName"] = json!("Janet Doe");
    put["groups"] = json!([]);
    let (s, h, b) = env
        .scim("PUT", HOST, "/okta/scim/Users/id-1", t, Some(&put))
        .await;
    let jane_v2 = okta_user(
        "id-1",
        "jane.doe@acme.example.com",
        "Janet",
        "00u1",
        true,
        meta("User", "id-1", TS0, TS1, 2),
    );
    assert_eq!((s, &b), (200, &jane_v2));
    assert_eq!(h["etag"], "W/\"2\"");

    // Deactivate: PATCH, no path, object value. 204, then GET shows active=false and the
    // user stays findable.
    let deactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let (s, h, b) = env
        .scim("PATCH", HOST, "/okta/scim/Users/id-1", t, Some(&deactivate))
        .await;
    assert_eq!((s, b), (204, Value::Null));
    assert_eq!(h["etag"], "W/\"3\"");
    let (s, _, b) = env.scim("GET", HOST, lookup, t, None).await;
    assert_eq!(s, 200);
    assert_eq!(b["totalResults"], 1);
    assert_eq!(b["Resources"][0]["active"], false);

    // Reactivate.
    let reactivate = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": true}}]});
    let (s, _, _) = env
        .scim("PATCH", HOST, "/okta/scim/Users/id-1", t, Some(&reactivate))
        .await;
    assert_eq!(s, 204);
    let (_, _, b) = env
        .scim("GET", HOST, "/okta/scim/Users/id-1", t, None)
        .await;
    assert_eq!(b["active"], true);
    assert_eq!(b["meta"]["version"], "W/\"4\"");

    // Second user for membership (the refused duplicate used up id-2).
    let (s, _, _) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&okta_create_body("john@acme.example.com", "John", "00u2")),
        )
        .await;
    assert_eq!(s, 201);

    // Group push: lookup, create.
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Groups?filter=displayName%20eq%20%22Engineering%22",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(0, 1, vec![])));
    let (s, h, b) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Groups",
            t,
            Some(&json!({"schemas": [GROUP], "displayName": "Engineering", "members": []})),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(h["location"], format!("{BASE}/Groups/id-4"));
    assert_eq!(
        b,
        json!({"schemas": [GROUP], "id": "id-4", "displayName": "Engineering",
        "meta": meta("Group", "id-4", TS1, TS1, 1)})
    );

    // Rename (id inside value) and member add, as Okta sends them on each push.
    let rename = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"id": "id-4", "displayName": "Engineers"}}]});
    let (s, _, _) = env
        .scim("PATCH", HOST, "/okta/scim/Groups/id-4", t, Some(&rename))
        .await;
    assert_eq!(s, 204);
    let add = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [
            {"value": "id-1", "display": "jane.doe@acme.example.com"},
            {"value": "id-3", "display": "john@acme.example.com"}]}]});
    let (s, _, _) = env
        .scim("PATCH", HOST, "/okta/scim/Groups/id-4", t, Some(&add))
        .await;
    assert_eq!(s, 204);
    let remove = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": "members[value eq \"id-3\"]"},
        {"op": "remove", "path": "members[value eq \"id-404\"]"}]});
    let (s, _, _) = env
        .scim("PATCH", HOST, "/okta/scim/Groups/id-4", t, Some(&remove))
        .await;
    assert_eq!(s, 204);
    let (s, _, b) = env
        .scim("GET", HOST, "/okta/scim/Groups/id-4", t, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["displayName"], "Engineers");
    // Only Jane is left (`$ref`/`type` rendering is scim-core's and the store's business).
    let members = b["members"].as_array().unwrap();
    assert_eq!(members.len(), 1, "{b}");
    assert_eq!(
        (members[0]["value"].clone(), members[0]["display"].clone()),
        (json!("id-1"), json!("jane.doe@acme.example.com"))
    );
    // The user shows the group.
    let (_, _, b) = env
        .scim("GET", HOST, "/okta/scim/Users/id-1", t, None)
        .await;
    assert_eq!(b["groups"][0]["value"], "id-4");
    assert_eq!(b["groups"][0]["display"], "Engineers");

    // Import with paging.
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?startIndex=1&count=1",
            t,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            b["totalResults"].clone(),
            b["itemsPerPage"].clone(),
            b["Resources"][0]["id"].clone()
        ),
        (json!(2), json!(1), json!("id-1"))
    );
    let (_, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?startIndex=2&count=1",
            t,
            None,
        )
        .await;
    assert_eq!(
        (b["startIndex"].clone(), b["Resources"][0]["id"].clone()),
        (json!(2), json!("id-3"))
    );

    // Unlink the pushed group.
    let (s, _, b) = env
        .scim("DELETE", HOST, "/okta/scim/Groups/id-4", t, None)
        .await;
    assert_eq!((s, b), (204, Value::Null));
    let (s, _, b) = env
        .scim("GET", HOST, "/okta/scim/Groups/id-4", t, None)
        .await;
    assert_eq!(s, 404);
    assert_eq!(
        b,
        json!({"schemas": [ERR], "status": "404", "detail": "Group 'id-4' not found"})
    );
}

#[tokio::test]
async fn okta_all_put_style_sequence() {
    let (env, token) = env("okta-put").await;
    let t = Some(token.as_str());
    let (s, _, jane) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&okta_create_body("jane@acme.example.com", "Jane", "00u1")),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _, _) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&okta_create_body("john@acme.example.com", "John", "00u2")),
        )
        .await;
    assert_eq!(s, 201);

    // Deactivate by PUT with active=false (after a GET).
    env.clock.advance(60);
    let (_, _, mut body) = env
        .scim("GET", HOST, "/okta/scim/Users/id-1", t, None)
        .await;
    assert_eq!(body, jane);
    body["active"] = json!(false);
    let (s, _, b) = env
        .scim("PUT", HOST, "/okta/scim/Users/id-1", t, Some(&body))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        b,
        okta_user(
            "id-1",
            "jane@acme.example.com",
            "Jane",
            "00u1",
            false,
            meta("User", "id-1", TS0, TS1, 2)
        )
    );
    // Reactivate by PUT.
    body["active"] = json!(true);
    let (s, _, b) = env
        .scim("PUT", HOST, "/okta/scim/Users/id-1", t, Some(&body))
        .await;
    assert_eq!(
        (s, b["active"].clone(), b["meta"]["version"].clone()),
        (200, json!(true), json!("W/\"3\""))
    );

    // Groups: create with members [], then PUT the full member list, rename by PUT.
    let (s, _, g) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Groups",
            t,
            Some(&json!({"schemas": [GROUP], "displayName": "Sales", "members": []})),
        )
        .await;
    assert_eq!((s, g["id"].clone()), (201, json!("id-3")));
    let put = json!({"schemas": [GROUP], "id": "id-3", "displayName": "Sales EMEA",
        "members": [{"value": "id-1", "display": "jane@acme.example.com"}, {"value": "id-2", "display": "john@acme.example.com"}]});
    let (s, _, b) = env
        .scim("PUT", HOST, "/okta/scim/Groups/id-3", t, Some(&put))
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["displayName"], "Sales EMEA");
    assert_eq!(b["members"].as_array().unwrap().len(), 2);
    // Member removal by PUT.
    let put = json!({"schemas": [GROUP], "id": "id-3", "displayName": "Sales EMEA",
        "members": [{"value": "id-2", "display": "john@acme.example.com"}]});
    let (s, _, b) = env
        .scim("PUT", HOST, "/okta/scim/Groups/id-3", t, Some(&put))
        .await;
    assert_eq!(
        (
            s,
            b["members"][0]["value"].clone(),
            b["members"].as_array().unwrap().len()
        ),
        (200, json!("id-2"), 1)
    );
    let (_, _, u) = env
        .scim("GET", HOST, "/okta/scim/Users/id-1", t, None)
        .await;
    assert!(u.get("groups").is_none() || u["groups"] == json!([]), "{u}");
    let (s, _, _) = env
        .scim("DELETE", HOST, "/okta/scim/Groups/id-3", t, None)
        .await;
    assert_eq!(s, 204);
}

#[tokio::test]
async fn entra_sequence() {
    let (env, token) = env("entra").await;
    let t = Some(token.as_str());
    // Test connection.
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=userName+eq+%22nobody%40x.example%22",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(0, 1, vec![])));
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Groups?excludedAttributes=members&filter=displayName+eq+%22nope%22",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(0, 1, vec![])));

    // Create with enterprise extension and Entra's extras.
    let create = json!({
        "schemas": [USER, ENTERPRISE], "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@contoso.example", "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@contoso.example"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [], ENTERPRISE: {"department": "Sales"}
    });
    let (s, _, b) = env
        .scim("POST", HOST, "/okta/scim/Users", t, Some(&create))
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["id"], "id-1");
    assert_eq!(b[ENTERPRISE]["department"], "Sales");
    // Match by externalId.
    let (_, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22",
            t,
            None,
        )
        .await;
    assert_eq!(b["totalResults"], 1);

    // Update: capitalised ops, string booleans.
    let update = json!({"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.example"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "path": ENTERPRISE.to_owned() + ":department", "value": "Retail"},
        {"op": "Add", "path": "nickName", "value": "Babs"}]});
    let (s, _, b) = env
        .scim("PATCH", HOST, "/okta/scim/Users/id-1", t, Some(&update))
        .await;
    assert_eq!((s, b), (204, Value::Null));
    let disable = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let (s, _, _) = env
        .scim("PATCH", HOST, "/okta/scim/Users/id-1", t, Some(&disable))
        .await;
    assert_eq!(s, 204);
    let (_, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=userName+eq+%22Test_User_ab6490ee%40contoso.example%22",
            t,
            None,
        )
        .await;
    let u = &b["Resources"][0];
    assert_eq!(
        (
            u["active"].clone(),
            u["emails"][0]["value"].clone(),
            u["name"]["familyName"].clone(),
            u[ENTERPRISE]["department"].clone(),
            u["nickName"].clone()
        ),
        (
            json!(false),
            json!("updated@contoso.example"),
            json!("updatedFamilyName"),
            json!("Retail"),
            json!("Babs")
        )
    );

    // Groups: unknown non-URN schema ignored; members with $ref null; rename 204.
    let (s, _, g) = env.scim("POST", HOST, "/okta/scim/Groups", t, Some(&json!({
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", "displayName": "displayName",
        "meta": {"resourceType": "Group"}}))).await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    let path = format!("/okta/scim/Groups/{gid}");
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            &format!("{path}?excludedAttributes=members"),
            t,
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert!(b.get("members").is_none(), "{b}");
    for op in [
        json!({"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}),
        json!({"op": "Add", "path": "members", "value": [{"$ref": null, "value": "id-1"}]}),
    ] {
        let (s, _, b) = env
            .scim(
                "PATCH",
                HOST,
                &path,
                t,
                Some(&json!({"schemas": [PATCH_OP], "Operations": [op]})),
            )
            .await;
        assert_eq!((s, b), (204, Value::Null));
    }
    let (_, _, b) = env.scim("GET", HOST, &path, t, None).await;
    assert_eq!(b["members"][0]["value"], "id-1");
    let (_, _, b) = env
        .scim("GET", HOST, "/okta/scim/Groups?excludedAttributes=members&filter=displayName+eq+%221879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName%22", t, None)
        .await;
    assert_eq!(b["totalResults"], 1);
    assert!(b["Resources"][0].get("members").is_none());
    let remove = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "id-1"}]}]});
    let (s, _, _) = env.scim("PATCH", HOST, &path, t, Some(&remove)).await;
    assert_eq!(s, 204);
    let (_, _, b) = env.scim("GET", HOST, &path, t, None).await;
    assert!(
        b.get("members").is_none() || b["members"] == json!([]),
        "{b}"
    );
    // Delete both.
    for p in [path.as_str(), "/okta/scim/Users/id-1"] {
        let (s, _, b) = env.scim("DELETE", HOST, p, t, None).await;
        assert_eq!((s, b), (204, Value::Null));
    }
    let (s, _, _) = env
        .scim("GET", HOST, "/okta/scim/users/id-1", t, None)
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn bearer_token_checks() {
    let (env, acme) = env("tokens").await;
    let beta = env.setup("beta", "http://www.okta.com/exk2").await;
    let unauthorized = json!({"schemas": [ERR], "status": "401",
        "detail": "authentication required: send the SCIM token as 'Authorization: Bearer <token>'"});
    for route in [
        "/okta/scim/Users",
        "/okta/scim/Users/id-1",
        "/okta/scim/Groups",
        "/okta/scim/ServiceProviderConfig",
        "/okta/scim/Schemas",
        "/okta/scim/ResourceTypes",
        "/okta/scim/nothing-here",
    ] {
        // No token, a malformed one, and beta's valid token at acme: all 401.
        for token in [None, Some("garbage"), Some(beta.as_str())] {
            let (s, h, b) = env.scim("GET", HOST, route, token, None).await;
            assert_eq!((s, &b), (401, &unauthorized), "{route} {token:?}");
            assert_eq!(h["www-authenticate"], "Bearer realm=\"SCIM\"");
        }
    }
    // Each token works at its own organization.
    let (s, _, _) = env
        .scim("GET", HOST, "/okta/scim/Users", Some(&acme), None)
        .await;
    assert_eq!(s, 200);
    let (s, _, _) = env
        .scim(
            "GET",
            "beta.localhost:8080",
            "/okta/scim/Users",
            Some(&beta),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _, _) = env
        .scim(
            "GET",
            "beta.localhost:8080",
            "/okta/scim/Users",
            Some(&acme),
            None,
        )
        .await;
    assert_eq!(s, 401);
    // Saving the settings again revokes the old token.
    let acme2 = env.setup("acme", "http://www.okta.com/exk1").await;
    assert_ne!(acme, acme2);
    let (s, _, _) = env
        .scim("GET", HOST, "/okta/scim/Users", Some(&acme), None)
        .await;
    assert_eq!(s, 401);
    let (s, _, _) = env
        .scim("GET", HOST, "/okta/scim/Users", Some(&acme2), None)
        .await;
    assert_eq!(s, 200);
    // Tenants are isolated: a user created at acme is not visible at beta.
    let (s, _, _) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            Some(&acme2),
            Some(&okta_create_body("x@acme.example.com", "X", "00ux")),
        )
        .await;
    assert_eq!(s, 201);
    let (_, _, b) = env
        .scim(
            "GET",
            "beta.localhost:8080",
            "/okta/scim/Users",
            Some(&beta),
            None,
        )
        .await;
    assert_eq!(b["totalResults"], 0);
    let (s, _, _) = env
        .scim(
            "GET",
            "beta.localhost:8080",
            "/okta/scim/Users/id-1",
            Some(&beta),
            None,
        )
        .await;
    assert_eq!(s, 404);
    // Unknown organization.
    let (s, _, b) = env
        .scim(
            "GET",
            "nope.localhost:8080",
            "/okta/scim/Users",
            Some(&acme2),
            None,
        )
        .await;
    assert_eq!((s, b["status"].clone()), (404, json!("404")));
    // The default organization answers on the bare host and on an IP address (no token yet).
    for host in ["localhost:8080", "127.0.0.1:8080"] {
        let (s, _, _) = env
            .scim("GET", host, "/okta/scim/Users", Some(&acme2), None)
            .await;
        assert_eq!(s, 401, "{host}");
    }
}

#[tokio::test]
async fn errors_methods_etags_and_discovery() {
    let (env, token) = env("errors").await;
    let t = Some(token.as_str());
    let send_raw =
        |method: &'static str, path: &'static str, ct: &'static str, body: &'static str| {
            http::Request::builder()
                .method(method)
                .uri(path)
                .header("host", HOST)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", ct)
                .body(bytes::Bytes::from_static(body.as_bytes()))
                .unwrap()
        };
    // Malformed JSON.
    let r = env
        .send(send_raw(
            "POST",
            "/okta/scim/Users",
            "application/scim+json",
            "{\"userName\": ",
        ))
        .await;
    assert_eq!(r.status(), 400);
    let b: Value = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(
        (b["scimType"].clone(), b["status"].clone()),
        (json!("invalidSyntax"), json!("400"))
    );
    assert!(
        b["detail"]
            .as_str()
            .unwrap()
            .starts_with("the request body is not valid JSON")
    );
    // Wrong media type, empty body.
    let r = env
        .send(send_raw("POST", "/okta/scim/Users", "text/plain", "{}"))
        .await;
    assert_eq!(r.status(), 400);
    let r = env
        .send(send_raw("POST", "/okta/scim/Users", "application/json", ""))
        .await;
    let b: Value = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(
        b,
        json!({"schemas": [ERR], "status": "400", "scimType": "invalidSyntax", "detail": "the request body is empty"})
    );
    // Missing userName.
    let (s, _, b) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&json!({"schemas": [USER]})),
        )
        .await;
    assert_eq!((s, b["scimType"].clone()), (400, json!("invalidValue")));
    // Invalid filter.
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=userName%20eq",
            t,
            None,
        )
        .await;
    assert_eq!((s, b["scimType"].clone()), (400, json!("invalidFilter")));

    // Wrong methods: 405 with Allow.
    for (m, p, allow) in [
        ("POST", "/okta/scim/ServiceProviderConfig", "GET, HEAD"),
        ("PUT", "/okta/scim/Users", "GET, POST, HEAD"),
        (
            "POST",
            "/okta/scim/Users/id-1",
            "GET, PUT, PATCH, DELETE, HEAD",
        ),
        ("DELETE", "/okta/scim/Schemas", "GET, HEAD"),
        ("GET", "/okta/scim/.search", "POST"),
    ] {
        let (s, h, b) = env.scim(m, HOST, p, t, None).await;
        assert_eq!((s, b["status"].clone()), (405, json!("405")), "{m} {p}");
        assert_eq!(h["allow"], allow, "{m} {p}");
    }
    let r = env
        .send(
            http::Request::get("/okta/auth")
                .header("host", HOST)
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), r.headers()["allow"].to_str().unwrap()),
        (405, "POST")
    );
    // Unknown SCIM resource and endpoint: SCIM 404; other paths: plain 404.
    let (s, _, b) = env
        .scim("GET", HOST, "/okta/scim/Users/nope", t, None)
        .await;
    assert_eq!(
        (s, b),
        (
            404,
            json!({"schemas": [ERR], "status": "404", "detail": "User 'nope' not found"})
        )
    );
    let (s, _, b) = env.scim("GET", HOST, "/okta/scim/Token", t, None).await;
    assert_eq!(
        (s, b),
        (
            404,
            json!({"schemas": [ERR], "status": "404", "detail": "no SCIM endpoint at /okta/scim/Token"})
        )
    );
    let r = env
        .send(
            http::Request::get("/elsewhere")
                .header("host", HOST)
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), 404);

    // ETags: If-None-Match → 304, If-Match mismatch → 412.
    let (_, h, _) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&okta_create_body("e@acme.example.com", "E", "00ue")),
        )
        .await;
    let etag = h["etag"].to_str().unwrap().to_owned();
    let get = http::Request::get("/okta/scim/Users/id-1")
        .header("host", HOST)
        .header("authorization", format!("Bearer {token}"))
        .header("if-none-match", &etag)
        .body(bytes::Bytes::new())
        .unwrap();
    let r = env.send(get).await;
    assert_eq!((r.status().as_u16(), r.body().len()), (304, 0));
    let patch = http::Request::patch("/okta/scim/Users/id-1")
        .header("host", HOST)
        .header("authorization", format!("Bearer {token}"))
        .header("if-match", "W/\"99\"")
        .header("content-type", "application/scim+json")
        .body(bytes::Bytes::from(serde_json::to_vec(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})).unwrap()))
        .unwrap();
    let r = env.send(patch).await;
    assert_eq!(r.status(), 412);
    let b: Value = serde_json::from_slice(r.body()).unwrap();
    assert_eq!(b["status"], "412");
    // PATCH asking for attributes answers 200 with them.
    let (s, _, b) = env
        .scim("PATCH", HOST, "/okta/scim/Users/id-1?attributes=active", t,
              Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]})))
        .await;
    assert_eq!(
        (
            s,
            b["active"].clone(),
            b["id"].clone(),
            b.get("userName").is_none()
        ),
        (200, json!(false), json!("id-1"), true)
    );

    // Discovery.
    let (s, _, b) = env
        .scim("GET", HOST, "/okta/scim/ServiceProviderConfig", t, None)
        .await;
    assert_eq!(
        (
            s,
            b["patch"]["supported"].clone(),
            b["filter"]["supported"].clone()
        ),
        (200, json!(true), json!(true))
    );
    let (s, _, b) = env
        .scim("GET", HOST, "/okta/scim/ResourceTypes", t, None)
        .await;
    assert_eq!((s, b["totalResults"].clone()), (200, json!(2)));
    let (s, _, b) = env
        .scim("GET", HOST, "/okta/scim/ResourceTypes/Group", t, None)
        .await;
    assert_eq!((s, b["endpoint"].clone()), (200, json!("/Groups")));
    let (s, _, b) = env.scim("GET", HOST, "/okta/scim/Schemas", t, None).await;
    assert_eq!((s, b["schemas"][0].clone()), (200, json!(LIST)));
    let (s, _, b) = env
        .scim("GET", HOST, &format!("/okta/scim/Schemas/{USER}"), t, None)
        .await;
    assert_eq!((s, b["id"].clone()), (200, json!(USER)));
    let (s, _, _) = env
        .scim("GET", HOST, "/okta/scim/Schemas/urn:nope", t, None)
        .await;
    assert_eq!(s, 404);

    // Searches.
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"e@\"", "startIndex": 1, "count": 10});
    let (s, _, b) = env
        .scim("POST", HOST, "/okta/scim/Users/.search", t, Some(&search))
        .await;
    assert_eq!((s, b["totalResults"].clone()), (200, json!(1)));
    let (s, _, b) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/.search",
            t,
            Some(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 10})),
        )
        .await;
    assert_eq!(
        (s, b["totalResults"].clone(), b["itemsPerPage"].clone()),
        (200, json!(1), json!(1))
    );
}

#[tokio::test]
async fn root_search_applies_each_name_to_the_types_that_have_it() {
    let (env, token) = env("root-search").await;
    let t = Some(token.as_str());
    for (user_name, given, external) in [
        ("zoe@acme.example.com", "Zoe", "00u1"),
        ("adam@acme.example.com", "Adam", "00u2"),
    ] {
        let body = okta_create_body(user_name, given, external);
        let (s, _, _) = env
            .scim("POST", HOST, "/okta/scim/Users", t, Some(&body))
            .await;
        assert_eq!(s, 201);
    }
    let group = json!({"schemas": [GROUP], "displayName": "Billing"});
    let (s, _, _) = env
        .scim("POST", HOST, "/okta/scim/Groups", t, Some(&group))
        .await;
    assert_eq!(s, 201);
    let search = |extra: Value| {
        let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };

    // `name` exists on User only: users keep it, the group keeps what is always returned.
    // `displayName` exists on both: the three resources are sorted together by it.
    let (s, _, b) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/.search",
            t,
            Some(&search(
                json!({"attributes": ["name.givenName"], "sortBy": "displayName"}),
            )),
        )
        .await;
    assert_eq!(
        (s, b),
        (
            200,
            list(
                3,
                1,
                vec![
                    json!({"schemas": [USER], "id": "id-2", "name": {"givenName": "Adam"}}),
                    json!({"schemas": [GROUP], "id": "id-3"}),
                    json!({"schemas": [USER], "id": "id-1", "name": {"givenName": "Zoe"}}),
                ]
            )
        )
    );

    // Descending order and a filter on a User-only attribute: groups simply do not match.
    let (s, _, b) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/.search",
            t,
            Some(&search(json!({
                "filter": "userName ew \"@acme.example.com\"",
                "attributes": ["userName"],
                "sortBy": "userName", "sortOrder": "descending"
            }))),
        )
        .await;
    assert_eq!(
        (s, b),
        (
            200,
            list(
                2,
                1,
                vec![
                    json!({"schemas": [USER], "id": "id-1", "userName": "zoe@acme.example.com"}),
                    json!({"schemas": [USER], "id": "id-2", "userName": "adam@acme.example.com"}),
                ]
            )
        )
    );

    // A name no resource type has is still refused.
    for bad in [
        json!({"attributes": ["nmae"]}),
        json!({"excludedAttributes": ["nmae"]}),
        json!({"sortBy": "nmae"}),
    ] {
        let (s, _, b) = env
            .scim(
                "POST",
                HOST,
                "/okta/scim/.search",
                t,
                Some(&search(bad.clone())),
            )
            .await;
        assert_eq!(
            (s, b["scimType"].clone()),
            (400, json!("invalidPath")),
            "{bad}"
        );
    }
}

/// The user of the Okta guide's `email` lookups: userName and primary email the same address.
fn jane_body() -> Value {
    json!({"schemas": [USER], "userName": "jane@example.com",
           "emails": [{"value": "jane@example.com", "primary": true}]})
}

/// Okta's admin guide has the admin enter `email` as the "Unique identifier field for users";
/// Okta then looks a user up with `filter=email eq "..."` before creating it. In the lenient
/// dialect (the default) that is `emails.value`, so a user who already exists is found (and
/// linked) instead of being created again (409).
#[tokio::test]
async fn okta_email_unique_identifier_lookup() {
    let (env, token) = env("okta-email").await;
    let t = Some(token.as_str());
    let (s, _, jane) = env
        .scim("POST", HOST, "/okta/scim/Users", t, Some(&jane_body()))
        .await;
    assert_eq!(s, 201);
    assert_eq!(jane["id"], "id-1");
    let (s, _, _) = env
        .scim(
            "POST",
            HOST,
            "/okta/scim/Users",
            t,
            Some(&json!({"schemas": [USER], "userName": "email",
                         "emails": [{"value": "bob@example.com"}]})),
        )
        .await;
    assert_eq!(s, 201);

    let get = |filter: &str| {
        let path = format!(
            "/okta/scim/Users?filter={}&startIndex=1&count=100",
            integ_support::form_encode(filter)
        );
        let env = &env;
        async move { env.scim("GET", HOST, &path, t, None).await }
    };
    // The guide's lookup, with the address in another case (emails.value is caseExact false).
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=email%20eq%20%22JANE%40example.com%22&startIndex=1&count=100",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(1, 1, vec![jane.clone()])));
    let (s, _, b) = get(r#"email eq "other@example.com""#).await;
    assert_eq!((s, b), (200, list(0, 1, vec![])));
    // Other forms the SQL planner sees: or, not, pr; a value holding the word `email` is kept.
    let (_, _, b) = get(r#"email eq "jane@example.com" or userName eq "nobody""#).await;
    assert_eq!(b, list(1, 1, vec![jane.clone()]));
    let (_, _, b) = get(r#"not (email eq "bob@example.com")"#).await;
    assert_eq!(b, list(1, 1, vec![jane.clone()]));
    let (_, _, b) = get("email pr").await;
    assert_eq!(b["totalResults"], 2);
    let (_, _, b) = get(r#"userName eq "email""#).await;
    assert_eq!(b["totalResults"], 1);
    assert_eq!(b["Resources"][0]["id"], "id-2");
}

/// With lenient input off there is no `email` alias: the User schema has no `email`
/// attribute, so the filter matches nothing.
#[tokio::test]
async fn strict_mode_has_no_email_alias() {
    let env = Env::with_options(
        "okta-email-strict",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(T0),
        Options::default().with_lenient(false),
    )
    .await;
    let token = env.setup("acme", "http://www.okta.com/exk1").await;
    let t = Some(token.as_str());
    let (s, _, jane) = env
        .scim("POST", HOST, "/okta/scim/Users", t, Some(&jane_body()))
        .await;
    assert_eq!(s, 201);
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=email%20eq%20%22JANE%40example.com%22",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(0, 1, vec![])));
    let (s, _, b) = env
        .scim(
            "GET",
            HOST,
            "/okta/scim/Users?filter=emails.value%20eq%20%22JANE%40example.com%22",
            t,
            None,
        )
        .await;
    assert_eq!((s, b), (200, list(1, 1, vec![jane])));
}

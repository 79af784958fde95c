//! Okta's documented provisioning sequence (reference/scim.md §b1): import, lookup by
//! userName, create, get, PUT update, PATCH deactivate/reactivate, group push, membership
//! add/remove, rename with the group id in the value, delete — asserting exact resources.
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

use common::{ListIds, block_on, engine, ts};
use scim_core::query::ListQuery;
use scim_core::scim_filter::{AttrName, AttrPath};
use scim_core::store::{MemoryStore, ResourceStore};
use scim_core::time::FixedClock;
use scim_core::{FilterAlias, Options, Scim};
use serde_json::{Value, json};
use server::Server;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn strip_meta(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("meta");
    v
}

#[test]
fn okta_provisioning_sequence() {
    let (scim, clock) = engine(
        "2024-01-01T00:00:00Z",
        &["u1", "refused-duplicate", "g1", "u2"],
    );
    let s = Server::new(scim);

    // Test Connector Configuration / import: an empty ListResponse with integer paging.
    let (st, body) = s.handle("GET", "/Users?startIndex=1&count=2", None);
    assert_eq!(st, 200);
    assert_eq!(
        body,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []})
    );

    // Lookup before create: no match is 200 with totalResults 0.
    let lookup =
        "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100";
    let (st, body) = s.handle("GET", lookup, None);
    assert_eq!(
        (st, body["totalResults"].clone(), body["Resources"].clone()),
        (200, json!(0), json!([]))
    );

    // Create (Okta's body: groups [] and password are sent; neither comes back).
    let create = json!({
        "schemas": [USER],
        "userName": "Test.User@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00u1abcd",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    });
    let (st, created) = s.handle("POST", "/Users", Some(&create.to_string()));
    assert_eq!(st, 201);
    let expected_user = json!({
        "schemas": [USER],
        "id": "u1",
        "userName": "Test.User@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User",
        "locale": "en-US",
        "externalId": "00u1abcd",
        "active": true,
        "meta": {
            "resourceType": "User",
            "created": "2024-01-01T00:00:00Z",
            "lastModified": "2024-01-01T00:00:00Z",
            "location": "https://example.com/scim/v2/Users/u1",
            "version": "W/\"1\""
        }
    });
    assert_eq!(created, expected_user);
    // Duplicate userName in another case: 409 uniqueness.
    let mut dup = create;
    dup["userName"] = json!("test.user@OKTA.local");
    let (st, err) = s.handle("POST", "/Users", Some(&dup.to_string()));
    assert_eq!(
        (st, err["scimType"].clone(), err["status"].clone()),
        (409, json!("uniqueness"), json!("409"))
    );

    // Lookup now finds it, case-insensitively; the stored case is kept.
    let (_, body) = s.handle("GET", lookup, None);
    assert_eq!(body["totalResults"], json!(1));
    assert_eq!(body["Resources"][0], expected_user);

    // Get by id; unknown id is a 404 Error with detail.
    let (st, got) = s.handle("GET", "/Users/u1", None);
    assert_eq!((st, got), (200, expected_user.clone()));
    let (st, err) = s.handle("GET", "/Users/010101001010101011001010101011", None);
    assert_eq!(st, 404);
    assert_eq!(
        err,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "User '010101001010101011001010101011' not found"})
    );

    // Profile update by PUT: Okta sends back what it read (id, meta) with changes.
    clock.set(ts("2024-01-02T00:00:00Z"));
    let mut put = expected_user.clone();
    put["name"]["givenName"] = json!("Tess");
    put["title"] = json!("Engineer");
    let (st, updated) = s.handle("PUT", "/Users/u1", Some(&put.to_string()));
    assert_eq!(st, 200);
    let mut want = expected_user;
    want["name"]["givenName"] = json!("Tess");
    want["title"] = json!("Engineer");
    want["meta"]["lastModified"] = json!("2024-01-02T00:00:00Z");
    want["meta"]["version"] = json!("W/\"2\"");
    assert_eq!(updated, want);

    // Deactivate (OIN: PATCH replace without path) and the user stays visible.
    clock.set(ts("2024-01-03T00:00:00Z"));
    let deactivate =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let (st, u) = s.handle("PATCH", "/Users/u1", Some(&deactivate.to_string()));
    assert_eq!(
        (st, u["active"].clone(), u["meta"]["version"].clone()),
        (200, json!(false), json!("W/\"3\""))
    );
    let (_, body) = s.handle("GET", lookup, None);
    assert_eq!(body["Resources"][0]["active"], json!(false));
    let (_, body) = s.handle("GET", "/Users?filter=active%20eq%20false", None);
    assert_eq!(body["totalResults"], json!(1));

    // AIW: deactivation by PUT with "active": false; reactivation by PATCH.
    let mut put = want.clone();
    put["active"] = json!(false);
    let (_, u) = s.handle("PUT", "/Users/u1", Some(&put.to_string()));
    assert_eq!(
        (u["active"].clone(), u["meta"]["version"].clone()),
        (json!(false), json!("W/\"3\""))
    );
    let reactivate =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": true}}]});
    let (_, u) = s.handle("PATCH", "/Users/u1", Some(&reactivate.to_string()));
    assert_eq!(u["active"], json!(true));
    // The password survived PUTs that did not carry it (write-only, never read back).
    let stored = block_on(s.store.get("User", "u1")).unwrap();
    assert_eq!(stored.attribute("password"), Some(&json!("1mz050nq")));

    // Push group: lookup by displayName, create with empty members.
    let (_, body) = s.handle(
        "GET",
        "/Groups?filter=displayName%20eq%20%22Engineering%22",
        None,
    );
    assert_eq!(body["totalResults"], json!(0));
    let (st, g) = s.handle(
        "POST",
        "/Groups",
        Some(&json!({"schemas": [GROUP], "displayName": "Engineering", "members": []}).to_string()),
    );
    assert_eq!(st, 201);
    assert_eq!(
        strip_meta(g),
        json!({"schemas": [GROUP], "id": "g1", "displayName": "Engineering"})
    );

    // Membership push: Okta's rename (with id in value) + remove + add in one request.
    let member_ops = json!({"schemas": [PATCH], "Operations": [
        {"op": "replace", "value": {"id": "g1", "displayName": "Engineering"}},
        {"op": "remove", "path": "members[value eq \"u1\"]"},
        {"op": "add", "path": "members", "value": [{"value": "u1", "display": "Test.User@okta.local"}]}
    ]});
    let (st, g) = s.handle("PATCH", "/Groups/g1", Some(&member_ops.to_string()));
    assert_eq!(st, 200);
    assert_eq!(
        g["members"],
        json!([{"value": "u1", "display": "Test.User@okta.local"}])
    );
    // User.groups is derived from the membership.
    let (_, u) = s.handle("GET", "/Users/u1", None);
    assert_eq!(
        u["groups"],
        json!([{"value": "g1", "$ref": "https://example.com/scim/v2/Groups/g1", "display": "Engineering", "type": "direct"}])
    );
    // Removing a non-member succeeds and changes nothing.
    let (_, before) = s.handle("GET", "/Groups/g1", None);
    let remove_other = json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": "members[value eq \"nobody\"]"}]});
    let (st, after) = s.handle("PATCH", "/Groups/g1", Some(&remove_other.to_string()));
    assert_eq!((st, &after), (200, &before));
    // excludedAttributes=members.
    let (_, g) = s.handle("GET", "/Groups/g1?excludedAttributes=members", None);
    assert!(g.get("members").is_none());
    assert_eq!(g["displayName"], json!("Engineering"));

    // Rename; a rename carrying a different id is refused.
    let rename = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"id": "g1", "displayName": "Eng"}}]});
    let (_, g) = s.handle("PATCH", "/Groups/g1", Some(&rename.to_string()));
    assert_eq!(g["displayName"], json!("Eng"));
    let bad = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"id": "other", "displayName": "X"}}]});
    let (st, err) = s.handle("PATCH", "/Groups/g1", Some(&bad.to_string()));
    assert_eq!((st, err["scimType"].clone()), (400, json!("mutability")));
    let (_, u) = s.handle("GET", "/Users/u1", None);
    assert_eq!(u["groups"][0]["display"], json!("Eng"));

    // AIW group update: PUT with the full member list.
    let (_, u2) = s.handle(
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER], "userName": "second@okta.local"}).to_string()),
    );
    assert_eq!(u2["id"], json!("u2"));
    let put_group = json!({"schemas": [GROUP], "id": "g1", "displayName": "Eng", "members": [{"value": "u2", "display": "second@okta.local"}]});
    let (_, g) = s.handle("PUT", "/Groups/g1", Some(&put_group.to_string()));
    assert_eq!(
        g["members"],
        json!([{"value": "u2", "display": "second@okta.local"}])
    );
    let (_, u) = s.handle("GET", "/Users/u1", None);
    assert!(u.get("groups").is_none());
    let (_, u) = s.handle("GET", "/Users/u2", None);
    assert_eq!(u["groups"][0]["value"], json!("g1"));

    // Delete the group ("delete the group in the target app").
    let (st, _) = s.handle("DELETE", "/Groups/g1", None);
    assert_eq!(st, 204);
    let (st, _) = s.handle("GET", "/Groups/g1", None);
    assert_eq!(st, 404);
    let (_, u) = s.handle("GET", "/Users/u2", None);
    assert!(u.get("groups").is_none());

    // Import pages through everything in a stable order.
    let (_, page1) = s.handle("GET", "/Users?startIndex=1&count=1", None);
    let (_, page2) = s.handle("GET", "/Users?startIndex=2&count=1", None);
    assert_eq!(
        (
            page1["Resources"][0]["id"].clone(),
            page2["Resources"][0]["id"].clone(),
            page1["totalResults"].clone()
        ),
        (json!("u1"), json!("u2"), json!(2))
    );
}

/// Three users for the `email` lookups: jane (the guide's user), one whose userName is the
/// word `email`, and one without emails.
fn email_store(options: Options) -> (Arc<Scim>, MemoryStore) {
    let clock = Arc::new(FixedClock::new(ts("2024-01-01T00:00:00Z")));
    let scim = Arc::new(
        Scim::new(clock, Arc::new(ListIds::new(&["u1", "u2", "u3"]))).with_options(options),
    );
    let store = MemoryStore::new(Arc::clone(&scim));
    for body in [
        json!({"schemas": [USER], "userName": "jane@example.com",
               "emails": [{"value": "jane@example.com", "primary": true}]}),
        json!({"schemas": [USER], "userName": "email",
               "emails": [{"value": "bob@example.com", "type": "work"}]}),
        json!({"schemas": [USER], "userName": "carol"}),
    ] {
        block_on(store.create(scim.create("User", &body).unwrap())).unwrap();
    }
    (scim, store)
}

fn ids_of(store: &MemoryStore, scim: &Scim, filter: &str) -> Vec<String> {
    let q = ListQuery::new()
        .with_filter(filter, scim.options().lenient())
        .unwrap();
    let page = block_on(store.query("User", &q)).unwrap();
    assert_eq!(page.total_results, page.resources.len(), "{filter}");
    let ids: Vec<String> = page
        .resources
        .iter()
        .map(|r| r.id().as_str().to_owned())
        .collect();
    // The engine over the same resources agrees with the store.
    let all: Vec<_> = ["u1", "u2", "u3"]
        .iter()
        .map(|id| block_on(store.get("User", id)).unwrap())
        .collect();
    let direct = scim.query("User", all.iter(), &q).unwrap();
    let direct: Vec<String> = direct
        .resources
        .iter()
        .map(|r| r.id().as_str().to_owned())
        .collect();
    assert_eq!(ids, direct, "Scim::query and MemoryStore on {filter}");
    ids
}

/// Okta's "Unique identifier field for users" set to `email` (as its admin guides say) makes
/// Okta look users up with `email eq "..."`: in lenient mode that is `emails.value`.
#[test]
fn okta_email_unique_identifier_lookup() {
    let (scim, store) = email_store(Options::default());
    let f = |text: &str| ids_of(&store, &scim, text);
    let none: Vec<String> = Vec::new();
    assert_eq!(f(r#"email eq "JANE@example.com""#), ["u1"]); // emails.value: caseExact false
    assert_eq!(f(r#"email eq "jane@example.com""#), ["u1"]);
    assert_eq!(f(r#"EMAIL eq "jane@example.com""#), ["u1"]); // the name in any case
    assert_eq!(f(r#"email eq "other@example.com""#), none);
    assert_eq!(f(r#"email co "example.com""#), ["u1", "u2"]);
    assert_eq!(f(r#"email sw "bob""#), ["u2"]);
    assert_eq!(f(r#"not (email eq "jane@example.com")"#), ["u2", "u3"]);
    assert_eq!(f("email pr"), ["u1", "u2"]);
    assert_eq!(
        f(r#"email eq "bob@example.com" or userName eq "carol""#),
        ["u2", "u3"]
    );
    assert_eq!(
        f(r#"email eq "jane@example.com" and userName sw "jane""#),
        ["u1"]
    );
    // Values are never rewritten: the user whose userName is the word `email`.
    assert_eq!(f(r#"userName eq "email""#), ["u2"]);
    assert_eq!(f(r#"userName co "email""#), ["u2"]);
    // Only the bare name is an alias: not with a schema URN, not with a sub-attribute.
    assert_eq!(f(&format!(r#"{USER}:email eq "jane@example.com""#)), none);
    assert_eq!(f(r#"email.value eq "jane@example.com""#), none);
    // Inside brackets, names are sub-attributes of the outer attribute.
    assert_eq!(f(r#"emails[value eq "jane@example.com"]"#), ["u1"]);
    assert_eq!(f(r#"emails[email eq "jane@example.com"]"#), none);

    // The rewritten tree, as stores that translate filters receive it.
    let q = ListQuery::new()
        .with_filter(r#"not (email eq "x") or email pr"#, true)
        .unwrap();
    assert_eq!(
        scim.query_filter("User", &q).unwrap().unwrap().to_string(),
        r#"not (emails.value eq "x") or emails.value pr"#
    );
    // The alias table is the User type's: Groups are untouched.
    let q = ListQuery::new()
        .with_filter(r#"email eq "x""#, true)
        .unwrap();
    assert_eq!(
        scim.query_filter("Group", &q).unwrap().unwrap().to_string(),
        r#"email eq "x""#
    );
}

/// Strict mode keeps RFC names only: `email` is no User attribute, so it matches nothing.
#[test]
fn strict_mode_has_no_email_alias() {
    let (scim, store) = email_store(Options::default().with_lenient(false));
    let none: Vec<String> = Vec::new();
    assert_eq!(
        ids_of(&store, &scim, r#"email eq "JANE@example.com""#),
        none
    );
    assert_eq!(ids_of(&store, &scim, "email pr"), none);
    assert_eq!(
        ids_of(&store, &scim, r#"emails.value eq "JANE@example.com""#),
        ["u1"]
    );
    let q = ListQuery::new()
        .with_filter(r#"email eq "x""#, false)
        .unwrap();
    assert_eq!(
        scim.query_filter("User", &q).unwrap().unwrap().to_string(),
        r#"email eq "x""#
    );
}

/// The alias table is configurable: emptied, extended, and never shadowing a schema attribute.
#[test]
fn filter_alias_table_is_configurable() {
    let none: Vec<String> = Vec::new();
    let (scim, store) = email_store(Options::default().without_filter_aliases());
    assert!(scim.options().lenient());
    assert_eq!(
        ids_of(&store, &scim, r#"email eq "jane@example.com""#),
        none
    );

    let mail = FilterAlias::new(
        "user",
        AttrName::new("mail").unwrap(),
        "emails.value".parse::<AttrPath>().unwrap(),
    );
    // `title` is a User attribute: an alias of that name never applies.
    let title = FilterAlias::new(
        "User",
        AttrName::new("title").unwrap(),
        "emails.value".parse::<AttrPath>().unwrap(),
    );
    let opts = Options::default()
        .with_filter_alias(mail)
        .with_filter_alias(title);
    assert_eq!(opts.filter_aliases().len(), 3);
    let (scim, store) = email_store(opts);
    assert_eq!(
        ids_of(&store, &scim, r#"mail eq "JANE@example.com""#),
        ["u1"]
    );
    assert_eq!(
        ids_of(&store, &scim, r#"email eq "JANE@example.com""#),
        ["u1"]
    );
    assert_eq!(
        ids_of(&store, &scim, r#"title eq "jane@example.com""#),
        none
    );
}

/// Over the HTTP-shaped handler: Okta's lookup with the guide's `email` field after a create.
#[test]
fn okta_email_lookup_over_the_handler() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &["u1"]);
    let s = Server::new(scim);
    let create = json!({
        "schemas": [USER],
        "userName": "jane@example.com",
        "emails": [{"primary": true, "value": "jane@example.com"}]
    });
    let (st, _) = s.handle("POST", "/Users", Some(&create.to_string()));
    assert_eq!(st, 201);
    let (st, body) = s.handle(
        "GET",
        "/Users?filter=email%20eq%20%22JANE%40example.com%22&startIndex=1&count=100",
        None,
    );
    assert_eq!(st, 200);
    assert_eq!(body["totalResults"], json!(1));
    assert_eq!(body["Resources"][0]["id"], json!("u1"));
    let (_, body) = s.handle(
        "GET",
        "/Users?filter=email%20eq%20%22other%40example.com%22",
        None,
    );
    assert_eq!(body["totalResults"], json!(0));
}

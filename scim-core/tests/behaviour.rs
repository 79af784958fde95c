//! Behaviour of validation, queries, projection, the store and custom schemas.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is the failure report

mod common;

use std::sync::Arc;

use common::{block_on, engine, ts};
use scim_core::ids::SequentialIds;
use scim_core::meta::Conditions;
use scim_core::query::{ListQuery, SortOrder};
use scim_core::schema::{
    AttributeDef, AttributeType, Mutability, Returned, Schema, SchemaRegistry, Uniqueness,
};
use scim_core::store::{MemoryStore, ResourceStore};
use scim_core::time::{FixedClock, Timestamp};
use scim_core::{Options, RenderOptions, Resource, Scim, UnknownAttributes};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn user(name: &str, extra: Value) -> Value {
    let mut u = json!({"schemas": [USER], "userName": name});
    for (k, v) in extra.as_object().unwrap() {
        u[k] = v.clone();
    }
    u
}

fn render(scim: &Scim, r: &Resource) -> Value {
    scim.render(r, RenderOptions::default()).unwrap()
}

#[test]
fn validation_errors_name_the_place() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let cases = [
        (
            json!([1]),
            "invalidSyntax",
            "the request body must be a JSON object",
        ),
        (
            json!({"userName": "a"}),
            "invalidSyntax",
            "the 'schemas' attribute is required",
        ),
        (
            json!({"schemas": [GROUP], "userName": "a"}),
            "invalidValue",
            "attribute 'schemas': 'urn:ietf:params:scim:schemas:core:2.0:Group' is not a schema of resource type User",
        ),
        (
            json!({"schemas": [USER]}),
            "invalidValue",
            "attribute 'userName' is required",
        ),
        (
            user("a", json!({"emails": [{"value": 5}]})),
            "invalidValue",
            "attribute 'emails[0].value': expected a string (string attribute), got a number",
        ),
        (
            user(
                "a",
                json!({"emails": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}),
            ),
            "invalidValue",
            "attribute 'emails': 'primary: true' may appear at most once among the values",
        ),
        (
            user("a", json!({"name": "Barbara"})),
            "invalidValue",
            "attribute 'name': a complex attribute must be a JSON object",
        ),
        (
            user("a", json!({"x509Certificates": [{"value": "not base64!"}]})),
            "invalidValue",
            "attribute 'x509Certificates[0].value': binary values must be base64-encoded",
        ),
        (
            user(
                "a",
                json!({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": "x"}),
            ),
            "invalidValue",
            "attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': an extension must be a JSON object",
        ),
        (
            user("a", json!({"displayName": ["a"]})),
            "invalidValue",
            "attribute 'displayName': a single-valued attribute must not be an array",
        ),
    ];
    for (body, t, detail) in cases {
        let err = scim.create("User", &body).unwrap_err();
        assert_eq!(
            (err.scim_type().unwrap().as_str(), err.detail().as_str()),
            (t, detail),
            "{body}"
        );
    }
    // Depth limit.
    let mut deep = json!("x");
    for _ in 0..40 {
        deep = json!({"a": deep});
    }
    let err = scim
        .create("User", &user("a", json!({"name": deep})))
        .unwrap_err();
    assert_eq!(
        (err.status(), err.detail()),
        (413, "JSON nesting depth exceeds the limit of 16".to_owned())
    );
}

#[test]
fn read_only_input_is_ignored_and_names_are_canonical() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &["real-id"]);
    let body = json!({
        "SCHEMAS": [USER.to_uppercase()],
        "ID": "client-id", "Meta": {"created": "1999-01-01T00:00:00Z"},
        "USERNAME": "Jane", "Name": {"GIVENNAME": "J"},
        "Groups": [{"value": "g"}],
        "urn:ietf:params:scim:schemas:core:2.0:User:title": "Boss",
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Manager": {"Value": "m", "displayName": "ignored"}}
    });
    let r = scim.create("User", &body).unwrap();
    assert_eq!(
        render(&scim, &r),
        json!({
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "real-id",
            "userName": "Jane",
            "name": {"givenName": "J"},
            "title": "Boss",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}},
            "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z", "lastModified": "2024-01-01T00:00:00Z", "version": "W/\"1\""}
        })
    );
    // Unknown attributes: ignored by default, rejected by policy.
    assert!(
        scim.create("User", &user("a", json!({"favoriteColor": "blue"})))
            .is_ok()
    );
    let strict = (*scim)
        .clone()
        .with_options(Options::default().with_unknown_attributes(UnknownAttributes::Reject));
    let err = strict
        .create("User", &user("a", json!({"favoriteColor": "blue"})))
        .unwrap_err();
    assert_eq!(
        err.detail(),
        "attribute 'favoriteColor' is not defined by the schemas of User"
    );
}

#[test]
fn put_keeps_immutable_and_write_only_rules() {
    let reg = SchemaRegistry::builder()
        .with_schema(Schema {
            id: "urn:example:params:scim:schemas:extension:acme:2.0:User".into(),
            name: "AcmeUser".into(),
            description: "Acme".into(),
            attributes: vec![
                AttributeDef::new("badge", AttributeType::String)
                    .with_mutability(Mutability::Immutable),
                AttributeDef::new("clearance", AttributeType::Integer)
                    .with_returned(Returned::Request),
                AttributeDef::new("hireDate", AttributeType::DateTime),
            ],
        })
        .with_extension(
            "User",
            "urn:example:params:scim:schemas:extension:acme:2.0:User",
            false,
        )
        .build()
        .unwrap();
    let (scim, clock) = engine("2024-01-01T00:00:00Z", &["u1"]);
    let scim = Arc::new((*scim).clone().with_registry(reg));
    let acme = "urn:example:params:scim:schemas:extension:acme:2.0:User";
    let body = json!({"schemas": [USER, acme], "userName": "a", "password": "p", acme: {"badge": "B1", "clearance": 3, "hireDate": "2020-02-02T10:00:00+02:00"}});
    let r = scim.create("User", &body).unwrap();
    // `clearance` is returned only on request.
    assert_eq!(
        render(&scim, &r)[acme],
        json!({"badge": "B1", "hireDate": "2020-02-02T10:00:00+02:00"})
    );
    let q = ListQuery::from_params(
        [(
            "attributes",
            "urn:example:params:scim:schemas:extension:acme:2.0:User:clearance",
        )],
        true,
    )
    .unwrap();
    let p = scim.projection("User", &q).unwrap();
    let out = scim
        .render(
            &r,
            RenderOptions {
                base_url: None,
                projection: Some(&p),
            },
        )
        .unwrap();
    assert_eq!(
        out,
        json!({"schemas": [USER, acme], "id": "u1", acme: {"clearance": 3}})
    );
    // Bad types in the custom schema.
    let err = scim
        .create(
            "User",
            &json!({"schemas": [USER, acme], "userName": "b", acme: {"clearance": 1.5}}),
        )
        .unwrap_err();
    assert_eq!(
        err.detail(),
        format!(
            "attribute '{acme}:clearance': expected an integer (integer attribute), got a number"
        )
    );
    let err = scim
        .create(
            "User",
            &json!({"schemas": [USER, acme], "userName": "b", acme: {"hireDate": "yesterday"}}),
        )
        .unwrap_err();
    assert_eq!(
        err.detail(),
        format!("attribute '{acme}:hireDate': 'yesterday' is not an xsd:dateTime value")
    );
    // PUT: a different badge is refused; leaving it out keeps it; the password is kept.
    clock.set(ts("2024-01-02T00:00:00Z"));
    let err = scim
        .replace(
            &r,
            &json!({"schemas": [USER], "userName": "a", acme: {"badge": "B2"}}),
        )
        .unwrap_err();
    assert_eq!(
        (err.scim_type().unwrap().as_str(), err.detail()),
        (
            "mutability",
            "attribute 'badge': the attribute is immutable; PUT must send the stored value"
                .to_owned()
        )
    );
    let put = scim
        .replace(&r, &json!({"schemas": [USER], "userName": "a2"}))
        .unwrap();
    assert_eq!(put.attribute(acme), Some(&json!({"badge": "B1"})));
    assert_eq!(put.attribute("password"), Some(&json!("p")));
    assert_eq!(put.meta().last_modified, ts("2024-01-02T00:00:00Z"));
    // PATCH on an immutable attribute that is set: mutability; the same value: no change.
    let req = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": format!("{acme}:badge"), "value": "B9"}]})).unwrap();
    let mut p = put.clone();
    assert_eq!(
        scim.patch(&mut p, &req)
            .unwrap_err()
            .scim_type()
            .unwrap()
            .as_str(),
        "mutability"
    );
    let req = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": format!("{acme}:badge"), "value": "B1"}]})).unwrap();
    assert!(!scim.patch(&mut p, &req).unwrap().changed);
    assert_eq!(p, put);
}

fn people(scim: &Arc<Scim>) -> MemoryStore {
    let store = MemoryStore::new(scim.clone());
    let rows = [
        (
            "bjensen",
            "Barbara",
            "Jensen",
            "2011-05-13T04:42:34Z",
            true,
            Some("701984"),
        ),
        (
            "ALICE",
            "Alice",
            "Zed",
            "2012-01-01T00:00:00Z",
            false,
            Some("2"),
        ),
        (
            "carol",
            "carol",
            "Young",
            "2010-01-01T00:00:00+05:00",
            true,
            None,
        ),
        (
            "dave",
            "Dave",
            "adams",
            "2013-01-01T00:00:00Z",
            true,
            Some("10"),
        ),
    ];
    for (un, given, family, hired, active, emp) in rows {
        let mut body = user(
            un,
            json!({
                "name": {"givenName": given, "familyName": family},
                "active": active,
                "emails": [{"value": format!("{un}@Example.com"), "type": "work", "primary": true}, {"value": format!("{un}@home.org"), "type": "home"}],
                "x509Certificates": [{"value": "TUlJ"}],
                "title": hired,
            }),
        );
        if let Some(e) = emp {
            body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
                json!({"employeeNumber": e});
        }
        block_on(store.create(scim.create("User", &body).unwrap())).unwrap();
    }
    store
}

fn names(store: &MemoryStore, q: &ListQuery) -> Vec<String> {
    block_on(store.query("User", q))
        .unwrap()
        .resources
        .iter()
        .map(|r| {
            r.attribute("userName")
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn filters_follow_the_schema() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let store = people(&scim);
    let f = |text: &str| names(&store, &ListQuery::new().with_filter(text, true).unwrap());
    assert_eq!(f("userName eq \"alice\""), ["ALICE"]); // caseExact false
    assert_eq!(f("id eq \"ID-1\""), Vec::<String>::new()); // caseExact true
    assert_eq!(
        f("emails[type eq \"work\" and value co \"EXAMPLE\"]").len(),
        4
    );
    assert_eq!(
        f("emails[type eq \"home\" and value sw \"bjensen@example\"]"),
        Vec::<String>::new()
    );
    assert_eq!(f("emails co \"carol@\""), ["carol"]); // complex without sub: the value
    assert_eq!(f("active eq false"), ["ALICE"]);
    assert_eq!(
        f("not (active eq false) and name.familyName ew \"s\""),
        ["dave"]
    );
    assert_eq!(
        f("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr"),
        ["bjensen", "ALICE", "dave"]
    );
    assert_eq!(
        f("meta.lastModified gt \"2023-12-31T23:00:00-02:00\""),
        Vec::<String>::new()
    );
    assert_eq!(f("meta.created ge \"2024-01-01T00:00:00Z\"").len(), 4);
    assert_eq!(f("nickName eq null").len(), 4);
    assert_eq!(f("unknownAttr eq \"x\""), Vec::<String>::new());
    for bad in [
        "active gt true",
        "x509Certificates.value lt \"a\"",
        "userName eq",
        "meta.created gt \"noon\"",
    ] {
        let err = ListQuery::new()
            .with_filter(bad, true)
            .and_then(|q| block_on(store.query("User", &q)).map(|_| ()))
            .unwrap_err();
        assert_eq!(err.scim_type().unwrap().as_str(), "invalidFilter", "{bad}");
    }
}

#[test]
fn sorting_is_type_aware_with_missing_last() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let store = people(&scim);
    let sorted = |by: &str, o: SortOrder| names(&store, &ListQuery::new().with_sort(by, o));
    assert_eq!(
        sorted("userName", SortOrder::Ascending),
        ["ALICE", "bjensen", "carol", "dave"]
    );
    assert_eq!(
        sorted("name.familyName", SortOrder::Descending),
        ["ALICE", "carol", "bjensen", "dave"]
    ); // Zed, Young, Jensen, adams
    assert_eq!(
        sorted("emails", SortOrder::Ascending),
        ["ALICE", "bjensen", "carol", "dave"]
    );
    // employeeNumber is a string: "10" < "2" < "701984"; the user without one sorts last.
    assert_eq!(
        sorted(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            SortOrder::Ascending
        ),
        ["dave", "ALICE", "bjensen", "carol"]
    );
    assert_eq!(
        sorted(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            SortOrder::Descending
        ),
        ["bjensen", "ALICE", "dave", "carol"]
    );
    let err = block_on(store.query(
        "User",
        &ListQuery::new().with_sort("nope", SortOrder::Ascending),
    ))
    .unwrap_err();
    assert_eq!(err.scim_type().unwrap().as_str(), "invalidPath");
    let q = ListQuery::from_params([("sortOrder", "sideways")], true).unwrap_err();
    assert_eq!(q.scim_type().unwrap().as_str(), "invalidValue");
}

#[test]
fn projection_rules() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &["u1"]);
    let r = scim.create("User", &user("a", json!({"name": {"givenName": "G", "familyName": "F"}, "emails": [{"value": "a@x", "type": "work"}], "password": "p"}))).unwrap();
    let render_with = |attrs: Option<&str>, excl: Option<&str>| {
        let p = scim_core::projection::Projection::parse(
            attrs,
            excl,
            scim.registry(),
            scim.resource_type("User").unwrap(),
        )
        .unwrap();
        scim.render(
            &r,
            RenderOptions {
                base_url: None,
                projection: Some(&p),
            },
        )
        .unwrap()
    };
    assert_eq!(
        render_with(Some("name.givenName,emails.type"), None),
        json!({"schemas": [USER], "id": "u1", "name": {"givenName": "G"}, "emails": [{"type": "work"}]})
    );
    assert_eq!(
        render_with(Some("password,id"), None),
        json!({"schemas": [USER], "id": "u1"})
    );
    let out = render_with(None, Some("emails,name.familyName,id,meta"));
    assert_eq!(
        out,
        json!({"schemas": [USER], "id": "u1", "userName": "a", "name": {"givenName": "G"}})
    );
    let err = scim_core::projection::Projection::parse(
        Some("nope"),
        None,
        scim.registry(),
        scim.resource_type("User").unwrap(),
    )
    .unwrap_err();
    assert_eq!(err.detail(), "invalid path 'nope': unknown attribute");
}

#[test]
fn concurrent_creates_keep_user_names_unique() {
    let clock = Arc::new(FixedClock::new(
        Timestamp::from_unix_seconds(1_700_000_000).unwrap(),
    ));
    let scim = Arc::new(Scim::new(clock, Arc::new(SequentialIds::new("c"))));
    let store = Arc::new(MemoryStore::new(scim.clone()));
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let (scim, store) = (scim.clone(), store.clone());
            std::thread::spawn(move || {
                let name = if i % 2 == 0 {
                    "Same@Example.com"
                } else {
                    "same@example.COM"
                };
                let r = scim.create("User", &user(name, json!({}))).unwrap();
                block_on(store.create(r)).map(|_| ())
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| e.status() == 409)
    );
    // Renames collide too (PUT and PATCH), case-insensitively.
    let other =
        block_on(store.create(scim.create("User", &user("other", json!({}))).unwrap())).unwrap();
    let id = other.id().as_str().to_owned();
    let err = block_on(store.replace(
        "User",
        &id,
        &user("SAME@example.com", json!({})),
        &Conditions::none(),
    ))
    .unwrap_err();
    assert_eq!(err.status(), 409);
    let req = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "userName", "value": "same@EXAMPLE.com"}]})).unwrap();
    let err = block_on(store.patch("User", &id, &req, &Conditions::none())).unwrap_err();
    assert_eq!(err.status(), 409);
    let still = block_on(store.get("User", &id)).unwrap();
    assert_eq!(
        (still.attribute("userName"), still.etag()),
        (Some(&json!("other")), "W/\"1\"".to_owned())
    );
    // A user may change the case of its own userName.
    let req = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "userName", "value": "OTHER"}]})).unwrap();
    let r = block_on(store.patch("User", &id, &req, &Conditions::none())).unwrap();
    assert_eq!(r.attribute("userName"), Some(&json!("OTHER")));
    let u = scim_core::UniqueValue {
        attribute: "userName".into(),
        value: "x".into(),
        key: "other".into(),
    };
    assert!(!block_on(store.is_unique("User", &u, None)).unwrap());
    assert!(block_on(store.is_unique("User", &u, Some(&id))).unwrap());
}

#[test]
fn large_group_membership_is_incremental() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &["g"]);
    let members: Vec<Value> = (0..100_000)
        .map(|i| json!({"value": format!("m{i}")}))
        .collect();
    let store = MemoryStore::new(scim.clone());
    block_on(
        store.create(
            scim.create(
                "Group",
                &json!({"schemas": [GROUP], "displayName": "All", "members": members}),
            )
            .unwrap(),
        ),
    )
    .unwrap();
    let add = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": "new"}, {"value": "m5"}]}]})).unwrap();
    assert_eq!(
        add.member_changes(),
        Some((
            vec![json!({"value": "new"}), json!({"value": "m5"})],
            vec![]
        ))
    );
    let mut g = block_on(store.get("Group", "g")).unwrap();
    let outcome = scim.patch(&mut g, &add).unwrap();
    assert_eq!(
        (outcome.members_added, outcome.members_removed),
        (vec!["new".to_owned()], vec![])
    );
    assert_eq!(g.members().unwrap().len(), 100_001);
    let remove = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": "members[value eq \"m99999\"]"}]})).unwrap();
    assert_eq!(
        remove.member_changes(),
        Some((vec![], vec!["m99999".to_owned()]))
    );
    let o = scim.patch(&mut g, &remove).unwrap();
    assert_eq!(o.members_removed, vec!["m99999".to_owned()]);
    assert_eq!(g.members().unwrap().iter().last().unwrap().value, "new");
    // Through the store: the user index follows.
    let g2 = block_on(store.patch("Group", "g", &add, &Conditions::none())).unwrap();
    assert_eq!(g2.members().unwrap().len(), 100_001);
    assert_eq!(block_on(store.groups_of("new")).unwrap().len(), 1);
    // A failing request in the middle rolls back member changes too.
    let bad = scim
        .parse_patch(&json!({"schemas": [PATCH], "Operations": [
            {"op": "remove", "path": "members[value eq \"m1\"]"},
            {"op": "add", "path": "members", "value": [{"value": "x"}]},
            {"op": "replace", "path": "displayName", "value": 7}
        ]}))
        .unwrap();
    let before = g.clone();
    assert!(scim.patch(&mut g, &bad).is_err());
    assert_eq!(g, before);
    assert_eq!(g.members().unwrap().iter().nth(1).unwrap().value, "m1");
}

#[test]
fn storage_round_trip_and_typed_views() {
    let (scim, _) = engine("2024-01-01T00:00:00.123456789Z", &["u1", "g1"]);
    let u = scim.create("User", &user("Jane", json!({"password": "p", "active": false, "emails": [{"value": "j@x", "primary": true}], "name": {"givenName": "J"}}))).unwrap();
    let back = Resource::from_storage_json(&u.to_storage_json()).unwrap();
    assert_eq!(back, u);
    let view = scim_core::user::User::try_from(&u).unwrap();
    assert_eq!(
        (
            view.user_name.as_str(),
            view.active,
            view.email.as_deref(),
            view.given_name.as_deref()
        ),
        ("Jane", false, Some("j@x"), Some("J"))
    );
    let g = scim.create("Group", &json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": "u1", "type": "User"}]})).unwrap();
    assert_eq!(
        Resource::from_storage_json(&g.to_storage_json()).unwrap(),
        g
    );
    assert_eq!(
        scim_core::user::GroupSummary::try_from(&g)
            .unwrap()
            .member_count,
        1
    );
    assert!(scim_core::user::User::try_from(&g).is_err());
    assert!(Resource::from_storage_json(&json!({"id": "x"})).is_err());
    assert_eq!(
        render(&scim, &u)["meta"]["created"],
        json!("2024-01-01T00:00:00.123456789Z")
    );
}

#[test]
fn uniqueness_schema_flag_drives_the_store() {
    let reg = SchemaRegistry::builder()
        .with_schema(Schema {
            id: "urn:example:params:scim:schemas:extension:acme:2.0:User".into(),
            name: "AcmeUser".into(),
            description: "Acme".into(),
            attributes: vec![
                AttributeDef::new("badge", AttributeType::String)
                    .with_uniqueness(Uniqueness::Server)
                    .with_case_exact(),
            ],
        })
        .with_extension(
            "User",
            "urn:example:params:scim:schemas:extension:acme:2.0:User",
            false,
        )
        .build()
        .unwrap();
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let scim = Arc::new((*scim).clone().with_registry(reg));
    let store = MemoryStore::new(scim.clone());
    let acme = "urn:example:params:scim:schemas:extension:acme:2.0:User";
    let mk = |n: &str, b: &str| {
        scim.create(
            "User",
            &json!({"schemas": [USER, acme], "userName": n, acme: {"badge": b}}),
        )
        .unwrap()
    };
    block_on(store.create(mk("a", "B1"))).unwrap();
    block_on(store.create(mk("b", "b1"))).unwrap(); // caseExact: a different badge
    let err = block_on(store.create(mk("c", "B1"))).unwrap_err();
    assert_eq!(err.detail(), format!("{acme}:badge 'B1' is already in use"));
}

#[test]
fn filtered_path_creates_canonical_elements() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let mut u = scim.create("User", &user("a", json!({}))).unwrap();
    let req = scim.parse_patch(&json!({"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "emails[TYPE eq \"work\"].VALUE", "value": "w@x.org"},
        {"op": "add", "path": "phoneNumbers[type eq \"mobile\" and primary eq true].value", "value": "+1 555"}
    ]})).unwrap();
    scim.patch(&mut u, &req).unwrap();
    assert_eq!(
        u.attribute("emails"),
        Some(&json!([{"type": "work", "value": "w@x.org"}]))
    );
    assert_eq!(
        u.attribute("phoneNumbers"),
        Some(&json!([{"type": "mobile", "primary": true, "value": "+1 555"}]))
    );
    // A filter that does not describe one element (here: `co`) cannot create it.
    let req = scim
        .parse_patch(&json!({"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": "ims[type co \"x\"].value", "value": "v"}
        ]}))
        .unwrap();
    assert_eq!(
        scim.patch(&mut u, &req)
            .unwrap_err()
            .scim_type()
            .unwrap()
            .as_str(),
        "noTarget"
    );
}

#[test]
fn groups_filter_on_members() {
    let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
    let store = MemoryStore::new(scim.clone());
    for (name, members) in [
        ("A", json!([{"value": "u1"}, {"value": "u2"}])),
        ("B", json!([{"value": "u2"}])),
        ("C", json!([])),
    ] {
        let g = scim
            .create(
                "Group",
                &json!({"schemas": [GROUP], "displayName": name, "members": members}),
            )
            .unwrap();
        block_on(store.create(g)).unwrap();
    }
    let f = |text: &str| -> Vec<String> {
        let q = ListQuery::new().with_filter(text, true).unwrap();
        block_on(store.query("Group", &q))
            .unwrap()
            .resources
            .iter()
            .map(|r| {
                r.attribute("displayName")
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(f("members[value eq \"u2\"]"), ["A", "B"]);
    assert_eq!(f("members.value eq \"u1\""), ["A"]);
    assert_eq!(f("members eq \"u1\""), ["A"]);
    assert_eq!(f("not (members pr)"), ["C"]);
    assert_eq!(f("displayName eq \"b\""), ["B"]);
}

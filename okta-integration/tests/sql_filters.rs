//! Filters translated to SQL give exactly what scim-core computes in memory, for every filter
//! of the shared benchmark list (plus one per translated attribute and operator) over 10,000
//! generated users; and SQLite's query plan uses an index for each translated attribute and
//! operator.
// Test code outside #[test] functions: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod store_support;

use std::process::Command;

use okta_integration::store::sqlite::SqliteStore;
use okta_integration::store::{OrgId, OrgSlug, Store};
use scim_core::Resource;
use scim_core::query::ListQuery;
use scim_core::store::{MemoryStore, ResourceStore};
use serde_json::{Map, Value, json};
use store_support::{TestClock, block_on, fixture, open, temp_db};

fn nanos(ts: &str) -> String {
    scim_core::time::Timestamp::parse(ts)
        .unwrap()
        .unix_nanos()
        .to_string()
}

/// A generated user as a stored resource, keeping its id and meta times.
fn user_resource(u: &Value) -> Resource {
    let o = u.as_object().unwrap();
    let mut attrs = Map::new();
    for (k, v) in o {
        if !matches!(k.as_str(), "id" | "meta" | "schemas" | "groups") {
            attrs.insert(k.clone(), v.clone());
        }
    }
    Resource::from_storage_json(&json!({
        "id": u["id"],
        "meta": {
            "resourceType": "User",
            "created": nanos(u["meta"]["created"].as_str().unwrap()),
            "lastModified": nanos(u["meta"]["lastModified"].as_str().unwrap()),
            "revision": 1
        },
        "attributes": attrs,
        "members": null
    }))
    .unwrap()
}

struct Fixture {
    sql: SqliteStore,
    org: OrgId,
    reference: Vec<Resource>,
    users: Vec<Value>,
}

fn load() -> Fixture {
    let script = fixture("bench/gen_users.py");
    let dir = temp_db("filters");
    let out = dir.with_file_name("users.json");
    let st = Command::new("python3")
        .arg(&script)
        .arg("10000")
        .arg(&out)
        .status()
        .expect("python3 runs the shared user generator");
    assert!(st.success(), "{} failed", script.display());
    let users: Vec<Value> = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(users.len(), 10_000);

    let clock = TestClock::new();
    let sql = open(&dir, &clock);
    let org =
        block_on(sql.create_organization(&OrgSlug::try_from("bench").unwrap(), "Bench", true))
            .unwrap()
            .id;
    // A second organization with copies of some users: never visible in the first.
    let other =
        block_on(sql.create_organization(&OrgSlug::try_from("other").unwrap(), "Other", false))
            .unwrap()
            .id;
    let mem = MemoryStore::new(store_support::scim());
    let store = sql.resources(org);
    let other_store = sql.resources(other);
    for (i, u) in users.iter().enumerate() {
        let r = user_resource(u);
        block_on(store.create(r.clone())).unwrap();
        block_on(mem.create(r.clone())).unwrap();
        if i % 10 == 0 {
            block_on(other_store.create(r)).unwrap();
        }
    }
    // Groups from the users' `groups` references, with member rows.
    let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for u in &users {
        for g in u["groups"].as_array().unwrap() {
            let id = g["value"].as_str().unwrap().to_owned();
            let display = g["display"].as_str().unwrap().to_owned();
            let uid = u["id"].as_str().unwrap().to_owned();
            match groups.iter_mut().find(|(i, _, _)| *i == id) {
                Some(entry) => entry.2.push(uid),
                None => groups.push((id, display, vec![uid])),
            }
        }
    }
    groups.sort();
    for (id, display, members) in groups {
        let g = Resource::from_storage_json(&json!({
            "id": id,
            "meta": {"resourceType": "Group", "created": "0", "lastModified": "0", "revision": 1},
            "attributes": {"displayName": display},
            "members": members.iter().map(|m| json!({"value": m})).collect::<Vec<_>>()
        }))
        .unwrap();
        block_on(store.create(g.clone())).unwrap();
        block_on(mem.create(g)).unwrap();
    }
    // The reference: every user with its derived groups, in creation order.
    let reference = users
        .iter()
        .map(|u| block_on(mem.get("User", u["id"].as_str().unwrap())).unwrap())
        .collect();
    Fixture {
        sql,
        org,
        reference,
        users,
    }
}

/// Filters that exercise each translated attribute and operator (the shared list mostly
/// names attributes that are evaluated in memory).
fn translated_filters(users: &[Value]) -> Vec<String> {
    let id = users[17]["id"].as_str().unwrap();
    let id_prefix = &id[..2];
    vec![
        r#"userName eq "ALICE""#.into(),
        r#"userName ne "alice""#.into(),
        r#"userName sw "jo""#.into(),
        r#"userName co "smith1""#.into(),
        r#"userName co "9""#.into(),
        r#"userName ew "99""#.into(),
        r#"userName gt "walter""#.into(),
        r#"userName le "alice""#.into(),
        "userName pr".into(),
        r#"not (userName sw "j")"#.into(),
        r#"not (userName eq "bob")"#.into(),
        r#"externalId eq "ext-000042""#.into(),
        r#"externalId eq "EXT-000042""#.into(),
        r#"externalId sw "ext-0012""#.into(),
        r#"externalId co "0099""#.into(),
        r#"externalId ne "ext-000001""#.into(),
        "externalId pr".into(),
        r#"emails.value eq "ALICE@EXAMPLE.ORG""#.into(),
        r#"emails.value sw "bob""#.into(),
        r#"emails co "home.example.org""#.into(),
        r#"emails.value co "@foo""#.into(),
        r#"emails.value ne "alice@example.org""#.into(),
        r#"not (emails.value ew ".com")"#.into(),
        r#"not (emails ne "x@y")"#.into(),
        "emails.value pr".into(),
        "emails pr".into(),
        // The lenient dialect's `email` alias (Okta's "Unique identifier field" set to email).
        r#"email eq "ALICE@EXAMPLE.ORG""#.into(),
        r#"email co "home.example.org""#.into(),
        r#"not (email eq "alice@example.org")"#.into(),
        "email pr".into(),
        r#"email sw "bob" or userName sw "j""#.into(),
        r#"displayName eq "grace lee""#.into(),
        r#"displayName co "müller""#.into(),
        r#"displayName sw "Bä""#.into(),
        "displayName pr".into(),
        r#"not (displayName co "o")"#.into(),
        "active eq true".into(),
        "active eq false".into(),
        "active ne true".into(),
        "active pr".into(),
        "not (active eq false)".into(),
        format!(r#"id eq "{id}""#),
        format!(r#"id sw "{id_prefix}""#),
        format!(r#"id ne "{id}""#),
        r#"id co "abc""#.into(),
        "id pr".into(),
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "a""#.into(),
        r#"(userName sw "j" or displayName co "son") and not (active eq false)"#.into(),
        r#"userName sw "j" and (emails co "example.org" or externalId sw "ext-00")"#.into(),
        r#"not (userName sw "a" or userName sw "b") and active eq true"#.into(),
        // Partly translatable: SQL narrows, memory decides.
        r#"userName sw "j" and title pr"#.into(),
        r#"title pr or userName eq "bjensen""#.into(),
        r#"userName sw "a" and not (name.givenName eq "Alice")"#.into(),
    ]
}

fn ids(rs: &[Resource]) -> Vec<String> {
    rs.iter().map(|r| r.id().as_str().to_owned()).collect()
}

#[test]
fn sql_results_equal_in_memory_evaluation() {
    let f = load();
    let scim = store_support::scim();
    let store = f.sql.resources(f.org);
    let list = std::fs::read_to_string(fixture("bench/scim_filters.txt")).unwrap();
    let mut filters: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert!(
        filters.len() >= 30,
        "the shared filter list has {} filters",
        filters.len()
    );
    filters.extend(translated_filters(&f.users));
    let mut nonempty = 0;
    for (n, text) in filters.iter().enumerate() {
        let q = ListQuery::new()
            .with_filter(text, true)
            .unwrap()
            .with_count(20_000);
        let got = block_on(store.query("User", &q))
            .unwrap_or_else(|e| panic!("SQL store failed on {text}: {e}"));
        let want = scim
            .query("User", f.reference.iter(), &q)
            .unwrap_or_else(|e| panic!("in-memory evaluation failed on {text}: {e}"));
        assert_eq!(
            got.total_results, want.total_results,
            "totalResults of {text}"
        );
        assert_eq!(ids(&got.resources), ids(&want.resources), "ids of {text}");
        assert_eq!(got.resources, want.resources, "resources of {text}");
        if want.total_results > 0 {
            nonempty += 1;
        }
        // Every third filter also as a middle page: startIndex 3, count 7.
        if n % 3 == 0 {
            let q = ListQuery::new()
                .with_filter(text, true)
                .unwrap()
                .with_start_index(3)
                .with_count(7);
            let page = block_on(store.query("User", &q)).unwrap();
            let expected: Vec<_> = want.resources.iter().skip(2).take(7).cloned().collect();
            assert_eq!(
                page.total_results, want.total_results,
                "totalResults of {text} (page)"
            );
            assert_eq!(page.start_index, 3);
            assert_eq!(page.resources, expected, "page 3..10 of {text}");
        }
    }
    // The comparison is meaningful: most filters select something.
    assert!(
        nonempty * 4 >= filters.len() * 3,
        "{nonempty} of {} filters matched users",
        filters.len()
    );
    // The `email` alias selects exactly what `emails.value` selects, in SQL.
    let address = f.users[17]["emails"][0]["value"]
        .as_str()
        .unwrap()
        .to_uppercase();
    for (alias, canonical) in [
        (
            format!(r#"email eq "{address}""#),
            format!(r#"emails.value eq "{address}""#),
        ),
        (
            r#"email co "home.example.org""#.into(),
            r#"emails.value co "home.example.org""#.into(),
        ),
        (
            r#"not (email sw "a")"#.into(),
            r#"not (emails.value sw "a")"#.into(),
        ),
        ("email pr".into(), "emails.value pr".into()),
    ] {
        let run = |text: &str| {
            let q = ListQuery::new()
                .with_filter(text, true)
                .unwrap()
                .with_count(20_000);
            block_on(store.query("User", &q)).unwrap()
        };
        let (a, c) = (run(&alias), run(&canonical));
        assert!(c.total_results > 0, "{canonical} matches users");
        assert_eq!(a.total_results, c.total_results, "totalResults of {alias}");
        assert_eq!(ids(&a.resources), ids(&c.resources), "ids of {alias}");
    }
    // Errors agree too.
    let q = ListQuery::new()
        .with_filter("active gt true", false)
        .unwrap();
    let e = block_on(store.query("User", &q)).unwrap_err();
    assert_eq!(e.scim_type().map(|t| t.as_str()), Some("invalidFilter"));
}

#[test]
fn query_plans_use_an_index_for_each_translated_attribute_and_operator() {
    let clock = TestClock::new();
    let sql = open(&temp_db("plans"), &clock);
    let org = block_on(sql.create_organization(&OrgSlug::try_from("plans").unwrap(), "P", true))
        .unwrap()
        .id;
    // (filter, what the plan must show)
    let cases: &[(&str, &str)] = &[
        (r#"userName eq "a""#, "INDEX resources_user_name"),
        (r#"userName ne "a""#, "INDEX resources_user_name"),
        (r#"userName sw "a""#, "INDEX resources_user_name"),
        (r#"userName co "abc""#, "resource_text VIRTUAL TABLE INDEX"),
        ("userName pr", "INDEX resources_user_name"),
        (r#"not (userName eq "a")"#, "INDEX resources_user_name"),
        (
            r#"userName eq "a" or userName eq "b""#,
            "INDEX resources_user_name",
        ),
        (r#"userName sw "a" and active eq true"#, "INDEX resources_"),
        (r#"externalId eq "a""#, "INDEX resources_external_id"),
        (r#"externalId ne "a""#, "INDEX resources_external_id"),
        (r#"externalId sw "a""#, "INDEX resources_external_id"),
        (
            r#"externalId co "abc""#,
            "resource_text VIRTUAL TABLE INDEX",
        ),
        ("externalId pr", "INDEX resources_external_id"),
        (r#"not (externalId sw "a")"#, "INDEX resources_external_id"),
        (r#"emails.value eq "a""#, "INDEX emails_value"),
        (r#"emails.value sw "a""#, "INDEX emails_value"),
        (
            r#"emails.value co "abc""#,
            "resource_text VIRTUAL TABLE INDEX",
        ),
        (r#"emails.value ne "a""#, "INDEX emails_value"),
        ("emails.value pr", "INDEX emails_value"),
        (r#"not (emails eq "a")"#, "INDEX emails_value"),
        (r#"email eq "a""#, "INDEX emails_value"),
        (r#"email sw "a""#, "INDEX emails_value"),
        ("email pr", "INDEX emails_value"),
        (r#"not (email eq "a")"#, "INDEX emails_value"),
        (r#"displayName eq "a""#, "INDEX resources_display_name"),
        (r#"displayName ne "a""#, "INDEX resources_display_name"),
        (r#"displayName sw "a""#, "INDEX resources_display_name"),
        (
            r#"displayName co "abc""#,
            "resource_text VIRTUAL TABLE INDEX",
        ),
        ("displayName pr", "INDEX resources_display_name"),
        (r#"not (displayName pr)"#, "INDEX resources_display_name"),
        ("active eq true", "INDEX resources_active"),
        ("active ne true", "INDEX resources_active"),
        ("active pr", "INDEX resources_active"),
        ("not (active eq false)", "INDEX resources_active"),
        (r#"id eq "a""#, "INDEX resources_id"),
        (r#"id ne "a""#, "INDEX resources_id"),
        (r#"id sw "a""#, "INDEX resources_id"),
        (r#"id co "abc""#, "resource_text VIRTUAL TABLE INDEX"),
        ("id pr", "INDEX resources_id"),
        (r#"not (id eq "a")"#, "INDEX resources_id"),
    ];
    let mut failures = Vec::new();
    for (filter, want) in cases {
        let plan = sql.explain_filter(org, "User", filter).unwrap();
        let text = plan.join(" | ");
        if !text.contains(want) {
            failures.push(format!("{filter}: expected `{want}` in plan: {text}"));
        }
    }
    let group_plan = sql
        .explain_filter(org, "Group", r#"displayName eq "Admins""#)
        .unwrap()
        .join(" | ");
    if !group_plan.contains("INDEX resources_display_name") {
        failures.push(format!("Group displayName eq: {group_plan}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

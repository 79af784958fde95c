//! RFC 7644 examples: §3.3 create, §3.4.1 get, §3.4.2 query, §3.4.3 search, §3.5.1 PUT,
//! §3.5.2.1–§3.5.2.3 PATCH, §3.6 DELETE, §3.12 errors, §3.14 ETags — through the engine and
//! the in-memory store.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is the failure report

mod common;

use std::sync::Arc;

use common::{BASE, block_on, data, engine, ts};
use scim_core::meta::{Conditions, NoneMatchOutcome, check_if_none_match};
use scim_core::projection::Projection;
use scim_core::query::ListQuery;
use scim_core::store::{MemoryStore, ResourceStore};
use scim_core::{Error, RenderOptions, Resource, Scim};
use serde_json::{Value, json};

fn render(scim: &Scim, r: &Resource) -> Value {
    scim.render(
        r,
        RenderOptions {
            base_url: Some(BASE),
            projection: None,
        },
    )
    .unwrap()
}

fn with_version(mut v: Value, version: &str) -> Value {
    v["meta"]["version"] = json!(version);
    v
}

#[test]
fn s3_3_create() {
    let ex = data("rfc7644/3.3-create.json");
    let (scim, _) = engine(
        "2011-08-01T21:32:44.882Z",
        &["2819c223-7f76-453a-919d-413861904646"],
    );
    let store = MemoryStore::new(scim.clone());
    let created = block_on(store.create(scim.create("User", &ex["request"]).unwrap())).unwrap();
    assert_eq!(
        render(&scim, &created),
        with_version(ex["response"].clone(), "W/\"1\"")
    );
    // A second create with the same userName (any case): 409 uniqueness.
    let mut dup = ex["request"].clone();
    dup["userName"] = json!("BJENSEN");
    let err = block_on(store.create(scim.create("User", &dup).unwrap())).unwrap_err();
    assert_eq!(err.status(), 409);
    assert_eq!(
        err.to_json(),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "409",
            "scimType": "uniqueness",
            "detail": "userName 'BJENSEN' is already in use"
        })
    );
}

#[test]
fn s3_4_1_get() {
    let ex = data("rfc7644/3.4.1-get.json");
    let (scim, _) = engine(
        "2011-08-01T18:29:49.793Z",
        &["2819c223-7f76-453a-919d-413861904646"],
    );
    let store = MemoryStore::new(scim.clone());
    block_on(store.create(scim.create("User", &ex["request"]).unwrap())).unwrap();
    let got = block_on(store.get("User", "2819c223-7f76-453a-919d-413861904646")).unwrap();
    assert_eq!(got.etag(), "W/\"1\"");
    assert_eq!(
        render(&scim, &got),
        with_version(ex["response"].clone(), "W/\"1\"")
    );
    let err = block_on(store.get("User", "010101001010101011001010101011")).unwrap_err();
    assert_eq!(err.status(), 404);
}

fn users_store(scim: &Arc<Scim>, users: &[Value]) -> MemoryStore {
    let store = MemoryStore::new(scim.clone());
    for u in users {
        let mut body = u.clone();
        body["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User"]);
        if body.get("userName").is_none() {
            body["userName"] = json!(format!("user-{}", u["id"].as_str().unwrap()));
        }
        block_on(store.create(scim.create("User", &body).unwrap())).unwrap();
    }
    store
}

#[test]
fn s3_4_2_query_with_attributes() {
    let ex = data("rfc7644/3.4.2-query.json");
    let users = ex["users"].as_array().unwrap().clone();
    let ids: Vec<&str> = users.iter().map(|u| u["id"].as_str().unwrap()).collect();
    let (scim, _) = engine("2011-08-01T18:29:49Z", &ids);
    let store = users_store(&scim, &users);
    let q = ListQuery::from_params([("attributes", "userName")], true).unwrap();
    let page = block_on(store.query("User", &q)).unwrap();
    let projection = scim.projection("User", &q).unwrap();
    let out = scim
        .list_response(&page, Some(BASE), Some(&projection))
        .unwrap();
    let mut want = ex["response"].clone();
    want["startIndex"] = json!(1);
    want["itemsPerPage"] = json!(2);
    for r in want["Resources"].as_array_mut().unwrap() {
        r["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User"]);
    }
    assert_eq!(out, want);
}

#[test]
fn s3_4_2_4_figure_3() {
    let ex = data("rfc7644/3.4.2.4-pagination.json");
    let ids: Vec<String> = (1..=100).map(|i| format!("u{i:03}")).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (scim, _) = engine("2011-08-01T18:29:49Z", &id_refs);
    let users: Vec<Value> = ids
        .iter()
        .map(|i| json!({"id": i, "userName": i}))
        .collect();
    let store = users_store(&scim, &users);
    fn params(s: &str) -> Vec<(&str, &str)> {
        s.split('&').map(|kv| kv.split_once('=').unwrap()).collect()
    }
    let q = ListQuery::from_params(params(ex["request"].as_str().unwrap()), true).unwrap();
    let page = block_on(store.query("User", &q)).unwrap();
    let mut out = scim.list_response(&page, Some(BASE), None).unwrap();
    let resources = out.as_object_mut().unwrap().remove("Resources").unwrap();
    assert_eq!(out, ex["response"]);
    let n = usize::try_from(ex["resources_on_page"].as_u64().unwrap()).unwrap();
    let names: Vec<&str> = resources
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ids[..n]);
    // The RFC's next request continues at the 11th user.
    let q = ListQuery::from_params(params(ex["next"].as_str().unwrap()), true).unwrap();
    let page = block_on(store.query("User", &q)).unwrap();
    let out = scim.list_response(&page, Some(BASE), None).unwrap();
    assert_eq!(
        (
            &out["totalResults"],
            &out["itemsPerPage"],
            &out["startIndex"]
        ),
        (&json!(100), &json!(10), &json!(11))
    );
    assert_eq!(out["Resources"][0]["userName"], json!("u011"));
}

#[test]
fn s3_4_2_4_pagination() {
    let ids: Vec<String> = (1..=25).map(|i| format!("u{i:02}")).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (scim, _) = engine("2011-08-01T18:29:49Z", &id_refs);
    let users: Vec<Value> = ids
        .iter()
        .map(|i| json!({"id": i, "userName": i}))
        .collect();
    let store = users_store(&scim, &users);
    let q = ListQuery::from_params([("startIndex", "11"), ("count", "10")], true).unwrap();
    let page = block_on(store.query("User", &q)).unwrap();
    let out = scim.list_response(&page, Some(BASE), None).unwrap();
    assert_eq!(out["totalResults"], json!(25));
    assert_eq!(out["startIndex"], json!(11));
    assert_eq!(out["itemsPerPage"], json!(10));
    assert_eq!(out["Resources"][0]["userName"], json!("u11"));
    // Last partial page, index past the end, count=0, negative count, startIndex 0.
    let cases = [
        ("21", "10", 5, Some("u21")),
        ("40", "10", 0, None),
        ("1", "0", 0, None),
        ("1", "-3", 0, None),
        ("0", "1", 1, Some("u01")),
    ];
    for (start, count, n, first) in cases {
        let q = ListQuery::from_params([("startIndex", start), ("count", count)], true).unwrap();
        let page = block_on(store.query("User", &q)).unwrap();
        let out = scim.list_response(&page, Some(BASE), None).unwrap();
        assert_eq!(
            out["itemsPerPage"],
            json!(n),
            "startIndex={start} count={count}"
        );
        assert_eq!(out["totalResults"], json!(25));
        match first {
            Some(f) => assert_eq!(out["Resources"][0]["userName"], json!(f)),
            None if count.starts_with('-') || count == "0" => {
                assert!(out.get("Resources").is_none(), "count={count}: {out}")
            }
            None => assert_eq!(out["Resources"], json!([])),
        }
    }
    // count is capped at the configured maximum, and itemsPerPage says so.
    let scim2 = Arc::new(
        (*scim)
            .clone()
            .with_options(scim_core::Options::default().with_max_results(7)),
    );
    let store2 = users_store(&scim2, &[]);
    drop(store2);
    let all: Vec<Resource> = (0..25)
        .map(|i| scim2.create("User", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("x{i}")})).unwrap())
        .collect();
    let q = ListQuery::from_params([("count", "100")], true).unwrap();
    let page = scim2.query("User", &all, &q).unwrap();
    let out = scim2.list_response(&page, None, None).unwrap();
    assert_eq!(
        (out["itemsPerPage"].clone(), out["totalResults"].clone()),
        (json!(7), json!(25))
    );
}

/// Figures 4 and 5: `POST /.search` at the service root, run the way a server composes it from
/// this crate (each type queried, results sorted across types, one page rendered with each
/// type's projection). One User and 99 Groups match `displayName sw "smith"`.
#[test]
fn s3_4_3_search() {
    let ex = data("rfc7644/3.4.3-search.json");
    let (scim, _) = engine(
        "2011-08-01T18:29:49Z",
        &["2819c223-7f76-413861904646", "c8596b90-7539-4f20968d1908"],
    );
    let store = MemoryStore::new(scim.clone());
    let jsmith = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "jsmith", "displayName": "Smith, James"});
    block_on(store.create(scim.create("User", &jsmith).unwrap())).unwrap();
    let group = |name: String| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name});
    block_on(store.create(scim.create("Group", &group("Smith Family".into())).unwrap())).unwrap();
    for i in 1..=98 {
        let g = group(format!("Smiths of Hollywood {i:02}"));
        block_on(store.create(scim.create("Group", &g).unwrap())).unwrap();
    }
    // Neither matches the filter.
    let bjensen = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen", "displayName": "Babs Jensen"});
    block_on(store.create(scim.create("User", &bjensen).unwrap())).unwrap();
    block_on(store.create(scim.create("Group", &group("Tour Guides".into())).unwrap())).unwrap();

    let q = ListQuery::from_search_request(&ex["request"], true).unwrap();
    let types = ["User", "Group"];
    let projections = scim.projections_across(&types, &q).unwrap();
    let mut found = Vec::new();
    let mut total = 0;
    for rt in types {
        let all = q
            .clone()
            .without_sort()
            .with_start_index(1)
            .with_count(1000);
        let page = block_on(store.query(rt, &all)).unwrap();
        total += page.total_results;
        found.extend(page.resources);
    }
    let found = scim.sort_across(&types, found, &q).unwrap();
    let count = q.count().unwrap();
    let range = scim_core::list::page_range(found.len(), q.start_index(), count);
    let items: Vec<Value> = found[range]
        .iter()
        .map(|r| {
            let projection = &projections[usize::from(r.resource_type() == "Group")];
            scim.render(
                r,
                RenderOptions {
                    base_url: Some(BASE),
                    projection: Some(projection),
                },
            )
            .unwrap()
        })
        .collect();
    let mut out = scim_core::list::ListResponse::new(total, q.start_index(), Some(items)).to_json();
    let resources = out["Resources"].as_array_mut().unwrap();
    assert_eq!(resources.len(), 10);
    // The RFC prints the first two of the page and then "...".
    resources.truncate(2);
    let mut want = ex["response"].clone();
    want["Resources"][0]["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:User"]);
    want["Resources"][1]["schemas"] = json!(["urn:ietf:params:scim:schemas:core:2.0:Group"]);
    assert_eq!(out, want);
    // A body without the SearchRequest URN is invalidSyntax.
    let err = ListQuery::from_search_request(&json!({"filter": "userName pr"}), true).unwrap_err();
    assert_eq!(err.scim_type().unwrap().as_str(), "invalidSyntax");
}

#[test]
fn s3_5_1_put() {
    let ex = data("rfc7644/3.5.1-put.json");
    let (scim, clock) = engine(
        "2011-08-08T04:56:22Z",
        &["2819c223-7f76-453a-919d-413861904646"],
    );
    let store = MemoryStore::new(scim.clone());
    let before = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen", "externalId": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"},
        "emails": [{"value": "bjensen@example.com", "type": "work"}],
        "nickName": "Babs"
    });
    block_on(store.create(scim.create("User", &before).unwrap())).unwrap();
    clock.set(ts("2011-08-08T08:00:12Z"));
    let id = "2819c223-7f76-453a-919d-413861904646";
    // The RFC's If-Match carries the version the client read; here that is revision 1.
    assert_eq!(ex["if_match"], json!("W/\"a330bc54f0671c9\""));
    let put = block_on(store.replace("User", id, &ex["request"], &Conditions::if_match("W/\"1\"")))
        .unwrap();
    assert_eq!(ex["etag"], ex["response"]["meta"]["version"]);
    assert_eq!(put.etag(), "W/\"2\"");
    assert_eq!(
        render(&scim, &put),
        with_version(ex["response"].clone(), "W/\"2\"")
    );
    // PUT with a stale If-Match: 412.
    let err = block_on(store.replace("User", id, &ex["request"], &Conditions::if_match("W/\"1\"")))
        .unwrap_err();
    assert_eq!(err.status(), 412);
    // PUT of an unknown id: 404 (PUT never creates).
    let err =
        block_on(store.replace("User", "nope", &ex["request"], &Conditions::none())).unwrap_err();
    assert_eq!(err.status(), 404);
    // PUT without the required userName: 400 invalidValue.
    let mut bad = ex["request"].clone();
    bad.as_object_mut().unwrap().remove("userName");
    let err = block_on(store.replace("User", id, &bad, &Conditions::none())).unwrap_err();
    assert_eq!(
        (err.status(), err.scim_type().map(|t| t.as_str())),
        (400, Some("invalidValue"))
    );
}

#[test]
fn s3_5_2_patch_examples() {
    let ex = data("rfc7644/3.5.2-patch.json");
    for case in ex["cases"].as_array().unwrap() {
        let name = format!(
            "§{} {}",
            case["section"].as_str().unwrap(),
            case["lead"].as_str().unwrap()
        );
        let (scim, clock) = engine("2011-08-01T00:00:00Z", &["r1"]);
        let rt = case["type"].as_str().unwrap();
        let mut res = scim.create(rt, &case["before"]).unwrap();
        clock.set(ts("2011-08-02T00:00:00Z"));
        let req = scim.parse_patch(&case["request"]).unwrap();
        let outcome = scim
            .patch(&mut res, &req)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(outcome.changed, "{name}");
        let mut out = render(&scim, &res);
        let obj = out.as_object_mut().unwrap();
        for k in ["schemas", "id", "meta"] {
            obj.remove(k);
        }
        assert_eq!(out, case["after"], "{name}");
        assert_eq!(
            res.meta().last_modified,
            ts("2011-08-02T00:00:00Z"),
            "{name}"
        );
        assert_eq!(res.etag(), "W/\"2\"", "{name}");
    }
}

#[test]
fn s3_5_2_errors() {
    let (scim, _) = engine("2011-08-01T00:00:00Z", &["r1"]);
    let mut user = scim
        .create("User", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen", "emails": [{"value": "a@x.org", "type": "home"}]}))
        .unwrap();
    let before = user.clone();
    let cases: &[(Value, &str, &str)] = &[
        // remove without a path: noTarget (§3.5.2.2)
        (
            json!([{"op": "remove"}]),
            "noTarget",
            "path '' did not match Operations[0]: 'remove' requires a path",
        ),
        // unknown attribute: invalidPath
        (
            json!([{"op": "replace", "path": "favoriteColor", "value": "x"}]),
            "invalidPath",
            "invalid path 'favoriteColor': no attribute 'favoriteColor'",
        ),
        // malformed path
        (
            json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
            "invalidPath",
            "",
        ),
        // replace with a value filter that matches nothing: noTarget (§3.5.2.3)
        (
            json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "w@x.org", "type": "work"}}]),
            "noTarget",
            "path 'emails[type eq \"work\"]' did not match any value",
        ),
        // wrong type
        (
            json!([{"op": "replace", "path": "active", "value": 3}]),
            "invalidValue",
            "attribute 'active': expected true or false (boolean attribute), got a number",
        ),
        // read-only attribute
        (
            json!([{"op": "replace", "path": "groups", "value": []}]),
            "mutability",
            "attribute 'groups': the attribute is read-only",
        ),
        (
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            "mutability",
            "attribute 'id': the attribute is read-only",
        ),
        // removing a required attribute
        (
            json!([{"op": "remove", "path": "userName"}]),
            "mutability",
            "attribute 'userName': a required attribute cannot be removed",
        ),
        // unknown op
        (
            json!([{"op": "move", "path": "userName"}]),
            "invalidSyntax",
            "Operations[0]: unknown op 'move' (expected add, remove or replace)",
        ),
        // atomic: the first operation is valid, the second is not; nothing changes
        (
            json!([{"op": "replace", "path": "nickName", "value": "Babs"}, {"op": "add", "path": "active", "value": "maybe"}]),
            "invalidValue",
            "attribute 'active': expected true or false (boolean attribute), got a string",
        ),
    ];
    for (ops, scim_type, detail) in cases {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let err = scim
            .parse_patch(&body)
            .and_then(|req| scim.patch(&mut user, &req))
            .unwrap_err();
        assert_eq!(
            err.scim_type().map(|t| t.as_str()),
            Some(*scim_type),
            "{ops}: {err}"
        );
        assert_eq!(err.status(), 400);
        if !detail.is_empty() {
            assert_eq!(err.detail(), *detail);
        }
        assert_eq!(user, before, "{ops}: the resource must be unchanged");
    }
}

#[test]
fn s3_6_delete() {
    let ex = data("rfc7644/3.6-delete.json");
    let (scim, _) = engine(
        "2011-08-01T00:00:00Z",
        &["2819c223-7f76-453a-919d-413861904646"],
    );
    let store = MemoryStore::new(scim.clone());
    let body =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
    block_on(store.create(scim.create("User", &body).unwrap())).unwrap();
    let id = "2819c223-7f76-453a-919d-413861904646";
    // The RFC's If-Match names the version the client holds: revision 1 here. A stale one
    // is refused and deletes nothing.
    assert_eq!(ex["if_match"], json!("W/\"c310cd84f0281b7\""));
    let err = block_on(store.delete("User", id, &Conditions::if_match("W/\"0\""))).unwrap_err();
    assert_eq!(err.status(), 412);
    block_on(store.delete("User", id, &Conditions::if_match("W/\"1\""))).unwrap();
    assert_eq!(ex["delete_status"], json!(204));
    // The following GET: 404, with the RFC's body (our detail names the type and quotes the id).
    let err = block_on(store.get("User", id)).unwrap_err();
    assert_eq!(
        err,
        Error::NotFound {
            resource_type: "User".into(),
            id: id.into()
        }
    );
    assert_eq!(ex["get_after"]["status"], json!(err.status()));
    let mut want = ex["get_after"]["body"].clone();
    want["detail"] = json!(format!("User '{id}' not found"));
    assert_eq!(err.to_json(), want);
    assert_eq!(
        block_on(store.delete("User", id, &Conditions::none()))
            .unwrap_err()
            .status(),
        404
    );
    let page = block_on(store.query("User", &ListQuery::new())).unwrap();
    assert_eq!(page.total_results, 0);
    // The userName is free again.
    block_on(store.create(scim.create("User", &body).unwrap())).unwrap();
}

#[test]
fn s3_12_errors() {
    let ex = data("rfc7644/3.12-errors.json");
    let not_found = Error::NotFound {
        resource_type: "Resource".into(),
        id: "2819c223-7f76-453a-919d-413861904646".into(),
    };
    let mut want = ex["not_found"].clone();
    want["detail"] = json!("Resource '2819c223-7f76-453a-919d-413861904646' not found");
    assert_eq!(not_found.to_json(), want);
    let m = Error::mutability("id", "is readOnly");
    let mut want = ex["mutability"].clone();
    want["detail"] = json!("attribute 'id': is readOnly");
    assert_eq!(m.to_json(), want);
    // The wire type parses the RFC bodies as they are.
    let parsed: scim_core::ErrorResponse =
        serde_json::from_value(ex["mutability"].clone()).unwrap();
    assert_eq!(parsed.status, "400");
    assert_eq!(parsed.scim_type.as_deref(), Some("mutability"));
    // Statuses of every variant family.
    let cases: Vec<(Error, u16, Option<&str>)> = vec![
        (Error::invalid_syntax("x"), 400, Some("invalidSyntax")),
        (
            Error::InvalidFilter { detail: "x".into() },
            400,
            Some("invalidFilter"),
        ),
        (Error::TooMany { matched: 5, max: 1 }, 400, Some("tooMany")),
        (
            Error::Uniqueness {
                attribute: "userName".into(),
                value: "x".into(),
            },
            409,
            Some("uniqueness"),
        ),
        (
            Error::PreconditionFailed {
                current: "W/\"2\"".into(),
            },
            412,
            None,
        ),
        (
            Error::LimitExceeded {
                what: "x".into(),
                limit: 1,
            },
            413,
            None,
        ),
        (
            Error::NotImplemented {
                detail: "bulk".into(),
            },
            501,
            None,
        ),
        (
            Error::Storage {
                detail: "disk on fire".into(),
            },
            500,
            None,
        ),
    ];
    for (e, status, t) in cases {
        assert_eq!(e.status(), status, "{e}");
        assert_eq!(e.scim_type().map(|t| t.as_str()), t);
        assert_eq!(e.to_json()["status"], json!(status.to_string()));
    }
    // Internal details do not reach the wire.
    assert_eq!(
        Error::Storage {
            detail: "disk on fire".into()
        }
        .to_json()["detail"],
        json!("internal server error")
    );
}

#[test]
fn s3_14_etags() {
    let ex = data("rfc7644/3.14-etag.json");
    // The create: ETag header and meta.version agree. §3.14 prints the response without the
    // externalId its request set; externalId is returned by default (RFC 7643 §3.1), as in
    // §3.3's otherwise identical exchange, so this crate returns it.
    let (scim, _) = engine(
        "2011-08-01T21:32:44.882Z",
        &["2819c223-7f76-453a-919d-413861904646"],
    );
    let store = MemoryStore::new(scim.clone());
    let created =
        block_on(store.create(scim.create("User", &ex["create"]["request"]).unwrap())).unwrap();
    let out = render(&scim, &created);
    assert_eq!(out["meta"]["version"], json!(created.etag()));
    let mut want = with_version(ex["create"]["response"].clone(), "W/\"1\"");
    want["externalId"] = json!("bjensen");
    assert_eq!(out, want);
    assert_eq!(
        ex["create"]["etag"],
        ex["create"]["response"]["meta"]["version"]
    );
    // The conditional GET with the version just returned: 304.
    let get = &ex["conditional_get"];
    assert_eq!(get["if_none_match"], ex["create"]["etag"]);
    assert_eq!(get["status"], json!(304));
    let current = block_on(store.get("User", created.id().as_str())).unwrap();
    assert_eq!(
        check_if_none_match(&created.etag(), &current.etag(), true),
        NoneMatchOutcome::NotModified
    );
    let etag = ex["create"]["etag"].as_str().unwrap();
    let inm = get["if_none_match"].as_str().unwrap();
    assert_eq!(
        check_if_none_match(inm, etag, true),
        NoneMatchOutcome::NotModified
    );
    assert_eq!(
        check_if_none_match(inm, etag, false),
        NoneMatchOutcome::PreconditionFailed
    );
    assert_eq!(
        check_if_none_match("W/\"other\"", etag, true),
        NoneMatchOutcome::Proceed
    );
    assert_eq!(
        check_if_none_match("*", etag, true),
        NoneMatchOutcome::NotModified
    );
    // Versions move on every change and only then; If-Match guards writes.
    let (scim, _) = engine("2011-08-01T00:00:00Z", &["u1"]);
    let store = MemoryStore::new(scim.clone());
    let body =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
    let u = block_on(store.create(scim.create("User", &body).unwrap())).unwrap();
    assert_eq!(render(&scim, &u)["meta"]["version"], json!(u.etag()));
    let same =
        block_on(store.replace("User", "u1", &body, &Conditions::if_match(u.etag()))).unwrap();
    assert_eq!(same.etag(), "W/\"1\""); // nothing changed, same version
    let patch = scim
        .parse_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "nickName", "value": "Babs"}]}))
        .unwrap();
    let p = block_on(store.patch("User", "u1", &patch, &Conditions::if_match("W/\"1\""))).unwrap();
    assert_eq!(p.etag(), "W/\"2\"");
    // The same add again changes nothing: the version stays.
    let p = block_on(store.patch("User", "u1", &patch, &Conditions::if_match("W/\"2\""))).unwrap();
    assert_eq!(p.etag(), "W/\"2\"");
    let err = block_on(store.delete("User", "u1", &Conditions::if_match("W/\"1\""))).unwrap_err();
    assert_eq!(err.status(), 412);
    block_on(store.delete("User", "u1", &Conditions::if_match("*"))).unwrap();
    let _ = Projection::default();
}

/// §3.5.2.2 prints `members[value eq"…"]` with no space after `eq`, which the filter ABNF
/// (§3.4.2.2, `attrPath SP compareOp SP compValue`) does not allow. A quote cannot continue an
/// operator name, so the filter parser reads it unambiguously and the example applies as the
/// RFC intends.
#[test]
fn s3_5_2_2_remove_and_add_unspaced_filter() {
    let ex = data("rfc7644/3.5.2-patch.json");
    let case = &ex["unspaced_filter"];
    let (scim, clock) = engine("2011-08-01T00:00:00Z", &["r1"]);
    let mut res = scim.create("Group", &case["before"]).unwrap();
    clock.set(ts("2011-08-02T00:00:00Z"));
    let req = scim.parse_patch(&case["request"]).unwrap();
    let outcome = scim.patch(&mut res, &req).unwrap();
    assert_eq!(outcome.members_removed, ["2819c223...919d-413861904646"]);
    assert_eq!(outcome.members_added, ["08e1d05d...473d93df9210"]);
    let mut out = render(&scim, &res);
    for k in ["schemas", "id", "meta"] {
        out.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(out, case["after"]);
    assert_eq!(res.etag(), "W/\"2\"");
}

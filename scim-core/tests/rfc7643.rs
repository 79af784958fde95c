//! RFC 7643 §8 examples: each resource goes in through validation and comes out exactly as
//! the RFC shows it (password never returned, `groups` derived, version a revision counter).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is the failure report

mod common;

use common::{BASE, data, engine};
use scim_core::group::GroupRef;
use scim_core::schema::{ENTERPRISE_USER_URN, SchemaRegistry};
use scim_core::{RenderOptions, Scim};
use serde_json::{Value, json};

/// Creates `example` through the engine (at meta.created, with its id) and renders it.
fn round_trip(example: &Value, resource_type: &str, groups: Vec<GroupRef>) -> (Value, Scim) {
    let id = example["id"].as_str().unwrap();
    let created = example["meta"]["created"].as_str().unwrap();
    let (scim, _clock) = engine(created, &[id]);
    let mut res = scim.create(resource_type, example).unwrap();
    res.set_groups(groups);
    let out = scim
        .render(
            &res,
            RenderOptions {
                base_url: Some(BASE),
                projection: None,
            },
        )
        .unwrap();
    ((out), (*scim).clone())
}

/// The RFC example as this crate renders it: the RFC's opaque version replaced by revision 1,
/// lastModified equal to created (the resource was just created), password removed.
fn expected(example: &Value) -> Value {
    let mut e = example.clone();
    let created = e["meta"]["created"].clone();
    e["meta"]["version"] = json!("W/\"1\"");
    e["meta"]["lastModified"] = created;
    e.as_object_mut().unwrap().remove("password");
    e
}

#[test]
fn s8_1_minimal_user() {
    let ex = data("rfc7643/8.1-minimal-user.json");
    let (out, _) = round_trip(&ex, "User", vec![]);
    assert_eq!(out, expected(&ex));
}

fn rfc_groups() -> Vec<GroupRef> {
    vec![
        GroupRef {
            id: "e9e30dba-f08f-4109-8486-d5c6a331660a".into(),
            display: Some("Tour Guides".into()),
        },
        GroupRef {
            id: "fc348aa8-3835-40eb-a20b-c726e15c55b5".into(),
            display: Some("Employees".into()),
        },
        GroupRef {
            id: "71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7".into(),
            display: Some("US Employees".into()),
        },
    ]
}

/// Our derived groups carry `type: direct`; the RFC example leaves it out.
fn with_direct_type(mut e: Value) -> Value {
    for g in e["groups"].as_array_mut().unwrap() {
        g["type"] = json!("direct");
    }
    e
}

#[test]
fn s8_2_full_user() {
    let ex = data("rfc7643/8.2-full-user.json");
    // The client's `groups` is read-only input and ignored; the derived groups are set by
    // the store from memberships.
    let (out, scim) = round_trip(&ex, "User", rfc_groups());
    assert_eq!(out, with_direct_type(expected(&ex)));
    // The password was stored (write-only) even though it is never returned.
    let res = scim.create("User", &ex).unwrap();
    assert_eq!(res.attribute("password"), Some(&json!("t1meMa$heen")));
    assert!(res.attribute("groups").is_none());
}

#[test]
fn s8_3_enterprise_user() {
    let ex = data("rfc7643/8.3-enterprise-user.json");
    let (out, _) = round_trip(&ex, "User", rfc_groups());
    let mut want = with_direct_type(expected(&ex));
    // §8.3 prints the derived `groups.$ref` relative ("../Groups/…"), §8.2 absolute; this
    // crate always renders the absolute form when it knows its base URL.
    for g in want["groups"].as_array_mut().unwrap() {
        let rel = g["$ref"].as_str().unwrap().to_owned();
        assert!(rel.starts_with("../Groups/"), "{rel}");
        g["$ref"] = json!(rel.replacen("..", BASE, 1));
    }
    // manager.displayName is read-only: a client cannot set it, so it is not echoed back.
    want[ENTERPRISE_USER_URN]["manager"]
        .as_object_mut()
        .unwrap()
        .remove("displayName");
    assert_eq!(out, want);
}

#[test]
fn s8_4_group() {
    let ex = data("rfc7643/8.4-group.json");
    let (out, _) = round_trip(&ex, "Group", vec![]);
    assert_eq!(out, expected(&ex));
}

#[test]
fn s8_5_service_provider_config() {
    use scim_core::discovery::{AuthenticationScheme, ServiceProviderConfig};
    let ex = data("rfc7643/8.5-service-provider-config.json");
    let spc = ServiceProviderConfig {
        documentation_uri: Some("http://example.com/help/scim.html".into()),
        bulk: true,
        filter_max_results: 200,
        authentication_schemes: vec![
            AuthenticationScheme {
                documentation_uri: Some("http://example.com/help/oauth.html".into()),
                ..AuthenticationScheme::bearer_token()
            },
            AuthenticationScheme {
                scheme_type: "httpbasic".into(),
                name: "HTTP Basic".into(),
                description: "Authentication scheme using the HTTP Basic Standard".into(),
                spec_uri: Some("http://www.rfc-editor.org/info/rfc2617".into()),
                documentation_uri: Some("http://example.com/help/httpBasic.html".into()),
                primary: false,
            },
        ],
        ..ServiceProviderConfig::default()
    };
    let out = spc.to_json(Some(BASE));
    let mut want = ex;
    // A configuration document has no created/lastModified/version of its own here; and
    // `primary: false` is written out for the second scheme.
    for k in ["created", "lastModified", "version"] {
        want["meta"].as_object_mut().unwrap().remove(k);
    }
    want["authenticationSchemes"][1]["primary"] = json!(false);
    assert_eq!(out, want);
}

#[test]
fn s8_6_resource_types() {
    let ex = data("rfc7643/8.6-resource-types.json");
    // The RFC example makes the enterprise extension required; the default registry does
    // not (Okta and Entra users often lack it), so register it that way here.
    let reg = SchemaRegistry::builder()
        .with_extension("User", ENTERPRISE_USER_URN, true)
        .build()
        .unwrap();
    let docs: Vec<Value> = reg
        .resource_types()
        .iter()
        .map(|r| r.to_json(Some(BASE)))
        .collect();
    assert_eq!(Value::Array(docs), ex);
    // And the default registry's ListResponse, User first (Entra's suite checks that).
    let list = scim_core::discovery::resource_types_list(&SchemaRegistry::standard(), Some(BASE));
    assert_eq!(list["totalResults"], json!(2));
    assert_eq!(list["Resources"][0]["endpoint"], json!("/Users"));
    assert_eq!(
        list["Resources"][0]["schemaExtensions"],
        json!([{"schema": ENTERPRISE_USER_URN, "required": false}])
    );
}

#[test]
fn s8_7_1_schema_representation() {
    // The §8.7.1 attribute definitions, checked on the served /Schemas documents (the full
    // characteristics table is in the unit tests of `schema`).
    let list = scim_core::discovery::schemas_list(&SchemaRegistry::standard(), Some(BASE));
    assert_eq!(list["totalResults"], json!(3));
    let user = &list["Resources"][0];
    assert_eq!(
        user["id"],
        json!("urn:ietf:params:scim:schemas:core:2.0:User")
    );
    assert_eq!(user["description"], json!("User Account"));
    assert_eq!(
        user["meta"],
        json!({"resourceType": "Schema", "location": format!("{BASE}/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")})
    );
    let mut user_name = user["attributes"][0].clone();
    user_name.as_object_mut().unwrap().remove("description");
    assert_eq!(
        user_name,
        json!({
            "name": "userName", "type": "string", "multiValued": false, "required": true,
            "caseExact": false, "mutability": "readWrite", "returned": "default",
            "uniqueness": "server"
        })
    );
    let group = &list["Resources"][1];
    let members = group["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "members")
        .unwrap();
    let mut r = members["subAttributes"][1].clone();
    r.as_object_mut().unwrap().remove("description");
    assert_eq!(
        r,
        json!({
            "name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"],
            "multiValued": false, "required": false, "caseExact": false,
            "mutability": "immutable", "returned": "default", "uniqueness": "none"
        })
    );
    let enterprise = &list["Resources"][2];
    assert_eq!(enterprise["id"], json!(ENTERPRISE_USER_URN));
    let manager = enterprise["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "manager")
        .unwrap();
    let names: Vec<&str> = manager["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["value", "$ref", "displayName"]);
}

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
use scim_core::schema::{ENTERPRISE_USER_URN, RESOURCE_TYPE_URN, SCHEMA_URN, SchemaRegistry};
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

/// The §8.7.2 schemas as `/Schemas` renders a schema, without the `schemas` member the RFC's
/// listing does not print.
fn rendered_service_provider_schemas() -> Vec<Value> {
    scim_core::schema::service_provider_schemas()
        .iter()
        .map(|s| {
            let mut doc = s.to_json(None);
            let schemas = doc.as_object_mut().unwrap().remove("schemas");
            assert_eq!(schemas, Some(json!([SCHEMA_URN])));
            doc
        })
        .collect()
}

fn attr_mut<'a>(attrs: &'a mut Value, name: &str) -> &'a mut Value {
    attrs
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no attribute {name}"))
}

#[test]
fn s8_7_2_service_provider_schema_representation() {
    let rfc = data("rfc7643/8.7.2-service-provider-schemas.json");
    let ours = rendered_service_provider_schemas();
    let mut want = rfc.clone();

    // ServiceProviderConfig.
    let spc = &mut want[0]["attributes"];
    // Our rendering writes caseExact for every non-complex, non-boolean attribute; the
    // listing leaves it out of the integer attributes.
    for (feature, max) in [
        ("bulk", "maxOperations"),
        ("bulk", "maxPayloadSize"),
        ("filter", "maxResults"),
    ] {
        let sub = attr_mut(&mut attr_mut(spc, feature)["subAttributes"], max);
        assert!(sub.get("caseExact").is_none());
        sub["caseExact"] = json!(false);
    }
    // §5 makes `etag` REQUIRED; the listing leaves it out.
    let sort = attr_mut(spc, "sort").clone();
    let mut etag = sort;
    etag["name"] = json!("etag");
    etag["description"] = json!("A complex type that specifies ETag configuration options.");
    let at = spc
        .as_array()
        .unwrap()
        .iter()
        .position(|a| a["name"] == "sort")
        .unwrap()
        + 1;
    spc.as_array_mut().unwrap().insert(at, etag);
    // §5 makes authenticationSchemes.type REQUIRED; `primary` is §2.4's (and §8.5 sends it).
    let schemes = &mut attr_mut(spc, "authenticationSchemes")["subAttributes"];
    let names: Vec<&str> = schemes
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["name", "description", "specUri", "documentationUri"]
    );
    let subs = schemes.as_array_mut().unwrap();
    subs.insert(
        0,
        json!({
            "name": "type", "type": "string", "multiValued": false,
            "description": "The authentication scheme.  This specification defines the values 'oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', and 'httpdigest'.",
            "required": true,
            "canonicalValues": ["oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"],
            "caseExact": false, "mutability": "readOnly", "returned": "default", "uniqueness": "none"
        }),
    );
    subs.push(json!({
        "name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred authentication scheme.",
        "required": false, "mutability": "readOnly", "returned": "default"
    }));

    // ResourceType: §6 makes schemaExtensions a list and OPTIONAL.
    let ext = attr_mut(&mut want[1]["attributes"], "schemaExtensions");
    assert_eq!(
        (&ext["multiValued"], &ext["required"]),
        (&json!(false), &json!(true))
    );
    ext["multiValued"] = json!(true);
    ext["required"] = json!(false);

    // Schema: §7 makes referenceTypes multi-valued; the listing's copy under subAttributes
    // says otherwise.
    let attributes = attr_mut(&mut want[2]["attributes"], "attributes");
    assert_eq!(
        attr_mut(&mut attributes["subAttributes"], "referenceTypes")["multiValued"],
        json!(true)
    );
    let nested = attr_mut(&mut attributes["subAttributes"], "subAttributes");
    let rt = attr_mut(&mut nested["subAttributes"], "referenceTypes");
    assert_eq!(rt["multiValued"], json!(false));
    rt["multiValued"] = json!(true);

    assert_eq!(Value::Array(ours), want);
    // And everything else is the RFC's listing, kept as printed (the Schema `description`
    // attribute repeats the description of `name`).
    let desc = &rfc[2]["attributes"][2];
    assert_eq!(desc["name"], json!("description"));
    assert!(
        desc["description"]
            .as_str()
            .unwrap()
            .starts_with("The schema's human-readable name.")
    );
}

/// Problems with `doc` against `attrs` (a §8.7.2 schema's attributes, as rendered): missing
/// required attributes, values of the wrong JSON type, members the schema does not define.
fn conformance(doc: &Value, attrs: &Value, at: &str, top: bool, problems: &mut Vec<String>) {
    let attrs = attrs.as_array().unwrap();
    let Some(obj) = doc.as_object() else {
        problems.push(format!("{at} is not an object"));
        return;
    };
    for key in obj.keys() {
        let common = top && ["schemas", "id", "meta"].contains(&key.as_str());
        if !common && !attrs.iter().any(|a| a["name"] == key.as_str()) {
            problems.push(format!("{at}.{key} is not defined"));
        }
    }
    for def in attrs {
        let name = def["name"].as_str().unwrap();
        let path = format!("{at}.{name}");
        let Some(value) = obj.get(name) else {
            if def["required"] == json!(true) {
                problems.push(format!("{path} is required"));
            }
            continue;
        };
        let values: Vec<&Value> = if def["multiValued"] == json!(true) {
            match value.as_array() {
                Some(items) => items.iter().collect(),
                None => {
                    problems.push(format!("{path} is not an array"));
                    continue;
                }
            }
        } else {
            vec![value]
        };
        for v in values {
            let ok = match def["type"].as_str().unwrap() {
                "string" | "reference" | "dateTime" | "binary" => v.is_string(),
                "boolean" => v.is_boolean(),
                "integer" => v.is_i64() || v.is_u64(),
                "decimal" => v.is_number(),
                "complex" => {
                    conformance(v, &def["subAttributes"], &path, false, problems);
                    true
                }
                other => panic!("{path}: type {other}"),
            };
            if !ok {
                problems.push(format!("{path} is not a {}", def["type"]));
            }
        }
    }
}

#[test]
fn s8_7_2_discovery_documents_conform() {
    use scim_core::discovery::{
        AuthenticationScheme, SERVICE_PROVIDER_CONFIG_URN, ServiceProviderConfig,
    };
    let schemas = rendered_service_provider_schemas();
    let of = |urn: &str| schemas.iter().find(|s| s["id"] == urn).unwrap()["attributes"].clone();
    let registry = SchemaRegistry::standard();
    let mut problems = Vec::new();

    // The default configuration, and one with every optional member filled in.
    let full = ServiceProviderConfig {
        documentation_uri: Some("https://example.com/help/scim.html".into()),
        authentication_schemes: vec![AuthenticationScheme {
            documentation_uri: Some("https://example.com/help/oauth.html".into()),
            ..AuthenticationScheme::bearer_token()
        }],
        ..ServiceProviderConfig::default()
    };
    for (n, spc) in [ServiceProviderConfig::default(), full].iter().enumerate() {
        for base in [None, Some(BASE)] {
            let doc = spc.to_json(base);
            conformance(
                &doc,
                &of(SERVICE_PROVIDER_CONFIG_URN),
                &format!("ServiceProviderConfig#{n}"),
                true,
                &mut problems,
            );
        }
    }
    let resource_types = scim_core::discovery::resource_types_list(&registry, Some(BASE));
    let resource_types = resource_types["Resources"].as_array().unwrap();
    assert_eq!(resource_types.len(), 2);
    for doc in resource_types {
        conformance(
            doc,
            &of(RESOURCE_TYPE_URN),
            doc["id"].as_str().unwrap(),
            true,
            &mut problems,
        );
    }
    let served = scim_core::discovery::schemas_list(&registry, Some(BASE));
    let served = served["Resources"].as_array().unwrap();
    assert_eq!(served.len(), 3);
    for doc in served {
        conformance(
            doc,
            &of(SCHEMA_URN),
            doc["id"].as_str().unwrap(),
            true,
            &mut problems,
        );
    }
    assert_eq!(problems, Vec::<String>::new());

    // The §8.7.2 schemas are schema documents too. The Schema schema's own
    // `attributes.subAttributes` has sub-attributes, one level deeper than its
    // `subAttributes` definition describes (the listing's nesting, kept as printed).
    let mut own = Vec::new();
    for doc in scim_core::schema::service_provider_schemas() {
        let doc = doc.to_json(Some(BASE));
        conformance(
            &doc,
            &of(SCHEMA_URN),
            doc["id"].as_str().unwrap(),
            true,
            &mut own,
        );
    }
    assert_eq!(
        own,
        [format!(
            "{SCHEMA_URN}.attributes.subAttributes.subAttributes is not defined"
        )]
    );

    // The checker does find what it looks for.
    let mut bad = registry.resource_types()[0].to_json(None);
    bad.as_object_mut().unwrap().remove("endpoint");
    bad["schemaExtensions"] = json!({"schema": ENTERPRISE_USER_URN, "required": "false"});
    bad["extra"] = json!(1);
    let mut found = Vec::new();
    conformance(&bad, &of(RESOURCE_TYPE_URN), "User", true, &mut found);
    found.sort();
    assert_eq!(
        found,
        [
            "User.endpoint is required",
            "User.extra is not defined",
            "User.schemaExtensions is not an array"
        ]
    );
}

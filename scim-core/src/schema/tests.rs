use super::*;

/// (name, type, multiValued, required, caseExact, mutability, returned, uniqueness) for every
/// top-level attribute, as RFC 7643 §4.1 / §8.7.1 list them.
type Row = (
    &'static str,
    &'static str,
    bool,
    bool,
    bool,
    &'static str,
    &'static str,
    &'static str,
);

const USER_TABLE: &[Row] = &[
    (
        "userName",
        "string",
        false,
        true,
        false,
        "readWrite",
        "default",
        "server",
    ),
    (
        "name",
        "complex",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "displayName",
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "nickName",
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "profileUrl",
        "reference",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "title",
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "userType",
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "preferredLanguage",
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "locale",
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "timezone",
        "string",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "active",
        "boolean",
        false,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "password",
        "string",
        false,
        false,
        false,
        "writeOnly",
        "never",
        "none",
    ),
    (
        "emails",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "phoneNumbers",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "ims",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "photos",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "addresses",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "groups", "complex", true, false, false, "readOnly", "default", "none",
    ),
    (
        "entitlements",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "roles",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
    (
        "x509Certificates",
        "complex",
        true,
        false,
        false,
        "readWrite",
        "default",
        "none",
    ),
];

#[test]
fn user_schema_matches_rfc7643_table() {
    let s = user_schema();
    assert_eq!(s.attributes.len(), USER_TABLE.len());
    for (def, row) in s.attributes.iter().zip(USER_TABLE) {
        let got = (
            def.name.as_str(),
            def.ty.as_str(),
            def.multi_valued,
            def.required,
            def.case_exact,
            def.mutability.as_str(),
            def.returned.as_str(),
            def.uniqueness.as_str(),
        );
        assert_eq!(&got, row);
    }
}

#[test]
fn sub_attribute_characteristics() {
    let u = user_schema();
    let groups = u.attribute("groups").unwrap();
    for sub in &groups.sub_attributes {
        assert_eq!(sub.mutability, Mutability::ReadOnly, "groups.{}", sub.name);
    }
    assert_eq!(
        groups.sub_attribute("$ref").unwrap().reference_types,
        vec!["User", "Group"]
    );
    let emails = u.attribute("EMAILS").unwrap();
    let names: Vec<&str> = emails
        .sub_attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["value", "display", "type", "primary"]);
    assert_eq!(
        emails.sub_attribute("type").unwrap().canonical_values,
        vec!["work", "home", "other"]
    );
    let g = group_schema();
    let members = g.attribute("members").unwrap();
    let names: Vec<(&str, Mutability)> = members
        .sub_attributes
        .iter()
        .map(|a| (a.name.as_str(), a.mutability))
        .collect();
    assert_eq!(
        names,
        [
            ("value", Mutability::Immutable),
            ("$ref", Mutability::Immutable),
            ("display", Mutability::ReadWrite),
            ("type", Mutability::Immutable)
        ]
    );
    let e = enterprise_user_schema();
    let names: Vec<&str> = e.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager"
        ]
    );
    let manager = e.attribute("manager").unwrap();
    assert_eq!(
        manager.sub_attribute("displayName").unwrap().mutability,
        Mutability::ReadOnly
    );
    let common = common_attributes();
    let id = &common[0];
    assert_eq!(
        (
            id.name.as_str(),
            id.case_exact,
            id.mutability,
            id.returned,
            id.uniqueness
        ),
        (
            "id",
            true,
            Mutability::ReadOnly,
            Returned::Always,
            Uniqueness::Server
        )
    );
}

#[test]
fn schema_json_round_trips() {
    for s in SchemaRegistry::standard().schemas() {
        let doc = s.to_json(None);
        let back = Schema::from_json(&doc).unwrap();
        assert_eq!(&back, s);
        // No nulls anywhere (Entra rejects them in /Schemas).
        assert!(!doc.to_string().contains("null"));
    }
}

#[test]
fn builder_rejects_unknown_schema() {
    let err = SchemaRegistry::builder()
        .with_extension("User", "urn:example:missing:2.0:User", false)
        .build()
        .unwrap_err();
    assert_eq!(err.status(), 500);
    let err = SchemaRegistry::builder()
        .with_extension("Device", "urn:example:missing:2.0:User", false)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("Device"));
}

#[test]
fn from_json_rejects_bad_definitions() {
    let bad = serde_json::json!({"id": "urn:x:y:z", "attributes": [{"name": "1bad"}]});
    assert!(Schema::from_json(&bad).is_err());
    let bad = serde_json::json!({"id": "urn:x:y:z", "attributes": [{"name": "a", "type": "blob"}]});
    assert_eq!(
        Schema::from_json(&bad).unwrap_err().to_string(),
        "attribute 'attributes.a.type': unknown type 'blob'"
    );
}

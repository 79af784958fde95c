//! Property tests: random PATCH sequences keep random users schema-valid (and failed
//! requests change nothing); an add followed by the remove of the same value restores the
//! original resource.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is the failure report

mod common;

use common::engine;
use proptest::prelude::*;
use scim_core::{RenderOptions, Resource, Scim};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z][a-zA-Z0-9 ._@-]{0,12}"
}

fn email_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("work".to_owned()),
        Just("home".to_owned()),
        Just("other".to_owned())
    ]
}

prop_compose! {
    fn email()(v in word(), t in email_type(), p in any::<Option<bool>>()) -> Value {
        let mut e = json!({"value": format!("{v}@example.com"), "type": t});
        if let Some(p) = p { e["primary"] = json!(p); }
        e
    }
}

prop_compose! {
    fn user()(
        user_name in word(),
        given in proptest::option::of(word()),
        family in proptest::option::of(word()),
        emails in proptest::collection::vec(email(), 0..4),
        active in any::<Option<bool>>(),
        department in proptest::option::of(word()),
    ) -> Value {
        let mut u = json!({"schemas": [USER, ENT], "userName": user_name});
        let mut name = serde_json::Map::new();
        if let Some(g) = given { name.insert("givenName".into(), json!(g)); }
        if let Some(f) = family { name.insert("familyName".into(), json!(f)); }
        if !name.is_empty() { u["name"] = Value::Object(name); }
        // At most one primary, as validation requires.
        let mut seen = false;
        let emails: Vec<Value> = emails.into_iter().map(|mut e| {
            if e.get("primary") == Some(&json!(true)) {
                if seen { e["primary"] = json!(false); }
                seen = true;
            }
            e
        }).collect();
        if !emails.is_empty() { u["emails"] = json!(emails); }
        if let Some(a) = active { u["active"] = json!(a); }
        if let Some(d) = department { u[ENT] = json!({"department": d}); }
        u
    }
}

fn path() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("userName".to_owned())),
        Just(Some("nickName".to_owned())),
        Just(Some("active".to_owned())),
        Just(Some("name".to_owned())),
        Just(Some("name.givenName".to_owned())),
        Just(Some("emails".to_owned())),
        Just(Some("emails[type eq \"work\"]".to_owned())),
        Just(Some("emails[type eq \"work\"].value".to_owned())),
        Just(Some("emails[primary eq true].value".to_owned())),
        Just(Some("emails[value co \"a\"]".to_owned())),
        Just(Some(format!("{ENT}:department"))),
        Just(Some(format!("{ENT}:manager.value"))),
        Just(Some(ENT.to_owned())),
        Just(Some("groups".to_owned())),
        Just(Some("id".to_owned())),
        Just(Some("bogus".to_owned())),
    ]
}

fn value() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        Just(None),
        word().prop_map(|w| Some(json!(w))),
        any::<bool>().prop_map(|b| Some(json!(b))),
        Just(Some(json!("False"))),
        Just(Some(json!(42))),
        Just(Some(Value::Null)),
        email().prop_map(|e| Some(json!([e]))),
        email().prop_map(Some),
        word().prop_map(|w| Some(json!({"givenName": w, "familyName": "F"}))),
        word().prop_map(|w| Some(json!({"nickName": w, "active": false, "name.familyName": "Z"}))),
        word().prop_map(|w| Some(json!({"department": w}))),
    ]
}

prop_compose! {
    fn operation()(op in prop_oneof![Just("add"), Just("remove"), Just("replace"), Just("Replace")], path in path(), value in value()) -> Value {
        let mut o = json!({"op": op});
        if let Some(p) = path { o["path"] = json!(p); }
        if let Some(v) = value { o["value"] = v; }
        o
    }
}

fn assert_valid(scim: &Scim, r: &Resource) {
    let out = scim.render(r, RenderOptions::default()).unwrap();
    // The rendering validates as a new resource (types, required, one primary).
    if let Err(e) = scim.create("User", &out) {
        panic!("not schema-valid after PATCH: {e}: {out}");
    }
    assert!(out["userName"].is_string());
    if let Some(emails) = out["emails"].as_array() {
        assert!(
            emails
                .iter()
                .filter(|e| e["primary"] == json!(true))
                .count()
                <= 1,
            "{out}"
        );
        assert!(!emails.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_patch_sequences_keep_users_valid(u in user(), seq in proptest::collection::vec(proptest::collection::vec(operation(), 1..4), 1..6)) {
        let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
        let mut res = scim.create("User", &u).unwrap();
        assert_valid(&scim, &res);
        for ops in seq {
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
            let Ok(req) = scim.parse_patch(&body) else { continue };
            let before = res.clone();
            match scim.patch(&mut res, &req) {
                Ok(outcome) => {
                    if !outcome.changed {
                        prop_assert_eq!(&res, &before);
                    }
                }
                Err(_) => prop_assert_eq!(&res, &before),
            }
            assert_valid(&scim, &res);
        }
    }

    #[test]
    fn add_then_remove_restores_the_user(u in user(), e in email(), nick in word()) {
        let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
        let original = scim.create("User", &u).unwrap();
        let existing: Vec<Value> = original.attribute("emails").and_then(Value::as_array).cloned().unwrap_or_default();
        let value = e["value"].as_str().unwrap().to_owned();
        // emails.value is not caseExact: the remove filter matches any case.
        prop_assume!(!existing.iter().any(|x| x["value"].as_str().unwrap().eq_ignore_ascii_case(&value)));
        // A new email without primary (so adding it cannot clear another's primary).
        let mut e = e;
        e.as_object_mut().unwrap().remove("primary");
        let mut res = original.clone();
        let add = scim.parse_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "emails", "value": [e]}]})).unwrap();
        prop_assert!(scim.patch(&mut res, &add).unwrap().changed);
        let remove = scim.parse_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": format!("emails[value eq {}]", json!(value))}]})).unwrap();
        scim.patch(&mut res, &remove).unwrap();
        prop_assert_eq!(res.attributes(), original.attributes());
        // And a single-valued attribute that was unassigned.
        if original.attribute("nickName").is_none() {
            let add = scim.parse_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "nickName", "value": nick}]})).unwrap();
            scim.patch(&mut res, &add).unwrap();
            let remove = scim.parse_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "nickName"}]})).unwrap();
            scim.patch(&mut res, &remove).unwrap();
            prop_assert_eq!(res.attributes(), original.attributes());
        }
    }

    #[test]
    fn add_then_remove_member_restores_the_group(n in 0usize..50, pos_value in "[a-z0-9-]{1,20}") {
        let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
        let members: Vec<Value> = (0..n).map(|i| json!({"value": format!("m{i}"), "display": format!("M {i}")})).collect();
        let original = scim.create("Group", &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": members})).unwrap();
        let value = format!("new-{pos_value}");
        let mut res = original.clone();
        let add = scim.parse_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "members", "value": [{"value": value, "display": "N"}]}]})).unwrap();
        let o = scim.patch(&mut res, &add).unwrap();
        prop_assert_eq!(o.members_added, vec![value.clone()]);
        let remove = scim.parse_patch(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": format!("members[value eq {}]", json!(value))}]})).unwrap();
        let o = scim.patch(&mut res, &remove).unwrap();
        prop_assert_eq!(o.members_removed, vec![value]);
        prop_assert_eq!(res.members(), original.members());
        prop_assert_eq!(res.attributes(), original.attributes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A userName collides with its canonically equivalent and case-changed spellings, in the
    /// uniqueness key and in the store, and is stored exactly as sent.
    #[test]
    fn unique_names_collide_across_unicode_forms_and_case(
        name in "[a-zA-Z0-9äÄöÖüÜßéÉñÑÅ]{1,6}[\u{301}\u{308}\u{30A}]?[a-zß]{0,4}",
    ) {
        use scim_core::store::{MemoryStore, ResourceStore};
        use scim_core::uniqueness::key;
        use unicode_normalization::UnicodeNormalization;
        let nfd: String = name.nfd().collect();
        let nfc: String = name.nfc().collect();
        let variants = [nfd.clone(), nfc, name.to_uppercase(), nfd.to_lowercase(), nfd.to_uppercase()];
        for v in &variants {
            prop_assert_eq!(key(v, false), key(&name, false), "{:?} / {:?}", v, name);
        }
        let (scim, _) = engine("2024-01-01T00:00:00Z", &[]);
        let store = MemoryStore::new(scim.clone());
        let body = |n: &str| json!({"schemas": [USER], "userName": n});
        let first = common::block_on(store.create(scim.create("User", &body(&name)).unwrap())).unwrap();
        prop_assert_eq!(first.attribute("userName"), Some(&json!(name)));
        for v in &variants {
            let err = common::block_on(store.create(scim.create("User", &body(v)).unwrap())).unwrap_err();
            prop_assert_eq!(err.status(), 409);
        }
    }
}

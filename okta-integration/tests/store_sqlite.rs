//! The SQLite store: uniqueness under concurrency, the queue written atomically with each
//! change, tenant isolation, sessions, request state, replay persistence, audit paging and
//! group membership rows.
// Test code outside #[test] functions: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod store_support;

use std::sync::Arc;

use okta_integration::audit::{AuditEvent, AuditKind, AuditQuery};
use okta_integration::provisioning::{ChangeKind, ProvisionEvent};
use okta_integration::store::{
    IdpSettings, NewSession, OrgId, OrgSlug, RequestState, SecretHash, Store, StoreError,
};
use saml_sp::ReplayRefusal;
use saml_sp::time::UnixTime;
use scim_core::meta::Conditions;
use scim_core::query::ListQuery;
use scim_core::store::ResourceStore as _;
use serde_json::{Value, json};
use store_support::{T0, TestClock, block_on, open, temp_db};

fn org(store: &dyn Store, slug: &str, default: bool) -> OrgId {
    block_on(store.create_organization(&OrgSlug::try_from(slug).unwrap(), slug, default))
        .unwrap()
        .id
}

fn user_body(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": name, "type": "work"}],
        "active": true,
        "password": "s3cret",
        "groups": []
    })
}

fn create_user(store: &dyn Store, org: OrgId, name: &str) -> scim_core::Resource {
    let res = store.resources(org);
    let scim = store_support::scim();
    let new = scim.create("User", &user_body(name)).unwrap();
    // A stable id per userName (the same in every organization).
    let mut v = new.to_storage_json();
    v["id"] = json!(format!("u-{}", name.to_lowercase()));
    let new = scim_core::Resource::from_storage_json(&v).unwrap();
    block_on(res.create(new)).unwrap()
}

fn patch(store: &dyn Store, org: OrgId, rt: &str, id: &str, body: Value) -> scim_core::Resource {
    let scim = store_support::scim();
    let req = scim.parse_patch(&body).unwrap();
    block_on(
        store
            .resources(org)
            .patch(rt, id, &req, &Conditions::none()),
    )
    .unwrap()
}

fn pending_kinds(store: &dyn Store) -> Vec<(ChangeKind, String)> {
    let mut out = Vec::new();
    let now = UnixTime::from_unix_seconds(T0);
    // Claim everything with a short lease, then let the lease lapse by claiming at a later time.
    let mut t = now;
    while let Some(b) =
        block_on(store.claim_batch(1000, std::time::Duration::from_secs(1), t)).unwrap()
    {
        for c in &b.changes {
            out.push((c.event.kind(), c.event.resource_id().to_owned()));
        }
        block_on(store.complete_changes(
            b.org,
            &b.changes.iter().map(|c| c.id).collect::<Vec<_>>(),
            t,
        ))
        .unwrap();
        t = t.saturating_add(std::time::Duration::from_secs(2));
    }
    out
}

#[test]
fn fifty_concurrent_creates_of_one_user_name_have_one_winner() {
    let clock = TestClock::new();
    let path = temp_db("concurrent");
    let store = Arc::new(open(&path, &clock));
    let org = org(store.as_ref(), "acme", true);
    let handles: Vec<_> = (0..50)
        .map(|i| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                // Vary the case: uniqueness of userName is case-insensitive.
                let name = if i % 2 == 0 {
                    "Jane@Example.com"
                } else {
                    "jane@example.COM"
                };
                let scim = store_support::scim();
                let mut body = user_body(name);
                body["externalId"] = json!(format!("ext-{i}"));
                let r = scim.create("User", &body).unwrap();
                // Distinct ids per thread (each engine counts from 1).
                let r = {
                    let mut v = r.to_storage_json();
                    v["id"] = json!(format!("u{i}"));
                    scim_core::Resource::from_storage_json(&v).unwrap()
                };
                block_on(store.resources(org).create(r))
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1);
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(r.status(), 409);
        assert!(
            matches!(r, scim_core::Error::Uniqueness { attribute, .. } if attribute == "userName")
        );
    }
    let page = block_on(store.resources(org).query("User", &ListQuery::new())).unwrap();
    assert_eq!(page.total_results, 1);
    // Exactly one queue entry: the winner's creation.
    let kinds = pending_kinds(store.as_ref());
    assert_eq!(kinds.len(), 1);
    assert_eq!(kinds[0].0, ChangeKind::UserCreated);
}

#[test]
fn concurrent_creates_of_distinct_users_all_commit_with_one_queue_entry_each() {
    let clock = TestClock::new();
    let path = temp_db("concurrent-distinct");
    let store = Arc::new(open(&path, &clock));
    let org = org(store.as_ref(), "acme", true);
    let handles: Vec<_> = (0..40)
        .map(|i| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let scim = store_support::scim();
                let mut v = scim
                    .create("User", &user_body(&format!("user{i}@example.com")))
                    .unwrap()
                    .to_storage_json();
                v["id"] = json!(format!("u{i}"));
                let r = scim_core::Resource::from_storage_json(&v).unwrap();
                block_on(store.resources(org).create(r)).map(|r| r.id().as_str().to_owned())
            })
        })
        .collect();
    let mut ids: Vec<String> = handles
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    ids.sort();
    let mut expected: Vec<String> = (0..40).map(|i| format!("u{i}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
    // Reopening proves every answered write was committed.
    drop(store);
    let store = open(&path, &clock);
    let page = block_on(store.resources(org).query("User", &ListQuery::new())).unwrap();
    assert_eq!(page.total_results, 40);
    let kinds = pending_kinds(&store);
    assert_eq!(kinds.len(), 40);
    assert!(kinds.iter().all(|(k, _)| *k == ChangeKind::UserCreated));
}

#[test]
fn a_failure_after_the_resource_write_rolls_back_resource_and_queue_entry() {
    let clock = TestClock::new();
    let path = temp_db("atomic");
    let store = open(&path, &clock);
    let org = org(&store, "acme", true);
    // Simulate a crash between the resource write and the queue write: the queue insert fails.
    let side = rusqlite::Connection::open(&path).unwrap();
    side.execute_batch(
        "CREATE TRIGGER fail_queue BEFORE INSERT ON changes BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;",
    )
    .unwrap();
    let scim = store_support::scim();
    let r = scim.create("User", &user_body("a@example.com")).unwrap();
    let err = block_on(store.resources(org).create(r.clone())).unwrap_err();
    assert_eq!(err.status(), 500);
    let users: i64 = side
        .query_row("SELECT count(*) FROM resources", [], |r| r.get(0))
        .unwrap();
    let queued: i64 = side
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    let uniques: i64 = side
        .query_row("SELECT count(*) FROM unique_values", [], |r| r.get(0))
        .unwrap();
    assert_eq!((users, queued, uniques), (0, 0, 0));
    // The userName is still free: the failed transaction left nothing behind.
    side.execute_batch("DROP TRIGGER fail_queue;").unwrap();
    let created = block_on(store.resources(org).create(r)).unwrap();
    assert_eq!(created.attribute("userName"), Some(&json!("a@example.com")));
    let queued: i64 = side
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(queued, 1);

    // The same for an update: a failing queue insert leaves the user active.
    side.execute_batch(
        "CREATE TRIGGER fail_queue BEFORE INSERT ON changes BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;",
    )
    .unwrap();
    let scim = store_support::scim();
    let req = scim
        .parse_patch(
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": false}}]}),
        )
        .unwrap();
    let id = created.id().as_str().to_owned();
    assert!(
        block_on(
            store
                .resources(org)
                .patch("User", &id, &req, &Conditions::none())
        )
        .is_err()
    );
    let again = block_on(store.resources(org).get("User", &id)).unwrap();
    assert_eq!(again.attribute("active"), Some(&json!(true)));
    assert_eq!(again.meta().revision, created.meta().revision);
}

#[test]
fn organizations_are_isolated() {
    let clock = TestClock::new();
    let path = temp_db("tenants");
    let store = open(&path, &clock);
    let a = org(&store, "org-a", true);
    let b = org(&store, "org-b", false);
    // The same userName in two organizations.
    let ua = create_user(&store, a, "same@example.com");
    let ub = create_user(&store, b, "SAME@example.com");
    assert_eq!(
        ua.id().as_str(),
        ub.id().as_str(),
        "the same id in both organizations"
    );
    let q = ListQuery::new()
        .with_filter("userName eq \"same@example.com\"", false)
        .unwrap();
    let pa = block_on(store.resources(a).query("User", &q)).unwrap();
    let pb = block_on(store.resources(b).query("User", &q)).unwrap();
    assert_eq!(pa.total_results, 1);
    assert_eq!(pb.total_results, 1);
    assert_eq!(
        pa.resources[0].attribute("userName"),
        Some(&json!("same@example.com"))
    );
    assert_eq!(
        pb.resources[0].attribute("userName"),
        Some(&json!("SAME@example.com"))
    );
    // Only org B's users are in B, whatever the filter.
    let only_b = create_user(&store, b, "bee@example.com");
    let all_a = block_on(store.resources(a).query("User", &ListQuery::new())).unwrap();
    assert_eq!(all_a.total_results, 1);
    let qb = ListQuery::new()
        .with_filter("userName co \"bee\" or title pr", false)
        .unwrap();
    assert_eq!(
        block_on(store.resources(a).query("User", &qb))
            .unwrap()
            .total_results,
        0
    );
    assert_eq!(
        block_on(store.resources(b).query("User", &qb))
            .unwrap()
            .total_results,
        1
    );
    let err = block_on(store.resources(a).get("User", only_b.id().as_str())).unwrap_err();
    assert_eq!(err.status(), 404);
    assert!(
        block_on(
            store
                .resources(a)
                .delete("User", only_b.id().as_str(), &Conditions::none())
        )
        .is_err()
    );

    // Tokens: A's token is not B's.
    let idp = IdpSettings {
        sso_url: "https://idp.example.com/sso".into(),
        issuer: "http://www.okta.com/exk1".into(),
        certificates: vec!["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----".into()],
        metadata_xml: None,
    };
    block_on(store.save_integration_settings(a, &idp, SecretHash::of("token-a"))).unwrap();
    block_on(store.save_integration_settings(b, &idp, SecretHash::of("token-b"))).unwrap();
    assert!(block_on(store.verify_scim_token(a, "token-a")).unwrap());
    assert!(!block_on(store.verify_scim_token(b, "token-a")).unwrap());
    assert!(!block_on(store.verify_scim_token(a, "token-b")).unwrap());

    // Sessions: A's session is unknown in B.
    let sid = SecretHash::of("session-a");
    let now = UnixTime::from_unix_seconds(T0);
    block_on(store.create_session(
        a,
        &NewSession {
            id_hash: sid,
            user_id: ua.id().as_str().into(),
            user_name: "same@example.com".into(),
            created_at: now,
            expires_at: UnixTime::from_unix_seconds(T0 + 3600),
        },
    ))
    .unwrap();
    assert!(block_on(store.session(a, sid, now)).unwrap().is_some());
    assert!(block_on(store.session(b, sid, now)).unwrap().is_none());

    // Request state and replay entries are per organization.
    let rs = RequestState {
        request_id: "_req1".into(),
        relay_state: Some("/home".into()),
        created_at: now,
        expires_at: UnixTime::from_unix_seconds(T0 + 300),
    };
    block_on(store.save_request_state(a, &rs)).unwrap();
    assert_eq!(
        block_on(store.take_request_state(b, "_req1", now)).unwrap(),
        None
    );
    assert_eq!(
        block_on(store.take_request_state(a, "_req1", now)).unwrap(),
        Some(rs)
    );
    let later = UnixTime::from_unix_seconds(T0 + 600);
    assert_eq!(
        store
            .replay_cache(a)
            .check_and_record("idp\nid1", later, now),
        Ok(())
    );
    assert_eq!(
        store
            .replay_cache(b)
            .check_and_record("idp\nid1", later, now),
        Ok(())
    );
    assert_eq!(
        store
            .replay_cache(a)
            .check_and_record("idp\nid1", later, now),
        Err(ReplayRefusal::AlreadyUsed)
    );
}

#[test]
fn saving_settings_replaces_the_token_at_once() {
    let clock = TestClock::new();
    let store = open(&temp_db("settings"), &clock);
    let a = org(&store, "acme", true);
    assert_eq!(block_on(store.integration_settings(a)).unwrap(), None);
    assert!(!block_on(store.verify_scim_token(a, "anything")).unwrap());
    let idp = IdpSettings {
        sso_url: "https://idp.example.com/sso".into(),
        issuer: "issuer-1".into(),
        certificates: vec!["PEM1".into(), "PEM2".into()],
        metadata_xml: Some("<md/>".into()),
    };
    let first = block_on(store.save_integration_settings(a, &idp, SecretHash::of("old"))).unwrap();
    assert_eq!(first.idp, idp);
    assert_eq!(first.created_at, UnixTime::from_unix_seconds(T0));
    clock.advance(60);
    let idp2 = IdpSettings {
        issuer: "issuer-2".into(),
        ..idp
    };
    let second =
        block_on(store.save_integration_settings(a, &idp2, SecretHash::of("new"))).unwrap();
    assert_eq!(second.created_at, UnixTime::from_unix_seconds(T0));
    assert_eq!(second.updated_at, UnixTime::from_unix_seconds(T0 + 60));
    assert_eq!(second.idp.issuer, "issuer-2");
    assert!(!block_on(store.verify_scim_token(a, "old")).unwrap());
    assert!(block_on(store.verify_scim_token(a, "new")).unwrap());
    assert_eq!(
        block_on(store.integration_settings(a)).unwrap(),
        Some(second)
    );
    // Unknown organization.
    let err =
        block_on(store.save_integration_settings(OrgId::new(999), &idp2, SecretHash::of("x")))
            .unwrap_err();
    assert!(matches!(
        err,
        StoreError::NotFound {
            what: "organization",
            ..
        }
    ));
}

#[test]
fn organizations_slugs_and_default() {
    let clock = TestClock::new();
    let store = open(&temp_db("orgs"), &clock);
    let a = org(&store, "test-org", true);
    let b = org(&store, "other", true);
    let dup = block_on(store.create_organization(&OrgSlug::try_from("other").unwrap(), "x", false));
    assert!(matches!(
        dup,
        Err(StoreError::Conflict {
            what: "organization",
            ..
        })
    ));
    assert_eq!(
        block_on(store.default_organization()).unwrap().unwrap().id,
        b
    );
    block_on(store.set_default_organization(a)).unwrap();
    let d = block_on(store.default_organization()).unwrap().unwrap();
    assert_eq!((d.id, d.slug.as_str(), d.is_default), (a, "test-org", true));
    let all = block_on(store.organizations()).unwrap();
    let slugs: Vec<_> = all
        .iter()
        .map(|o| (o.slug.as_str(), o.is_default))
        .collect();
    assert_eq!(slugs, [("other", false), ("test-org", true)]);
    assert_eq!(block_on(store.organization_by_slug("nope")).unwrap(), None);
    assert!(OrgSlug::try_from("-bad").is_err());
    assert!(OrgSlug::try_from("a".repeat(64).as_str()).is_err());
}

#[test]
fn deactivation_ends_sessions_and_sign_in_at_once() {
    let clock = TestClock::new();
    let store = open(&temp_db("sessions"), &clock);
    let a = org(&store, "acme", true);
    let u = create_user(&store, a, "Jane.Doe@Example.com");
    let id = u.id().as_str().to_owned();
    let now = UnixTime::from_unix_seconds(T0);
    let new = |secret: &str| NewSession {
        id_hash: SecretHash::of(secret),
        user_id: id.clone(),
        user_name: "Jane.Doe@Example.com".into(),
        created_at: now,
        expires_at: UnixTime::from_unix_seconds(T0 + 3600),
    };
    block_on(store.create_session(a, &new("s1"))).unwrap();
    block_on(store.create_session(a, &new("s2"))).unwrap();
    let s = block_on(store.session(a, SecretHash::of("s1"), now))
        .unwrap()
        .unwrap();
    assert_eq!(
        (s.user_id.as_str(), s.expires_at),
        (id.as_str(), UnixTime::from_unix_seconds(T0 + 3600))
    );
    // Expired at its end.
    assert!(
        block_on(store.session(
            a,
            SecretHash::of("s1"),
            UnixTime::from_unix_seconds(T0 + 3600)
        ))
        .unwrap()
        .is_none()
    );
    // Sign-in lookup is case-insensitive and preserves the stored case.
    let si = block_on(store.sign_in_user(a, "jane.doe@example.COM"))
        .unwrap()
        .unwrap();
    assert_eq!(
        (si.user_name.as_str(), si.active, si.provisioned),
        ("Jane.Doe@Example.com", true, false)
    );

    patch(
        &store,
        a,
        "User",
        &id,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]}),
    );
    assert!(
        block_on(store.session(a, SecretHash::of("s1"), now))
            .unwrap()
            .is_none()
    );
    assert!(
        block_on(store.session(a, SecretHash::of("s2"), now))
            .unwrap()
            .is_none()
    );
    let si = block_on(store.sign_in_user(a, "jane.doe@example.com"))
        .unwrap()
        .unwrap();
    assert!(!si.active);
    // Reactivation does not bring old sessions back.
    patch(
        &store,
        a,
        "User",
        &id,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": true}}]}),
    );
    assert!(
        block_on(store.session(a, SecretHash::of("s1"), now))
            .unwrap()
            .is_none()
    );
    // A new session works; deleting the user ends it.
    block_on(store.create_session(a, &new("s3"))).unwrap();
    assert!(
        block_on(store.session(a, SecretHash::of("s3"), now))
            .unwrap()
            .is_some()
    );
    block_on(store.resources(a).delete("User", &id, &Conditions::none())).unwrap();
    assert!(
        block_on(store.session(a, SecretHash::of("s3"), now))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        block_on(store.sign_in_user(a, "jane.doe@example.com")).unwrap(),
        None
    );
    // No session for an unknown user.
    assert!(matches!(
        block_on(store.create_session(a, &new("s4"))),
        Err(StoreError::NotFound { what: "user", .. })
    ));
    let kinds: Vec<_> = pending_kinds(&store).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::UserCreated,
            ChangeKind::UserDeactivated,
            ChangeKind::UserReactivated,
            ChangeKind::UserDeleted
        ]
    );
}

#[test]
fn replay_cache_and_request_state_survive_a_restart() {
    let clock = TestClock::new();
    let path = temp_db("replay");
    let now = UnixTime::from_unix_seconds(T0);
    let exp = UnixTime::from_unix_seconds(T0 + 300);
    let a;
    {
        let store = open(&path, &clock);
        a = org(&store, "acme", true);
        assert_eq!(
            store.replay_cache(a).check_and_record("k1", exp, now),
            Ok(())
        );
        block_on(store.save_request_state(
            a,
            &RequestState {
                request_id: "_r".into(),
                relay_state: None,
                created_at: now,
                expires_at: exp,
            },
        ))
        .unwrap();
    }
    let store = open(&path, &clock);
    assert_eq!(
        store.replay_cache(a).check_and_record("k1", exp, now),
        Err(ReplayRefusal::AlreadyUsed)
    );
    // After expiry the key may be recorded again (the assertion itself is expired by then).
    assert_eq!(
        store.replay_cache(a).check_and_record("k1", exp, exp),
        Ok(())
    );
    // Request state: one-time and expiring.
    assert!(
        block_on(store.take_request_state(a, "_r", now))
            .unwrap()
            .is_some()
    );
    assert!(
        block_on(store.take_request_state(a, "_r", now))
            .unwrap()
            .is_none()
    );
    block_on(store.save_request_state(
        a,
        &RequestState {
            request_id: "_late".into(),
            relay_state: None,
            created_at: now,
            expires_at: exp,
        },
    ))
    .unwrap();
    assert!(
        block_on(store.take_request_state(a, "_late", exp))
            .unwrap()
            .is_none()
    );
    // Purge removes expired rows.
    let later = UnixTime::from_unix_seconds(T0 + 1000);
    assert_eq!(block_on(store.purge_expired(later)).unwrap(), 1);
}

#[test]
fn audit_log_records_scim_changes_and_pages() {
    let clock = TestClock::new();
    let store = open(&temp_db("audit"), &clock);
    let a = org(&store, "acme", true);
    let b = org(&store, "other", false);
    let u = create_user(&store, a, "x@example.com");
    for i in 0..5 {
        block_on(
            store.append_audit(
                a,
                &AuditEvent::new(
                    UnixTime::from_unix_seconds(T0 + i),
                    AuditKind::SignInRefused,
                    "not_provisioned",
                )
                .with_actor("x@example.com")
                .with_detail(format!("attempt {i}")),
            ),
        )
        .unwrap();
    }
    block_on(store.append_audit(
        b,
        &AuditEvent::new(
            UnixTime::from_unix_seconds(T0),
            AuditKind::SignIn,
            "idp_initiated",
        ),
    ))
    .unwrap();
    let page1 = block_on(store.audit_log(a, &AuditQuery::latest(4))).unwrap();
    assert_eq!(page1.records.len(), 4);
    assert_eq!(page1.records[0].event.detail, "attempt 4");
    let page2 = block_on(store.audit_log(
        a,
        &AuditQuery {
            before: page1.next_before,
            limit: 4,
            kind: None,
        },
    ))
    .unwrap();
    assert_eq!(page2.next_before, None);
    let details: Vec<_> = page2
        .records
        .iter()
        .map(|r| r.event.detail.as_str())
        .collect();
    assert_eq!(details, ["attempt 0", "x@example.com"]);
    let scim_only = block_on(store.audit_log(
        a,
        &AuditQuery {
            before: None,
            limit: 10,
            kind: Some(AuditKind::ScimChange),
        },
    ))
    .unwrap();
    assert_eq!(scim_only.records.len(), 1);
    let ev = &scim_only.records[0].event;
    assert_eq!(
        (ev.action.as_str(), ev.subject.as_deref()),
        ("user.created", Some(u.id().as_str()))
    );
    let other = block_on(store.audit_log(b, &AuditQuery::latest(10))).unwrap();
    assert_eq!(other.records.len(), 1);
}

#[test]
fn groups_keep_membership_rows_and_queue_member_changes() {
    let clock = TestClock::new();
    let path = temp_db("groups");
    let store = open(&path, &clock);
    let a = org(&store, "acme", true);
    let u1 = create_user(&store, a, "one@example.com");
    let u2 = create_user(&store, a, "two@example.com");
    let u3 = create_user(&store, a, "three@example.com");
    let scim = store_support::scim();
    let g = scim
        .create(
            "Group",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering",
                "members": [{"value": u1.id().as_str()}, {"value": u2.id().as_str()}]}),
        )
        .unwrap();
    let g = {
        let mut v = g.to_storage_json();
        v["id"] = json!("g1");
        scim_core::Resource::from_storage_json(&v).unwrap()
    };
    block_on(store.resources(a).create(g)).unwrap();
    // Okta: rename + member remove/add in one PATCH.
    let after = patch(
        &store,
        a,
        "Group",
        "g1",
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "value": {"id": "g1", "displayName": "Eng"}},
            {"op": "remove", "path": format!("members[value eq \"{}\"]", u1.id().as_str())},
            {"op": "add", "path": "members", "value": [{"value": u3.id().as_str(), "display": "three@example.com"}]}
        ]}),
    );
    let members: Vec<_> = after
        .members()
        .unwrap()
        .iter()
        .map(|m| m.value.clone())
        .collect();
    assert_eq!(members, [u2.id().as_str(), u3.id().as_str()]);
    let stored = block_on(store.resources(a).get("Group", "g1")).unwrap();
    assert_eq!(stored, after);
    let side = rusqlite::Connection::open(&path).unwrap();
    let rows: i64 = side
        .query_row("SELECT count(*) FROM members", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
    let doc: String = side
        .query_row("SELECT doc FROM resources WHERE id = 'g1'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        !doc.contains(u2.id().as_str()),
        "members are rows, not part of the document"
    );
    // Users carry their groups.
    let u3r = block_on(store.resources(a).get("User", u3.id().as_str())).unwrap();
    assert_eq!(u3r.groups().len(), 1);
    assert_eq!(
        (
            u3r.groups()[0].id.as_str(),
            u3r.groups()[0].display.as_deref()
        ),
        ("g1", Some("Eng"))
    );
    // excludedAttributes=members skips the member rows.
    let q = ListQuery::from_params(
        [
            ("filter", "displayName eq \"eng\""),
            ("excludedAttributes", "members"),
        ],
        false,
    )
    .unwrap();
    let page = block_on(store.resources(a).query("Group", &q)).unwrap();
    assert_eq!(page.total_results, 1);
    assert_eq!(page.resources[0].members().map(|m| m.len()), Some(0));
    // Deleting a member user removes the row and touches the group.
    block_on(
        store
            .resources(a)
            .delete("User", u2.id().as_str(), &Conditions::none()),
    )
    .unwrap();
    let g2 = block_on(store.resources(a).get("Group", "g1")).unwrap();
    assert_eq!(g2.members().unwrap().len(), 1);
    assert_eq!(g2.meta().revision, after.meta().revision + 1);
    block_on(
        store
            .resources(a)
            .delete("Group", "g1", &Conditions::none()),
    )
    .unwrap();

    let events = pending_kinds(&store);
    let kinds: Vec<_> = events
        .iter()
        .map(|(k, id)| (k.as_str(), id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("user.created", u1.id().as_str()),
            ("user.created", u2.id().as_str()),
            ("user.created", u3.id().as_str()),
            ("group.created", "g1"),
            ("member.added", "g1"),
            ("member.added", "g1"),
            ("group.renamed", "g1"),
            ("member.removed", "g1"),
            ("member.added", "g1"),
            ("user.deleted", u2.id().as_str()),
            ("group.deleted", "g1"),
        ]
    );
}

#[test]
fn queue_payloads_carry_what_the_provisioner_needs() {
    let clock = TestClock::new();
    let store = open(&temp_db("payload"), &clock);
    let a = org(&store, "acme", true);
    let u = create_user(&store, a, "Pay@Example.com");
    let b = block_on(store.claim_batch(
        10,
        std::time::Duration::from_secs(30),
        UnixTime::from_unix_seconds(T0),
    ))
    .unwrap()
    .unwrap();
    assert_eq!(b.org, a);
    assert_eq!(b.lease_until, UnixTime::from_unix_seconds(T0 + 30));
    let ProvisionEvent::UserCreated(snap) = &b.changes[0].event else {
        panic!("expected a user creation, got {:?}", b.changes[0].event);
    };
    assert_eq!(snap.id, u.id().as_str());
    assert_eq!(snap.user_name, "Pay@Example.com");
    assert_eq!(snap.email.as_deref(), Some("Pay@Example.com"));
    assert_eq!(
        (snap.given_name.as_deref(), snap.family_name.as_deref()),
        (Some("Test"), Some("User"))
    );
    assert!(snap.active);
    assert_eq!(snap.resource["userName"], json!("Pay@Example.com"));
    assert!(
        snap.resource.get("password").is_none(),
        "write-only values stay out of the queue payload"
    );
    // While leased, the organization's queue is not claimed again.
    assert!(
        block_on(store.claim_batch(
            10,
            std::time::Duration::from_secs(30),
            UnixTime::from_unix_seconds(T0 + 1)
        ))
        .unwrap()
        .is_none()
    );
}

#[test]
fn keys_are_rebuilt_when_the_key_rules_change() {
    let clock = TestClock::new();
    let path = temp_db("rekey");
    let a;
    {
        let store = open(&path, &clock);
        a = org(&store, "acme", true);
        create_user(&store, a, "Mixed.Case@Example.com");
    }
    // Keys written under other rules (simulated: a stale fingerprint and stale key values).
    let side = rusqlite::Connection::open(&path).unwrap();
    side.execute_batch(
        "UPDATE store_meta SET value = 'older rules'; UPDATE resources SET user_name_key = 'stale'; \
         DELETE FROM emails; DELETE FROM unique_values;",
    )
    .unwrap();
    let store = open(&path, &clock);
    let q = ListQuery::new()
        .with_filter(
            r#"userName eq "mixed.case@example.com" and emails co "case@""#,
            false,
        )
        .unwrap();
    let page = block_on(store.resources(a).query("User", &q)).unwrap();
    assert_eq!(page.total_results, 1);
    let uniques: i64 = side
        .query_row("SELECT count(*) FROM unique_values", [], |r| r.get(0))
        .unwrap();
    assert_eq!(uniques, 1);
    // Uniqueness holds again.
    let scim = store_support::scim();
    let dup = scim
        .create("User", &user_body("MIXED.case@example.com"))
        .unwrap();
    assert_eq!(
        block_on(store.resources(a).create(dup))
            .unwrap_err()
            .status(),
        409
    );
}

#[test]
fn sorting_and_paging_match_the_in_memory_store() {
    let clock = TestClock::new();
    let store = open(&temp_db("sort"), &clock);
    let a = org(&store, "acme", true);
    let mem = scim_core::store::MemoryStore::new(store_support::scim());
    let names = [
        "delta@x",
        "Alpha@x",
        "charlie@y",
        "bravo@x",
        "Echo@y",
        "foxtrot@x",
        "golf@y",
        "hotel@x",
    ];
    for (i, n) in names.iter().enumerate() {
        let scim = store_support::scim();
        let mut body = user_body(n);
        body["active"] = json!(i % 3 != 0);
        body["displayName"] = json!(format!("User {}", names.len() - i));
        let r = scim.create("User", &body).unwrap();
        let mut v = r.to_storage_json();
        v["id"] = json!(format!("id{i}"));
        let r = scim_core::Resource::from_storage_json(&v).unwrap();
        block_on(store.resources(a).create(r.clone())).unwrap();
        block_on(mem.create(r)).unwrap();
    }
    // A user with no emails, displayName or active: "not equal" and negations include it.
    let bare = store_support::scim()
        .create(
            "User",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bare@z"}),
        )
        .unwrap();
    let mut v = bare.to_storage_json();
    v["id"] = json!("id-bare");
    let bare = scim_core::Resource::from_storage_json(&v).unwrap();
    block_on(store.resources(a).create(bare.clone())).unwrap();
    block_on(mem.create(bare)).unwrap();
    let cases: &[&[(&str, &str)]] = &[
        &[("filter", "emails ne \"delta@x\"")],
        &[("filter", "not (emails co \"@x\")")],
        &[("filter", "emails.value pr")],
        &[("filter", "not (emails pr)")],
        &[("filter", "displayName ne \"User 3\"")],
        &[("filter", "not (displayName sw \"user\")")],
        &[("filter", "active ne false")],
        &[("filter", "not (active pr)")],
        &[("filter", "externalId ne \"x\"")],
        &[("sortBy", "userName")],
        &[
            ("sortBy", "userName"),
            ("sortOrder", "descending"),
            ("startIndex", "2"),
            ("count", "3"),
        ],
        &[("filter", "active eq true"), ("sortBy", "displayName")],
        &[
            ("filter", "emails co \"@x\""),
            ("startIndex", "2"),
            ("count", "2"),
        ],
        &[
            ("filter", "userName sw \"a\" or userName sw \"e\""),
            ("count", "0"),
        ],
        &[("startIndex", "7"), ("count", "5")],
        &[("startIndex", "50")],
        &[("filter", "userName eq \"ALPHA@X\""), ("startIndex", "2")],
    ];
    for params in cases {
        let q = ListQuery::from_params(params.iter().copied(), false).unwrap();
        let got = block_on(store.resources(a).query("User", &q)).unwrap();
        let want = block_on(mem.query("User", &q)).unwrap();
        let ids = |p: &scim_core::list::Page| {
            p.resources
                .iter()
                .map(|r| r.id().as_str().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            (
                got.total_results,
                got.start_index,
                got.omit_resources,
                ids(&got)
            ),
            (
                want.total_results,
                want.start_index,
                want.omit_resources,
                ids(&want)
            ),
            "{params:?}"
        );
    }
}

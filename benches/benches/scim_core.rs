//! scim-core: validating a typical Okta user, applying a 3-operation PATCH, and adding one
//! member to a 100,000-member group through PATCH.

// Benchmark setup: a refused input must stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use scim_core::Scim;
use scim_core::ids::SequentialIds;
use scim_core::time::{FixedClock, Timestamp};
use serde_json::{Value, json};

fn engine() -> Scim {
    let clock = Arc::new(FixedClock::new(
        Timestamp::from_unix_seconds(1_700_000_000).unwrap(),
    ));
    Scim::new(clock, Arc::new(SequentialIds::new("b")))
}

/// The create body Okta sends (Push New Users, userName = email), with the enterprise
/// department mapped.
fn okta_user() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "userName": "isabella.garcia@example.com",
        "name": {"givenName": "Isabella", "familyName": "Garcia"},
        "emails": [{"primary": true, "value": "isabella.garcia@example.com", "type": "work"}],
        "displayName": "Isabella Garcia",
        "locale": "en-US",
        "externalId": "00u1ab2cd3EF4gh5i6j7",
        "groups": [],
        "password": "Xk4!b9rTq2",
        "active": true,
        "title": "Tour Guide",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations"}
    })
}

fn patch_op(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

fn benches(c: &mut Criterion) {
    let scim = engine();
    let body = okta_user();
    c.bench_function("scim_core/validate_okta_user", |b| {
        b.iter(|| scim.create("User", black_box(&body)).unwrap())
    });

    let user = scim.create("User", &body).unwrap();
    let three = scim
        .parse_patch(&patch_op(json!([
            {"op": "replace", "path": "name.givenName", "value": "Bella"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "bella.garcia@example.com"},
            {"op": "replace", "value": {"active": false}}
        ])))
        .unwrap();
    c.bench_function("scim_core/patch_3_ops", |b| {
        b.iter_batched(
            || user.clone(),
            |mut u| {
                scim.patch(&mut u, black_box(&three)).unwrap();
                u
            },
            BatchSize::SmallInput,
        )
    });

    let members: Vec<Value> = (0..100_000)
        .map(|i| json!({"value": format!("member-{i:06}"), "type": "User"}))
        .collect();
    let mut group = scim
        .create(
            "Group",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone", "members": members}),
        )
        .unwrap();
    assert_eq!(group.members().unwrap().len(), 100_000);
    let mut n = 0u64;
    c.bench_function("scim_core/add_member_100k_group", |b| {
        b.iter_batched(
            || {
                n += 1;
                scim.parse_patch(&patch_op(json!([
                    {"op": "add", "path": "members", "value": [{"value": format!("new-{n}"), "display": "New"}]}
                ])))
                .unwrap()
            },
            |req| {
                let outcome = scim.patch(&mut group, &req).unwrap();
                assert_eq!(outcome.members_added.len(), 1);
            },
            BatchSize::SmallInput,
        )
    });
    let remove = scim
        .parse_patch(&patch_op(json!([
            {"op": "remove", "path": "members[value eq \"member-050000\"]"},
            {"op": "add", "path": "members", "value": [{"value": "member-050000"}]}
        ])))
        .unwrap();
    c.bench_function("scim_core/remove_and_readd_member_100k_group", |b| {
        b.iter(|| scim.patch(&mut group, black_box(&remove)).unwrap())
    });
}

/// Polls a future that the in-memory store has already completed.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("the in-memory store never waits"),
    }
}

/// The same member add through the in-memory store (lookup, uniqueness check, membership
/// index, and the copy of the group handed back).
fn store_bench(c: &mut Criterion) {
    use scim_core::meta::Conditions;
    use scim_core::store::{MemoryStore, ResourceStore};
    let scim = Arc::new(engine());
    let store = MemoryStore::new(scim.clone());
    let members: Vec<Value> = (0..100_000)
        .map(|i| json!({"value": format!("member-{i:06}")}))
        .collect();
    let group = scim
        .create(
            "Group",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Everyone", "members": members}),
        )
        .unwrap();
    let id = group.id().as_str().to_owned();
    ready(store.create(group)).unwrap();
    let mut n = 0u64;
    c.bench_function("scim_core/store_add_member_100k_group", |b| {
        b.iter_batched(
            || {
                n += 1;
                scim.parse_patch(&patch_op(json!([
                    {"op": "add", "path": "members", "value": [{"value": format!("new-{n}")}]}
                ])))
                .unwrap()
            },
            |req| {
                ready(store.patch("Group", &id, &req, &Conditions::none())).unwrap();
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(scim_core_benches, benches, store_bench);
criterion_main!(scim_core_benches);

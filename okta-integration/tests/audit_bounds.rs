//! Requests without credentials choose text that the audit log records (a SCIM request path);
//! each record keeps at most 2048 characters of it, so such requests grow the log by a bounded
//! amount each, and at most 60 such refusals a minute are recorded per organization.
// Test code: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod integ_support;

use bytes::Bytes;
use integ_support::Env;
use okta_integration::audit::{AuditKind, AuditQuery};
use okta_integration::store::Store;
use saml_sp::time::UnixTime;

/// An environment where organization `acme` has its integration set up.
async fn acme_env(name: &str) -> Env {
    let env = Env::new(
        name,
        "https://example.com",
        UnixTime::from_unix_seconds(1_900_000_000),
    )
    .await;
    env.setup("acme", "http://www.okta.com/exk1").await;
    env
}

#[tokio::test]
async fn unauthorized_scim_request_with_a_huge_path_is_audited_in_part() {
    let env = acme_env("audit-bounds").await;
    let id = "x".repeat(60_000);
    let r = env
        .send(
            http::Request::get(format!("/okta/scim/Users/{id}"))
                .header("host", "acme.example.com")
                .header("authorization", "Bearer not-the-token")
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), 401);
    let org = env.org("acme").await;
    let page = env
        .store
        .audit_log(org.id, &AuditQuery::latest(1))
        .await
        .unwrap();
    let event = &page.records[0].event;
    assert_eq!(event.action, "scim.unauthorized");
    let prefix = "GET /okta/scim/Users/";
    assert_eq!(
        event.detail,
        format!("{prefix}{}", "x".repeat(2048 - prefix.len()))
    );
}

/// Sends `n` SCIM requests with a wrong bearer token to `acme`.
async fn refused_scim_requests(env: &Env, n: usize) {
    for _ in 0..n {
        let r = env
            .send(
                http::Request::get("/okta/scim/Users")
                    .header("host", "acme.example.com")
                    .header("authorization", "Bearer not-the-token")
                    .body(Bytes::new())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status(), 401);
    }
}

#[tokio::test]
async fn refusals_of_unauthenticated_requests_are_recorded_sixty_a_minute() {
    let env = acme_env("audit-refusal-limit").await;
    let org = env.org("acme").await;
    let refusals = |records: &[okta_integration::audit::AuditRecord]| -> Vec<(String, String)> {
        records
            .iter()
            .rev()
            .filter(|r| r.event.kind == AuditKind::ScimAuthRefused)
            .map(|r| (r.event.action.clone(), r.event.detail.clone()))
            .collect()
    };

    refused_scim_requests(&env, 75).await;
    let page = env
        .store
        .audit_log(org.id, &AuditQuery::latest(500))
        .await
        .unwrap();
    let one = (
        "scim.unauthorized".to_owned(),
        "GET /okta/scim/Users: token is not this organization's current SCIM token".to_owned(),
    );
    assert_eq!(refusals(&page.records), vec![one.clone(); 60]);

    // A minute later: the count of the 15 left out, then the new refusal.
    env.clock.advance(60);
    refused_scim_requests(&env, 1).await;
    let page = env
        .store
        .audit_log(org.id, &AuditQuery::latest(500))
        .await
        .unwrap();
    let mut expected = vec![one.clone(); 60];
    expected.push((
        "audit.refusals_not_recorded".to_owned(),
        "15 more SCIM requests refused for their bearer token in the minute from 1900000000 \
         (unix time) were not recorded: at most 60 are recorded per minute; the server log \
         has each one"
            .to_owned(),
    ));
    expected.push(one);
    assert_eq!(refusals(&page.records), expected);
}

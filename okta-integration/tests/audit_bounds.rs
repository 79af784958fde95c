//! Requests without credentials choose text that the audit log records (a SCIM request path);
//! each record keeps at most 2048 characters of it, so such requests grow the log by a bounded
//! amount each.
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
use okta_integration::audit::AuditQuery;
use okta_integration::store::Store;
use saml_sp::time::UnixTime;

#[tokio::test]
async fn unauthorized_scim_request_with_a_huge_path_is_audited_in_part() {
    let env = Env::new(
        "audit-bounds",
        "https://example.com",
        UnixTime::from_unix_seconds(1_900_000_000),
    )
    .await;
    env.setup("acme", "http://www.okta.com/exk1").await;
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

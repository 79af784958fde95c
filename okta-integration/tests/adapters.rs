//! The hyper and tower adapters: body size limit (413), peer address for trusted proxies, and
//! pass-through to `handle`.
// Test code: a panic is the failure report.
#![cfg(all(feature = "hyper", feature = "tower"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod integ_support;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use integ_support::Env;
use okta_integration::adapters::{HyperService, TowerService};
use saml_sp::time::UnixTime;
use serde_json::Value;

async fn body_of(r: Response<Full<Bytes>>) -> (u16, http::HeaderMap, Bytes) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (
        status,
        headers,
        r.into_body().collect().await.unwrap().to_bytes(),
    )
}

async fn tower_call(
    svc: &mut TowerService,
    req: Request<Full<Bytes>>,
) -> (u16, http::HeaderMap, Bytes) {
    use tower_service::Service;
    std::future::poll_fn(|cx| Service::<Request<Full<Bytes>>>::poll_ready(svc, cx))
        .await
        .unwrap();
    body_of(svc.call(req).await.unwrap()).await
}

fn big(n: usize) -> Full<Bytes> {
    Full::new(Bytes::from(vec![b'{'; n]))
}

#[tokio::test]
async fn tower_adapter_limits_bodies_and_passes_through() {
    let env = Env::new(
        "tower",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(1_700_000_000),
    )
    .await;
    let token = env.setup("acme", "http://www.okta.com/exk1").await;
    let limit = env.integration.max_body_bytes();
    assert_eq!(limit, 1024 * 1024);
    let mut svc = TowerService::new(env.integration.clone());

    // Over the limit: SCIM path gets RFC 7644 JSON 413 (with or without Content-Length).
    for with_length in [true, false] {
        let mut b = Request::post("/okta/scim/Users")
            .header("host", "acme.localhost:8080")
            .header("authorization", format!("Bearer {token}"));
        if with_length {
            b = b.header("content-length", (limit + 1).to_string());
        }
        let (s, h, body) = tower_call(&mut svc, b.body(big(limit + 1)).unwrap()).await;
        assert_eq!(s, 413);
        assert_eq!(h["content-type"], "application/scim+json");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["status"], "413");
        assert_eq!(
            v["detail"],
            format!("the request body is larger than {limit} bytes")
        );
    }
    // ACS: an HTML 413.
    let (s, h, _) = tower_call(
        &mut svc,
        Request::post("/okta/auth")
            .header("host", "acme.localhost:8080")
            .body(big(limit + 10))
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, h["content-type"].to_str().unwrap()),
        (413, "text/html; charset=utf-8")
    );

    // At the limit: handled (malformed JSON → 400 invalidSyntax, not 413).
    let (s, _, body) = tower_call(
        &mut svc,
        Request::post("/okta/scim/Users")
            .header("host", "acme.localhost:8080")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/scim+json")
            .body(big(limit))
            .unwrap(),
    )
    .await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (s, v["scimType"].clone()),
        (400, Value::from("invalidSyntax"))
    );

    // Peer address: X-Forwarded-Host honoured from the trusted proxy only.
    let fwd = |svc_peer: &str| {
        let svc =
            TowerService::new(env.integration.clone()).with_peer_addr(svc_peer.parse().unwrap());
        let req = Request::get("/okta/scim/Users")
            .header("host", "localhost:8080")
            .header("x-forwarded-host", "acme.localhost:8080")
            .header("authorization", format!("Bearer {token}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        (svc, req)
    };
    let (mut trusted, req) = fwd("10.0.0.1:40000");
    assert_eq!(tower_call(&mut trusted, req).await.0, 200);
    // From another peer the header is ignored: the default organization (test-org) has no
    // token configured, so acme's token is refused.
    let (mut other, req) = fwd("10.0.0.9:40000");
    assert_eq!(tower_call(&mut other, req).await.0, 401);
}

#[tokio::test]
async fn hyper_adapter_limits_bodies_and_passes_through() {
    use hyper::service::Service;
    let env = Env::new(
        "hyper",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(1_700_000_000),
    )
    .await;
    let svc = HyperService::new(env.integration.clone())
        .with_peer_addr("127.0.0.1:5000".parse().unwrap());
    let limit = env.integration.max_body_bytes();
    let r = svc
        .call(
            Request::post("/okta/scim/Users")
                .header("host", "acme.localhost:8080")
                .body(big(limit + 1))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = svc
        .call(
            Request::get("/okta/metadata")
                .header("host", "acme.localhost:8080")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    let (s, h, body) = body_of(r).await;
    assert_eq!(
        (s, h["content-type"].to_str().unwrap()),
        (200, "application/samlmetadata+xml")
    );
    assert!(
        std::str::from_utf8(&body)
            .unwrap()
            .contains("entityID=\"http://acme.localhost:8080\"")
    );
    let r = svc
        .call(
            Request::get("/not-ours")
                .header("host", "acme.localhost:8080")
                .body(Full::new(Bytes::new()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

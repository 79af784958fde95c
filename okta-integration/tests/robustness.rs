//! Untrusted input never panics `handle`: pseudo-random methods, paths, hosts, headers and
//! bodies (seeded, reproducible) all get a well-formed response; SCIM paths always answer
//! RFC 7644 JSON and SAML paths HTML.
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
use saml_sp::time::UnixTime;
use serde_json::Value;

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = (self.next() % (max as u64 + 1)) as usize;
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[tokio::test]
async fn random_requests_get_well_formed_responses() {
    let env = Env::new(
        "robust",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(1_700_000_000),
    )
    .await;
    let token = env.setup("acme", "http://www.okta.com/exk1").await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    let paths = [
        "/okta/auth",
        "/okta/login",
        "/okta/metadata",
        "/okta/scim/Users",
        "/okta/scim/Users/%FF%FE",
        "/okta/scim/Groups/x",
        "/okta/scim/.search",
        "/okta/scim/Users/.search",
        "/okta/scim/Schemas/urn:x",
        "/okta/scim/ResourceTypes/User",
        "/okta/scim/ServiceProviderConfig",
        "/okta/scim/%2e%2e/x",
        "/okta/scim/Users?filter=userName%20eq%20%22%FF",
        "/okta/scim/Users?startIndex=-5&count=999999999999999999999",
        "/okta/scim/Users?attributes=[[[",
        "/okta/login?return_to=%0d%0aSet-Cookie:x",
        "/x",
    ];
    let hosts = [
        "acme.localhost:8080",
        "localhost:8080",
        "[::1]",
        "ACME.localhost:8080",
        "a..localhost:8080",
        "x:y:z",
    ];
    let bodies: [&[u8]; 6] = [
        b"", b"{}", b"[]", b"{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"x\"}]}",
        b"SAMLResponse=PHg%2B&RelayState=%FF", b"{\"userName\":",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..600 {
        let method = *rng.pick(&methods);
        let path = *rng.pick(&paths);
        let host = *rng.pick(&hosts);
        let mut b = http::Request::builder()
            .method(method)
            .uri(path)
            .header("host", host);
        if rng.next() % 2 == 0 {
            b = b.header("authorization", format!("Bearer {token}"));
        } else if rng.next() % 2 == 0 {
            b = b.header(
                "authorization",
                http::HeaderValue::from_bytes(b"Bearer \xffx").unwrap(),
            );
        }
        if rng.next() % 3 == 0 {
            b = b.header("content-type", "application/scim+json");
        }
        if rng.next() % 4 == 0 {
            b = b
                .header("if-match", "W/\"1\"")
                .header("cookie", "okta_session=sess_x; a");
        }
        let body = if rng.next() % 3 == 0 {
            Bytes::from(rng.bytes(300))
        } else {
            {
                let chosen: &&[u8] = rng.pick(&bodies);
                Bytes::copy_from_slice(chosen)
            }
        };
        let req = b.body(body).unwrap();
        let r = env.send(req).await;
        let status = r.status().as_u16();
        seen.insert(status);
        assert!(
            (200..600).contains(&status),
            "#{i} {method} {path} {host}: {status}"
        );
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        if path.starts_with("/okta/scim") && method != "HEAD" && !r.body().is_empty() {
            assert_eq!(
                ct.as_deref(),
                Some("application/scim+json"),
                "#{i} {method} {path}"
            );
            let v: Value = serde_json::from_slice(r.body()).unwrap();
            if status >= 400 {
                assert_eq!(v["status"], status.to_string(), "#{i} {method} {path}: {v}");
                assert_eq!(
                    v["schemas"][0],
                    "urn:ietf:params:scim:api:messages:2.0:Error"
                );
            }
        }
        if path == "/okta/auth" && method == "POST" {
            assert!(
                status == 303 || ct.as_deref() == Some("text/html; charset=utf-8"),
                "#{i} {host}: {status}"
            );
        }
    }
    // The inputs reach every kind of outcome, not only one early refusal.
    for expected in [200, 302, 400, 401, 403, 404, 405] {
        assert!(seen.contains(&expected), "no {expected} among {seen:?}");
    }
}

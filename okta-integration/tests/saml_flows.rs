//! SAML sign-in through `OktaIntegration::handle`, with saml-sp's generated vectors (signed by
//! xmlsec1, settings from their manifest): provisioned users get a session, everyone else a
//! page in their own terms; tampered, replayed and misdirected responses are refused with the
//! exact check in the audit log; SP-initiated login; RelayState redirects stay on the site.
// Test code: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod integ_support;

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use integ_support::{Env, acs_request, acs_request_with_cookie, body_text, vectors_dir};
use okta_integration::audit::AuditQuery;
use okta_integration::saml_routes::{REQUEST_BINDING_COOKIE, Refusal};
use okta_integration::store::{RequestState, Store};
use saml_sp::time::UnixTime;
use serde_json::{Value, json};

const HOST: &str = "acme.example.com";
const OKTA_ISSUER: &str = "http://www.okta.com/exk5vect0rs0000h7x8";
const REQUEST_ID: &str = "id-7c1f0e4a9b2d4c58a0f3e6d1b2c3a4f5";
const JANE: &str = "jane.doe@acme.example.com";

fn manifest() -> Value {
    let p = vectors_dir().join("manifest.json");
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

fn case(name: &str) -> Value {
    manifest()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
        .clone()
}

/// The `SAMLResponse` form value of a vector.
fn form_value(c: &Value) -> String {
    let bytes = std::fs::read(vectors_dir().join(c["file"].as_str().unwrap())).unwrap();
    match c["encoding"].as_str().unwrap() {
        "xml" => base64::engine::general_purpose::STANDARD.encode(bytes),
        _ => String::from_utf8(bytes).unwrap(),
    }
}

fn now_of(c: &Value) -> UnixTime {
    UnixTime::parse_xs_datetime(c["settings"]["now"].as_str().unwrap()).unwrap()
}

/// An environment at the vectors' time with acme (and beta) set up for the Okta-style IdP.
async fn env(name: &str) -> (Env, String) {
    let env = Env::new(
        name,
        "https://example.com",
        now_of(&case("okta_response_signed")),
    )
    .await;
    let token = env.setup("acme", OKTA_ISSUER).await;
    (env, token)
}

async fn create_user(env: &Env, host: &str, token: &str, user_name: &str) -> String {
    let (s, _, b) = env
        .scim(
            "POST",
            host,
            "/okta/scim/Users",
            Some(token),
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name, "active": true,
                "emails": [{"primary": true, "type": "work", "value": user_name}]}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

async fn post(env: &Env, host: &str, vector: &str, relay: Option<&str>) -> http::Response<Bytes> {
    let value = form_value(&case(vector));
    let mut fields = vec![("SAMLResponse", value.as_str())];
    if let Some(r) = relay {
        fields.push(("RelayState", r));
    }
    // The browser that started an SP-initiated sign-in sends its binding cookie back.
    let cookie = relay
        .filter(|r| !r.starts_with('/'))
        .map(|id| format!("{REQUEST_BINDING_COOKIE}={id}"));
    env.send(acs_request_with_cookie(host, &fields, cookie.as_deref()))
        .await
}

async fn expect_sp_state(env: &Env, org: &str, relay: Option<&str>) {
    let org = env.org(org).await;
    let now = env.clock_now();
    env.store
        .save_request_state(
            org.id,
            &RequestState {
                request_id: REQUEST_ID.into(),
                relay_state: relay.map(str::to_owned),
                created_at: now,
                expires_at: now.saturating_add(Duration::from_secs(600)),
            },
        )
        .await
        .unwrap();
}

async fn last_audit_action(env: &Env, org: &str) -> String {
    let org = env.org(org).await;
    let page = env
        .store
        .audit_log(org.id, &AuditQuery::latest(1))
        .await
        .unwrap();
    page.records[0].event.action.clone()
}

/// Asserts a refusal page: status, the user's message, and no internal check name.
fn assert_refused(r: &http::Response<Bytes>, refusal: Refusal, check: &str) {
    let body = body_text(r);
    assert_eq!(r.status().as_u16(), refusal.status(), "{body}");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let message = okta_integration::response::escape_html(refusal.text().1);
    assert!(body.contains(&message), "{body}");
    // The check name never appears, except as a plain word of the user's message ("expired").
    assert!(
        !body.contains(check) || message.contains(check),
        "page names the check {check}: {body}"
    );
    assert!(r.headers().get("set-cookie").is_none());
}

trait ClockNow {
    fn clock_now(&self) -> UnixTime;
}
impl ClockNow for Env {
    fn clock_now(&self) -> UnixTime {
        use saml_sp::time::TimeProvider;
        self.clock.now()
    }
}

#[tokio::test]
async fn provisioned_user_signs_in_and_deactivation_ends_it() {
    let (env, token) = env("signin").await;
    let id = create_user(&env, HOST, &token, JANE).await;
    // Before the worker applied the user: not provisioned yet.
    let r = post(&env, HOST, "okta_both_signed_idp_initiated_pretty", None).await;
    assert_refused(&r, Refusal::NotProvisioned, "user_not_applied");
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.refused.user_not_applied"
    );

    env.provision().await;
    // IdP-initiated (Okta "My Apps"), user name in another case than the NameID.
    expect_sp_state(&env, "acme", Some("/projects/7?tab=a")).await;
    let r = post(&env, HOST, "okta_response_signed", Some(REQUEST_ID)).await;
    assert_eq!(r.status(), 303, "{}", body_text(&r));
    assert_eq!(r.headers()["location"], "/projects/7?tab=a");
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.sp_initiated"
    );
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let (pair, attrs) = cookie.split_once("; ").unwrap();
    let value = pair.strip_prefix("okta_session=sess_").unwrap();
    assert_eq!(value.len(), 43);
    assert_eq!(
        attrs,
        "Path=/; Max-Age=43200; HttpOnly; SameSite=Lax; Secure"
    );
    // The binding cookie of the SP-initiated request is cleared.
    let cleared: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .skip(1)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        cleared,
        [format!(
            "{REQUEST_BINDING_COOKIE}=; Path=/okta/auth; Max-Age=0; HttpOnly; SameSite=None; Secure"
        )]
    );

    // The session is live for acme only.
    let with_cookie = |host: &str| {
        http::Request::get("/")
            .header("host", host)
            .header("cookie", format!("other=1; {pair}"))
            .body(())
            .unwrap()
            .into_parts()
            .0
    };
    let signed_in = env
        .integration
        .session(&with_cookie(HOST))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            signed_in.org.slug.as_str(),
            signed_in.session.user_id.as_str()
        ),
        ("acme", id.as_str())
    );
    assert_eq!(signed_in.session.user_name, JANE);
    assert!(
        env.integration
            .session(&with_cookie("beta.example.com"))
            .await
            .unwrap()
            .is_none()
    );

    // Deactivation through SCIM ends the session at once and refuses the next sign-in.
    let (s, _, _) = env
        .scim(
            "PATCH",
            HOST,
            &format!("/okta/scim/Users/{id}"),
            Some(&token),
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": false}}]}),
            ),
        )
        .await;
    assert_eq!(s, 204);
    assert!(
        env.integration
            .session(&with_cookie(HOST))
            .await
            .unwrap()
            .is_none()
    );
    expect_sp_state(&env, "acme", None).await;
    let r = post(&env, HOST, "okta_both_signed", Some(REQUEST_ID)).await;
    assert_refused(&r, Refusal::Deactivated, "user_inactive");
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.refused.user_inactive"
    );

    // Reactivated: signs in again (IdP-initiated, landing page).
    let (s, _, _) = env
        .scim(
            "PATCH",
            HOST,
            &format!("/okta/scim/Users/{id}"),
            Some(&token),
            Some(
                &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": true}}]}),
            ),
        )
        .await;
    assert_eq!(s, 204);
    env.provision().await;
    let r = post(
        &env,
        HOST,
        "okta_assertion_signed_root_ns_no_prefixlist",
        None,
    )
    .await;
    // That vector is SP-initiated: without our request state it is a stale sign-in.
    assert_refused(&r, Refusal::Expired, "in_response_to");
    expect_sp_state(&env, "acme", None).await;
    let r = post(
        &env,
        HOST,
        "okta_assertion_signed_root_ns_no_prefixlist",
        Some(REQUEST_ID),
    )
    .await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (303, "/")
    );
}

#[tokio::test]
async fn unprovisioned_and_wrong_organization_users_are_refused() {
    let (env, _acme) = env("wrong-org").await;
    let beta = env.setup("beta", OKTA_ISSUER).await;
    // Jane exists only in beta.
    create_user(&env, "beta.example.com", &beta, JANE).await;
    env.provision().await;
    let r = post(&env, HOST, "okta_both_signed_idp_initiated_pretty", None).await;
    assert_refused(&r, Refusal::NotProvisioned, "user_unknown");
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.refused.user_unknown"
    );
    // acme's response posted to beta: it is addressed to acme, so beta refuses it.
    let r = post(
        &env,
        "beta.example.com",
        "okta_both_signed_idp_initiated_pretty",
        None,
    )
    .await;
    assert_refused(&r, Refusal::NotVerified, "audience");
    let action = last_audit_action(&env, "beta").await;
    assert!(
        [
            "sign_in.refused.destination",
            "sign_in.refused.recipient",
            "sign_in.refused.audience"
        ]
        .contains(&action.as_str()),
        "{action}"
    );
}

#[tokio::test]
async fn not_configured_and_malformed() {
    let (env, _) = env("malformed").await;
    // beta has no settings.
    let r = post(
        &env,
        "beta.example.com",
        "okta_both_signed_idp_initiated_pretty",
        None,
    )
    .await;
    assert_refused(&r, Refusal::NotConfigured, "not_configured");
    // No SAMLResponse, or garbage.
    let r = env.send(acs_request(HOST, &[("RelayState", "/x")])).await;
    assert_refused(&r, Refusal::Malformed, "missing_saml_response");
    let r = env
        .send(acs_request(HOST, &[("SAMLResponse", "!!!not base64!!!")]))
        .await;
    assert_refused(&r, Refusal::Malformed, "base64");
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.refused.base64"
    );
    let r = env
        .send(acs_request(
            HOST,
            &[(
                "SAMLResponse",
                &base64::engine::general_purpose::STANDARD.encode("<a>"),
            )],
        ))
        .await;
    assert_refused(&r, Refusal::Malformed, "xml_syntax");
    // Unknown organization.
    let r = post(&env, "nope.example.com", "okta_both_signed", None).await;
    assert_eq!(r.status(), 404);
    assert!(body_text(&r).contains("There is no organization at this address"));
}

#[tokio::test]
async fn tampered_and_replayed_responses_are_refused() {
    let (env, token) = env("tampered").await;
    create_user(&env, HOST, &token, JANE).await;
    env.provision().await;
    // A signed NameID changed after signing.
    let xml = std::fs::read_to_string(
        vectors_dir().join("valid/okta_both_signed_idp_initiated_pretty.xml"),
    )
    .unwrap();
    assert!(xml.contains(JANE));
    let tampered = xml.replace(JANE, "admin@acme.example.com");
    let value = base64::engine::general_purpose::STANDARD.encode(tampered);
    let r = env
        .send(acs_request(HOST, &[("SAMLResponse", &value)]))
        .await;
    assert_refused(&r, Refusal::NotVerified, "signature");
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.refused.signature"
    );

    // Replay: the first use signs in, the second is refused.
    let r = post(&env, HOST, "okta_both_signed_idp_initiated_pretty", None).await;
    assert_eq!(r.status(), 303);
    let r = post(&env, HOST, "okta_both_signed_idp_initiated_pretty", None).await;
    assert_refused(&r, Refusal::Expired, "replay");
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.refused.replay"
    );
}

/// Every attack vector of the manifest (with the standard IdP key) is refused with the
/// manifest's check recorded in the audit log, and a page that does not name it.
#[tokio::test]
async fn every_attack_vector_is_refused_with_its_check() {
    // Well over 60 refusals share a minute of the manifest's clock: record every one.
    let env = Env::configured(
        "attacks",
        "https://example.com",
        now_of(&case("okta_response_signed")),
        scim_core::Options::default(),
        |b| b.with_refusal_audit_limit(u32::MAX),
    )
    .await;
    let token = env.setup("acme", OKTA_ISSUER).await;
    create_user(&env, HOST, &token, JANE).await;
    env.provision().await;
    let mut issuer = OKTA_ISSUER.to_owned();
    let mut checked = 0;
    for c in manifest()["cases"].as_array().unwrap() {
        if c["category"] != "attacks"
            || c["settings"]["idp_certs"] != json!(["keys/idp-rsa2048.crt"])
        {
            continue;
        }
        let s = &c["settings"];
        // Options this integration sets differently: IdP-initiated sign-in is on.
        if s["sp_entity_id"] != "https://acme.example.com"
            || s["standalone_assertion"] == true
            || (s["allow_unsolicited"] == false && s["request_id"].is_null())
        {
            continue;
        }
        let name = c["name"].as_str().unwrap();
        if !vectors_dir().join(c["file"].as_str().unwrap()).exists() {
            eprintln!("skipping {name}: file missing");
            continue;
        }
        let check = c["expect"]["check"].as_str().unwrap();
        env.clock.set(now_of(c));
        let case_issuer = s["idp_issuer"].as_str().unwrap();
        if case_issuer != issuer {
            env.setup("acme", case_issuer).await;
            case_issuer.clone_into(&mut issuer);
        }
        let relay = s["request_id"].as_str();
        let value = form_value(c);
        let mut last = None;
        for _ in 0..c["submissions"].as_u64().unwrap() {
            if let Some(id) = relay {
                let org = env.org("acme").await;
                env.store
                    .save_request_state(
                        org.id,
                        &RequestState {
                            request_id: id.to_owned(),
                            relay_state: None,
                            created_at: now_of(c),
                            expires_at: now_of(c).saturating_add(Duration::from_secs(600)),
                        },
                    )
                    .await
                    .unwrap();
            }
            let mut fields = vec![("SAMLResponse", value.as_str())];
            if let Some(id) = relay {
                fields.push(("RelayState", id));
            }
            let cookie = relay.map(|id| format!("{REQUEST_BINDING_COOKIE}={id}"));
            last = Some(
                env.send(acs_request_with_cookie(HOST, &fields, cookie.as_deref()))
                    .await,
            );
        }
        let r = last.unwrap();
        assert_ne!(r.status(), 303, "{name} was accepted");
        assert_eq!(
            last_audit_action(&env, "acme").await,
            format!("sign_in.refused.{check}"),
            "{name}"
        );
        assert_refused(&r, Refusal::for_check(check), check);
        checked += 1;
    }
    assert!(checked >= 90, "only {checked} attack vectors ran");
}

#[tokio::test]
async fn relay_state_never_redirects_off_site() {
    for (i, relay) in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/ok path",
    ]
    .into_iter()
    .enumerate()
    {
        let (env, token) = env(&format!("relay-{i}")).await;
        create_user(&env, HOST, &token, JANE).await;
        env.provision().await;
        let r = post(
            &env,
            HOST,
            "okta_both_signed_idp_initiated_pretty",
            Some(relay),
        )
        .await;
        assert_eq!(r.status(), 303, "{relay}");
        assert_eq!(r.headers()["location"], "/", "{relay}");
        assert_eq!(
            last_audit_action(&env, "acme").await,
            "sign_in.idp_initiated"
        );
    }
    // A relative path is honoured.
    let (env, token) = env("relay-ok").await;
    create_user(&env, HOST, &token, JANE).await;
    env.provision().await;
    let r = post(
        &env,
        HOST,
        "okta_both_signed_idp_initiated_pretty",
        Some("/reports?q=1"),
    )
    .await;
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (303, "/reports?q=1")
    );
    // Sign-out ends that session and clears the cookie.
    let pair = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split("; ")
        .next()
        .unwrap()
        .to_owned();
    let parts = http::Request::post("/logout")
        .header("host", HOST)
        .header("cookie", &pair)
        .body(())
        .unwrap()
        .into_parts()
        .0;
    assert!(env.integration.session(&parts).await.unwrap().is_some());
    let clear = env.integration.sign_out(&parts).await.unwrap();
    assert_eq!(
        clear,
        "okta_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
    );
    assert!(env.integration.session(&parts).await.unwrap().is_none());
    assert_eq!(last_audit_action(&env, "acme").await, "session.signed_out");
}

#[tokio::test]
async fn sp_initiated_login_redirects_with_a_stored_request() {
    let (env, _) = env("login").await;
    let r = env
        .send(
            http::Request::get("/okta/login?return_to=%2Fprojects")
                .header("host", HOST)
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (url, query) = location.split_once('?').unwrap();
    assert_eq!(url, "https://acme.okta.example/app/acme/exk1/sso/saml");
    let params: Vec<(String, String)> = query
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (
                k.to_owned(),
                percent_encoding::percent_decode_str(v)
                    .decode_utf8()
                    .unwrap()
                    .into_owned(),
            )
        })
        .collect();
    assert_eq!(params.len(), 2, "{query}");
    assert_eq!(params[0].0, "SAMLRequest");
    assert_eq!(params[1].0, "RelayState");
    let xml = saml_sp::binding::decode_redirect_value(&params[0].1, &Default::default()).unwrap();
    let xml = String::from_utf8(xml).unwrap();
    let id = params[1].1.clone();
    assert!(xml.contains(&format!("ID=\"{id}\"")), "{xml}");
    // The browser that started the sign-in is bound to it by a cookie sent only to the ACS.
    assert_eq!(
        r.headers()["set-cookie"],
        format!(
            "{REQUEST_BINDING_COOKIE}={id}; Path=/okta/auth; Max-Age=600; HttpOnly; \
             SameSite=None; Secure"
        )
    );
    assert!(xml.contains("Destination=\"https://acme.okta.example/app/acme/exk1/sso/saml\""));
    assert!(xml.contains("AssertionConsumerServiceURL=\"https://acme.example.com/okta/auth\""));
    assert!(xml.contains("<saml:Issuer>https://acme.example.com</saml:Issuer>"));
    assert!(xml.contains("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"));
    // The request is stored with its return path, once.
    let org = env.org("acme").await;
    let now = env.clock_now();
    let state = env
        .store
        .take_request_state(org.id, &id, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (state.request_id.as_str(), state.relay_state.as_deref()),
        (id.as_str(), Some("/projects"))
    );
    assert!(
        env.store
            .take_request_state(org.id, &id, now)
            .await
            .unwrap()
            .is_none()
    );

    // An off-site return_to is dropped.
    let r = env
        .send(
            http::Request::get("/okta/login?return_to=https://evil.example/")
                .header("host", HOST)
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    let loc = r.headers()["location"].to_str().unwrap();
    let id = loc.rsplit_once("RelayState=").unwrap().1;
    let state = env
        .store
        .take_request_state(org.id, id, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.relay_state, None);

    // Not configured: page.
    let r = env
        .send(
            http::Request::get("/okta/login")
                .header("host", "beta.example.com")
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_refused(&r, Refusal::NotConfigured, "not_configured");
}

#[tokio::test]
async fn sp_metadata() {
    let (env, _) = env("metadata").await;
    let r = env
        .send(
            http::Request::get("/okta/metadata")
                .header("host", HOST)
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/samlmetadata+xml");
    let xml = body_text(&r);
    assert!(
        xml.contains("entityID=\"https://acme.example.com\""),
        "{xml}"
    );
    assert!(
        xml.contains("Location=\"https://acme.example.com/okta/auth\""),
        "{xml}"
    );
    // HEAD: headers only.
    let r = env
        .send(
            http::Request::head("/okta/metadata")
                .header("host", HOST)
                .body(Bytes::new())
                .unwrap(),
        )
        .await;
    assert_eq!((r.status().as_u16(), r.body().len()), (200, 0));
    // Okta-facing values.
    let v = env.integration.okta_values("acme").unwrap();
    assert_eq!(
        (
            v.acs_url.as_str(),
            v.audience_uri.as_str(),
            v.scim_base_url.as_str()
        ),
        (
            "https://acme.example.com/okta/auth",
            "https://acme.example.com",
            "https://acme.example.com/okta/scim"
        )
    );
}

#[tokio::test]
async fn cookie_secure_follows_the_scheme_behind_a_trusted_proxy() {
    let (env, token) = env("proxy").await;
    create_user(&env, HOST, &token, JANE).await;
    env.provision().await;
    // A trusted proxy terminating plain http (and naming the host): no Secure attribute.
    let mut req = acs_request(
        "10.0.0.1:8443",
        &[(
            "SAMLResponse",
            &form_value(&case("okta_both_signed_idp_initiated_pretty")),
        )],
    );
    req.headers_mut()
        .insert("x-forwarded-host", HOST.parse().unwrap());
    req.headers_mut()
        .insert("x-forwarded-proto", "http".parse().unwrap());
    req.extensions_mut()
        .insert(okta_integration::tenant::PeerAddr(
            "10.0.0.1:50000".parse().unwrap(),
        ));
    let r = env.send(req).await;
    assert_eq!(r.status(), 303, "{}", body_text(&r));
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.ends_with("; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax"),
        "{cookie}"
    );
    // The same headers from an untrusted peer are ignored: the IP host means the default
    // organization, which has no settings.
    let mut req = acs_request("10.0.0.1:8443", &[("SAMLResponse", "x")]);
    req.headers_mut()
        .insert("x-forwarded-host", HOST.parse().unwrap());
    req.extensions_mut()
        .insert(okta_integration::tenant::PeerAddr(
            "10.0.0.7:50000".parse().unwrap(),
        ));
    let r = env.send(req).await;
    assert_refused(&r, Refusal::NotConfigured, "not_configured");
    assert_eq!(
        last_audit_action(&env, "test-org").await,
        "sign_in.refused.not_configured"
    );
}

#[tokio::test]
async fn sp_initiated_answer_is_accepted_only_from_the_browser_that_started_it() {
    let (env, token) = env("binding").await;
    create_user(&env, HOST, &token, JANE).await;
    env.provision().await;
    let value = form_value(&case("okta_response_signed"));
    let fields = [("SAMLResponse", value.as_str()), ("RelayState", REQUEST_ID)];
    // Login CSRF: the response answers a request someone else's browser started. Whatever
    // cookie the victim's browser has (none, another request's, a look-alike name), the answer
    // is refused and the request is used up.
    let wrong_id = format!("{REQUEST_BINDING_COOKIE}=id-0000");
    let look_alike = format!("x{REQUEST_BINDING_COOKIE}={REQUEST_ID}");
    for cookie in [None, Some(wrong_id.as_str()), Some(look_alike.as_str())] {
        expect_sp_state(&env, "acme", None).await;
        let r = env
            .send(acs_request_with_cookie(HOST, &fields, cookie))
            .await;
        assert_eq!(
            last_audit_action(&env, "acme").await,
            "sign_in.refused.request_binding",
            "{cookie:?}"
        );
        assert_refused(&r, Refusal::Expired, "request_binding");
        let org = env.org("acme").await;
        let left = env
            .store
            .take_request_state(org.id, REQUEST_ID, env.clock_now())
            .await
            .unwrap();
        assert!(left.is_none(), "{cookie:?}");
    }
    // The starting browser, among its other cookies: signed in.
    expect_sp_state(&env, "acme", None).await;
    let cookie =
        format!("a=1; {REQUEST_BINDING_COOKIE}=id-0000; {REQUEST_BINDING_COOKIE}={REQUEST_ID}");
    let r = env
        .send(acs_request_with_cookie(HOST, &fields, Some(&cookie)))
        .await;
    assert_eq!(r.status(), 303, "{}", body_text(&r));
    assert_eq!(
        last_audit_action(&env, "acme").await,
        "sign_in.sp_initiated"
    );
}

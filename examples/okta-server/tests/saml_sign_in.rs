//! SAML sign-in through the running server: a response signed by xmlsec1 (an independent
//! signer) signs a provisioned member in, the "Connect GitHub" step follows the first sign-in,
//! and unprovisioned, replayed and deactivated sign-ins are refused.

mod support;

use support::{Server, data_dir, eventually, okta_setup, sign_in_with_link, signed_response};

const ISSUER: &str = "http://www.okta.com/exk1saml";
const GITHUB: &str = "https://github.example/login/oauth/authorize?client_id=okta-server-test";

#[test]
fn a_provisioned_member_signs_in_from_okta_and_meets_the_github_step() {
    let data = data_dir("saml");
    let server = Server::start_with(&data, &["--github-authorize-url", GITHUB]);
    let client = server.client();
    let host = server.host("test-org");
    let org_url = format!("http://{host}");
    let url = server.line("sign-in-url").unwrap();
    let owner = sign_in_with_link(&server, "test-org", url.strip_prefix("test-org ").unwrap());
    let token = okta_setup(&data, "test-org", ISSUER).trim_end().to_owned();
    let auth = format!("Bearer {token}");

    // Before provisioning: refused in the user's terms.
    let early = signed_response(&org_url, "ann@example.com", ISSUER);
    let refused = client.post_form(&host, "/okta/auth", &[], &[("SAMLResponse", &early)]);
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("not been provisioned"),
        "{}",
        refused.body
    );
    assert!(refused.session_cookie().is_none());

    let created = client.send(
        "POST",
        &host,
        "/okta/scim/Users",
        &[("Authorization", &auth)],
        "application/scim+json",
        br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ann@example.com","name":{"givenName":"Ann","familyName":"Lee"},"active":true}"#,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    eventually("the worker to apply the user", || {
        client
            .get(&host, "/settings/okta/users", &[("Cookie", &owner)])
            .body
            .contains("ann@example.com")
    });

    // IdP-initiated sign-in ("My Apps"), NameID case-insensitive.
    let response = signed_response(&org_url, "Ann@Example.com", ISSUER);
    let signed_in = client.post_form(&host, "/okta/auth", &[], &[("SAMLResponse", &response)]);
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let cookie = format!(
        "okta_server_session={}",
        signed_in.session_cookie().unwrap()
    );
    let set_cookie = signed_in.header("set-cookie").unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );

    // First sign-in: the GitHub step, with Connect and Skip.
    let home = client.get(&host, "/", &[("Cookie", &cookie)]);
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), Some("/welcome/github"));
    let step = client.get(&host, "/welcome/github", &[("Cookie", &cookie)]);
    assert_eq!(step.status, 200);
    assert!(
        step.body
            .contains("href=\"/welcome/github/connect\">Connect GitHub</a>")
    );
    assert!(step.body.contains("<a href=\"/\">Skip for now</a>"));
    // Skip leads home, and the step is not forced again.
    let home = client.get(&host, "/", &[("Cookie", &cookie)]);
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("Signed in as ann@example.com (Member)"),
        "{}",
        home.body
    );
    let connect = client.get(&host, "/welcome/github/connect", &[("Cookie", &cookie)]);
    assert_eq!(connect.status, 303);
    assert_eq!(connect.header("location"), Some(GITHUB));
    let home = client.get(&host, "/", &[("Cookie", &cookie)]);
    assert!(home.body.contains("GitHub connected"));

    // The same response again is a replay.
    let replay = client.post_form(&host, "/okta/auth", &[], &[("SAMLResponse", &response)]);
    assert_eq!(replay.status, 403);
    assert!(replay.session_cookie().is_none());

    // A response for another organization's audience is refused here.
    let other = signed_response("http://acme.localhost:1", "ann@example.com", ISSUER);
    let refused = client.post_form(&host, "/okta/auth", &[], &[("SAMLResponse", &other)]);
    assert_eq!(refused.status, 403);

    // The audit log names the sign-in and the refusals.
    let audit = client.get(&host, "/settings/okta/audit", &[("Cookie", &owner)]);
    assert!(audit.body.contains("<td>sign_in</td>"), "{}", audit.body);
    assert!(audit.body.contains("<td>sign_in_refused</td>"));

    // Deactivation: the session dies at once and a new assertion is refused.
    let patched = client.send(
        "PATCH",
        &host,
        &format!("/okta/scim/Users/{id}"),
        &[("Authorization", &auth)],
        "application/scim+json",
        br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#,
    );
    assert!(matches!(patched.status, 200 | 204), "{}", patched.body);
    let home = client.get(&host, "/", &[("Cookie", &cookie)]);
    assert!(home.body.contains("Sign in to test-org"), "{}", home.body);
    let again = signed_response(&org_url, "ann@example.com", ISSUER);
    let refused = client.post_form(&host, "/okta/auth", &[], &[("SAMLResponse", &again)]);
    assert_eq!(refused.status, 403);
    assert!(refused.session_cookie().is_none());
}

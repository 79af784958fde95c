//! Black-box tests of the `okta-server` binary: start it on a free loopback port with a fresh
//! data directory, then drive it over HTTP and through its subcommands.

mod support;

use support::{Server, data_dir, eventually, okta_setup, run, sign_in_with_link};

const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn first_start_creates_test_org_and_prints_a_one_time_sign_in_url() {
    let data = data_dir("first-start");
    let server = Server::start(&data);
    let port = server.port;
    assert_eq!(
        server.lines[0],
        format!("listening: http://127.0.0.1:{port}")
    );
    assert_eq!(
        server.line("base-url").unwrap(),
        format!("http://localhost:{port}")
    );
    assert_eq!(
        server.line("organization").unwrap(),
        format!("test-org http://test-org.localhost:{port}")
    );
    let sign_in = server.line("sign-in-url").unwrap();
    let url = sign_in.strip_prefix("test-org ").unwrap();
    let prefix = format!("http://test-org.localhost:{port}/signin/one-time?token=");
    assert!(url.starts_with(&prefix), "{url}");
    assert_eq!(url.len(), prefix.len() + 64);
    assert!(data.join("okta.sqlite3").is_file());
    assert!(data.join("app.sqlite3").is_file());

    let client = server.client();
    let host = server.host("test-org");
    // Signed out, the home page is the sign-in page.
    let page = client.get(&host, "/", &[]);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Sign in to test-org"), "{}", page.body);
    // The bare host is the default organization.
    let bare = client.get(&format!("localhost:{port}"), "/signin", &[]);
    assert!(bare.body.contains("Sign in to test-org"));
    // A host of no organization is refused.
    assert_eq!(client.get(&server.host("nobody"), "/", &[]).status, 404);
    assert_eq!(client.get("example.com", "/", &[]).status, 404);

    let cookie = sign_in_with_link(&server, "test-org", url);
    let home = client.get(&host, "/", &[("Cookie", &cookie)]);
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("Signed in as owner@example.com (Owner)"),
        "{}",
        home.body
    );
    // The link works once.
    let token = url.split("token=").nth(1).unwrap();
    let again = client.post_form(&host, "/signin/one-time", &[], &[("token", token)]);
    assert_eq!(again.status, 403);
    assert!(again.session_cookie().is_none());
    // The session is bound to its organization.
    // Commands on the same data print the URLs `serve` uses, without `--base-url`.
    let (code, stdout, _) = run(&["org", "create", "acme", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(&format!(
            "organization: acme http://acme.localhost:{port}\n"
        )),
        "{stdout}"
    );
    let other = client.get(
        &server.host("acme"),
        "/settings/okta",
        &[("Cookie", &cookie)],
    );
    assert_eq!(other.status, 303);
    assert_eq!(other.header("location"), Some("/signin"));

    // A second start on the same data creates nothing and prints no sign-in URL.
    let (status, rest) = server.terminate();
    assert!(status.success());
    assert_eq!(rest, ["stopped"]);
    let again = Server::start(&data);
    assert_eq!(again.line("organization"), None);
    assert_eq!(again.line("sign-in-url"), None);
    let (code, stdout, _) = run(&["org", "list", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0);
    let port = again.port;
    assert_eq!(
        stdout,
        format!(
            "organization: acme http://acme.localhost:{port}\n\
             organization: test-org http://test-org.localhost:{port} default\n"
        )
    );
    // An explicit base URL wins.
    let (code, stdout, _) = run(&[
        "org",
        "list",
        "--data",
        data.to_str().unwrap(),
        "--base-url",
        "https://apps.example.com",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "organization: acme https://acme.apps.example.com\n\
         organization: test-org https://test-org.apps.example.com default\n"
    );
}

#[test]
fn okta_setup_prints_only_a_token_that_authenticates_scim_until_the_next_setup() {
    let data = data_dir("setup");
    let server = Server::start(&data);
    let client = server.client();
    let host = server.host("test-org");

    let first = okta_setup(&data, "test-org", "http://www.okta.com/exk1");
    assert!(
        first.ends_with('\n') && first.lines().count() == 1,
        "{first:?}"
    );
    let first = first.trim_end().to_owned();
    assert!(first.starts_with("scim_"), "{first}");

    // Okta's "Test Connector Configuration".
    let list = client.get(
        &host,
        "/okta/scim/Users?startIndex=1&count=2",
        &[("Authorization", &bearer(&first))],
    );
    assert_eq!(list.status, 200, "{}", list.body);
    let json = list.json();
    assert_eq!(json["schemas"][0], LIST_RESPONSE);
    assert_eq!(json["totalResults"], 0);
    assert_eq!(json["startIndex"], 1);

    for bad in ["", "Bearer ", "Bearer scim_wrong", "Basic dXNlcjpwYXNz"] {
        let refused = client.get(&host, "/okta/scim/Users", &[("Authorization", bad)]);
        assert_eq!(refused.status, 401, "{bad:?}");
    }

    // Setting up again issues a new token and revokes the old one.
    let second = okta_setup(&data, "test-org", "http://www.okta.com/exk2")
        .trim_end()
        .to_owned();
    assert_ne!(first, second);
    let old = client.get(
        &host,
        "/okta/scim/Users?startIndex=1&count=2",
        &[("Authorization", &bearer(&first))],
    );
    assert_eq!(old.status, 401);
    let new = client.get(
        &host,
        "/okta/scim/Users?startIndex=1&count=2",
        &[("Authorization", &bearer(&second))],
    );
    assert_eq!(new.status, 200);

    // Another organization's valid token is worthless here, and the reverse.
    let (code, _, _) = run(&["org", "create", "acme", "--data", data.to_str().unwrap()]);
    assert_eq!(code, 0);
    let acme = okta_setup(&data, "acme", "http://www.okta.com/exk3")
        .trim_end()
        .to_owned();
    let cross = client.get(
        &host,
        "/okta/scim/Users",
        &[("Authorization", &bearer(&acme))],
    );
    assert_eq!(cross.status, 401);
    let own = client.get(
        &server.host("acme"),
        "/okta/scim/Users",
        &[("Authorization", &bearer(&acme))],
    );
    assert_eq!(own.status, 200);

    // Bad input: a clear error on standard error, nothing on standard output.
    let cert = support::idp_cert();
    let (code, stdout, stderr) = run(&[
        "okta",
        "setup",
        "test-org",
        "--sso-url",
        "ftp://x",
        "--issuer",
        "",
        "--cert",
        cert.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    assert!(stderr.contains("--sso-url: "), "{stderr}");
    assert!(stderr.contains("--issuer: "), "{stderr}");
    let (code, stdout, stderr) = run(&[
        "okta",
        "setup",
        "nobody",
        "--sso-url",
        "https://x.example/sso",
        "--issuer",
        "i",
        "--cert",
        cert.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("there is no organization nobody"),
        "{stderr}"
    );
    // It names the data directory it looked in (a forgotten --data is the usual cause).
    assert!(stderr.contains(data.to_str().unwrap()), "{stderr}");
    // The token that failed setups did not replace still works.
    let still = client.get(
        &host,
        "/okta/scim/Users",
        &[("Authorization", &bearer(&second))],
    );
    assert_eq!(still.status, 200);
}

#[test]
fn admin_pages_render_for_the_owner_and_are_refused_to_members_and_strangers() {
    let data = data_dir("admin");
    let server = Server::start(&data);
    let client = server.client();
    let host = server.host("test-org");
    let url = server.line("sign-in-url").unwrap();
    let owner = sign_in_with_link(&server, "test-org", url.strip_prefix("test-org ").unwrap());

    let pages = [
        ("/settings/okta", "Values to type into Okta"),
        (
            "/settings/okta/setup",
            "Identity Provider Single Sign-On URL",
        ),
        ("/settings/okta/users", "Provisioned users"),
        ("/settings/okta/groups", "Provisioned groups"),
        ("/settings/okta/audit", "Audit log"),
        ("/settings/members", "Members and roles"),
    ];
    for (path, text) in pages {
        let page = client.get(&host, path, &[("Cookie", &owner)]);
        assert_eq!(page.status, 200, "{path}");
        assert!(page.body.contains(text), "{path}: {}", page.body);
        assert_eq!(page.header("cache-control"), Some("no-store"));
        assert!(page.header("content-security-policy").is_some());
    }
    let okta = client.get(&host, "/settings/okta", &[("Cookie", &owner)]);
    let port = server.port;
    for value in [
        format!("value=\"http://test-org.localhost:{port}/okta/auth\""),
        format!("value=\"http://test-org.localhost:{port}\""),
        format!("value=\"http://test-org.localhost:{port}/okta/scim\""),
        "value=\"userName\"".to_owned(),
        "value=\"HTTP Header\"".to_owned(),
    ] {
        assert!(okta.body.contains(&value), "{value}");
    }

    // Without a session: to the sign-in page.
    for (path, _) in pages {
        let page = client.get(&host, path, &[]);
        assert_eq!(page.status, 303, "{path}");
        assert_eq!(page.header("location"), Some("/signin"));
        let forged = client.get(
            &host,
            path,
            &[("Cookie", &format!("okta_server_session={}", "a".repeat(64)))],
        );
        assert_eq!(forged.status, 303, "{path}");
    }

    // A provisioned member (role Member) signs in and is refused the admin pages.
    let token = okta_setup(&data, "test-org", "http://www.okta.com/exk1")
        .trim_end()
        .to_owned();
    let created = client.send(
        "POST",
        &host,
        "/okta/scim/Users",
        &[("Authorization", &bearer(&token))],
        "application/scim+json",
        br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"Ann@Example.com","name":{"givenName":"Ann","familyName":"Lee"},"emails":[{"primary":true,"value":"ann@example.com"}],"active":true}"#,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    eventually("the worker to apply the new user", || {
        client
            .get(&host, "/settings/okta/users", &[("Cookie", &owner)])
            .body
            .contains("ann@example.com")
    });
    let (code, stdout, stderr) = run(&[
        "org",
        "sign-in-link",
        "test-org",
        "--email",
        "ann@example.com",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let link = stdout
        .trim_end()
        .strip_prefix("sign-in-url: test-org ")
        .unwrap()
        .to_owned();
    let member = sign_in_with_link(&server, "test-org", &link);
    let home = client.get(&host, "/", &[("Cookie", &member)]);
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("Signed in as ann@example.com (Member)"),
        "{}",
        home.body
    );
    assert!(!home.body.contains("href=\"/settings\""));
    for (path, _) in pages {
        let page = client.get(&host, path, &[("Cookie", &member)]);
        assert_eq!(page.status, 403, "{path}");
    }

    // Deactivation in SCIM ends the member's session at once, before the queue is applied.
    let deactivated = client.send(
        "PATCH",
        &host,
        &format!("/okta/scim/Users/{id}"),
        &[("Authorization", &bearer(&token))],
        "application/scim+json",
        br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#,
    );
    // 200 with the resource or 204, as the integration is configured; Okta accepts both.
    assert!(
        matches!(deactivated.status, 200 | 204),
        "{}",
        deactivated.body
    );
    let home = client.get(&host, "/", &[("Cookie", &member)]);
    assert!(home.body.contains("Sign in to test-org"), "{}", home.body);
    eventually("the worker to apply the deactivation", || {
        client
            .get(&host, "/settings/okta/users", &[("Cookie", &owner)])
            .body
            .contains("deactivated")
    });
}

#[test]
fn forms_require_the_session_csrf_token_and_the_same_origin() {
    let data = data_dir("csrf");
    let server = Server::start(&data);
    let client = server.client();
    let host = server.host("test-org");
    let url = server.line("sign-in-url").unwrap();
    let owner = sign_in_with_link(&server, "test-org", url.strip_prefix("test-org ").unwrap());
    let form = client.get(&host, "/settings/okta/setup", &[("Cookie", &owner)]);
    let csrf = form.csrf();
    assert_eq!(csrf.len(), 64);

    let cert = std::fs::read_to_string(support::idp_cert()).unwrap();
    let missing = [
        ("sso_url", "https://idp.example.com/sso"),
        ("issuer", "http://www.okta.com/exk1"),
        ("certificate", cert.as_str()),
    ];
    let refused = client.post_form(
        &host,
        "/settings/okta/setup",
        &[("Cookie", &owner)],
        &missing,
    );
    assert_eq!(refused.status, 403);
    let wrong = [
        (
            "csrf",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ),
        ("sso_url", "https://idp.example.com/sso"),
        ("issuer", "http://www.okta.com/exk1"),
        ("certificate", cert.as_str()),
    ];
    let refused = client.post_form(&host, "/settings/okta/setup", &[("Cookie", &owner)], &wrong);
    assert_eq!(refused.status, 403);
    assert!(!refused.body.contains("scim_"));

    let mut good: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("sso_url", "https://idp.example.com/sso"),
        ("issuer", "http://www.okta.com/exk1"),
        ("certificate", &cert),
    ];
    // The right token from another site is still refused.
    let cross = client.post_form(
        &host,
        "/settings/okta/setup",
        &[("Cookie", &owner), ("Origin", "http://evil.example")],
        &good,
    );
    assert_eq!(cross.status, 403);
    // Without a session, a form post goes to the sign-in page.
    let anonymous = client.post_form(&host, "/settings/okta/setup", &[], &good);
    assert_eq!(anonymous.status, 303);

    // Inline errors, nothing saved.
    good[1] = ("sso_url", "not a url");
    let invalid = client.post_form(&host, "/settings/okta/setup", &[("Cookie", &owner)], &good);
    assert_eq!(invalid.status, 422);
    assert!(
        invalid.body.contains("class=\"field-error\""),
        "{}",
        invalid.body
    );
    assert!(!invalid.body.contains("scim_"));

    // The same form done right shows the token once, with the warning and a copy button.
    good[1] = ("sso_url", "https://idp.example.com/sso");
    let origin = format!("http://{host}");
    let saved = client.post_form(
        &host,
        "/settings/okta/setup",
        &[("Cookie", &owner), ("Origin", &origin)],
        &good,
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("shown only this once"));
    assert!(saved.body.contains("data-copy=\"scim-token\""));
    let at = saved.body.find("id=\"scim-token\" value=\"").unwrap() + 23;
    let token = &saved.body[at..at + 48];
    assert!(token.starts_with("scim_"));
    let list = client.get(
        &host,
        "/okta/scim/Users?startIndex=1&count=2",
        &[("Authorization", &bearer(token))],
    );
    assert_eq!(list.status, 200);
    // The settings page never shows it again.
    let okta = client.get(&host, "/settings/okta", &[("Cookie", &owner)]);
    assert!(!okta.body.contains(token));
    assert!(okta.body.contains("Connected"));

    // Sign-out needs the token too, then ends the session.
    let kept = client.post_form(&host, "/signout", &[("Cookie", &owner)], &[]);
    assert_eq!(kept.status, 403);
    assert_eq!(
        client
            .get(&host, "/settings/okta", &[("Cookie", &owner)])
            .status,
        200
    );
    let out = client.post_form(&host, "/signout", &[("Cookie", &owner)], &[("csrf", &csrf)]);
    assert_eq!(out.status, 303);
    assert_eq!(
        client
            .get(&host, "/settings/okta", &[("Cookie", &owner)])
            .status,
        303
    );
}

#[test]
fn provisioned_groups_reach_the_app_and_large_bodies_are_refused() {
    let data = data_dir("groups");
    let server = Server::start_with(&data, &["--max-body-bytes", "4096"]);
    let client = server.client();
    let host = server.host("test-org");
    let url = server.line("sign-in-url").unwrap();
    let owner = sign_in_with_link(&server, "test-org", url.strip_prefix("test-org ").unwrap());
    let token = okta_setup(&data, "test-org", "http://www.okta.com/exk1")
        .trim_end()
        .to_owned();
    let auth = bearer(&token);
    let user = client.send(
        "POST",
        &host,
        "/okta/scim/Users",
        &[("Authorization", &auth)],
        "application/scim+json",
        br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob@example.com","name":{"givenName":"Bob","familyName":"Ray"},"active":true}"#,
    );
    assert_eq!(user.status, 201, "{}", user.body);
    let user_id = user.json()["id"].as_str().unwrap().to_owned();
    let group = client.send(
        "POST",
        &host,
        "/okta/scim/Groups",
        &[("Authorization", &auth)],
        "application/scim+json",
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{{"value":"{user_id}"}}]}}"#
        )
        .as_bytes(),
    );
    assert_eq!(group.status, 201, "{}", group.body);
    eventually("the group and its member to be applied", || {
        let page = client.get(&host, "/settings/okta/groups", &[("Cookie", &owner)]);
        page.body.contains("<td>Engineering</td><td>1</td>")
    });
    let users = client.get(&host, "/settings/okta/users", &[("Cookie", &owner)]);
    assert!(
        users
            .body
            .contains("<td>bob@example.com</td><td>Bob Ray</td>"),
        "{}",
        users.body
    );
    assert!(users.body.contains("<td>Engineering</td>"));
    let okta = client.get(&host, "/settings/okta", &[("Cookie", &owner)]);
    assert!(
        okta.body.contains("<b id=\"queued\">0</b>"),
        "{}",
        okta.body
    );
    assert!(!okta.body.contains("http-equiv=\"refresh\""));

    let big = vec![b'x'; 5000];
    let refused = client.send(
        "POST",
        &host,
        "/okta/scim/Users",
        &[("Authorization", &auth)],
        "application/scim+json",
        &big,
    );
    assert_eq!(refused.status, 413);
}

#[test]
fn sigterm_stops_the_server_gracefully() {
    let data = data_dir("sigterm");
    let server = Server::start(&data);
    let client = server.client();
    assert_eq!(
        client.get(&server.host("test-org"), "/signin", &[]).status,
        200
    );
    let (status, rest) = server.terminate();
    assert!(status.success(), "{status:?}");
    assert_eq!(rest, ["stopped"]);
}

#[test]
fn saml_verify_behaves_like_the_saml_sp_example() {
    let (code, stdout, _) = run(&["saml", "verify", "--help"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("usage: okta-server saml verify --idp-cert"),
        "{stdout}"
    );
    let (code, stdout, stderr) = run(&["saml", "verify", "--idp-cert", "x.pem"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert!(
        stderr.starts_with("error: missing --idp-issuer, --sp-entity-id, --acs-url, FILE"),
        "{stderr}"
    );
}

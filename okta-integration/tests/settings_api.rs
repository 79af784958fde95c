//! The admin-facing API: settings save with the Owner/Admin hook, per-field errors, token
//! rotation, current values, Okta-facing values and provisioning progress.
// Test code: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod integ_support;

use std::sync::Arc;

use integ_support::{Env, vectors_dir};
use okta_integration::audit::AuditQuery;
use okta_integration::settings::{
    Actor, Role, RoleFuture, RoleLookup, SettingsField, SettingsForm,
};
use okta_integration::store::{Organization, Store};
use okta_integration::{Error, OktaIntegration};
use saml_sp::time::UnixTime;
use serde_json::json;

struct Roles;
impl RoleLookup for Roles {
    fn role<'a>(&'a self, org: &'a Organization, user: &'a str) -> RoleFuture<'a> {
        let role = match (org.slug.as_str(), user) {
            ("acme", "olive") => Some(Role::Owner),
            ("acme", "adam") => Some(Role::Admin),
            ("acme", "mia") => Some(Role::Member),
            _ => None,
        };
        Box::pin(async move { role })
    }
}

fn form() -> SettingsForm {
    SettingsForm {
        sso_url: "https://acme.okta.example/app/acme/exk1/sso/saml".into(),
        issuer: "http://www.okta.com/exk1".into(),
        certificate: std::fs::read_to_string(vectors_dir().join("keys/idp-rsa2048.crt")).unwrap(),
        metadata_xml: String::new(),
    }
}

async fn with_roles(env: &Env) -> OktaIntegration {
    let store: Arc<dyn Store> = env.store.clone();
    OktaIntegration::builder(store, "http://localhost:8080")
        .with_scim(env.integration.scim().clone())
        .with_time_provider(env.clock.clone())
        .with_role_lookup(Arc::new(Roles))
        .build()
        .unwrap()
}

#[tokio::test]
async fn only_owners_and_admins_change_settings() {
    let env = Env::new(
        "roles",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(1_900_000_000),
    )
    .await;
    let integ = with_roles(&env).await;
    for user in ["mia", "stranger"] {
        let e = integ
            .save_settings("acme", &Actor::User(user.into()), &form())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Forbidden), "{user}: {e}");
    }
    // Olive owns acme but not beta.
    let e = integ
        .save_settings("beta", &Actor::User("olive".into()), &form())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden));
    // Without a hook only the operator may.
    let e = env
        .integration
        .save_settings("acme", &Actor::User("olive".into()), &form())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden));
    assert!(integ.current_settings("acme").await.unwrap().is_none());

    let first = integ
        .save_settings("acme", &Actor::User("olive".into()), &form())
        .await
        .unwrap();
    let second = integ
        .save_settings("acme", &Actor::User("adam".into()), &form())
        .await
        .unwrap();
    let (t1, t2) = (first.token.expose_secret(), second.token.expose_secret());
    assert!(t1.starts_with("scim_") && t2.starts_with("scim_") && t1 != t2);
    let org = env.org("acme").await;
    assert!(!env.store.verify_scim_token(org.id, t1).await.unwrap());
    assert!(env.store.verify_scim_token(org.id, t2).await.unwrap());

    let current = integ.current_settings("acme").await.unwrap().unwrap();
    assert_eq!(current.idp.issuer, "http://www.okta.com/exk1");
    assert_eq!(current.idp.certificates.len(), 1);
    assert!(current.idp.certificates[0].starts_with("-----BEGIN CERTIFICATE-----\n"));
    let audit = env
        .store
        .audit_log(org.id, &AuditQuery::latest(1))
        .await
        .unwrap();
    let e = &audit.records[0].event;
    assert_eq!(
        (e.action.as_str(), e.actor.as_deref()),
        ("settings.saved", Some("adam"))
    );
    assert!(!e.detail.contains(t2));
}

#[tokio::test]
async fn invalid_settings_have_per_field_errors_and_save_nothing() {
    let env = Env::new(
        "invalid",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(1_900_000_000),
    )
    .await;
    let mut f = form();
    f.sso_url = "okta.example/sso".into();
    f.certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----".into();
    let e = env
        .integration
        .save_settings("acme", &Actor::Operator, &f)
        .await
        .unwrap_err();
    let Error::InvalidSettings(errors) = e else {
        panic!("{e}")
    };
    assert_eq!(
        errors.for_field(SettingsField::SsoUrl),
        Some("Enter the Identity Provider Single Sign-On URL: an http:// or https:// address.")
    );
    assert_eq!(
        errors.for_field(SettingsField::Certificate),
        Some("The certificate is not an X.509 certificate.")
    );
    assert_eq!(errors.for_field(SettingsField::Issuer), None);
    // A private key pasted into the certificate field is named as such.
    let mut f = form();
    f.certificate = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n".into();
    let Err(Error::InvalidSettings(errors)) = env
        .integration
        .save_settings("acme", &Actor::Operator, &f)
        .await
    else {
        panic!("a private key was accepted as the certificate")
    };
    assert!(
        errors
            .for_field(SettingsField::Certificate)
            .is_some_and(|m| m.starts_with("This is a private key, not a certificate")),
        "{errors:?}"
    );
    assert!(
        env.integration
            .current_settings("acme")
            .await
            .unwrap()
            .is_none()
    );
    // validate_settings is the same check without saving.
    assert!(env.integration.validate_settings(&form()).is_ok());
    assert!(matches!(
        env.integration
            .save_settings("nope", &Actor::Operator, &form())
            .await,
        Err(Error::UnknownOrganization(_))
    ));
}

#[tokio::test]
async fn okta_values_and_progress() {
    let env = Env::new(
        "values",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(1_900_000_000),
    )
    .await;
    let v = env.integration.okta_values("test-org").unwrap();
    assert_eq!(v.acs_url, "http://test-org.localhost:8080/okta/auth");
    assert_eq!(v.audience_uri, "http://test-org.localhost:8080");
    assert_eq!(v.scim_base_url, "http://test-org.localhost:8080/okta/scim");
    assert_eq!(
        v.metadata_url,
        "http://test-org.localhost:8080/okta/metadata"
    );
    assert_eq!(v.login_url, "http://test-org.localhost:8080/okta/login");
    assert!(env.integration.okta_values("Not A Slug").is_err());

    let token = env.setup("acme", "http://www.okta.com/exk1").await;
    for n in 0..3 {
        let (s, _, _) = env
            .scim("POST", "acme.localhost:8080", "/okta/scim/Users", Some(&token),
                Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": format!("u{n}@acme.example")})))
            .await;
        assert_eq!(s, 201);
    }
    let p = env.integration.provisioning_progress("acme").await.unwrap();
    assert_eq!((p.total.queued, p.total.applied), (3, 0));
    env.provision().await;
    let p = env.integration.provisioning_progress("acme").await.unwrap();
    assert_eq!((p.total.queued, p.total.applied, p.total.failed), (0, 3, 0));
    assert!(
        env.integration
            .failed_changes("acme", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[test]
fn builder_fails_closed() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let env = rt.block_on(Env::new(
        "builder",
        "http://localhost:8080",
        UnixTime::from_unix_seconds(0),
    ));
    let store: Arc<dyn Store> = env.store;
    let build = |f: &dyn Fn(
        okta_integration::OktaIntegrationBuilder,
    ) -> okta_integration::OktaIntegrationBuilder| {
        f(OktaIntegration::builder(
            store.clone(),
            "http://localhost:8080",
        ))
        .build()
    };
    assert!(build(&|b| b).is_ok());
    assert!(
        OktaIntegration::builder(store.clone(), "localhost:8080")
            .build()
            .is_err()
    );
    assert!(
        OktaIntegration::builder(store.clone(), "http://127.0.0.1:8080")
            .build()
            .is_err()
    );
    assert!(build(&|b| b.with_base_path("okta")).is_err());
    assert!(build(&|b| b.with_base_path("/a?b")).is_err());
    assert!(build(&|b| b.with_default_organization("Not Valid")).is_err());
    assert!(build(&|b| b.with_landing_path("https://evil.example/")).is_err());
    assert!(build(&|b| b.with_max_body_bytes(10)).is_err());
    assert!(build(&|b| b.with_session_cookie_name("bad name")).is_err());
    assert!(build(&|b| b.with_session_lifetime(std::time::Duration::ZERO)).is_err());
}

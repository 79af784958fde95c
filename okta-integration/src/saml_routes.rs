//! SAML endpoints: `POST {base}/auth` (ACS), `GET {base}/login` (SP-initiated), `GET
//! {base}/metadata`.
//!
//! The SP entity ID of organization `ORG` is `http(s)://ORG.BASE` and its ACS URL
//! `http(s)://ORG.BASE{base}/auth`, whatever host the request arrived on, because those are
//! the values typed into Okta.
//!
//! A refused sign-in is answered with a page that says why in the user's terms
//! ([`Refusal`]); the exact failed check (saml-sp's [`check`](saml_sp::Error::check) name, or
//! ours) goes to `tracing` and to the organization's audit log, never to the browser.

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Response, StatusCode};
use saml_sp::authn_request::AuthnRequestBuilder;
use saml_sp::metadata::SpMetadataBuilder;
use saml_sp::{AcsUrl, Certificate, EntityId, IdpConfig, RequestId, SpConfig};

use crate::audit::{AuditEvent, AuditKind};
use crate::config::OktaIntegration;
use crate::handlers::Tenant;
use crate::response::{html_page, redirect, see_other};
use crate::scim_routes::query_pairs;
use crate::session::{SessionError, SessionRequest};
use crate::store::{IntegrationSettings, RequestState};

/// The NameID format we ask for and publish: the user's email address (= SCIM `userName`).
pub const NAME_ID_FORMAT_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

/// Longest path accepted as a post-sign-in destination.
pub const MAX_RETURN_PATH: usize = 1024;

/// The cookie that binds an SP-initiated sign-in to the browser that started it.
///
/// `GET {base}/login` sets it to the AuthnRequest's ID (which also travels as the RelayState);
/// the ACS accepts the answer to that request only from a browser that sends the cookie back
/// with the same ID. Without it, someone could start a sign-in in their own browser, sign in
/// at the IdP as themselves and make a victim's browser post the response (login CSRF): the
/// victim would work in the attacker's account. The cookie is scoped to the ACS path, lives as
/// long as the request state and is cleared once used. Over https it is
/// `SameSite=None; Secure`, because the IdP's POST to the ACS is a cross-site request; over
/// plain http (development) it carries no `SameSite` attribute, which browsers send on that
/// POST within the first minutes (Chromium's "Lax+POST" allowance).
pub const REQUEST_BINDING_COOKIE: &str = "okta_saml_request";

/// Why a sign-in was refused, as the user is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refusal {
    /// The POST is not a SAML response we can read (400).
    Malformed,
    /// Expired, already used, or not answering a sign-in we started (403).
    Expired,
    /// The organization has not connected Okta yet (403).
    NotConfigured,
    /// The response could not be verified as coming from the organization's IdP (403).
    NotVerified,
    /// No such user in the organization, or not yet provisioned (403).
    NotProvisioned,
    /// The user is deactivated (403).
    Deactivated,
    /// Our own failure (500).
    Internal,
}

impl Refusal {
    /// The HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Self::Malformed => 400,
            Self::Internal => 500,
            _ => 403,
        }
    }

    /// Page title and message.
    pub fn text(self) -> (&'static str, &'static str) {
        match self {
            Self::Malformed => (
                "We couldn't read this sign-in",
                "The sign-in request was incomplete or damaged. Start again from Okta.",
            ),
            Self::Expired => (
                "This sign-in expired",
                "This sign-in expired, start again from Okta.",
            ),
            Self::NotConfigured => (
                "Sign-in with Okta isn't set up",
                "Your organization hasn't finished connecting Okta. Ask your administrator.",
            ),
            Self::NotVerified => (
                "We couldn't verify this sign-in",
                "Your sign-in from Okta could not be accepted. Start again from Okta; if it \
                 keeps happening, ask your administrator to check the Okta integration settings.",
            ),
            Self::NotProvisioned => (
                "Your account has not been provisioned yet",
                "Your account has not been provisioned yet. Ask your administrator to assign \
                 you to this app in Okta, then try again in a minute.",
            ),
            Self::Deactivated => (
                "Your account is deactivated",
                "Your account in this organization has been deactivated. Ask your \
                 administrator if you think this is a mistake.",
            ),
            Self::Internal => (
                "Something went wrong",
                "We couldn't complete the sign-in. Please try again in a moment.",
            ),
        }
    }

    /// Which refusal a saml-sp check name means for the user.
    pub fn for_check(check: &str) -> Self {
        match check {
            "input_size" | "base64" | "xml_syntax" | "xml_limits" | "processing_instruction" => {
                Self::Malformed
            }
            "expired" | "not_yet_valid" | "issue_instant" | "in_response_to" | "replay"
            | "unsolicited" => Self::Expired,
            _ => Self::NotVerified,
        }
    }

    fn page(self) -> Response<Bytes> {
        let (title, message) = self.text();
        html_page(self.status(), title, message)
    }
}

/// Whether `path` may be redirected to after sign-in: a relative path of this host (starts
/// with one `/`, no scheme, no backslash, no whitespace or control characters).
///
/// ```
/// use okta_integration::saml_routes::is_safe_relative_path;
/// assert!(is_safe_relative_path("/projects?tab=1"));
/// assert!(!is_safe_relative_path("//evil.example/"));
/// assert!(!is_safe_relative_path("/\\evil.example"));
/// assert!(!is_safe_relative_path("https://evil.example/"));
/// assert!(!is_safe_relative_path("/a\tb"));
/// ```
pub fn is_safe_relative_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= MAX_RETURN_PATH
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

/// Builds the verifier for one organization from its saved settings.
pub(crate) fn sp_config(
    integration: &OktaIntegration,
    tenant: &Tenant,
    settings: &IntegrationSettings,
) -> Result<SpConfig, String> {
    let entity = EntityId::try_from(tenant.org_origin.as_str()).map_err(|e| e.to_string())?;
    let acs = AcsUrl::try_from(acs_url(integration, tenant).as_str()).map_err(|e| e.to_string())?;
    let issuer = EntityId::try_from(settings.idp.issuer.as_str()).map_err(|e| e.to_string())?;
    let mut certs = Vec::new();
    for pem in &settings.idp.certificates {
        certs.extend(Certificate::from_pem_bundle(pem).map_err(|e| e.to_string())?);
    }
    let idp = IdpConfig::new(issuer, certs).map_err(|e| e.to_string())?;
    SpConfig::builder(entity, acs, idp)
        .allow_unsolicited_responses(integration.inner.allow_idp_initiated)
        .with_replay_cache(integration.inner.store.replay_cache(tenant.org.id))
        .build()
        .map_err(|e| e.to_string())
}

fn acs_url(integration: &OktaIntegration, tenant: &Tenant) -> String {
    format!("{}{}/auth", tenant.org_origin, integration.base_path())
}

struct Refused {
    refusal: Refusal,
    check: &'static str,
    detail: String,
    subject: Option<String>,
}

fn refused(refusal: Refusal, check: &'static str, detail: impl Into<String>) -> Refused {
    Refused {
        refusal,
        check,
        detail: detail.into(),
        subject: None,
    }
}

/// `POST {base}/auth`.
pub(crate) async fn acs(
    integration: &OktaIntegration,
    tenant: &Tenant,
    parts: &Parts,
    body: Bytes,
) -> Response<Bytes> {
    match acs_inner(integration, tenant, parts, &body).await {
        Ok(r) => r,
        Err(r) => {
            tracing::warn!(
                org = %tenant.org.slug,
                check = r.check,
                subject = r.subject.as_deref().unwrap_or(""),
                detail = %r.detail,
                "SAML sign-in refused"
            );
            let mut event = AuditEvent::new(
                integration.now_unix(),
                AuditKind::SignInRefused,
                format!("sign_in.refused.{}", r.check),
            )
            .with_detail(r.detail.clone());
            if let Some(s) = &r.subject {
                event = event.with_subject(s.clone());
            }
            integration.audit(tenant.org.id, &event).await;
            r.refusal.page()
        }
    }
}

async fn acs_inner(
    integration: &OktaIntegration,
    tenant: &Tenant,
    parts: &Parts,
    body: &Bytes,
) -> Result<Response<Bytes>, Refused> {
    let store = &integration.inner.store;
    let now = integration.now_unix();
    let text = std::str::from_utf8(body).map_err(|_| {
        refused(
            Refusal::Malformed,
            "form_encoding",
            "form body is not UTF-8",
        )
    })?;
    let form = query_pairs(text);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let saml_response = field("SAMLResponse")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            refused(
                Refusal::Malformed,
                "missing_saml_response",
                "no SAMLResponse form field",
            )
        })?;
    let relay_state = field("RelayState").filter(|v| !v.is_empty());

    let settings = store
        .integration_settings(tenant.org.id)
        .await
        .map_err(|e| refused(Refusal::Internal, "store", e.to_string()))?
        .ok_or_else(|| {
            refused(
                Refusal::NotConfigured,
                "not_configured",
                "no integration settings saved",
            )
        })?;
    let sp = sp_config(integration, tenant, &settings)
        .map_err(|e| refused(Refusal::NotConfigured, "settings_unusable", e))?;

    // An SP-initiated sign-in sent its request ID as the RelayState; anything else in the
    // RelayState is a requested destination (IdP-initiated "Default RelayState").
    let mut expected = None;
    let mut destination = None;
    let mut flow = "idp_initiated";
    if let Some(relay) = relay_state {
        let state = if relay.starts_with('/') || relay.len() > 256 {
            None
        } else {
            store
                .take_request_state(tenant.org.id, relay, now)
                .await
                .map_err(|e| refused(Refusal::Internal, "store", e.to_string()))?
        };
        match state {
            Some(state) => {
                if !started_in_this_browser(parts, &state.request_id) {
                    return Err(refused(
                        Refusal::Expired,
                        "request_binding",
                        format!(
                            "the browser that posted the answer to request {} did not start \
                             it (no matching {REQUEST_BINDING_COOKIE} cookie)",
                            state.request_id
                        ),
                    ));
                }
                expected = Some(
                    RequestId::try_from(state.request_id.as_str())
                        .map_err(|e| refused(Refusal::Internal, "request_state", e.to_string()))?,
                );
                destination = state.relay_state;
                flow = "sp_initiated";
            }
            None => destination = Some(relay.to_owned()),
        }
    }

    let authenticated = sp
        .verify_response(saml_response.as_bytes(), expected.as_ref(), now)
        .map_err(|e| refused(Refusal::for_check(e.check()), e.check(), e.to_string()))?;
    let name_id = authenticated.name_id().value().to_owned();
    let with_subject = |mut r: Refused| {
        r.subject = Some(name_id.clone());
        r
    };

    let user = store
        .sign_in_user(tenant.org.id, &name_id)
        .await
        .map_err(|e| with_subject(refused(Refusal::Internal, "store", e.to_string())))?
        .ok_or_else(|| {
            with_subject(refused(
                Refusal::NotProvisioned,
                "user_unknown",
                "no SCIM user with this userName in the organization",
            ))
        })?;
    if !user.active {
        return Err(with_subject(refused(
            Refusal::Deactivated,
            "user_inactive",
            format!("SCIM user {} is not active", user.id),
        )));
    }
    if !user.provisioned {
        return Err(with_subject(refused(
            Refusal::NotProvisioned,
            "user_not_applied",
            format!(
                "SCIM user {} has not been applied by the provisioning worker yet",
                user.id
            ),
        )));
    }

    let mut cookies = integration
        .inner
        .sessions
        .start_session(SessionRequest {
            org: &tenant.org,
            user: &user,
            authenticated: &authenticated,
            secure: tenant.is_https(),
            now,
        })
        .await
        .map_err(|e| {
            let refusal = match e {
                SessionError::IdpSessionOver(_) => Refusal::Expired,
                _ => Refusal::Internal,
            };
            with_subject(refused(refusal, "session", e.to_string()))
        })?;

    if flow == "sp_initiated" {
        cookies.extend(request_binding_cookie(integration, tenant, None));
    }

    let location = match destination {
        Some(d) if is_safe_relative_path(&d) => d,
        Some(d) => {
            tracing::warn!(org = %tenant.org.slug, relay_state = %d.escape_debug(), "RelayState is not a relative path; ignored");
            let event = AuditEvent::new(now, AuditKind::Other, "sign_in.relay_state_refused")
                .with_subject(name_id.clone())
                .with_detail(format!(
                    "RelayState {:?} is not a relative path of this organization",
                    d
                ));
            integration.audit(tenant.org.id, &event).await;
            integration.inner.landing_path.clone()
        }
        None => integration.inner.landing_path.clone(),
    };

    tracing::info!(org = %tenant.org.slug, user = %user.id, flow, "SAML sign-in");
    let event = AuditEvent::new(now, AuditKind::SignIn, format!("sign_in.{flow}"))
        .with_actor(name_id)
        .with_subject(user.id.clone())
        .with_detail(format!(
            "assertion {} from {}",
            authenticated.assertion_id(),
            authenticated.issuer()
        ));
    integration.audit(tenant.org.id, &event).await;
    Ok(see_other(&location, &cookies))
}

/// `GET {base}/login[?return_to=/path]`: redirect to the IdP with an AuthnRequest.
pub(crate) async fn login(
    integration: &OktaIntegration,
    tenant: &Tenant,
    parts: &Parts,
) -> Response<Bytes> {
    let store = &integration.inner.store;
    let now = integration.now_unix();
    let settings = match store.integration_settings(tenant.org.id).await {
        Ok(Some(s)) => s,
        Ok(None) => return Refusal::NotConfigured.page(),
        Err(e) => {
            tracing::error!(org = %tenant.org.slug, error = %e, "store failure at login");
            return Refusal::Internal.page();
        }
    };
    let return_to = parts
        .uri
        .query()
        .map(query_pairs)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "return_to" || k == "RelayState")
        .map(|(_, v)| v)
        .filter(|v| is_safe_relative_path(v));
    let request = match AuthnRequestBuilder::new(
        &tenant.org_origin,
        &acs_url(integration, tenant),
        &settings.idp.sso_url,
    )
    .with_name_id_format(NAME_ID_FORMAT_EMAIL)
    .build(integration.inner.rng.as_ref(), now)
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(org = %tenant.org.slug, error = %e, "AuthnRequest not built");
            return Refusal::NotConfigured.page();
        }
    };
    let state = RequestState {
        request_id: request.id().to_owned(),
        relay_state: return_to,
        created_at: now,
        expires_at: now.saturating_add(integration.inner.request_state_ttl),
    };
    if let Err(e) = store.save_request_state(tenant.org.id, &state).await {
        tracing::error!(org = %tenant.org.slug, error = %e, "request state not saved");
        return Refusal::Internal.page();
    }
    let binding = request_binding_cookie(integration, tenant, Some(request.id()));
    match request.redirect_url(Some(request.id())) {
        Ok(url) => redirect(StatusCode::FOUND, &url, &binding),
        Err(e) => {
            tracing::error!(org = %tenant.org.slug, error = %e, "redirect URL not built");
            Refusal::NotConfigured.page()
        }
    }
}

/// Whether the request carries [`REQUEST_BINDING_COOKIE`] with `request_id` (any of the
/// cookies of that name, should the browser send several).
fn started_in_this_browser(parts: &Parts, request_id: &str) -> bool {
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| {
            name == REQUEST_BINDING_COOKIE && value.trim().trim_matches('"') == request_id
        })
}

/// The `Set-Cookie` value of [`REQUEST_BINDING_COOKIE`]: set to `request_id`, or cleared
/// when `None`. Empty when the value cannot be a header (request IDs are plain tokens).
fn request_binding_cookie(
    integration: &OktaIntegration,
    tenant: &Tenant,
    request_id: Option<&str>,
) -> Vec<HeaderValue> {
    let max_age = match request_id {
        Some(_) => integration.inner.request_state_ttl.as_secs(),
        None => 0,
    };
    let mut cookie = format!(
        "{REQUEST_BINDING_COOKIE}={}; Path={}/auth; Max-Age={max_age}; HttpOnly",
        request_id.unwrap_or(""),
        integration.base_path()
    );
    if tenant.is_https() {
        cookie.push_str("; SameSite=None; Secure");
    }
    HeaderValue::from_str(&cookie)
        .map(|v| vec![v])
        .unwrap_or_default()
}

/// `GET {base}/metadata`: the SP metadata of the organization.
pub(crate) fn metadata(integration: &OktaIntegration, tenant: &Tenant) -> Response<Bytes> {
    let xml = SpMetadataBuilder::new(&tenant.org_origin, &acs_url(integration, tenant))
        .with_name_id_format(NAME_ID_FORMAT_EMAIL)
        .with_want_assertions_signed(true)
        .build();
    match xml {
        Ok(xml) => {
            let mut r = Response::new(Bytes::from(xml));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/samlmetadata+xml"),
            );
            r
        }
        Err(e) => {
            tracing::error!(org = %tenant.org.slug, error = %e, "SP metadata not built");
            Refusal::Internal.page()
        }
    }
}

//! The request entry point ([`OktaIntegration::handle`]) and the API the host's admin pages use.

use bytes::Bytes;
use http::request::Parts;
use http::{Method, Request, Response};
use saml_sp::time::UnixTime;

use crate::audit::{AuditEvent, AuditKind};
use crate::auth::ScimToken;
use crate::config::OktaIntegration;
use crate::error::Error;
use crate::provisioning::{FailedChange, Progress};
use crate::response::{html_page, method_not_allowed, scim_error_status, text};
use crate::routes::{Route, match_path};
use crate::session::cookie_value;
use crate::settings::{
    Actor, CurrentSettings, OktaValues, Role, SavedSettings, SettingsForm, ValidatedSettings,
    validate_settings,
};
use crate::store::{Organization, SecretHash, Session, StoreError};
use crate::tenant::{RequestOrigin, Scheme, TenantChoice};

/// Longest `detail`, `actor` or `subject` (in characters) the integration writes to the audit
/// log; longer text, which only hostile requests produce, is cut.
pub(crate) const MAX_AUDIT_TEXT: usize = 2048;

/// The organization a request is for, and how the request reached us.
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub(crate) org: Organization,
    /// Scheme and host the client used (after trusted proxy headers).
    pub(crate) origin: RequestOrigin,
    /// `scheme://ORG.BASE`: the SP entity ID and the root of every Okta-facing URL.
    pub(crate) org_origin: String,
}

/// Why a request has no tenant.
pub(crate) enum TenantError {
    Unknown,
    Store(StoreError),
}

/// A live session found from a request's cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The organization.
    pub org: Organization,
    /// The session (user id, userName, expiry).
    pub session: Session,
}

impl OktaIntegration {
    /// The route a request names, if it is one of ours (by path only; the method is checked
    /// by [`handle`](Self::handle), which answers `405` for a wrong one).
    ///
    /// ```
    /// # fn demo(integration: &okta_integration::OktaIntegration) {
    /// use okta_integration::routes::Route;
    /// let req = http::Request::post("/okta/auth").body(()).unwrap();
    /// assert_eq!(integration.route(&req.into_parts().0), Some(Route::Acs));
    /// # }
    /// ```
    pub fn route(&self, parts: &Parts) -> Option<Route> {
        match_path(&self.inner.base_path, parts.uri.path())
    }

    /// Answers one request. Every failure is rendered into the response: SCIM errors as
    /// RFC 7644 JSON, sign-in refusals as an HTML page in the user's terms. A path that is not
    /// ours gets a plain `404`.
    ///
    /// The body must already be collected (the adapters do it with a size limit).
    pub async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = req.into_parts();
        let Some(route) = self.route(&parts) else {
            return text(404, "not found\n");
        };
        let mut response = self.handle_route(&route, &parts, body).await;
        if parts.method == Method::HEAD {
            *response.body_mut() = Bytes::new();
        }
        response
    }

    async fn handle_route(&self, route: &Route, parts: &Parts, body: Bytes) -> Response<Bytes> {
        if !route.allows(&parts.method) {
            return method_not_allowed(route.allowed_methods(), route.is_scim());
        }
        let tenant = match self.tenant(parts).await {
            Ok(t) => t,
            Err(TenantError::Unknown) => {
                return if route.is_scim() {
                    scim_error_status(404, None, "no organization is served at this address")
                } else {
                    html_page(
                        404,
                        "Organization not found",
                        "There is no organization at this address. Check the link you followed.",
                    )
                };
            }
            Err(TenantError::Store(e)) => {
                tracing::error!(error = %e, "store failure while resolving the organization");
                return if route.is_scim() {
                    scim_error_status(500, None, "internal server error")
                } else {
                    html_page(500, "Something went wrong", "Please try again in a moment.")
                };
            }
        };
        match route {
            Route::Scim(s) => crate::scim_routes::handle(self, &tenant, s, parts, body).await,
            Route::Acs => crate::saml_routes::acs(self, &tenant, parts, body).await,
            Route::Login => crate::saml_routes::login(self, &tenant, parts).await,
            Route::Metadata => crate::saml_routes::metadata(self, &tenant),
        }
    }

    pub(crate) async fn tenant(&self, parts: &Parts) -> Result<Tenant, TenantError> {
        let origin = self.inner.origin_rules.origin(parts);
        let choice = self
            .inner
            .resolver
            .resolve(&origin, parts)
            .ok_or(TenantError::Unknown)?;
        let org = match choice {
            TenantChoice::Organization(slug) => self.cached_organization(&slug).await,
            TenantChoice::Default => match &self.inner.default_org {
                Some(slug) => self.cached_organization(slug).await,
                None => self.inner.store.default_organization().await,
            },
        }
        .map_err(TenantError::Store)?
        .ok_or(TenantError::Unknown)?;
        let org_origin = self.inner.base.origin_for(org.slug.as_str());
        Ok(Tenant {
            org,
            origin,
            org_origin,
        })
    }

    /// An organization by slug, through the positive lookup cache.
    async fn cached_organization(&self, slug: &str) -> Result<Option<Organization>, StoreError> {
        if let Ok(cache) = self.inner.org_cache.read() {
            if let Some(org) = cache.get(slug) {
                return Ok(Some(org.clone()));
            }
        }
        let found = self.inner.store.organization_by_slug(slug).await?;
        if let (Some(org), Ok(mut cache)) = (&found, self.inner.org_cache.write()) {
            if cache.len() < crate::config::ORG_CACHE_MAX {
                cache.insert(slug.to_owned(), org.clone());
            }
        }
        Ok(found)
    }

    /// The organization `slug`, or [`Error::UnknownOrganization`].
    pub async fn organization(&self, slug: &str) -> Result<Organization, Error> {
        self.inner
            .store
            .organization_by_slug(slug)
            .await
            .map_err(store_err)?
            .ok_or_else(|| Error::UnknownOrganization(slug.to_owned()))
    }

    /// The values the admin types into Okta for organization `slug` (shown with copy buttons).
    ///
    /// ```
    /// # async fn demo(integration: &okta_integration::OktaIntegration) -> Result<(), okta_integration::Error> {
    /// // With base URL http://localhost:8080:
    /// let v = integration.okta_values("acme")?;
    /// assert_eq!(v.acs_url, "http://acme.localhost:8080/okta/auth");
    /// assert_eq!(v.audience_uri, "http://acme.localhost:8080");
    /// assert_eq!(v.scim_base_url, "http://acme.localhost:8080/okta/scim");
    /// # Ok(()) }
    /// ```
    pub fn okta_values(&self, slug: &str) -> Result<OktaValues, Error> {
        if !crate::tenant::is_org_name(slug) {
            return Err(Error::UnknownOrganization(slug.to_owned()));
        }
        let origin = self.inner.base.origin_for(slug);
        let base = format!("{origin}{}", self.inner.base_path);
        Ok(OktaValues {
            acs_url: format!("{base}/auth"),
            audience_uri: origin,
            scim_base_url: format!("{base}/scim"),
            metadata_url: format!("{base}/metadata"),
            login_url: format!("{base}/login"),
            unique_identifier_field: "userName",
            application_username: "Email",
        })
    }

    /// The saved settings of organization `slug`, if any.
    pub async fn current_settings(&self, slug: &str) -> Result<Option<CurrentSettings>, Error> {
        let org = self.organization(slug).await?;
        let saved = self
            .inner
            .store
            .integration_settings(org.id)
            .await
            .map_err(store_err)?;
        Ok(saved.map(|s| CurrentSettings {
            org,
            idp: s.idp,
            updated_at: s.updated_at,
        }))
    }

    /// Validates a settings form without saving it (for inline errors as the admin types).
    pub fn validate_settings(&self, form: &SettingsForm) -> Result<ValidatedSettings, Error> {
        validate_settings(form, self.now()).map_err(Error::InvalidSettings)
    }

    /// Saves the integration settings of organization `slug` and issues a new SCIM token,
    /// revoking the previous one. Only an Owner or Admin (decided by the
    /// [`RoleLookup`](crate::settings::RoleLookup) hook) or the [`Actor::Operator`] may.
    ///
    /// The returned token is shown to the admin once; only its hash is stored.
    pub async fn save_settings(
        &self,
        slug: &str,
        actor: &Actor,
        form: &SettingsForm,
    ) -> Result<SavedSettings, Error> {
        let org = self.organization(slug).await?;
        let actor_name = match actor {
            Actor::Operator => "operator".to_owned(),
            Actor::User(user) => {
                let role = match &self.inner.roles {
                    Some(hook) => hook.role(&org, user).await,
                    None => None,
                };
                if !matches!(role, Some(Role::Owner | Role::Admin)) {
                    tracing::warn!(org = %org.slug, "settings change refused: not an Owner or Admin");
                    return Err(Error::Forbidden);
                }
                user.clone()
            }
        };
        let now = self.now();
        let settings = validate_settings(form, now).map_err(Error::InvalidSettings)?;
        let token = ScimToken::generate(self.inner.rng.as_ref())?;
        self.inner
            .store
            .save_integration_settings(org.id, &settings.idp, token.hash())
            .await
            .map_err(store_err)?;
        let event = AuditEvent::new(now, AuditKind::SettingsSaved, "settings.saved")
            .with_actor(actor_name)
            .with_detail(format!(
                "issuer {}; SSO URL {}; {} certificate(s); new SCIM token issued, previous revoked",
                settings.idp.issuer,
                settings.idp.sso_url,
                settings.idp.certificates.len()
            ));
        self.audit(org.id, &event).await;
        tracing::info!(org = %org.slug, "integration settings saved; new SCIM token issued");
        Ok(SavedSettings { token, settings })
    }

    /// Provisioning progress of organization `slug` (queued, applied, failed).
    pub async fn provisioning_progress(&self, slug: &str) -> Result<Progress, Error> {
        let org = self.organization(slug).await?;
        self.inner.store.progress(org.id).await.map_err(store_err)
    }

    /// Changes of organization `slug` that failed for good, newest first.
    pub async fn failed_changes(
        &self,
        slug: &str,
        limit: usize,
    ) -> Result<Vec<FailedChange>, Error> {
        let org = self.organization(slug).await?;
        self.inner
            .store
            .failed_changes(org.id, limit)
            .await
            .map_err(store_err)
    }

    /// The live session of a request (the default session cookie), for the host's pages.
    ///
    /// `None` when there is no cookie, the session is unknown, expired, of another
    /// organization, or its user has been deactivated or deleted since.
    pub async fn session(&self, parts: &Parts) -> Result<Option<SignedIn>, Error> {
        let Some(id) = cookie_value(&parts.headers, &self.inner.session_cookie) else {
            return Ok(None);
        };
        if id.len() > crate::auth::MAX_SECRET_LEN {
            return Ok(None);
        }
        let tenant = match self.tenant(parts).await {
            Ok(t) => t,
            Err(TenantError::Unknown) => return Ok(None),
            Err(TenantError::Store(e)) => return Err(store_err(e)),
        };
        let session = self
            .inner
            .store
            .session(tenant.org.id, SecretHash::of(id), self.now())
            .await
            .map_err(store_err)?;
        Ok(session.map(|session| SignedIn {
            org: tenant.org,
            session,
        }))
    }

    /// Ends the request's session (the default session cookie) and returns the `Set-Cookie`
    /// value that clears the cookie. Ending an unknown session is not an error.
    pub async fn sign_out(&self, parts: &Parts) -> Result<http::HeaderValue, Error> {
        let name = &self.inner.session_cookie;
        if let Some(id) = cookie_value(&parts.headers, name) {
            if let Ok(tenant) = self.tenant(parts).await {
                if id.len() <= crate::auth::MAX_SECRET_LEN {
                    self.inner
                        .store
                        .revoke_session(tenant.org.id, SecretHash::of(id))
                        .await
                        .map_err(store_err)?;
                    let event =
                        AuditEvent::new(self.now(), AuditKind::SessionEnded, "session.signed_out");
                    self.audit(tenant.org.id, &event).await;
                }
            }
        }
        let secure = self.inner.origin_rules.origin(parts).scheme == Scheme::Https;
        let cookie = crate::session::session_cookie(name, "", 0, secure);
        http::HeaderValue::from_str(&cookie).map_err(|_| {
            Error::Config(crate::ConfigError::InvalidValue {
                what: "session cookie name",
                detail: "not a valid header value",
            })
        })
    }

    /// A provisioning worker over this integration's store and clock, delivering to
    /// `provisioner`; the host spawns [`Worker::run`](crate::provisioning::Worker::run) (or
    /// steps [`Worker::run_once`](crate::provisioning::Worker::run_once)). `sleep` is the host
    /// runtime's timer, e.g. `|d| tokio::time::sleep(d)`.
    pub fn worker(
        &self,
        provisioner: std::sync::Arc<dyn crate::provisioning::Provisioner>,
        sleep: impl crate::provisioning::Sleep + 'static,
        config: crate::provisioning::WorkerConfig,
    ) -> crate::provisioning::Worker {
        crate::provisioning::Worker::new(
            std::sync::Arc::clone(&self.inner.store),
            provisioner,
            std::sync::Arc::clone(&self.inner.clock),
            sleep,
            config,
        )
    }

    /// Records an audit event; a store failure is logged, never fatal to the request.
    ///
    /// `detail`, `actor` and `subject` are cut to [`MAX_AUDIT_TEXT`] characters: unauthenticated
    /// requests put their own text there (a request path, a refused value), and each such
    /// request must not grow the log by more than a bounded amount. Refusals of unauthenticated
    /// requests are also limited in number per organization and minute
    /// ([`OktaIntegrationBuilder::with_refusal_audit_limit`](crate::OktaIntegrationBuilder::with_refusal_audit_limit)).
    pub(crate) async fn audit(&self, org: crate::store::OrgId, event: &AuditEvent) {
        if crate::refusal_throttle::is_throttled(event.kind) {
            let admission = self.inner.refusal_throttle.admit(org, event);
            if let Some(summary) = &admission.summary {
                self.append_audit(org, summary).await;
            }
            if !admission.record {
                tracing::debug!(action = %event.action, "refusal over the audit limit not recorded");
                return;
            }
        }
        let clipped;
        let event = if [
            Some(&event.detail),
            event.actor.as_ref(),
            event.subject.as_ref(),
        ]
        .into_iter()
        .flatten()
        .any(|t| t.len() > MAX_AUDIT_TEXT)
        {
            let clip = |t: &String| t.chars().take(MAX_AUDIT_TEXT).collect::<String>();
            clipped = AuditEvent {
                detail: clip(&event.detail),
                actor: event.actor.as_ref().map(clip),
                subject: event.subject.as_ref().map(clip),
                ..event.clone()
            };
            &clipped
        } else {
            event
        };
        self.append_audit(org, event).await;
    }

    async fn append_audit(&self, org: crate::store::OrgId, event: &AuditEvent) {
        if let Err(e) = self.inner.store.append_audit(org, event).await {
            tracing::error!(error = %e, action = %event.action, "audit log write failed");
        }
    }

    pub(crate) fn now_unix(&self) -> UnixTime {
        self.now()
    }
}

impl Tenant {
    pub(crate) fn is_https(&self) -> bool {
        self.origin.scheme == Scheme::Https
    }
}

fn store_err(e: StoreError) -> Error {
    Error::Store(e.to_string())
}

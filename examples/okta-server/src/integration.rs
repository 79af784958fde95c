//! The server's view of `okta-integration`: its store (organizations, settings, progress, audit
//! log, SCIM users) and its handler set, turned into the plain values the UI renders.

use std::fmt;
use std::sync::Arc;

use std::net::IpAddr;
use std::path::Path;

use bytes::Bytes;
use http::{Request, Response};
use okta_integration::audit::{AuditEvent, AuditKind, AuditQuery};
use okta_integration::settings::{Actor, SettingsField, SettingsForm};
use okta_integration::store::sqlite::SqliteStore;
use okta_integration::store::{OrgId, OrgSlug, Organization, Store};
use okta_integration::{Error as IntegrationError, OktaIntegration};
use saml_sp::random::IdGenerator;
use saml_sp::time::TimeProvider;
use scim_core::Scim;

use crate::sessions::{Roles, Sessions};
use crate::site::BaseUrl;

use crate::site::OrgName;

/// An error of the integration layer, as text for the log (never shown to a browser).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BackendError(pub(crate) String);

impl BackendError {
    fn from_display(error: impl fmt::Display) -> Self {
        Self(error.to_string())
    }
}

/// An organization as the UI knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OrgInfo {
    /// The store's id.
    pub(crate) id: OrgId,
    /// The name (first label of its host).
    pub(crate) slug: OrgName,
    /// Name to show.
    pub(crate) display_name: String,
    /// Whether it answers on the bare host.
    pub(crate) is_default: bool,
}

impl OrgInfo {
    fn from_store(org: Organization) -> Result<Self, BackendError> {
        let slug = OrgName::try_from(org.slug.as_str()).map_err(BackendError::from_display)?;
        Ok(Self {
            id: org.id,
            slug,
            display_name: org.display_name,
            is_default: org.is_default,
        })
    }
}

/// What the admin types into Okta.
#[derive(Clone, Debug)]
pub(crate) struct OktaValuesView {
    /// Single Sign On URL (the ACS).
    pub(crate) acs_url: String,
    /// Audience URI (SP entity ID).
    pub(crate) audience_uri: String,
    /// SCIM connector base URL.
    pub(crate) scim_base_url: String,
    /// SP metadata URL.
    pub(crate) metadata_url: String,
    /// Unique identifier field for users.
    pub(crate) unique_identifier_field: &'static str,
    /// Application username.
    pub(crate) application_username: &'static str,
}

/// The saved integration settings, for display.
#[derive(Clone, Debug)]
pub(crate) struct SettingsView {
    /// IdP Single Sign-On URL.
    pub(crate) sso_url: String,
    /// IdP Issuer.
    pub(crate) issuer: String,
    /// One line per certificate (subject and validity).
    pub(crate) certificates: Vec<String>,
    /// When they were last saved.
    pub(crate) updated_at: String,
}

/// What the admin typed into the Set Up form (or the CLI's flags).
#[derive(Clone, Debug, Default)]
pub(crate) struct SetupForm {
    /// IdP Single Sign-On URL.
    pub(crate) sso_url: String,
    /// IdP Issuer.
    pub(crate) issuer: String,
    /// X.509 certificate, PEM with or without armour.
    pub(crate) certificate: String,
    /// Optional IdP metadata XML that fills the other fields.
    pub(crate) metadata_xml: String,
}

/// Per-field errors of the Set Up form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SetupErrors {
    /// About the SSO URL.
    pub(crate) sso_url: Option<String>,
    /// About the issuer.
    pub(crate) issuer: Option<String>,
    /// About the certificate.
    pub(crate) certificate: Option<String>,
    /// About the metadata XML.
    pub(crate) metadata_xml: Option<String>,
    /// About the form as a whole.
    pub(crate) form: Option<String>,
}

impl SetupErrors {
    /// Whether any field has an error.
    pub(crate) fn any(&self) -> bool {
        self.sso_url.is_some()
            || self.issuer.is_some()
            || self.certificate.is_some()
            || self.metadata_xml.is_some()
            || self.form.is_some()
    }

    /// One line per error, for the command line.
    pub(crate) fn lines(&self) -> Vec<String> {
        [
            ("--sso-url", &self.sso_url),
            ("--issuer", &self.issuer),
            ("--cert", &self.certificate),
            ("--metadata", &self.metadata_xml),
            ("settings", &self.form),
        ]
        .into_iter()
        .filter_map(|(name, error)| error.as_ref().map(|e| format!("{name}: {e}")))
        .collect()
    }
}

/// The outcome of a successful save.
#[derive(Clone)]
pub(crate) struct Saved {
    /// The new SCIM token, shown once.
    pub(crate) token: String,
    /// Warnings about accepted values (a certificate close to expiry, say).
    pub(crate) warnings: Vec<String>,
}

impl fmt::Debug for Saved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Saved")
            .field("token", &"<redacted>")
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Provisioning counts for the Okta tab.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProgressView {
    /// Queued in total.
    pub(crate) queued: u64,
    /// Applied in total.
    pub(crate) applied: u64,
    /// Failed for good in total.
    pub(crate) failed: u64,
    /// Queued in the current push.
    pub(crate) current_queued: u64,
    /// Applied in the current push.
    pub(crate) current_applied: u64,
    /// Failed in the current push.
    pub(crate) current_failed: u64,
    /// Waiting for a retry.
    pub(crate) retrying: u64,
    /// The latest delivery error while retrying.
    pub(crate) last_error: Option<String>,
}

/// A change that failed for good.
#[derive(Clone, Debug)]
pub(crate) struct FailureView {
    /// When.
    pub(crate) at: String,
    /// What (kind and resource).
    pub(crate) change: String,
    /// Why.
    pub(crate) reason: String,
}

/// Which audit records to show.
#[derive(Clone, Debug)]
pub(crate) struct AuditFilter {
    /// Records older than this sequence number.
    pub(crate) before: Option<i64>,
    /// Only this kind.
    pub(crate) kind: Option<String>,
    /// At most this many.
    pub(crate) limit: usize,
}

/// One audit record, as text.
#[derive(Clone, Debug)]
pub(crate) struct AuditRow {
    /// When.
    pub(crate) at: String,
    /// Kind name.
    pub(crate) kind: String,
    /// Action.
    pub(crate) action: String,
    /// Actor, or empty.
    pub(crate) actor: String,
    /// Subject, or empty.
    pub(crate) subject: String,
    /// Detail.
    pub(crate) detail: String,
}

/// A page of the audit log.
#[derive(Clone, Debug)]
pub(crate) struct AuditView {
    /// The records, newest first.
    pub(crate) records: Vec<AuditRow>,
    /// The `before` value of the next (older) page.
    pub(crate) next_before: Option<i64>,
    /// Every kind name, for the filter links.
    pub(crate) kinds: Vec<&'static str>,
}

/// The integration: its store and its handler set.
pub(crate) struct Backend {
    store: Arc<dyn Store>,
    scim: Arc<Scim>,
    clock: Arc<dyn TimeProvider>,
    random: Arc<dyn IdGenerator>,
    handlers: OktaIntegration,
}

/// How `serve` configures the handlers.
#[derive(Debug)]
pub(crate) struct HandlerOptions<'a> {
    /// The public base URL.
    pub(crate) base: &'a BaseUrl,
    /// Proxies whose forwarding headers are trusted.
    pub(crate) trusted_proxies: &'a [IpAddr],
    /// Where verified sign-ins become web sessions.
    pub(crate) sessions: Sessions,
    /// Members' roles.
    pub(crate) roles: Roles,
    /// Largest request body.
    pub(crate) max_body_bytes: usize,
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backend")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// Opens (creating and migrating if needed) the integration's SQLite database at `path`,
    /// with handlers for the default base URL (enough for the command-line tools).
    pub(crate) fn open(
        path: &Path,
        clock: Arc<dyn TimeProvider>,
        random: Arc<dyn IdGenerator>,
    ) -> Result<Self, BackendError> {
        let scim = okta_integration::scim_engine(Arc::clone(&clock), Arc::clone(&random))
            .map_err(BackendError::from_display)?;
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(path, Arc::clone(&scim), Arc::clone(&clock))
                .map_err(BackendError::from_display)?,
        );
        let handlers = OktaIntegration::builder(Arc::clone(&store), "http://localhost:8080")
            .with_time_provider(Arc::clone(&clock))
            .with_id_generator(Arc::clone(&random))
            .with_scim(Arc::clone(&scim))
            .build()
            .map_err(BackendError::from_display)?;
        Ok(Self {
            store,
            scim,
            clock,
            random,
            handlers,
        })
    }

    /// Rebuilds the handlers for serving: base URL, proxies, the session and role hooks.
    pub(crate) fn configure(&mut self, options: HandlerOptions<'_>) -> Result<(), BackendError> {
        self.handlers = OktaIntegration::builder(Arc::clone(&self.store), &options.base.as_url())
            .with_time_provider(Arc::clone(&self.clock))
            .with_id_generator(Arc::clone(&self.random))
            .with_scim(Arc::clone(&self.scim))
            .with_trusted_proxies(options.trusted_proxies.iter().copied())
            .with_session_sink(Arc::new(options.sessions))
            .with_role_lookup(Arc::new(options.roles))
            .with_max_body_bytes(options.max_body_bytes)
            .build()
            .map_err(BackendError::from_display)?;
        Ok(())
    }

    /// The values to type into Okta for `org`: (single sign-on URL, audience URI, SCIM
    /// connector base URL, SP metadata URL), as the handlers answer them.
    pub(crate) fn okta_values(&self, org: &OrgInfo) -> Result<OktaValuesView, BackendError> {
        let values = self
            .handlers
            .okta_values(org.slug.as_str())
            .map_err(BackendError::from_display)?;
        Ok(OktaValuesView {
            acs_url: values.acs_url,
            audience_uri: values.audience_uri,
            scim_base_url: values.scim_base_url,
            metadata_url: values.metadata_url,
            unique_identifier_field: values.unique_identifier_field,
            application_username: values.application_username,
        })
    }

    /// Answers a request under `/okta/`.
    pub(crate) async fn handle(&self, req: Request<Bytes>) -> Response<Bytes> {
        self.handlers.handle(req).await
    }

    /// Validates and saves the Set Up form, issuing a new SCIM token (the old one stops
    /// working). `actor` is the signed-in member's email, or `None` for the operator's
    /// command line. `Ok(Err(..))` carries per-field errors.
    pub(crate) async fn save_settings(
        &self,
        org: &OrgInfo,
        form: &SetupForm,
        actor: Option<&str>,
    ) -> Result<Result<Saved, SetupErrors>, BackendError> {
        let submitted = SettingsForm {
            sso_url: form.sso_url.clone(),
            issuer: form.issuer.clone(),
            certificate: form.certificate.clone(),
            metadata_xml: form.metadata_xml.clone(),
        };
        let actor = match actor {
            Some(user) => Actor::User(user.to_owned()),
            None => Actor::Operator,
        };
        match self
            .handlers
            .save_settings(org.slug.as_str(), &actor, &submitted)
            .await
        {
            Ok(saved) => Ok(Ok(Saved {
                token: saved.token.expose_secret().to_owned(),
                warnings: saved
                    .settings
                    .warnings
                    .iter()
                    .map(|w| w.message.clone())
                    .collect(),
            })),
            Err(IntegrationError::InvalidSettings(errors)) => Ok(Err(SetupErrors {
                sso_url: errors.for_field(SettingsField::SsoUrl).map(str::to_owned),
                issuer: errors.for_field(SettingsField::Issuer).map(str::to_owned),
                certificate: errors
                    .for_field(SettingsField::Certificate)
                    .map(str::to_owned),
                metadata_xml: errors
                    .for_field(SettingsField::MetadataXml)
                    .map(str::to_owned),
                form: None,
            })),
            Err(IntegrationError::Forbidden) => Ok(Err(SetupErrors {
                form: Some("Only Owners and Admins can change the Okta settings.".to_owned()),
                ..SetupErrors::default()
            })),
            Err(other) => Err(BackendError::from_display(other)),
        }
    }

    /// The store.
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The organization named `slug`.
    pub(crate) async fn org(&self, slug: &OrgName) -> Result<Option<OrgInfo>, BackendError> {
        self.store
            .organization_by_slug(slug.as_str())
            .await
            .map_err(BackendError::from_display)?
            .map(OrgInfo::from_store)
            .transpose()
    }

    /// The default organization.
    pub(crate) async fn default_org(&self) -> Result<Option<OrgInfo>, BackendError> {
        self.store
            .default_organization()
            .await
            .map_err(BackendError::from_display)?
            .map(OrgInfo::from_store)
            .transpose()
    }

    /// Every organization.
    pub(crate) async fn orgs(&self) -> Result<Vec<OrgInfo>, BackendError> {
        self.store
            .organizations()
            .await
            .map_err(BackendError::from_display)?
            .into_iter()
            .map(OrgInfo::from_store)
            .collect()
    }

    /// Creates an organization.
    pub(crate) async fn create_org(
        &self,
        slug: &OrgName,
        display_name: &str,
        is_default: bool,
    ) -> Result<OrgInfo, BackendError> {
        let store_slug = OrgSlug::try_from(slug.as_str()).map_err(BackendError::from_display)?;
        let org = self
            .store
            .create_organization(&store_slug, display_name, is_default)
            .await
            .map_err(BackendError::from_display)?;
        OrgInfo::from_store(org)
    }

    /// The saved settings, if any.
    pub(crate) async fn settings(
        &self,
        org: &OrgInfo,
    ) -> Result<Option<SettingsView>, BackendError> {
        let settings = self
            .store
            .integration_settings(org.id)
            .await
            .map_err(BackendError::from_display)?;
        Ok(settings.map(|s| SettingsView {
            sso_url: s.idp.sso_url,
            issuer: s.idp.issuer,
            certificates: s
                .idp
                .certificates
                .iter()
                .map(|c| describe_certificate(c))
                .collect(),
            updated_at: s.updated_at.to_xs_datetime(),
        }))
    }

    /// Whether the SCIM user with this `userName` is active (sessions of provisioned members
    /// end as soon as the SCIM write deactivates them).
    pub(crate) async fn user_active(
        &self,
        org: &OrgInfo,
        user_name: &str,
    ) -> Result<bool, BackendError> {
        Ok(self
            .store
            .sign_in_user(org.id, user_name)
            .await
            .map_err(BackendError::from_display)?
            .is_some_and(|user| user.active))
    }

    /// Provisioning progress.
    pub(crate) async fn progress(&self, org: &OrgInfo) -> Result<ProgressView, BackendError> {
        let p = self
            .store
            .progress(org.id)
            .await
            .map_err(BackendError::from_display)?;
        Ok(ProgressView {
            queued: p.total.queued,
            applied: p.total.applied,
            failed: p.total.failed,
            current_queued: p.current_push.queued,
            current_applied: p.current_push.applied,
            current_failed: p.current_push.failed,
            retrying: p.retrying,
            last_error: p.last_error,
        })
    }

    /// Changes that failed for good, newest first.
    pub(crate) async fn failures(
        &self,
        org: &OrgInfo,
        limit: usize,
    ) -> Result<Vec<FailureView>, BackendError> {
        Ok(self
            .store
            .failed_changes(org.id, limit)
            .await
            .map_err(BackendError::from_display)?
            .into_iter()
            .map(|f| FailureView {
                at: f.failed_at.to_xs_datetime(),
                change: format!(
                    "#{} {} {} ({} attempts)",
                    f.id, f.kind, f.resource_id, f.attempts
                ),
                reason: f.reason,
            })
            .collect())
    }

    /// Queues failed changes again; returns how many.
    pub(crate) async fn retry_failed(&self, org: &OrgInfo) -> Result<u64, BackendError> {
        self.store
            .retry_failed(org.id, self.clock.now())
            .await
            .map_err(BackendError::from_display)
    }

    /// A page of the audit log.
    pub(crate) async fn audit(
        &self,
        org: &OrgInfo,
        filter: &AuditFilter,
    ) -> Result<AuditView, BackendError> {
        let mut query = AuditQuery::latest(filter.limit);
        query.before = filter.before;
        query.kind = filter.kind.as_deref().and_then(AuditKind::parse);
        let page = self
            .store
            .audit_log(org.id, &query)
            .await
            .map_err(BackendError::from_display)?;
        Ok(AuditView {
            records: page
                .records
                .into_iter()
                .map(|r| AuditRow {
                    at: r.event.at.to_xs_datetime(),
                    kind: r.event.kind.as_str().to_owned(),
                    action: r.event.action,
                    actor: r.event.actor.unwrap_or_default(),
                    subject: r.event.subject.unwrap_or_default(),
                    detail: r.event.detail,
                })
                .collect(),
            next_before: page.next_before,
            kinds: AuditKind::ALL.iter().map(|k| k.as_str()).collect(),
        })
    }

    /// Records a sign-in (or a refused one) that did not go through SAML.
    pub(crate) async fn audit_sign_in(
        &self,
        org: &OrgInfo,
        who: Option<&str>,
        ok: bool,
        detail: &str,
    ) {
        let kind = if ok {
            AuditKind::SignIn
        } else {
            AuditKind::SignInRefused
        };
        let mut event =
            AuditEvent::new(self.clock.now(), kind, "one_time_link").with_detail(detail);
        if let Some(who) = who {
            event = event.with_actor(who).with_subject(who);
        }
        self.append(org, &event).await;
    }

    /// Records a sign-out.
    pub(crate) async fn audit_session_ended(&self, org: &OrgInfo, who: &str) {
        let event = AuditEvent::new(
            self.clock.now(),
            AuditKind::SessionEnded,
            "session.signed_out",
        )
        .with_actor(who)
        .with_subject(who);
        self.append(org, &event).await;
    }

    /// Records an admin action.
    pub(crate) async fn audit_settings(
        &self,
        org: &OrgInfo,
        actor: &str,
        action: &str,
        detail: &str,
    ) {
        let event = AuditEvent::new(self.clock.now(), AuditKind::Other, action)
            .with_actor(actor)
            .with_detail(detail);
        self.append(org, &event).await;
    }

    async fn append(&self, org: &OrgInfo, event: &AuditEvent) {
        if let Err(error) = self.store.append_audit(org.id, event).await {
            tracing::error!(org = %org.slug, %error, "cannot append to the audit log");
        }
    }
}

/// One line about a stored certificate: its SHA-256 fingerprint (as Okta's "View SAML setup
/// instructions" page can show it), or a note that it cannot be read.
fn describe_certificate(pem: &str) -> String {
    use base64::Engine as _;
    let body: String = pem
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect();
    match base64::engine::general_purpose::STANDARD.decode(body.as_bytes()) {
        Ok(der) => {
            let digest = ring::digest::digest(&ring::digest::SHA256, &der);
            let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
            format!("SHA-256 fingerprint {}", hex.join(":"))
        }
        Err(_) => "a certificate that is not valid base64".to_owned(),
    }
}

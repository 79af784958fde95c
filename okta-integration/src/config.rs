//! [`OktaIntegration`] and its builder.
//!
//! Required configuration is a constructor argument (the store and the base URL); everything
//! else is a `with_*` option; [`OktaIntegrationBuilder::build`] checks the whole once and fails
//! closed.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use saml_sp::random::{IdGenerator, SystemRandomIdGenerator};
use saml_sp::time::{SystemTimeProvider, TimeProvider, UnixTime};
use scim_core::Scim;
use scim_core::ids::ScimId;
use scim_core::time::{Clock, Timestamp};

use crate::error::ConfigError;
use crate::session::{SessionSink, StoreSessions};
use crate::settings::RoleLookup;
use crate::store::Store;
use crate::tenant::{BaseUrl, HostResolver, OriginRules, TenantResolver, is_org_name};

/// Default largest request body accepted by the adapters: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default lifetime of an SP-initiated sign-in's request state: 10 minutes.
pub const DEFAULT_REQUEST_STATE_TTL: Duration = Duration::from_secs(600);

/// How a successful SCIM `PATCH` is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PatchResponse {
    /// `204 No Content` (with the new `ETag`), unless the request asks for attributes. This is
    /// what Microsoft Entra expects and Okta accepts.
    #[default]
    NoContent,
    /// `200 OK` with the whole resource.
    Resource,
}

/// The embeddable handler set: every Okta-facing endpoint of every organization.
///
/// Cheap to clone (one `Arc`). See the [crate documentation](crate) for mounting examples.
#[derive(Clone)]
pub struct OktaIntegration {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for OktaIntegration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaIntegration")
            .field("base_url", &self.inner.base.to_string())
            .field("base_path", &self.inner.base_path)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) base: BaseUrl,
    pub(crate) base_path: String,
    pub(crate) origin_rules: OriginRules,
    pub(crate) resolver: Arc<dyn TenantResolver>,
    pub(crate) default_org: Option<String>,
    pub(crate) clock: Arc<dyn TimeProvider>,
    pub(crate) rng: Arc<dyn IdGenerator>,
    pub(crate) scim: Arc<Scim>,
    pub(crate) sessions: Arc<dyn SessionSink>,
    pub(crate) session_cookie: String,
    pub(crate) roles: Option<Arc<dyn RoleLookup>>,
    pub(crate) allow_idp_initiated: bool,
    pub(crate) landing_path: String,
    pub(crate) request_state_ttl: Duration,
    pub(crate) patch_response: PatchResponse,
    pub(crate) max_body_bytes: usize,
    pub(crate) refusal_throttle: crate::refusal_throttle::RefusalThrottle,
    /// Organizations by slug (positive answers only: organizations are created while a server
    /// runs, never renamed or deleted through the store API).
    pub(crate) org_cache:
        std::sync::RwLock<std::collections::HashMap<String, crate::store::Organization>>,
}

/// Most organizations kept in the lookup cache.
pub(crate) const ORG_CACHE_MAX: usize = 10_000;

impl OktaIntegration {
    /// Starts a configuration over `store`, serving organizations at `ORG.BASE` where
    /// `base_url` is `http(s)://BASE` (for example `http://localhost:8080`).
    ///
    /// ```
    /// # fn demo(store: std::sync::Arc<dyn okta_integration::store::Store>) -> Result<(), okta_integration::ConfigError> {
    /// use okta_integration::OktaIntegration;
    ///
    /// let integration = OktaIntegration::builder(store, "https://example.com")
    ///     .with_default_organization("test-org")
    ///     .with_trusted_proxies(["127.0.0.1".parse().unwrap()])
    ///     .build()?;
    /// # let _ = integration; Ok(()) }
    /// ```
    pub fn builder(store: Arc<dyn Store>, base_url: &str) -> OktaIntegrationBuilder {
        OktaIntegrationBuilder {
            store,
            base_url: base_url.to_owned(),
            base_path: "/okta".to_owned(),
            default_org: None,
            trusted_proxies: Vec::new(),
            resolver: None,
            clock: None,
            rng: None,
            scim: None,
            sessions: None,
            session_cookie: crate::session::DEFAULT_COOKIE_NAME.to_owned(),
            session_lifetime: crate::session::DEFAULT_MAX_LIFETIME,
            roles: None,
            allow_idp_initiated: true,
            landing_path: "/".to_owned(),
            request_state_ttl: DEFAULT_REQUEST_STATE_TTL,
            patch_response: PatchResponse::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            refusals_per_minute: crate::refusal_throttle::DEFAULT_REFUSALS_PER_MINUTE,
        }
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The base path the endpoints are mounted under (default `/okta`).
    pub fn base_path(&self) -> &str {
        &self.inner.base_path
    }

    /// The SCIM engine (schemas and rules).
    pub fn scim(&self) -> &Arc<Scim> {
        &self.inner.scim
    }

    /// The largest request body the adapters accept.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// The session cookie name (of the default session sink).
    pub fn session_cookie_name(&self) -> &str {
        &self.inner.session_cookie
    }

    pub(crate) fn now(&self) -> UnixTime {
        self.inner.clock.now()
    }
}

/// Options of an [`OktaIntegration`]; see [`OktaIntegration::builder`].
pub struct OktaIntegrationBuilder {
    store: Arc<dyn Store>,
    base_url: String,
    base_path: String,
    default_org: Option<String>,
    trusted_proxies: Vec<IpAddr>,
    resolver: Option<Arc<dyn TenantResolver>>,
    clock: Option<Arc<dyn TimeProvider>>,
    rng: Option<Arc<dyn IdGenerator>>,
    scim: Option<Arc<Scim>>,
    sessions: Option<Arc<dyn SessionSink>>,
    session_cookie: String,
    session_lifetime: Duration,
    roles: Option<Arc<dyn RoleLookup>>,
    allow_idp_initiated: bool,
    landing_path: String,
    request_state_ttl: Duration,
    patch_response: PatchResponse,
    max_body_bytes: usize,
    refusals_per_minute: u32,
}

impl std::fmt::Debug for OktaIntegrationBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OktaIntegrationBuilder")
            .field("base_url", &self.base_url)
            .field("base_path", &self.base_path)
            .finish_non_exhaustive()
    }
}

impl OktaIntegrationBuilder {
    /// Mounts the endpoints under another path (default `/okta`; `""` for the root).
    #[must_use]
    pub fn with_base_path(mut self, path: &str) -> Self {
        path.clone_into(&mut self.base_path);
        self
    }

    /// The organization that answers on the bare base host and on IP addresses. Without it,
    /// the store's default organization is used (and without that, such requests are refused).
    #[must_use]
    pub fn with_default_organization(mut self, slug: &str) -> Self {
        self.default_org = Some(slug.to_owned());
        self
    }

    /// Proxies whose `X-Forwarded-Host`/`X-Forwarded-Proto` are honoured (the [`PeerAddr`]
    /// extension must carry the connection's peer address).
    ///
    /// [`PeerAddr`]: crate::tenant::PeerAddr
    #[must_use]
    pub fn with_trusted_proxies(mut self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        self.trusted_proxies = proxies.into_iter().collect();
        self
    }

    /// Replaces the host rule with the embedder's own organization resolution.
    #[must_use]
    pub fn with_tenant_resolver(mut self, resolver: Arc<dyn TenantResolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// The clock (default: the system clock).
    #[must_use]
    pub fn with_time_provider(mut self, clock: Arc<dyn TimeProvider>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The random source for tokens, session ids, SAML request ids and SCIM ids (default: the
    /// operating system's).
    #[must_use]
    pub fn with_id_generator(mut self, rng: Arc<dyn IdGenerator>) -> Self {
        self.rng = Some(rng);
        self
    }

    /// The SCIM engine used to validate and render resources (default: standard schemas,
    /// lenient dialect, this builder's clock and random 128-bit hex ids). Use the same engine
    /// as the store.
    #[must_use]
    pub fn with_scim(mut self, scim: Arc<Scim>) -> Self {
        self.scim = Some(scim);
        self
    }

    /// Replaces the default session handling ([`StoreSessions`]) with the host's.
    #[must_use]
    pub fn with_session_sink(mut self, sink: Arc<dyn SessionSink>) -> Self {
        self.sessions = Some(sink);
        self
    }

    /// Cookie name of the default session sink (default `okta_session`).
    #[must_use]
    pub fn with_session_cookie_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.session_cookie);
        self
    }

    /// Longest session of the default session sink (default 12 hours; never beyond the IdP's
    /// `SessionNotOnOrAfter`).
    #[must_use]
    pub fn with_session_lifetime(mut self, lifetime: Duration) -> Self {
        self.session_lifetime = lifetime;
        self
    }

    /// The hook deciding who may change integration settings. Without it only
    /// [`Actor::Operator`](crate::settings::Actor::Operator) may.
    #[must_use]
    pub fn with_role_lookup(mut self, roles: Arc<dyn RoleLookup>) -> Self {
        self.roles = Some(roles);
        self
    }

    /// Whether IdP-initiated sign-in (Okta "My Apps") is accepted (default: yes).
    ///
    /// # Security Warning
    ///
    /// IdP-initiated responses are exposed to login CSRF (see
    /// [`saml_sp::SpConfigBuilder::allow_unsolicited_responses`]). Every SAML sign-in starts a
    /// fresh session for the asserted user, which limits the damage; turn this off when users
    /// always start from the application. SP-initiated sign-ins are protected either way: their
    /// answer is accepted only from the browser that started them
    /// ([`crate::saml_routes::REQUEST_BINDING_COOKIE`]).
    #[must_use]
    pub fn with_idp_initiated(mut self, allow: bool) -> Self {
        self.allow_idp_initiated = allow;
        self
    }

    /// Where a sign-in goes when no (acceptable) RelayState names a page (default `/`).
    #[must_use]
    pub fn with_landing_path(mut self, path: &str) -> Self {
        path.clone_into(&mut self.landing_path);
        self
    }

    /// How long an SP-initiated sign-in may take (default 10 minutes).
    #[must_use]
    pub fn with_request_state_ttl(mut self, ttl: Duration) -> Self {
        self.request_state_ttl = ttl;
        self
    }

    /// How a successful `PATCH` is answered.
    #[must_use]
    pub fn with_patch_response(mut self, mode: PatchResponse) -> Self {
        self.patch_response = mode;
        self
    }

    /// The largest request body the adapters accept (default 1 MiB; `413` beyond).
    #[must_use]
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// How many refusals of unauthenticated requests (a SCIM request without this
    /// organization's token, a sign-in refused) each organization's audit log records per
    /// minute, for each of the two kinds (default 60). Anyone can cause those records; beyond
    /// the limit they are counted, and one summary record gives the count when the next
    /// refusal arrives after the minute. Every refusal is still logged through `tracing`.
    /// Must be at least 1.
    #[must_use]
    pub fn with_refusal_audit_limit(mut self, per_minute: u32) -> Self {
        self.refusals_per_minute = per_minute;
        self
    }

    /// Checks the configuration.
    pub fn build(self) -> Result<OktaIntegration, ConfigError> {
        let base = BaseUrl::parse(&self.base_url)?;
        let base_path = self.base_path.trim_end_matches('/').to_owned();
        let path_ok = base_path.is_empty()
            || (base_path.starts_with('/')
                && !base_path.contains(['?', '#'])
                && !base_path.contains("//"));
        if !path_ok {
            return Err(ConfigError::BasePath {
                path: self.base_path,
            });
        }
        if let Some(d) = &self.default_org {
            if !is_org_name(d) {
                return Err(ConfigError::DefaultOrganization { name: d.clone() });
            }
        }
        if !crate::saml_routes::is_safe_relative_path(&self.landing_path) {
            return Err(ConfigError::InvalidValue {
                what: "landing path",
                detail: "must be a relative path starting with a single '/'",
            });
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::InvalidValue {
                what: "max body bytes",
                detail: "must be at least 1024",
            });
        }
        if self.refusals_per_minute == 0 {
            return Err(ConfigError::InvalidValue {
                what: "refusal audit limit",
                detail: "must record at least one refusal per minute",
            });
        }
        if self.request_state_ttl.is_zero() || self.session_lifetime.is_zero() {
            return Err(ConfigError::InvalidValue {
                what: "lifetime",
                detail: "request state and session lifetimes must be positive",
            });
        }
        if self.session_cookie.is_empty()
            || !self
                .session_cookie
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(ConfigError::InvalidValue {
                what: "session cookie name",
                detail: "letters, digits, '-' and '_' only",
            });
        }
        let clock: Arc<dyn TimeProvider> =
            self.clock.unwrap_or_else(|| Arc::new(SystemTimeProvider));
        let rng: Arc<dyn IdGenerator> = self
            .rng
            .unwrap_or_else(|| Arc::new(SystemRandomIdGenerator::new()));
        let scim = match self.scim {
            Some(s) => s,
            None => scim_engine(Arc::clone(&clock), Arc::clone(&rng))?,
        };
        let sessions = self.sessions.unwrap_or_else(|| {
            Arc::new(
                StoreSessions::new(Arc::clone(&self.store), Arc::clone(&rng))
                    .with_cookie_name(&self.session_cookie)
                    .with_max_lifetime(self.session_lifetime),
            )
        });
        let resolver = self
            .resolver
            .unwrap_or_else(|| Arc::new(HostResolver::new(base.clone())));
        Ok(OktaIntegration {
            inner: Arc::new(Inner {
                store: self.store,
                origin_rules: OriginRules {
                    default_scheme: base.scheme(),
                    trusted_proxies: self.trusted_proxies,
                },
                base,
                base_path,
                resolver,
                default_org: self.default_org,
                clock,
                rng,
                scim,
                sessions,
                session_cookie: self.session_cookie,
                roles: self.roles,
                allow_idp_initiated: self.allow_idp_initiated,
                landing_path: self.landing_path,
                request_state_ttl: self.request_state_ttl,
                patch_response: self.patch_response,
                max_body_bytes: self.max_body_bytes,
                refusal_throttle: crate::refusal_throttle::RefusalThrottle::new(
                    self.refusals_per_minute,
                ),
                org_cache: std::sync::RwLock::new(std::collections::HashMap::new()),
            }),
        })
    }
}

/// The SCIM engine this crate uses by default: standard schemas, the lenient Okta/Entra
/// dialect, `clock` for `meta` timestamps and random 128-bit hex resource ids from `rng`.
///
/// Share one engine between the store and the handlers
/// ([`OktaIntegrationBuilder::with_scim`]), so both apply the same rules.
///
/// ```
/// use std::sync::Arc;
/// use saml_sp::random::SystemRandomIdGenerator;
/// use saml_sp::time::SystemTimeProvider;
///
/// let scim = okta_integration::scim_engine(
///     Arc::new(SystemTimeProvider),
///     Arc::new(SystemRandomIdGenerator::new()),
/// )?;
/// let user = scim.create("User", &serde_json::json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "jane@example.com"
/// }))?;
/// assert_eq!(user.id().as_str().len(), 32);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scim_engine(
    clock: Arc<dyn TimeProvider>,
    rng: Arc<dyn IdGenerator>,
) -> Result<Arc<Scim>, ConfigError> {
    let epoch = Timestamp::from_unix_seconds(0).map_err(|_| ConfigError::InvalidValue {
        what: "clock",
        detail: "the SCIM time type cannot represent the epoch",
    })?;
    Ok(Arc::new(Scim::new(
        Arc::new(ClockAdapter {
            clock: Arc::clone(&clock),
            epoch,
        }),
        Arc::new(RandomScimIds { rng, clock }),
    )))
}

/// scim-core's clock over our time provider.
struct ClockAdapter {
    clock: Arc<dyn TimeProvider>,
    /// Answered for times scim-core cannot represent (beyond year ±9999).
    epoch: Timestamp,
}

impl Clock for ClockAdapter {
    fn now(&self) -> Timestamp {
        let t = self.clock.now();
        let nanos = i128::from(t.as_unix_seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos());
        Timestamp::from_unix_nanos(nanos).unwrap_or(self.epoch)
    }
}

/// Random 128-bit SCIM ids in lower-case hex.
struct RandomScimIds {
    rng: Arc<dyn IdGenerator>,
    clock: Arc<dyn TimeProvider>,
}

impl scim_core::ids::IdGenerator for RandomScimIds {
    fn new_id(&self) -> ScimId {
        let mut bytes = [0u8; 16];
        if self.rng.fill(&mut bytes).is_err() {
            // The OS random source does not fail in practice; if it does, fall back to a
            // hash of a process-wide counter and the time, still unique within the process.
            static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let seed = format!("{n}:{:?}", self.clock.now());
            let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
            for (b, s) in bytes.iter_mut().zip(d.as_ref()) {
                *b = *s;
            }
        }
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        ScimId::try_from(hex.as_str())
            .unwrap_or_else(|_| scim_core::ids::SequentialIds::new("r").new_id())
    }
}

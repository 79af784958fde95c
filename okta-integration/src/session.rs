//! Sessions: the host hook that turns a verified sign-in into a session, and a secure default.
//!
//! [`SessionSink`] receives the verified [`Authenticated`] result together with the SCIM user
//! it belongs to, and returns the `Set-Cookie` values of the `303` response. The default,
//! [`StoreSessions`], keeps sessions in the [`Store`]: a random 256-bit id (`sess_…`) is the
//! cookie value and only its SHA-256 is stored; the cookie is `HttpOnly`, `SameSite=Lax`,
//! `Secure` when the request came over https, host-only, and expires no later than the
//! assertion's `SessionNotOnOrAfter`. Deactivating or deleting the user ends the session at once
//! (the store refuses sessions of inactive users).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue};
use saml_sp::Authenticated;
use saml_sp::random::IdGenerator;
use saml_sp::time::UnixTime;

use crate::auth::SessionId;
use crate::store::{NewSession, Organization, SignInUser, Store, StoreError};

/// Default session cookie name.
pub const DEFAULT_COOKIE_NAME: &str = "okta_session";
/// Default longest session: 12 hours (shorter when the IdP says so).
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// The future of [`SessionSink::start_session`].
pub type SessionFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<HeaderValue>, SessionError>> + Send + 'a>>;

/// Why a session could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The IdP's `SessionNotOnOrAfter` is already past: the sign-in is stale.
    #[error("the IdP session ended at {0:?}")]
    IdpSessionOver(UnixTime),
    /// The random source failed.
    #[error("the system random source failed")]
    Random,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The host's own session machinery failed (detail for logs).
    #[error("{0}")]
    Host(String),
}

/// Everything known about a successful sign-in, handed to [`SessionSink::start_session`].
#[derive(Debug, Clone, Copy)]
pub struct SessionRequest<'a> {
    /// The organization.
    pub org: &'a Organization,
    /// The provisioned, active SCIM user the NameID matched.
    pub user: &'a SignInUser,
    /// The verified assertion.
    pub authenticated: &'a Authenticated,
    /// Whether the request came over https (set `Secure` on cookies).
    pub secure: bool,
    /// The current time.
    pub now: UnixTime,
}

impl SessionRequest<'_> {
    /// When a session started now must end: `now + max_lifetime`, but no later than the
    /// assertion's `SessionNotOnOrAfter`. An error when that instant is already past.
    pub fn expiry(&self, max_lifetime: Duration) -> Result<UnixTime, SessionError> {
        let own = self.now.saturating_add(max_lifetime);
        match self.authenticated.session_not_on_or_after() {
            Some(idp) if idp <= self.now => Err(SessionError::IdpSessionOver(idp)),
            Some(idp) if idp < own => Ok(idp),
            _ => Ok(own),
        }
    }
}

/// The host hook that starts a session after a verified sign-in.
///
/// ```
/// use http::HeaderValue;
/// use okta_integration::session::{SessionFuture, SessionRequest, SessionSink};
///
/// /// Puts the signed-in user's SCIM id into a (host-signed, here elided) cookie.
/// struct MySessions;
/// impl SessionSink for MySessions {
///     fn start_session<'a>(&'a self, req: SessionRequest<'a>) -> SessionFuture<'a> {
///         let cookie = format!("app_user={}; Path=/; HttpOnly; SameSite=Lax", req.user.id);
///         Box::pin(async move {
///             Ok(vec![HeaderValue::from_str(&cookie)
///                 .map_err(|e| okta_integration::session::SessionError::Host(e.to_string()))?])
///         })
///     }
/// }
/// ```
pub trait SessionSink: Send + Sync {
    /// Starts a session; returns the `Set-Cookie` header values for the redirect.
    fn start_session<'a>(&'a self, request: SessionRequest<'a>) -> SessionFuture<'a>;
}

/// The default [`SessionSink`]: sessions in the [`Store`], hashed at rest.
pub struct StoreSessions {
    store: Arc<dyn Store>,
    rng: Arc<dyn IdGenerator>,
    cookie_name: String,
    max_lifetime: Duration,
}

impl std::fmt::Debug for StoreSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSessions")
            .field("cookie_name", &self.cookie_name)
            .field("max_lifetime", &self.max_lifetime)
            .finish_non_exhaustive()
    }
}

impl StoreSessions {
    /// Sessions in `store`, ids from `rng`, cookie [`DEFAULT_COOKIE_NAME`], lifetime at most
    /// [`DEFAULT_MAX_LIFETIME`].
    pub fn new(store: Arc<dyn Store>, rng: Arc<dyn IdGenerator>) -> Self {
        Self {
            store,
            rng,
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            max_lifetime: DEFAULT_MAX_LIFETIME,
        }
    }

    /// Another cookie name (a cookie token: letters, digits, `-`, `_`).
    #[must_use]
    pub fn with_cookie_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.cookie_name);
        self
    }

    /// Another longest lifetime.
    #[must_use]
    pub fn with_max_lifetime(mut self, max: Duration) -> Self {
        self.max_lifetime = max;
        self
    }

    /// The cookie name.
    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }
}

impl SessionSink for StoreSessions {
    fn start_session<'a>(&'a self, req: SessionRequest<'a>) -> SessionFuture<'a> {
        Box::pin(async move {
            let expires_at = req.expiry(self.max_lifetime)?;
            let id = SessionId::generate(self.rng.as_ref()).map_err(|_| SessionError::Random)?;
            let session = NewSession {
                id_hash: id.hash(),
                user_id: req.user.id.clone(),
                user_name: req.user.user_name.clone(),
                created_at: req.now,
                expires_at,
            };
            self.store.create_session(req.org.id, &session).await?;
            let max_age = expires_at
                .duration_since(req.now)
                .unwrap_or_default()
                .as_secs();
            let cookie = session_cookie(&self.cookie_name, id.expose_secret(), max_age, req.secure);
            let value = HeaderValue::from_str(&cookie)
                .map_err(|_| SessionError::Host("cookie name is not a valid token".into()))?;
            Ok(vec![value])
        })
    }
}

/// A `Set-Cookie` value: host-only, `Path=/`, `HttpOnly`, `SameSite=Lax`, `Secure` if asked.
///
/// ```
/// use okta_integration::session::session_cookie;
/// assert_eq!(
///     session_cookie("okta_session", "sess_x", 60, true),
///     "okta_session=sess_x; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
/// );
/// ```
pub fn session_cookie(name: &str, value: &str, max_age_secs: u64, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    c
}

/// The value of cookie `name` in the request's `Cookie` headers, if present once or more (the
/// first wins).
///
/// ```
/// use http::HeaderMap;
/// use okta_integration::session::cookie_value;
/// let mut h = HeaderMap::new();
/// h.insert("cookie", "a=1; okta_session=sess_abc; b=2".parse().unwrap());
/// assert_eq!(cookie_value(&h, "okta_session"), Some("sess_abc"));
/// assert_eq!(cookie_value(&h, "c"), None);
/// ```
pub fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().trim_matches('"'))
}

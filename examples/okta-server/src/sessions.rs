//! Web sessions of the application: opened by a verified SAML sign-in (as the integration's
//! [`SessionSink`]) or by an Owner's one-time link, and the roles the integration asks about
//! (as its [`RoleLookup`]).
//!
//! A session id is 256 random bits, sent once in an `HttpOnly; SameSite=Lax` host-only cookie
//! (`Secure` over https) and stored as its SHA-256. Its row names the organization, so a
//! cookie of one organization is worthless on another's host.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use okta_integration::session::{SessionError, SessionFuture, SessionRequest, SessionSink};
use okta_integration::settings::{Role as IntegrationRole, RoleFuture, RoleLookup};
use okta_integration::store::Organization;
use saml_sp::random::IdGenerator;
use saml_sp::time::TimeProvider;

use crate::db::{self, Db, Role};
use crate::secret::Secret;

/// Name of the web session cookie.
pub(crate) const SESSION_COOKIE: &str = "okta_server_session";

/// Longest session.
pub(crate) const MAX_SESSION: Duration = Duration::from_secs(12 * 60 * 60);

/// Opens web sessions.
#[derive(Clone)]
pub(crate) struct Sessions {
    db: Db,
    clock: Arc<dyn TimeProvider>,
    random: Arc<dyn IdGenerator>,
    secure: bool,
}

impl fmt::Debug for Sessions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sessions")
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

impl Sessions {
    /// Sessions in `db`; cookies get `Secure` when `secure` (an https base URL).
    pub(crate) fn new(
        db: Db,
        clock: Arc<dyn TimeProvider>,
        random: Arc<dyn IdGenerator>,
        secure: bool,
    ) -> Self {
        Self {
            db,
            clock,
            random,
            secure,
        }
    }

    fn cookie(&self, value: &str, max_age: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
        )
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub(crate) fn clear_cookie(&self) -> String {
        self.cookie("", 0)
    }

    /// Opens a session for member `member_id` of `org` until `expires_at` (Unix seconds);
    /// returns the `Set-Cookie` value.
    pub(crate) async fn start(
        &self,
        org: &str,
        member_id: i64,
        expires_at: i64,
        via_saml: bool,
    ) -> Result<String, String> {
        let secret = Secret::generate(self.random.as_ref()).map_err(|e| e.to_string())?;
        let now = self.clock.now().as_unix_seconds();
        if expires_at <= now {
            return Err("the session would already be over".to_owned());
        }
        let digest = secret.digest();
        let org = org.to_owned();
        self.db
            .call(move |conn| {
                db::create_session(conn, &org, member_id, &digest, now, expires_at, via_saml)?;
                db::record_sign_in(conn, member_id, now)
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(self.cookie(secret.reveal(), expires_at - now))
    }

    /// The end of a session opened now without an IdP limit.
    pub(crate) fn default_expiry(&self) -> i64 {
        self.clock
            .now()
            .saturating_add(MAX_SESSION)
            .as_unix_seconds()
    }
}

impl SessionSink for Sessions {
    fn start_session<'a>(&'a self, request: SessionRequest<'a>) -> SessionFuture<'a> {
        Box::pin(async move {
            let expires_at = request.expiry(MAX_SESSION)?.as_unix_seconds();
            let org = request.org.slug.as_str().to_owned();
            let email = request.user.user_name.clone();
            let lookup_org = org.clone();
            let member = self
                .db
                .call(move |conn| db::member_by_email(conn, &lookup_org, &email))
                .await
                .map_err(|e| SessionError::Host(e.to_string()))?;
            // The integration only signs in users whose creation the worker has applied, so
            // the member exists; a reactivation still in the queue leaves it inactive here.
            let member = member.filter(|m| m.active).ok_or_else(|| {
                SessionError::Host(format!(
                    "{} is not an active member of {org} yet",
                    request.user.user_name
                ))
            })?;
            let cookie = self
                .start(&org, member.id, expires_at, true)
                .await
                .map_err(SessionError::Host)?;
            let value =
                HeaderValue::from_str(&cookie).map_err(|e| SessionError::Host(e.to_string()))?;
            Ok(vec![value])
        })
    }
}

/// Members' roles, for the integration's settings permission check.
#[derive(Clone, Debug)]
pub(crate) struct Roles {
    db: Db,
}

impl Roles {
    /// Roles read from `db`.
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

impl RoleLookup for Roles {
    fn role<'a>(&'a self, org: &'a Organization, user: &'a str) -> RoleFuture<'a> {
        Box::pin(async move {
            let org = org.slug.as_str().to_owned();
            let email = user.to_owned();
            let member = self
                .db
                .call(move |conn| db::member_by_email(conn, &org, &email))
                .await
                .ok()
                .flatten()
                .filter(|m| m.active)?;
            Some(match member.role {
                Role::Owner => IntegrationRole::Owner,
                Role::Admin => IntegrationRole::Admin,
                Role::Member => IntegrationRole::Member,
            })
        })
    }
}

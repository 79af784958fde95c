//! The application: shared state, the split between the integration's `/okta/...` endpoints
//! and the web UI, organization resolution for the UI, and web sessions.

use std::sync::Arc;

use bytes::Bytes;
use http::header::HOST;
use http::{Request, Response, StatusCode};
use saml_sp::time::{TimeProvider, UnixTime};

use crate::db::Db;
use crate::integration::Backend;
use crate::sessions::Sessions;
use crate::site::BaseUrl;
use crate::web;

/// How long a one-time sign-in link is valid.
pub(crate) const SIGN_IN_LINK_SECS: i64 = 7 * 24 * 60 * 60;

/// Everything request handlers share.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The public base URL.
    pub(crate) base: BaseUrl,
    /// The application database.
    pub(crate) db: Db,
    /// The integration (its store and handlers).
    pub(crate) backend: Backend,
    /// The clock.
    pub(crate) clock: Arc<dyn TimeProvider>,
    /// Web sessions.
    pub(crate) sessions: Sessions,
    /// Where "Connect GitHub" redirects, if configured.
    pub(crate) github_authorize_url: Option<String>,
}

impl AppState {
    /// The current time in Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now().as_unix_seconds()
    }
}

/// Formats Unix seconds as an `xs:dateTime` in UTC.
pub(crate) fn format_time(secs: i64) -> String {
    UnixTime::from_unix_seconds(secs).to_xs_datetime()
}

/// Answers one request: `/okta/...` goes to the integration's handlers, everything else to the
/// web UI of the organization named by the `Host`.
pub(crate) async fn handle(state: &AppState, req: Request<Bytes>) -> Response<Bytes> {
    let path = req.uri().path();
    if path == "/okta" || path.starts_with("/okta/") {
        return state.backend.handle(req).await;
    }
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    let Some(host) = host else {
        return web::text_response(StatusCode::BAD_REQUEST, "missing Host header\n");
    };
    let org = match state.base.org_from_host(&host) {
        None => {
            return web::text_response(
                StatusCode::NOT_FOUND,
                &format!(
                    "this server does not serve the host {host:?}; organizations are served at ORG.{}\n",
                    state.base.as_url()
                ),
            );
        }
        Some(None) => state.backend.default_org().await,
        Some(Some(slug)) => state.backend.org(&slug).await,
    };
    match org {
        Ok(Some(org)) => crate::ui::handle(state, org, req).await,
        Ok(None) => web::text_response(
            StatusCode::NOT_FOUND,
            "there is no organization at this address\n",
        ),
        Err(error) => {
            tracing::error!(%error, "cannot resolve the organization");
            web::text_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the server could not answer this request\n",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_as_xs_datetime() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
    }
}

//! `tower_service::Service` adapter (feature `tower`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;

use crate::OktaIntegration;
use crate::tenant::PeerAddr;

/// The handler set as a `tower_service::Service<http::Request<B>>` with `Error = Infallible`
/// and `Response = http::Response<Full<Bytes>>`: what axum's `Router::route_service` takes.
///
/// The body is collected with [`http_body_util::Limited`] up to
/// [`OktaIntegration::max_body_bytes`]; a larger body is answered `413`.
///
/// # Mounting in axum
///
/// ```ignore
/// let app = axum::Router::new()
///     .route("/", axum::routing::get(home))
///     .route_service("/okta/{*rest}", okta_integration::adapters::TowerService::new(integration));
/// ```
///
/// The service must see the full request path (`/okta/auth`, `/okta/scim/Users`, ...) under the
/// integration's base path ([`OktaIntegrationBuilder::with_base_path`], default `/okta`),
/// because the same base path goes into every URL it hands out: the ACS URL in the SP metadata,
/// SCIM `Location`s, the path of the sign-in request cookie. Do not mount it with axum's
/// `nest_service`, which strips the prefix: with `with_base_path("")` to compensate, those
/// URLs would lose their `/okta` prefix and sign-in would fail.
///
/// [`OktaIntegrationBuilder::with_base_path`]: crate::OktaIntegrationBuilder::with_base_path
///
/// ```
/// use std::task::{Context, Poll};
/// use okta_integration::adapters::TowerService;
/// use tower_service::Service;
///
/// fn assert_service<S: Service<http::Request<http_body_util::Full<bytes::Bytes>>,
///     Error = std::convert::Infallible> + Clone + Send + 'static>(_: &S) {}
/// # fn demo(integration: okta_integration::OktaIntegration) {
/// let svc = TowerService::new(integration);
/// assert_service(&svc);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TowerService {
    integration: OktaIntegration,
    peer: Option<PeerAddr>,
}

impl TowerService {
    /// Wraps the handler set.
    pub fn new(integration: OktaIntegration) -> Self {
        Self {
            integration,
            peer: None,
        }
    }

    /// Sets the connection's peer address (for trusted-proxy checks), when the service is
    /// made per connection. A [`PeerAddr`] already in the request's extensions wins.
    #[must_use]
    pub fn with_peer_addr(mut self, peer: std::net::SocketAddr) -> Self {
        self.peer = Some(PeerAddr(peer));
        self
    }
}

impl<B> tower_service::Service<Request<B>> for TowerService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let integration = self.integration.clone();
        let peer = if req.extensions().get::<PeerAddr>().is_some() {
            None
        } else {
            self.peer
        };
        Box::pin(super::serve(integration, peer, req))
    }
}

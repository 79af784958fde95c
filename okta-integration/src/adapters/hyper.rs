//! `hyper::service::Service` adapter (feature `hyper`).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;

use crate::OktaIntegration;
use crate::tenant::PeerAddr;

/// The handler set as a `hyper::service::Service<Request<B>>` (for example
/// `Request<hyper::body::Incoming>`), with `Error = Infallible`.
///
/// The body is collected up to [`OktaIntegration::max_body_bytes`]; a larger one is answered
/// `413`. Make one per connection with [`with_peer_addr`](Self::with_peer_addr) so trusted
/// proxies can be recognised.
///
/// # Mounting in hyper
///
/// ```ignore
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// loop {
///     let (stream, peer) = listener.accept().await?;
///     let svc = okta_integration::adapters::HyperService::new(integration.clone()).with_peer_addr(peer);
///     tokio::spawn(async move {
///         let io = hyper_util::rt::TokioIo::new(stream);
///         let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, svc).await;
///     });
/// }
/// ```
#[derive(Clone, Debug)]
pub struct HyperService {
    integration: OktaIntegration,
    peer: Option<PeerAddr>,
}

impl HyperService {
    /// Wraps the handler set.
    pub fn new(integration: OktaIntegration) -> Self {
        Self {
            integration,
            peer: None,
        }
    }

    /// Sets the connection's peer address (inserted as the [`PeerAddr`] extension).
    #[must_use]
    pub fn with_peer_addr(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(PeerAddr(peer));
        self
    }
}

impl<B> hyper::service::Service<Request<B>> for HyperService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<B>) -> Self::Future {
        let integration = self.integration.clone();
        let peer = if req.extensions().get::<PeerAddr>().is_some() {
            None
        } else {
            self.peer
        };
        Box::pin(super::serve(integration, peer, req))
    }
}

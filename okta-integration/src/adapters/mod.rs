//! Framework adapters: collect the request body with a size limit (`413` beyond it), then call
//! [`OktaIntegration::handle`](crate::OktaIntegration::handle).
//!
//! | feature | type | for |
//! |---|---|---|
//! | `tower` | [`TowerService`] | axum (`Router::route_service`; not `nest_service`, see [`TowerService`]), tower stacks, hyper-util's `TowerToHyperService` |
//! | `hyper` | [`HyperService`] | `hyper::server::conn::http1::Builder::serve_connection` directly |

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};

use crate::OktaIntegration;
use crate::response::{html_page, scim_error_status};
use crate::tenant::PeerAddr;

#[cfg(feature = "hyper")]
mod hyper;
#[cfg(feature = "tower")]
mod tower;

#[cfg(feature = "hyper")]
pub use self::hyper::HyperService;
#[cfg(feature = "tower")]
pub use self::tower::TowerService;

/// Collects `req`'s body up to the integration's limit and answers it.
async fn serve<B>(
    integration: OktaIntegration,
    peer: Option<PeerAddr>,
    req: Request<B>,
) -> Result<Response<Full<Bytes>>, Infallible>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (mut parts, body) = req.into_parts();
    if let Some(p) = peer {
        parts.extensions.insert(p);
    }
    let scim = integration.route(&parts).is_some_and(|r| r.is_scim());
    let limit = integration.max_body_bytes();
    let declared_too_large = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limit as u64);
    let collected = if declared_too_large {
        Err(too_large(scim, limit))
    } else {
        match Limited::new(body, limit).collect().await {
            Ok(c) => Ok(c.to_bytes()),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large(scim, limit)),
            Err(e) => {
                tracing::debug!(error = %e, "request body could not be read");
                Err(if scim {
                    scim_error_status(
                        400,
                        Some("invalidSyntax"),
                        "the request body could not be read",
                    )
                } else {
                    html_page(400, "Bad request", "The request could not be read.")
                })
            }
        }
    };
    let response = match collected {
        Ok(bytes) => integration.handle(Request::from_parts(parts, bytes)).await,
        Err(r) => r,
    };
    Ok(response.map(Full::new))
}

fn too_large(scim: bool, limit: usize) -> Response<Bytes> {
    if scim {
        scim_error_status(
            413,
            None,
            &format!("the request body is larger than {limit} bytes"),
        )
    } else {
        html_page(
            413,
            "Request too large",
            "The request is larger than this server accepts.",
        )
    }
}

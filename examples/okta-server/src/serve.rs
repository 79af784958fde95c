//! `okta-server serve`: the HTTP server (hyper on tokio), first-start bootstrap, the
//! provisioning worker, and graceful shutdown.
//!
//! On SIGINT or SIGTERM the server stops accepting connections, lets requests in flight
//! finish, asks the worker to stop (it returns after the batch it is applying), and exits 0.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use okta_integration::provisioning::{Worker, WorkerConfig};
use okta_integration::tenant::PeerAddr;
use tokio::net::TcpListener;

use crate::app::{self, AppState};
use crate::cli::{self, CliError, FIRST_ORG, ServeArgs};
use crate::integration::HandlerOptions;
use crate::provisioner::AppProvisioner;
use crate::sessions::{Roles, Sessions};
use crate::site::{BaseUrl, OrgName};
use crate::web;

/// Default largest request body: 1 MiB (a SCIM group with thousands of members fits).
pub(crate) const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// How long shutdown waits for connections in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Runs `serve` until a shutdown signal.
pub(crate) fn run(args: ServeArgs) -> Result<(), CliError> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(args.log)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the runtime: {e}")))?
        .block_on(serve(args))
}

/// Prints one line of the start-up protocol on standard output and flushes it, so a parent
/// process reading the pipe sees it at once.
fn announce(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::new(format!("cannot listen on {}: {e}", args.listen)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::new(format!("cannot read the listening address: {e}")))?;
    let base = match &args.base_url {
        Some(url) => BaseUrl::parse(url).map_err(CliError::new)?,
        None => BaseUrl::localhost(local.port()),
    };
    let mut data = cli::open_data(&args.data.data)?;
    cli::record_served_base_url(&args.data.data, &base)?;

    // First start: an empty database gets the organization test-org with an Owner.
    let orgs = data.backend.orgs().await.map_err(CliError::new)?;
    let first = if orgs.is_empty() {
        let slug = OrgName::try_from(FIRST_ORG).map_err(CliError::new)?;
        Some(
            cli::create_org_with_owner(&data, &base, &slug, FIRST_ORG, &args.owner_email, true)
                .await?,
        )
    } else {
        None
    };
    let sessions = Sessions::new(
        data.db.clone(),
        Arc::clone(&data.clock),
        Arc::clone(&data.random),
        base.scheme() == "https",
    );
    data.backend
        .configure(HandlerOptions {
            base: &base,
            trusted_proxies: &args.trusted_proxy,
            sessions: sessions.clone(),
            roles: Roles::new(data.db.clone()),
            max_body_bytes: args.max_body_bytes,
        })
        .map_err(CliError::new)?;

    let provisioner = AppProvisioner::new(
        data.db.clone(),
        Arc::clone(&data.clock),
        Arc::clone(data.backend.store()),
    );
    let worker = Worker::new(
        Arc::clone(data.backend.store()),
        Arc::new(provisioner),
        Arc::clone(&data.clock),
        tokio::time::sleep,
        WorkerConfig::default(),
    );
    let worker_stop = worker.stop_handle();
    let worker_task = tokio::spawn(worker.run());

    let state = Arc::new(AppState {
        base: base.clone(),
        db: data.db.clone(),
        backend: data.backend,
        clock: Arc::clone(&data.clock),
        sessions,
        github_authorize_url: args.github_authorize_url.clone(),
    });

    // Before anything is announced, so that a signal sent right after `ready` is not missed.
    let shutdown = shutdown_signal();
    announce(&format!("listening: http://{local}"));
    announce(&format!("base-url: {}", base.as_url()));
    if let Some((org, url)) = &first {
        announce(&format!(
            "organization: {} {}",
            org.slug,
            base.org_url(&org.slug)
        ));
        announce(&format!("sign-in-url: {} {url}", org.slug));
    }
    announce("ready");
    tracing::info!(%local, base = %base.as_url(), "serving");

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait a moment, keep serving.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let state = Arc::clone(&state);
                let max_body = args.max_body_bytes;
                let service = service_fn(move |req| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, std::convert::Infallible>(answer(&state, req, peer, max_body).await) }
                });
                let connection = http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), service);
                let watched = graceful.watch(connection);
                tokio::spawn(async move {
                    if let Err(error) = watched.await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            signal = &mut shutdown => {
                tracing::info!(signal, "shutting down");
                break;
            }
        }
    }
    drop(listener);
    worker_stop.stop();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open after the grace period; closing them");
        }
    }
    if let Err(error) = worker_task.await {
        tracing::error!(%error, "the provisioning worker failed");
    }
    announce("stopped");
    Ok(())
}

/// Registers the handlers for SIGINT and SIGTERM right away and returns a future that resolves
/// with the name of the first one received.
///
/// Registration happens when this function is called, not when the future is first polled, so a
/// signal sent right after `ready` is printed still leads to a graceful shutdown.
fn shutdown_signal() -> impl Future<Output = &'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let streams = signal(SignalKind::interrupt())
            .and_then(|interrupt| signal(SignalKind::terminate()).map(|term| (interrupt, term)));
        async move {
            match streams {
                Ok((mut interrupt, mut term)) => tokio::select! {
                    _ = interrupt.recv() => "SIGINT",
                    _ = term.recv() => "SIGTERM",
                },
                Err(error) => {
                    tracing::warn!(%error, "cannot watch SIGTERM; only SIGINT stops the server");
                    let _ = tokio::signal::ctrl_c().await;
                    "SIGINT"
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

/// Collects the body within the limit and answers the request.
async fn answer(
    state: &AppState,
    req: Request<Incoming>,
    peer: SocketAddr,
    max_body: usize,
) -> Response<Full<Bytes>> {
    let (mut parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        web::text_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("request body larger than {max_body} bytes\n"),
        )
        .map(Full::new)
    };
    if declared.is_some_and(|len| len > max_body as u64) {
        return too_large();
    }
    let body = match Limited::new(body, max_body).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            if error.is::<http_body_util::LengthLimitError>() {
                return too_large();
            }
            return web::text_response(
                StatusCode::BAD_REQUEST,
                "could not read the request body\n",
            )
            .map(Full::new);
        }
    };
    parts.extensions.insert(PeerAddr(peer));
    let method = parts.method.clone();
    // The path only: a query may carry a one-time sign-in token.
    let path = parts.uri.path().to_owned();
    let response = app::handle(state, Request::from_parts(parts, body)).await;
    tracing::debug!(%method, path, status = response.status().as_u16(), "request");
    response.map(Full::new)
}

//! Embeddable SAML sign-in and SCIM provisioning for Rust web applications.
//!
//! This crate composes [`saml_sp`], [`scim_filter`] and [`scim_core`] into a handler set that any
//! Rust web application can mount, with no web framework required.
//!
//! ```
//! use std::sync::Arc;
//! use bytes::Bytes;
//! use okta_integration::settings::{Actor, SettingsForm};
//! use okta_integration::store::{sqlite::SqliteStore, OrgSlug, Store};
//! use okta_integration::{scim_engine, OktaIntegration};
//! use saml_sp::random::SystemRandomIdGenerator;
//! use saml_sp::time::SystemTimeProvider;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = std::env::temp_dir().join(format!("okta-integration-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let idp_certificate_pem = include_str!("../../saml-sp/tests/data/generated/keys/idp-rsa2048.crt");
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let clock = Arc::new(SystemTimeProvider);
//! let scim = scim_engine(clock.clone(), Arc::new(SystemRandomIdGenerator::new()))?;
//! let store = Arc::new(SqliteStore::open(dir.join("okta.db"), scim.clone(), clock.clone())?);
//! store.create_organization(&OrgSlug::try_from("acme")?, "Acme", true).await?;
//!
//! // Organizations are served at ORG.example.com.
//! let integration = OktaIntegration::builder(store, "https://example.com")
//!     .with_scim(scim)
//!     .build()?;
//!
//! // What the admin types into Okta, and what they paste back (here from the command line).
//! let okta = integration.okta_values("acme")?;
//! assert_eq!(okta.acs_url, "https://acme.example.com/okta/auth");
//! let form = SettingsForm {
//!     sso_url: "https://acme.okta.com/app/acme/exk1/sso/saml".into(),
//!     issuer: "http://www.okta.com/exk1".into(),
//!     certificate: idp_certificate_pem.into(),
//!     metadata_xml: String::new(),
//! };
//! let saved = integration.save_settings("acme", &Actor::Operator, &form).await?;
//! let token = saved.token.expose_secret(); // shown once; only its hash is stored
//!
//! // Okta's "Test Connector Configuration".
//! let request = http::Request::get("/okta/scim/Users?startIndex=1&count=2")
//!     .header("host", "acme.example.com")
//!     .header("authorization", format!("Bearer {token}"))
//!     .body(Bytes::new())?;
//! let response = integration.handle(request).await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["content-type"], "application/scim+json");
//! # Ok::<(), Box<dyn std::error::Error>>(()) })?;
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(()) }
//! ```
//!
//! # Endpoints
//!
//! For organization `ORG` at `ORG.BASE` (see [`tenant`]), under the base path `/okta`:
//!
//! | endpoint | what |
//! |---|---|
//! | `POST /okta/auth` | SAML Assertion Consumer Service: verifies the response with saml-sp, signs in only users active and provisioned in the organization's SCIM store, `303` with the session cookie ([`session`]); refusals are a page in the user's terms |
//! | `GET /okta/login` | SP-initiated sign-in: `302` to the IdP with an AuthnRequest (HTTP-Redirect); the request id is stored, checked against the signed `InResponseTo`, and bound to the starting browser by a cookie ([`saml_routes::REQUEST_BINDING_COOKIE`]) so that an answer posted from another browser is refused (login CSRF) |
//! | `GET /okta/metadata` | SP metadata XML |
//! | `/okta/scim/Users`, `/Users/{id}`, `/Groups`, `/Groups/{id}`, `/.search`, `/Users/.search`, `/Groups/.search`, `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` | SCIM 2.0 (RFC 7644), bearer token per organization |
//!
//! [`OktaIntegration::route`] tells a host which route a request is, so it can mount single
//! routes. [`okta`] lists the identity providers' quirks and how each is handled.
//!
//! # Design
//!
//! - **Sans-IO**: [`OktaIntegration::handle`] takes a collected `http::Request<Bytes>` and always
//!   returns an `http::Response<Bytes>`; it never spawns tasks, owns a runtime or reads the clock
//!   (time and randomness come from the builder). The provisioning [`provisioning::Worker`] is a
//!   future the host spawns.
//! - **Host hooks are traits**: [`store::Store`] (SQLite included), [`session::SessionSink`]
//!   (secure default included), [`settings::RoleLookup`] (who may change the settings),
//!   [`tenant::TenantResolver`] (organization resolution), [`provisioning::Provisioner`].
//! - **Tenants are isolated**: every token, session, request state, replay entry and resource
//!   belongs to one organization; another organization's valid token gets `401`.
//! - **Errors are responses**: SCIM errors are RFC 7644 JSON with `status` and `scimType`;
//!   sign-in refusals are HTML pages that never name the failed check, which goes to `tracing`
//!   and the audit log.
//! - **Anyone's requests cost bounded storage**: an audit record keeps at most 2048 characters
//!   of request text, and refusals of unauthenticated requests are recorded at most 60 a
//!   minute per organization and kind, the rest counted in one summary record
//!   ([`OktaIntegrationBuilder::with_refusal_audit_limit`]).
//!
//! # Mounting
//!
//! With hyper (feature `hyper`), one service per connection so trusted proxies can be
//! recognised by the peer address:
//!
//! ```ignore
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! loop {
//!     let (stream, peer) = listener.accept().await?;
//!     let service = okta_integration::adapters::HyperService::new(integration.clone())
//!         .with_peer_addr(peer);
//!     tokio::spawn(async move {
//!         let io = hyper_util::rt::TokioIo::new(stream);
//!         let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
//!     });
//! }
//! ```
//!
//! With axum, through the tower adapter (feature `tower`; `Error = Infallible` as axum needs):
//!
//! ```ignore
//! let okta = okta_integration::adapters::TowerService::new(integration);
//! let app = axum::Router::new()
//!     .route("/", axum::routing::get(home))
//!     .route_service("/okta/{*rest}", okta);
//! ```
//!
//! Without a framework, collect the body yourself (with a size limit) and call
//! [`OktaIntegration::handle`]; insert [`tenant::PeerAddr`] into the request extensions when
//! you configure trusted proxies.
//!
//! # Features
//!
//! | feature | adds |
//! |---|---|
//! | `hyper` | `adapters::HyperService`, a `hyper::service::Service` with a body limit (`413`) |
//! | `tower` | `adapters::TowerService`, a `tower_service::Service` with `Error = Infallible` |
//! | `sqlite` (default) | `store::sqlite::SqliteStore`, the embedded store (bundled SQLite) |
//!
//! Neither adapter is on by default; the default build depends on no HTTP server or framework.
//! A host with its own [`store::Store`] sets `default-features = false` and compiles no
//! SQLite.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(any(feature = "hyper", feature = "tower"))]
pub mod adapters;
pub mod audit;
pub mod auth;
mod config;
pub mod error;
mod handlers;
pub mod okta;
pub mod provisioning;
mod refusal_throttle;
pub mod response;
pub mod routes;
pub mod saml_routes;
mod scim_routes;
pub mod session;
pub mod settings;
pub mod store;
pub mod tenant;

pub use config::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_STATE_TTL, OktaIntegration, OktaIntegrationBuilder,
    PatchResponse, scim_engine,
};
pub use error::{ConfigError, Error};
pub use handlers::SignedIn;

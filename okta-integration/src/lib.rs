//! Embeddable SAML sign-in and SCIM provisioning for Rust web applications.
//!
//! This crate composes [`saml-sp`], [`scim-filter`] and [`scim-core`] into a handler set that any
//! Rust web application can mount, with no web framework required:
//!
//! - `async fn handle(&self, http::Request<Bytes>) -> http::Response<Bytes>` answering the
//!   Okta-facing endpoints of one or many organizations: `POST /okta/auth` (the SAML Assertion
//!   Consumer Service), `GET /okta/login` (SP-initiated sign-in), `GET /okta/metadata` (SP
//!   metadata) and the SCIM 2.0 server under `/okta/scim`;
//! - per-organization integration settings (IdP SSO URL, issuer, certificates) and SCIM bearer
//!   tokens, stored hashed and compared in constant time;
//! - a durable provisioning queue written in the same transaction as each SCIM change, and a
//!   worker future (spawned by the host) that applies changes to the host application through a
//!   `Provisioner` trait, exactly once per change id;
//! - storage on embedded SQLite by default, behind a trait a PostgreSQL store can implement;
//! - optional adapters for hyper and tower (axum), behind features.
//!
//! The handlers arrive with the integration work item that builds the reference server; until
//! then this crate deliberately exports nothing, so no placeholder API can be depended upon.
//!
//! [`saml-sp`]: https://docs.rs/saml-sp
//! [`scim-filter`]: https://docs.rs/scim-filter
//! [`scim-core`]: https://docs.rs/scim-core
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(feature = "hyper", feature = "tower"))]
pub mod adapters;
pub mod audit;
pub mod auth;
mod config;
pub mod error;
mod handlers;
pub mod provisioning;
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
    PatchResponse,
};
pub use error::{ConfigError, Error};
pub use handlers::SignedIn;

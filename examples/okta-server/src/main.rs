//! `okta-server`: the reference server for SAML sign-in and SCIM provisioning from Okta.
//!
//! Every organization `ORG` is served at `http://ORG.localhost:8080` (the scheme, domain and
//! port of `--base-url`, with the organization as the first label); the bare host serves the
//! default organization. Data lives in SQLite files under `--data` (default `./okta-data`),
//! which every subcommand can use while `serve` runs.
//!
//! ```text
//! okta-server serve [--listen 127.0.0.1:8080] [--base-url http://localhost:8080] [--data DIR]
//! okta-server org create ORG [--data DIR]
//! okta-server org sign-in-link ORG [--data DIR]
//! okta-server org list [--data DIR]
//! okta-server okta setup ORG --sso-url URL --issuer ISSUER --cert FILE [--data DIR]
//! okta-server saml verify --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID --acs-url URL FILE
//! ```
//!
//! See `examples/okta-server/README.md` for the lines `serve` prints on standard output.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app;
mod cli;
mod db;
mod html;
mod integration;
mod provisioner;
mod saml_verify;
mod secret;
mod serve;
mod sessions;
mod site;
mod ui;
mod web;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}

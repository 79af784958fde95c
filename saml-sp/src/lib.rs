//! A SAML 2.0 Service Provider that hands the application only what a trusted IdP signed.
//!
//! This crate will hold, in pure Rust (quick-xml, ring, x509-parser, base64):
//!
//! - a namespace-resolving XML reader with explicit size and depth limits that refuses DTDs and
//!   external entities;
//! - Exclusive XML Canonicalization 1.0 and XML-DSig enveloped-signature verification against
//!   configured IdP certificates only, with a static algorithm allow-list;
//! - `Response` parsing and validation (status, issuer, audience, recipient, destination, time
//!   windows, `InResponseTo`, replay) producing a `Verified` assertion that only the verifier can
//!   construct, built from the signed subtree alone;
//! - AuthnRequest construction for the HTTP-Redirect and HTTP-POST bindings, SP metadata output
//!   and IdP metadata input.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod authn_request;
pub mod binding;
mod c14n;
mod error;
pub mod metadata;
pub mod random;
pub mod time;
mod xml;

pub use error::{
    Base64Error, ConfigError, DsigError, Error, ShapeError, ValidationError, XmlError,
};
pub use xml::{Limits, XmlLimit};

#[cfg(test)]
pub(crate) mod test_support;

//! SCIM 2.0 resource semantics (RFC 7643 and RFC 7644), with no HTTP and no storage inside.
//!
//! This crate will hold the User, Group and EnterpriseUser schemas as data, validation of
//! incoming resources, the PATCH engine, PUT replace rules, list queries (filter, sort,
//! pagination, attribute projection), `meta` and ETags, the RFC 7644 error model with `scimType`,
//! the discovery documents, and a `ResourceStore` trait with an in-memory implementation.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

//! The SCIM 2.0 filter language (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of these helpers"
)]
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a panic is the failure report"
)]

pub(crate) mod signing;

use std::path::PathBuf;
use std::time::Duration;

use saml_sp::time::UnixTime;
use saml_sp::{AcsUrl, Certificate, EntityId, IdpConfig, SpConfig, SpConfigBuilder};

/// The shared fixtures folder: `$SHARED_FIXTURES_DIR`, or `../../shared/fixtures` from the crate.
pub(crate) fn fixtures_dir() -> PathBuf {
    std::env::var_os("SHARED_FIXTURES_DIR").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/fixtures"
            ))
        },
        PathBuf::from,
    )
}

/// Reads a fixture, failing with a message naming the path and the variable.
pub(crate) fn fixture(relative: &str) -> Vec<u8> {
    let path = fixtures_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read fixture {} ({e}); set SHARED_FIXTURES_DIR to the shared fixtures folder",
            path.display()
        )
    })
}

/// Reads a fixture as text.
pub(crate) fn fixture_text(relative: &str) -> String {
    String::from_utf8(fixture(relative)).expect("fixture is UTF-8")
}

/// A builder for an SP with one IdP certificate given as PEM (or bare base64) text.
pub(crate) fn sp(entity_id: &str, acs_url: &str, issuer: &str, cert_pem: &str) -> SpConfigBuilder {
    let certs = Certificate::from_pem_bundle(cert_pem).expect("certificate");
    let idp = IdpConfig::new(EntityId::try_from(issuer).expect("issuer"), certs).expect("idp");
    SpConfig::builder(
        EntityId::try_from(entity_id).expect("entity id"),
        AcsUrl::try_from(acs_url).expect("acs url"),
        idp,
    )
}

/// Like [`sp`], returning configuration errors.
pub(crate) fn try_sp(
    entity_id: &str,
    acs_url: &str,
    issuer: &str,
    cert_pem: &str,
) -> Result<SpConfigBuilder, saml_sp::ConfigError> {
    let certs = Certificate::from_pem_bundle(cert_pem)?;
    let idp = IdpConfig::new(EntityId::try_from(issuer)?, certs)?;
    Ok(SpConfig::builder(
        EntityId::try_from(entity_id)?,
        AcsUrl::try_from(acs_url)?,
        idp,
    ))
}

/// Parses an `xs:dateTime`.
pub(crate) fn at(text: &str) -> UnixTime {
    UnixTime::parse_xs_datetime(text).expect("timestamp")
}

/// Maximum assertion lifetime for the bench responses: they are issued on 2025-01-01 and valid
/// until the end of 2099 (so that benchmarks never expire), far beyond the 24-hour default.
pub(crate) const BENCH_MAX_LIFETIME: Duration = Duration::from_secs(80 * 366 * 86_400);

/// A test maximum assertion lifetime with no practical bound, for the test IdPs of the shared
/// fixtures that issue assertions valid for centuries.
pub(crate) const UNBOUNDED_LIFETIME: Duration = Duration::MAX;

//! Helpers shared by unit tests.

use std::path::PathBuf;

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

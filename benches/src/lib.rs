//! Shared helpers for the workspace's criterion benchmarks.
//!
//! The benchmarks run on the exact bytes in `../shared/fixtures/bench/` (the inputs the peer
//! implementations were measured on), so figures are comparable. The folder is found through the
//! `SHARED_FIXTURES_DIR` environment variable, or `../shared/fixtures` beside the workspace.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::path::PathBuf;

/// The environment variable that overrides where the shared fixtures live.
pub const FIXTURES_ENV: &str = "SHARED_FIXTURES_DIR";

/// The shared fixtures folder: `$SHARED_FIXTURES_DIR`, else `<workspace>/../shared/fixtures`.
///
/// The workspace is located through `CARGO_MANIFEST_DIR` as cargo sets it when it runs the
/// benchmark (so a target directory shared between several checkouts finds the right one), and
/// through the value compiled in when the binary is run by hand.
pub fn fixtures_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(FIXTURES_ENV) {
        return PathBuf::from(dir);
    }
    let package_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    package_dir.join("../../shared/fixtures")
}

/// Reads `bench/<name>` from the shared fixtures, with an error that says where it looked.
pub fn read_bench_fixture(name: &str) -> Result<Vec<u8>, String> {
    let path = fixtures_dir().join("bench").join(name);
    std::fs::read(&path).map_err(|err| {
        format!(
            "benchmark input {} is missing ({err}); set {FIXTURES_ENV} to the shared fixtures folder",
            path.display()
        )
    })
}

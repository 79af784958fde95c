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
pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os(FIXTURES_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
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

//! Every filter of `../shared/fixtures/bench/scim_filters.txt` (the 34 benchmark filters)
//! parses, prints canonically, and re-parses to an equal tree.

// Test helpers outside #[test] functions panic on purpose: a failed expectation is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use scim_filter::Filter;

fn fixtures_dir() -> PathBuf {
    match std::env::var_os("SHARED_FIXTURES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
    }
}

#[test]
fn all_34_bench_filters_parse_and_round_trip() {
    let path = fixtures_dir().join("bench/scim_filters.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "missing fixture {}: {e}; set SHARED_FIXTURES_DIR",
            path.display()
        )
    });
    let filters: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(filters.len(), 34);
    for line in filters {
        let filter = Filter::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let printed = filter.to_string();
        let again = Filter::parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(again, filter, "{line} -> {printed}");
    }
}

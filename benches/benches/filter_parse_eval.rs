//! SCIM filter parsing and evaluation (`scim-filter`), on the 34 filters of
//! `../shared/fixtures/bench/scim_filters.txt` and 10,000 users made by
//! `../shared/fixtures/bench/gen_users.py` (the inputs the peer figures were measured on).
//!
//! The users are generated at run time into Cargo's bench temp folder (never committed), or
//! read from the JSON file named by `SCIM_BENCH_USERS`.
//!
//! Throughput is reported in elements: filters parsed, or user checks (one filter against one
//! user).
// criterion's macros generate undocumented items.
#![allow(missing_docs)]
// Setup code panics with a message when an input is missing: there is nothing to measure then.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use benches::{FIXTURES_ENV, fixtures_dir, read_bench_fixture};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scim_filter::{CoreSchemas, Filter, Matcher};
use serde_json::Value;

/// Environment variable naming a users JSON file (as written by `gen_users.py`) to use instead
/// of generating one.
const USERS_ENV: &str = "SCIM_BENCH_USERS";
const USER_COUNT: usize = 10_000;

/// The filter whose parse rate the issue sets a target for (2 million/s).
const OKTA_LOOKUP: &str = r#"userName eq "bjensen@example.com""#;
/// The simple equality whose evaluation rate the issue sets a target for (20 million checks/s).
const SIMPLE_EQ: &str = r#"userName eq "bjensen""#;

fn filters() -> Vec<String> {
    let text =
        String::from_utf8(read_bench_fixture("scim_filters.txt").unwrap_or_else(|e| panic!("{e}")))
            .expect("scim_filters.txt is UTF-8");
    let filters: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect();
    assert_eq!(filters.len(), 34, "scim_filters.txt should hold 34 filters");
    filters
}

fn users() -> Vec<Value> {
    let path = match std::env::var_os(USERS_ENV) {
        Some(path) => PathBuf::from(path),
        None => {
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("scim-users-{USER_COUNT}.json"));
            if !path.exists() {
                let script = fixtures_dir().join("bench/gen_users.py");
                let status = Command::new("python3")
                    .arg(&script)
                    .arg(USER_COUNT.to_string())
                    .arg(&path)
                    .status()
                    .unwrap_or_else(|e| panic!("cannot run python3 {}: {e}", script.display()));
                assert!(
                    status.success(),
                    "{} failed; set {FIXTURES_ENV} to the shared fixtures folder or {USERS_ENV} to a users file",
                    script.display()
                );
            }
            path
        }
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let users: Vec<Value> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!users.is_empty());
    users
}

fn parse(c: &mut Criterion) {
    let filters = filters();

    let mut group = c.benchmark_group("filter_parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("okta_lookup", |b| {
        b.iter(|| Filter::parse(black_box(OKTA_LOOKUP)).unwrap())
    });
    group.throughput(Throughput::Elements(filters.len() as u64));
    group.bench_function("all_34", |b| {
        b.iter(|| {
            for f in &filters {
                black_box(Filter::parse(black_box(f)).unwrap());
            }
        });
    });
    group.finish();

    let mut each = c.benchmark_group("filter_parse_each");
    each.warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    each.throughput(Throughput::Elements(1));
    for (i, f) in filters.iter().enumerate() {
        each.bench_with_input(
            BenchmarkId::from_parameter(format!("{:02}", i + 1)),
            f,
            |b, f| {
                b.iter(|| Filter::parse(black_box(f)).unwrap());
            },
        );
    }
    each.finish();
}

fn eval(c: &mut Criterion) {
    let filters = filters();
    let users = users();
    let count = users.len() as u64;
    let bind = |text: &str| Filter::parse(text).unwrap().matcher(&CoreSchemas).unwrap();
    let scan =
        |m: &Matcher, users: &[Value]| users.iter().filter(|u| m.matches(u).unwrap()).count();

    let mut group = c.benchmark_group("filter_eval");
    group.throughput(Throughput::Elements(count));
    let simple = bind(SIMPLE_EQ);
    assert_eq!(
        scan(&simple, &users),
        1,
        "{SIMPLE_EQ} should match user 0 only"
    );
    group.bench_function("simple_eq", |b| {
        b.iter(|| scan(black_box(&simple), black_box(&users)))
    });
    let lookup = bind(OKTA_LOOKUP);
    group.bench_function("okta_lookup", |b| {
        b.iter(|| scan(black_box(&lookup), black_box(&users)))
    });

    let matchers: Vec<Matcher> = filters.iter().map(|f| bind(f)).collect();
    group.throughput(Throughput::Elements(count * matchers.len() as u64));
    group.bench_function("all_34", |b| {
        b.iter(|| {
            matchers
                .iter()
                .map(|m| scan(black_box(m), black_box(&users)))
                .sum::<usize>()
        });
    });
    // Parse, bind and scan: what one list request costs.
    group.throughput(Throughput::Elements(count));
    group.bench_function("simple_eq_parse_bind_scan", |b| {
        b.iter(|| scan(&bind(black_box(SIMPLE_EQ)), black_box(&users)));
    });
    group.finish();

    let mut each = c.benchmark_group("filter_eval_each");
    each.warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    each.throughput(Throughput::Elements(count));
    for (i, m) in matchers.iter().enumerate() {
        each.bench_with_input(
            BenchmarkId::from_parameter(format!("{:02}", i + 1)),
            m,
            |b, m| {
                b.iter(|| scan(black_box(m), black_box(&users)));
            },
        );
    }
    each.finish();
}

criterion_group!(benches, parse, eval);
criterion_main!(benches);

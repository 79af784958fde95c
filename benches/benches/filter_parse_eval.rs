//! SCIM filter parsing and evaluation (`scim-filter`), on the 34 filters of
//! `../shared/fixtures/bench/scim_filters.txt` and 10,000 users made by
//! `../shared/fixtures/bench/gen_users.py` (the inputs the peer figures were measured on).
//!
//! The users are generated at run time into Cargo's bench temp folder (never committed), or
//! read from the JSON file named by `SCIM_BENCH_USERS`.
//!
//! Throughput is reported in elements: filters parsed, or user checks (one filter against one
//! user). Set `SCIM_BENCH_CPU_TIME=1` to measure the benchmark thread's CPU time instead of wall
//! time (steadier on a machine busy with other work; see benches/README.md).
// criterion's macros generate undocumented items.
#![allow(missing_docs)]
// Setup code panics with a message when an input is missing: there is nothing to measure then.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use benches::{FIXTURES_ENV, fixtures_dir, read_bench_fixture};
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BenchmarkId, Criterion, Throughput};
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

fn parse<M: Measurement>(c: &mut Criterion<M>) {
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
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
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

fn eval<M: Measurement>(c: &mut Criterion<M>) {
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
    // The floor: an exact-case map lookup and string compare, no filter at all. Scanning
    // 10,000 serde_json users is bound by memory latency (each user's map nodes and key
    // strings are separate heap blocks), and this shows that bound.
    group.bench_function("floor_exact_get", |b| {
        b.iter(|| {
            black_box(&users)
                .iter()
                .filter(|u| u.get("userName").and_then(Value::as_str) == Some("bjensen"))
                .count()
        });
    });
    // The same 10,000 checks on 100 users that stay in cache: the evaluator's own cost.
    let hot: Vec<Value> = users.iter().take(100).cloned().collect();
    group.bench_function("simple_eq_hot_100_users", |b| {
        b.iter(|| {
            (0..users.len() / hot.len())
                .map(|_| scan(black_box(&simple), black_box(&hot)))
                .sum::<usize>()
        });
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
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
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

fn main() {
    if std::env::var_os("SCIM_BENCH_CPU_TIME").is_some_and(|v| v != "0") {
        let mut c = Criterion::default()
            .with_measurement(ThreadCpuTime)
            .configure_from_args();
        parse(&mut c);
        eval(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default().configure_from_args();
        parse(&mut c);
        eval(&mut c);
        c.final_summary();
    }
}

/// CPU time of the benchmark thread (`CLOCK_THREAD_CPUTIME_ID`): time the thread spent
/// running, without the time other processes held the core.
struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, start: Self::Intermediate) -> Self::Value {
        start.elapsed()
    }
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosFormatter
    }
}

/// Formats nanoseconds and element throughput like criterion's wall-time formatter.
struct NanosFormatter;

impl ValueFormatter for NanosFormatter {
    fn scale_values(&self, ns: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match ns {
            ns if ns < 1e3 => (1.0, "ns"),
            ns if ns < 1e6 => (1e-3, "µs"),
            ns if ns < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        typical_ns: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per_iteration = match *throughput {
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n as f64,
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => n as f64,
            Throughput::Bits(n) => n as f64,
        };
        let typical = per_iteration * 1e9 / typical_ns;
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "elem/s"),
            t if t < 1e6 => (1e-3, "Kelem/s"),
            t if t < 1e9 => (1e-6, "Melem/s"),
            _ => (1e-9, "Gelem/s"),
        };
        values
            .iter_mut()
            .for_each(|v| *v = per_iteration * 1e9 / *v * factor);
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

//! Exclusive XML Canonicalization of the bench responses.
//!
//! `c14n/*` parses the decoded response and canonicalizes the whole document (which, for these
//! responses, is the signed Response element plus its prolog); `parse/*` measures the parse
//! alone, so the difference is the canonicalization itself.

// Benchmark setup: a missing fixture or a refused document must stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use benches::read_bench_fixture;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use saml_sp::internal::fuzzing;

const RESPONSES: [&str; 4] = [
    "response_assertion_signed",
    "response_response_signed",
    "response_both_signed",
    "response_large_both_signed",
];

fn c14n(c: &mut Criterion) {
    let mut group = c.benchmark_group("c14n");
    for name in RESPONSES {
        let xml = read_bench_fixture(&format!("{name}.xml")).unwrap_or_else(|m| panic!("{m}"));
        let canonical = fuzzing::c14n(&xml, false).expect("bench response canonicalizes");
        assert!(canonical.starts_with(b"<saml2p:Response "));
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_function(name, |b| b.iter(|| fuzzing::c14n(black_box(&xml), false)));
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    for name in RESPONSES {
        let xml = read_bench_fixture(&format!("{name}.xml")).unwrap_or_else(|m| panic!("{m}"));
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_function(name, |b| b.iter(|| fuzzing::parse_tree(black_box(&xml))));
    }
    group.finish();
}

criterion_group!(benches, c14n);
criterion_main!(benches);

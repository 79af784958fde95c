//! Exclusive XML Canonicalization of the signed elements of the bench responses.
//!
//! `c14n_signed/<response>.<element>` parses the decoded response and canonicalizes one signed
//! element exactly as the verifier digests it (enveloped `Signature` left out, exclusive c14n
//! with `PrefixList="xs"`); the output is checked once, byte for byte, against the digested
//! bytes in `../shared/fixtures/bench/vectors/`. `parse/<response>` measures the parse alone, so
//! the difference is the canonicalization itself.

// Benchmark setup: a missing fixture or a wrong canonical form must stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use benches::read_bench_fixture;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use saml_sp::internal::fuzzing;

/// (response, signed element, element path from the root: 1-based child positions).
const SIGNED_ELEMENTS: [(&str, &str, &[usize]); 6] = [
    ("response_assertion_signed", "assertion", &[3]),
    ("response_response_signed", "response", &[]),
    ("response_both_signed", "response", &[]),
    ("response_both_signed", "assertion", &[4]),
    ("response_large_both_signed", "response", &[]),
    ("response_large_both_signed", "assertion", &[4]),
];

const RESPONSES: [&str; 4] = [
    "response_assertion_signed",
    "response_response_signed",
    "response_both_signed",
    "response_large_both_signed",
];

fn fixture(name: &str) -> Vec<u8> {
    read_bench_fixture(name).unwrap_or_else(|message| panic!("{message}"))
}

fn c14n(c: &mut Criterion) {
    let mut group = c.benchmark_group("c14n_signed");
    for (response, element, path) in SIGNED_ELEMENTS {
        let xml = fixture(&format!("{response}.xml"));
        let expected = fixture(&format!("vectors/{response}.{element}.digest_input"));
        let canonical = fuzzing::c14n_element(&xml, path, true, false, &["xs"]).unwrap();
        assert!(
            canonical == expected,
            "{response}.{element}: canonical form differs from the digested bytes"
        );
        group.throughput(Throughput::Bytes(expected.len() as u64));
        group.bench_function(format!("{response}.{element}"), |b| {
            b.iter(|| fuzzing::c14n_element(black_box(&xml), path, true, false, &["xs"]));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("parse");
    for response in RESPONSES {
        let xml = fixture(&format!("{response}.xml"));
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_function(response, |b| {
            b.iter(|| fuzzing::parse_tree(black_box(&xml)));
        });
    }
    group.finish();
}

criterion_group!(benches, c14n);
criterion_main!(benches);

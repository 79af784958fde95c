//! Full SAML response verification against its floor: one RSA-2048 verify plus one SHA-256.
//!
//! Inputs are the four responses of `../shared/fixtures/bench/` (the bytes the peer libraries
//! were measured on), verified from the base64 form value, exactly as an ACS endpoint receives
//! them. In the same run, `baseline/*` measures ring's bare RSA-2048 PKCS#1 SHA-256 verify (the
//! canonical `SignedInfo` and `SignatureValue` of the assertion-signed response, with the key of
//! `idp.crt`) and SHA-256 over the response XML. Target: verifying a one-signature 7 KB
//! response costs at most 2 x (RSA verify + SHA-256).

// Benchmark setup: a missing fixture or a failed verification must stop the run loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use benches::read_bench_fixture;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ring::digest::{SHA256, digest};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use saml_sp::time::UnixTime;
use saml_sp::{AcsUrl, Certificate, EntityId, IdpConfig, ReplayCache, ReplayRefusal, SpConfig};

const RESPONSES: [&str; 4] = [
    "response_assertion_signed",
    "response_response_signed",
    "response_both_signed",
    "response_large_both_signed",
];

/// Accepts every assertion: the benchmark verifies the same response many times. (The
/// default in-memory cache costs one mutex-guarded hash-map insert per response.)
#[derive(Debug)]
struct AcceptEveryAssertion;

impl ReplayCache for AcceptEveryAssertion {
    fn check_and_record(
        &self,
        key: &str,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), ReplayRefusal> {
        black_box((key, expires_at, now));
        Ok(())
    }
}

fn fixture(name: &str) -> Vec<u8> {
    read_bench_fixture(name).unwrap_or_else(|message| panic!("{message}"))
}

fn verifier() -> SpConfig {
    let pem = String::from_utf8(fixture("idp.crt")).unwrap();
    let idp = IdpConfig::new(
        EntityId::try_from("http://www.okta.com/exk1fcr9ohpkXjQ0l0h8").unwrap(),
        Certificate::from_pem_bundle(&pem).unwrap(),
    )
    .unwrap();
    SpConfig::builder(
        EntityId::try_from("https://test-org.example.com").unwrap(),
        AcsUrl::try_from("https://test-org.example.com/okta/auth").unwrap(),
        idp,
    )
    .allow_unsolicited_responses(true)
    .with_replay_cache(std::sync::Arc::new(AcceptEveryAssertion))
    // The bench responses are valid from 2025 to the end of 2099, beyond the 24-hour default.
    .with_max_assertion_lifetime(std::time::Duration::from_secs(80 * 366 * 86_400))
    .build()
    .unwrap()
}

fn idp_public_key() -> Vec<u8> {
    let pem = fixture("idp.crt");
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    let cert = pem.parse_x509().unwrap();
    cert.public_key().subject_public_key.data.to_vec()
}

fn verify_response(c: &mut Criterion) {
    let sp = verifier();
    // Inside the validity window of every bench response.
    let now = UnixTime::parse_xs_datetime("2030-01-01T00:00:00Z").unwrap();

    let mut group = c.benchmark_group("verify_response");
    for name in RESPONSES {
        let form_value = fixture(&format!("{name}.b64"));
        let user = sp
            .verify_response(&form_value, None, now)
            .unwrap_or_else(|err| panic!("{name} does not verify: {}: {err}", err.check()));
        assert_eq!(user.name_id().value(), "jane.doe@example.com");
        group.throughput(Throughput::Bytes(form_value.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                sp.verify_response(black_box(&form_value), None, now)
                    .is_ok()
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("baseline");
    let key = idp_public_key();
    let signed_info = fixture("vectors/response_assertion_signed.assertion.signedinfo");
    let signature = fixture("vectors/response_assertion_signed.assertion.sigvalue");
    let public_key = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key);
    public_key
        .verify(&signed_info, &signature)
        .expect("the bench vector signature verifies with idp.crt");
    group.bench_function("ring_rsa2048_sha256_verify", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, black_box(&key))
                .verify(black_box(&signed_info), black_box(&signature))
                .is_ok()
        });
    });
    for name in ["response_assertion_signed", "response_large_both_signed"] {
        let xml = fixture(&format!("{name}.xml"));
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_function(format!("sha256/{name}"), |b| {
            b.iter(|| digest(&SHA256, black_box(&xml)));
        });
    }
    group.finish();
}

criterion_group!(benches, verify_response);
criterion_main!(benches);

//! Helpers for the handler tests: an integration over a temporary SQLite store with a settable
//! clock and deterministic ids, requests through `handle`, and the provisioning worker.
// Test code: a panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    unreachable_pub
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use okta_integration::provisioning::{
    ClaimedBatch, ProvisionFuture, Provisioner, StepOutcome, Worker, WorkerConfig,
};
use okta_integration::settings::{Actor, SettingsForm};
use okta_integration::store::sqlite::SqliteStore;
use okta_integration::store::{OrgSlug, Organization, Store};
use okta_integration::{OktaIntegration, OktaIntegrationBuilder};
use saml_sp::random::{IdGenerator, RandomError};
use saml_sp::time::{TimeProvider, UnixTime};
use scim_core::ids::SequentialIds;
use scim_core::time::{Clock, Timestamp};
use scim_core::{Options, Scim};
use serde_json::Value;

/// A clock the test moves.
#[derive(Debug)]
pub struct TestClock(Mutex<UnixTime>);

impl TestClock {
    pub fn at(t: UnixTime) -> Arc<Self> {
        Arc::new(Self(Mutex::new(t)))
    }

    pub fn set(&self, t: UnixTime) {
        *self.0.lock().unwrap() = t;
    }

    pub fn advance(&self, secs: i64) {
        let mut t = self.0.lock().unwrap();
        *t = UnixTime::from_unix_seconds(t.as_unix_seconds() + secs);
    }
}

impl TimeProvider for TestClock {
    fn now(&self) -> UnixTime {
        *self.0.lock().unwrap()
    }
}

struct ScimClock(Arc<TestClock>);

impl Clock for ScimClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.0.now().as_unix_seconds()).unwrap()
    }
}

/// Deterministic "random" bytes: a counter, so ids and tokens differ but are reproducible.
#[derive(Debug, Default)]
pub struct CounterRng(AtomicU64);

impl IdGenerator for CounterRng {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        for (i, b) in dest.iter_mut().enumerate() {
            *b = (n >> ((i % 8) * 8)) as u8 ^ (i as u8).wrapping_mul(31);
        }
        Ok(())
    }
}

/// A provisioner that accepts everything and counts deliveries.
#[derive(Debug, Default)]
pub struct CountingProvisioner(pub AtomicUsize);

impl Provisioner for CountingProvisioner {
    fn apply<'a>(&'a self, batch: &'a ClaimedBatch) -> ProvisionFuture<'a> {
        self.0.fetch_add(batch.changes.len(), Ordering::Relaxed);
        Box::pin(async { Ok(()) })
    }
}

static DB_COUNTER: AtomicUsize = AtomicUsize::new(0);

fn temp_db(name: &str) -> PathBuf {
    let n = DB_COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("integ-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("store.db")
}

/// The data directory of saml-sp's generated vectors.
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../saml-sp/tests/data/generated")
}

pub struct Env {
    pub integration: OktaIntegration,
    pub store: Arc<SqliteStore>,
    pub clock: Arc<TestClock>,
    pub worker: Worker,
    pub provisioner: Arc<CountingProvisioner>,
}

impl Env {
    /// Organizations `acme`, `beta` and `test-org` (the default) under `base_url`.
    pub async fn new(name: &str, base_url: &str, now: UnixTime) -> Self {
        Self::with_options(name, base_url, now, Options::default()).await
    }

    /// [`Env::new`] with the SCIM engine's options.
    pub async fn with_options(name: &str, base_url: &str, now: UnixTime, options: Options) -> Self {
        Self::configured(name, base_url, now, options, |b| b).await
    }

    /// [`Env::with_options`] with more of the integration's options set by `configure`.
    pub async fn configured(
        name: &str,
        base_url: &str,
        now: UnixTime,
        options: Options,
        configure: impl FnOnce(OktaIntegrationBuilder) -> OktaIntegrationBuilder,
    ) -> Self {
        let clock = TestClock::at(now);
        let scim = Arc::new(
            Scim::new(
                Arc::new(ScimClock(Arc::clone(&clock))),
                Arc::new(SequentialIds::new("id-")),
            )
            .with_options(options),
        );
        let store =
            Arc::new(SqliteStore::open(temp_db(name), Arc::clone(&scim), clock.clone()).unwrap());
        for (slug, default) in [("acme", false), ("beta", false), ("test-org", true)] {
            store
                .create_organization(&OrgSlug::try_from(slug).unwrap(), slug, default)
                .await
                .unwrap();
        }
        let dyn_store: Arc<dyn Store> = store.clone();
        let integration = configure(
            OktaIntegration::builder(Arc::clone(&dyn_store), base_url)
                .with_scim(scim)
                .with_time_provider(clock.clone())
                .with_id_generator(Arc::new(CounterRng::default()))
                .with_trusted_proxies(["10.0.0.1".parse().unwrap()]),
        )
        .build()
        .unwrap();
        let provisioner = Arc::new(CountingProvisioner::default());
        let worker = Worker::new(
            dyn_store,
            provisioner.clone(),
            clock.clone(),
            |_d: Duration| async {},
            WorkerConfig::default(),
        );
        Self {
            integration,
            store,
            clock,
            worker,
            provisioner,
        }
    }

    pub async fn org(&self, slug: &str) -> Organization {
        self.integration.organization(slug).await.unwrap()
    }

    /// Saves settings for `org` with the generated vectors' IdP key and issuer; returns the
    /// SCIM token.
    pub async fn setup(&self, org: &str, issuer: &str) -> String {
        let cert = std::fs::read_to_string(vectors_dir().join("keys/idp-rsa2048.crt")).unwrap();
        let form = SettingsForm {
            sso_url: "https://acme.okta.example/app/acme/exk1/sso/saml".into(),
            issuer: issuer.into(),
            certificate: cert,
            metadata_xml: String::new(),
        };
        let saved = self
            .integration
            .save_settings(org, &Actor::Operator, &form)
            .await
            .unwrap();
        saved.token.expose_secret().to_owned()
    }

    /// Runs the provisioning worker until the queue is empty.
    pub async fn provision(&self) {
        for _ in 0..1000 {
            if self.worker.run_once().await.unwrap() == StepOutcome::Idle {
                return;
            }
        }
        panic!("worker did not drain the queue");
    }

    pub async fn send(&self, req: Request<Bytes>) -> Response<Bytes> {
        self.integration.handle(req).await
    }

    /// A SCIM request to `host` with a bearer token and an optional JSON body.
    pub async fn scim(
        &self,
        method: &str,
        host: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, http::HeaderMap, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(path_and_query)
            .header("host", host)
            .header("accept", "application/scim+json");
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/scim+json; charset=utf-8");
                Bytes::from(serde_json::to_vec(v).unwrap())
            }
            None => Bytes::new(),
        };
        let resp = self.send(b.body(body).unwrap()).await;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let json = if resp.body().is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(resp.body()).unwrap_or_else(|e| {
                panic!(
                    "{method} {path_and_query}: not JSON ({e}): {:?}",
                    resp.body()
                )
            })
        };
        (status, headers, json)
    }
}

/// Percent-encodes a form value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.*".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A POST to the ACS with the given form fields.
pub fn acs_request(host: &str, fields: &[(&str, &str)]) -> Request<Bytes> {
    acs_request_with_cookie(host, fields, None)
}

/// An ACS POST carrying a `Cookie` header, as from the browser that started the sign-in.
pub fn acs_request_with_cookie(
    host: &str,
    fields: &[(&str, &str)],
    cookie: Option<&str>,
) -> Request<Bytes> {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut builder = Request::builder()
        .method("POST")
        .uri("/okta/auth")
        .header("host", host)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        builder = builder.header("cookie", c);
    }
    builder.body(Bytes::from(body)).unwrap()
}

pub fn body_text(r: &Response<Bytes>) -> String {
    String::from_utf8(r.body().to_vec()).unwrap()
}

//! Mounting the `okta-integration` handlers in an axum application.
//!
//! ```text
//! cargo run -p okta-server --example axum_mount
//! IDP_SSO_URL=https://acme.okta.com/app/x/sso/saml IDP_ISSUER=http://www.okta.com/exk1 \
//!     IDP_CERT_FILE=okta.cert cargo run -p okta-server --example axum_mount
//! ```
//!
//! The application serves organization `acme` at `http://acme.localhost:3000` (and on the
//! bare `localhost:3000`, as the default organization). Everything under `/okta/` (ACS,
//! SP-initiated login, SP metadata, SCIM) is the integration's tower service; `/` is the
//! application's own page, which reads the integration's default session cookie. The host
//! spawns the provisioning worker and applies provisioning events to its own state (here an
//! in-memory user list), idempotently by change id. With the three `IDP_*` variables set, it
//! saves the IdP settings as an operator would and prints the new SCIM token.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::Html;
use axum::routing::get;
use okta_integration::adapters::TowerService;
use okta_integration::provisioning::{
    ChangeId, ClaimedBatch, ProvisionEvent, ProvisionFuture, Provisioner, Worker, WorkerConfig,
};
use okta_integration::settings::{Actor, SettingsForm};
use okta_integration::store::sqlite::SqliteStore;
use okta_integration::store::{OrgSlug, Store};
use okta_integration::{OktaIntegration, scim_engine};
use saml_sp::random::{IdGenerator, SystemRandomIdGenerator};
use saml_sp::time::{SystemTimeProvider, TimeProvider};

/// The application's own view of its users: SCIM id → (userName, active).
#[derive(Default)]
struct Users {
    by_id: BTreeMap<String, (String, bool)>,
    applied: HashSet<ChangeId>,
}

/// Applies provisioning events to [`Users`], skipping change ids it has seen.
#[derive(Clone, Default)]
struct AppUsers(Arc<Mutex<Users>>);

impl Provisioner for AppUsers {
    fn apply<'a>(&'a self, batch: &'a ClaimedBatch) -> ProvisionFuture<'a> {
        Box::pin(async move {
            // A poisoned lock only means another thread panicked mid-update of plain maps.
            let mut users = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            for change in &batch.changes {
                if !users.applied.insert(change.id) {
                    continue;
                }
                match &change.event {
                    ProvisionEvent::UserCreated(u)
                    | ProvisionEvent::UserUpdated(u)
                    | ProvisionEvent::UserReactivated(u) => {
                        users
                            .by_id
                            .insert(u.id.clone(), (u.user_name.clone(), u.active));
                    }
                    ProvisionEvent::UserDeactivated(u) => {
                        users
                            .by_id
                            .insert(u.id.clone(), (u.user_name.clone(), false));
                    }
                    ProvisionEvent::UserDeleted { user_id, .. } => {
                        users.by_id.remove(user_id);
                    }
                    // Groups and memberships are not part of this small application.
                    _ => {}
                }
            }
            Ok(())
        })
    }
}

#[derive(Clone)]
struct App {
    integration: OktaIntegration,
    users: AppUsers,
}

async fn home(State(app): State<App>, parts: Parts) -> Html<String> {
    let who = match app.integration.session(&parts).await {
        Ok(Some(signed_in)) => format!("Signed in as {}.", signed_in.session.user_name),
        Ok(None) => "Not signed in. <a href=\"/okta/login\">Sign in with Okta</a>".to_owned(),
        Err(error) => format!("Session lookup failed: {error}"),
    };
    let users = app.users.0.lock().unwrap_or_else(PoisonError::into_inner);
    let active = users.by_id.values().filter(|(_, active)| *active).count();
    Html(format!(
        "<!doctype html><title>acme</title><p>{who}</p><p>{} provisioned users, {active} active.</p>",
        users.by_id.len()
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock: Arc<dyn TimeProvider> = Arc::new(SystemTimeProvider);
    let random: Arc<dyn IdGenerator> = Arc::new(SystemRandomIdGenerator::new());
    let scim = scim_engine(Arc::clone(&clock), Arc::clone(&random))?;
    std::fs::create_dir_all("axum-example-data")?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(
        "axum-example-data/okta.sqlite3",
        Arc::clone(&scim),
        Arc::clone(&clock),
    )?);
    if store.organization_by_slug("acme").await?.is_none() {
        store
            .create_organization(&OrgSlug::try_from("acme")?, "Acme", true)
            .await?;
    }
    let integration = OktaIntegration::builder(Arc::clone(&store), "http://localhost:3000")
        .with_time_provider(Arc::clone(&clock))
        .with_id_generator(random)
        .with_scim(scim)
        .build()?;

    if let (Ok(sso_url), Ok(issuer), Ok(cert)) = (
        std::env::var("IDP_SSO_URL"),
        std::env::var("IDP_ISSUER"),
        std::env::var("IDP_CERT_FILE"),
    ) {
        let form = SettingsForm {
            sso_url,
            issuer,
            certificate: std::fs::read_to_string(cert)?,
            metadata_xml: String::new(),
        };
        let saved = integration
            .save_settings("acme", &Actor::Operator, &form)
            .await?;
        println!("SCIM token (shown once): {}", saved.token.expose_secret());
    }
    let values = integration.okta_values("acme")?;
    println!("Single Sign On URL:      {}", values.acs_url);
    println!("Audience URI:            {}", values.audience_uri);
    println!("SCIM connector base URL: {}", values.scim_base_url);

    let users = AppUsers::default();
    let worker = Worker::new(
        Arc::clone(&store),
        Arc::new(users.clone()),
        clock,
        tokio::time::sleep,
        WorkerConfig::default(),
    );
    let stop = worker.stop_handle();
    let worker = tokio::spawn(worker.run());

    let app = Router::new()
        .route("/", get(home))
        .route_service("/okta/{*rest}", TowerService::new(integration.clone()))
        .with_state(App { integration, users });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    stop.stop();
    worker.await?;
    Ok(())
}

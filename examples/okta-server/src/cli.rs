//! The command line: `serve`, `org ...`, `okta setup` and `saml verify`.

use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use saml_sp::random::{IdGenerator, SystemRandomIdGenerator};
use saml_sp::time::{SystemTimeProvider, TimeProvider};

use crate::app::SIGN_IN_LINK_SECS;
use crate::db::{self, Db, Member, Role};
use crate::integration::{Backend, OrgInfo, SetupForm};
use crate::secret::Secret;
use crate::site::{BaseUrl, OrgName};

/// The organization created on an empty database.
pub(crate) const FIRST_ORG: &str = "test-org";

/// File name of the integration's database inside `--data`.
pub(crate) const INTEGRATION_DB: &str = "okta.sqlite3";
/// File name of the application's database inside `--data`.
pub(crate) const APP_DB: &str = "app.sqlite3";

#[derive(Debug, Parser)]
#[command(
    name = "okta-server",
    version,
    about = "SAML sign-in and SCIM provisioning from Okta, end to end, on embedded SQLite",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: web UI, SAML and SCIM endpoints, and the provisioning worker.
    Serve(ServeArgs),
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Configure an organization's Okta integration.
    Okta {
        #[command(subcommand)]
        command: OktaCommand,
    },
    /// SAML tools.
    Saml {
        #[command(subcommand)]
        command: SamlCommand,
    },
}

/// Where the data lives.
#[derive(Debug, Args)]
pub(crate) struct DataArgs {
    /// Directory of the SQLite databases (created if missing).
    #[arg(
        long,
        value_name = "DIR",
        default_value = "./okta-data",
        env = "OKTA_SERVER_DATA"
    )]
    pub(crate) data: PathBuf,
}

/// The public base URL, for commands that print URLs.
#[derive(Debug, Args)]
pub(crate) struct BaseArgs {
    /// Public base URL; organization ORG is served at ORG.HOST, HOST being this URL's host
    /// [default: the one `serve` last used on this data directory, else http://localhost:8080].
    #[arg(long, value_name = "URL", env = "OKTA_SERVER_BASE_URL")]
    pub(crate) base_url: Option<String>,
}

/// File inside `--data` where `serve` records the base URL it serves, so that the other
/// commands print URLs that work without repeating `--base-url`.
pub(crate) const SERVED_BASE_URL_FILE: &str = "served-base-url";

/// The base URL when neither `--base-url` nor a recorded one is there.
const FALLBACK_BASE_URL: &str = "http://localhost:8080";

impl BaseArgs {
    /// `--base-url` (or its environment variable), else what `serve` recorded in `data_dir`,
    /// else `http://localhost:8080`.
    fn resolve(&self, data_dir: &Path) -> Result<BaseUrl, CliError> {
        if let Some(url) = &self.base_url {
            return parse_base(url);
        }
        let recorded = data_dir.join(SERVED_BASE_URL_FILE);
        match std::fs::read_to_string(&recorded) {
            Ok(text) => BaseUrl::parse(text.trim()).map_err(|e| {
                CliError::new(format!(
                    "{} holds an unusable base URL ({e}); pass --base-url",
                    recorded.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => parse_base(FALLBACK_BASE_URL),
            Err(e) => Err(CliError::new(format!(
                "cannot read {}: {e}; pass --base-url",
                recorded.display()
            ))),
        }
    }
}

/// Records the base URL `serve` uses (see [`SERVED_BASE_URL_FILE`]).
pub(crate) fn record_served_base_url(data_dir: &Path, base: &BaseUrl) -> Result<(), CliError> {
    let path = data_dir.join(SERVED_BASE_URL_FILE);
    std::fs::write(&path, format!("{}\n", base.as_url()))
        .map_err(|e| CliError::new(format!("cannot write {}: {e}", path.display())))
}

/// Options of `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0 picks a free port, printed on start).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Public base URL [default: http://localhost:PORT, PORT being the listening port].
    #[arg(long, value_name = "URL", env = "OKTA_SERVER_BASE_URL")]
    pub(crate) base_url: Option<String>,
    #[command(flatten)]
    pub(crate) data: DataArgs,
    /// Email of the Owner created with the first organization.
    #[arg(long, value_name = "EMAIL", default_value = "owner@example.com")]
    pub(crate) owner_email: String,
    /// GitHub OAuth authorize URL that "Connect GitHub" redirects to.
    #[arg(long, value_name = "URL", env = "OKTA_SERVER_GITHUB_AUTHORIZE_URL")]
    pub(crate) github_authorize_url: Option<String>,
    /// Proxy address whose X-Forwarded-Host/-Proto headers are trusted (repeatable).
    #[arg(long, value_name = "IP")]
    pub(crate) trusted_proxy: Vec<IpAddr>,
    /// Largest request body accepted, in bytes (larger bodies get 413).
    #[arg(long, value_name = "BYTES", default_value_t = crate::serve::DEFAULT_MAX_BODY)]
    pub(crate) max_body_bytes: usize,
    /// Log level on standard error: error, warn, info, debug or trace.
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "info",
        env = "OKTA_SERVER_LOG"
    )]
    pub(crate) log: tracing::Level,
}

#[derive(Debug, Subcommand)]
enum OrgCommand {
    /// Create an organization with an Owner; prints its URL and the Owner's one-time sign-in URL.
    Create {
        /// Organization name: lowercase letters, digits and '-'; its host is ORG.<base host>.
        org: String,
        /// Name shown in the UI [default: ORG].
        #[arg(long)]
        name: Option<String>,
        /// Email of the organization's Owner.
        #[arg(long, value_name = "EMAIL", default_value = "owner@example.com")]
        owner_email: String,
        /// Also make it the default organization (served on the bare host).
        #[arg(long)]
        default: bool,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        base: BaseArgs,
    },
    /// Print a new one-time sign-in URL for an Owner of the organization.
    SignInLink {
        /// Organization name.
        org: String,
        /// The member to sign in [default: the first Owner].
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        base: BaseArgs,
    },
    /// List organizations with their URLs.
    List {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        base: BaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum OktaCommand {
    /// Save the IdP settings (what the Set Up form does) and print only the new SCIM token.
    Setup {
        /// Organization name.
        org: String,
        /// Identity Provider Single Sign-On URL (required unless --metadata is given).
        #[arg(long, value_name = "URL", required_unless_present = "metadata")]
        sso_url: Option<String>,
        /// Identity Provider Issuer (required unless --metadata is given).
        #[arg(long, value_name = "ISSUER", required_unless_present = "metadata")]
        issuer: Option<String>,
        /// File with the IdP's X.509 certificate, PEM with or without the BEGIN/END lines
        /// (required unless --metadata is given).
        #[arg(long, value_name = "FILE", required_unless_present = "metadata")]
        cert: Option<PathBuf>,
        /// File with the IdP metadata XML (Okta: "Identity Provider metadata" on the Sign On
        /// tab), instead of the three values above.
        #[arg(long, value_name = "FILE")]
        metadata: Option<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Subcommand)]
enum SamlCommand {
    /// Verify one SAML response as the ACS endpoint would (`saml verify --help` lists the flags).
    #[command(disable_help_flag = true)]
    Verify {
        /// --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID --acs-url URL
        /// [--now TIME] [--request-id ID] [--allow-unsolicited] [--max-lifetime DURATION]
        /// [--allow-sha1] [--allow-rsa-1024] [--allow-missing-audience-restriction] FILE
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<OsString>,
    },
}

/// A command failure: printed on standard error, exit status 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct CliError(pub(crate) String);

impl CliError {
    pub(crate) fn new(message: impl std::fmt::Display) -> Self {
        Self(message.to_string())
    }
}

/// Parses the command line and runs the command.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => crate::serve::run(args),
        Command::Org { command } => on_runtime(org_command(command)),
        Command::Okta { command } => on_runtime(okta_command(command)),
        Command::Saml {
            command: SamlCommand::Verify { args },
        } => {
            let code = crate::saml_verify::main(without_data_flag(args));
            return ExitCode::from(u8::try_from(code).unwrap_or(2));
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("okta-server: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `saml verify` needs no data directory; like every subcommand it accepts `--data DIR`, which
/// is dropped before the saml-verify flags are parsed.
fn without_data_flag(args: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            out.push(arg);
            out.extend(iter);
            break;
        }
        if arg == "--data" {
            let _ = iter.next();
        } else if !arg.to_str().is_some_and(|a| a.starts_with("--data=")) {
            out.push(arg);
        }
    }
    out
}

fn on_runtime(future: impl Future<Output = Result<(), CliError>>) -> Result<(), CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the runtime: {e}")))?
        .block_on(future)
}

/// The opened data directory.
pub(crate) struct Data {
    /// The integration.
    pub(crate) backend: Backend,
    /// The application database.
    pub(crate) db: Db,
    /// The clock.
    pub(crate) clock: Arc<dyn TimeProvider>,
    /// The random source.
    pub(crate) random: Arc<dyn IdGenerator>,
}

/// Opens (creating if needed) both databases under `dir`.
pub(crate) fn open_data(dir: &Path) -> Result<Data, CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::new(format!("cannot create {}: {e}", dir.display())))?;
    let clock: Arc<dyn TimeProvider> = Arc::new(SystemTimeProvider);
    let random: Arc<dyn IdGenerator> = Arc::new(SystemRandomIdGenerator::new());
    let backend = Backend::open(
        &dir.join(INTEGRATION_DB),
        Arc::clone(&clock),
        Arc::clone(&random),
    )
    .map_err(|e| {
        CliError::new(format!(
            "cannot open {}: {e}",
            dir.join(INTEGRATION_DB).display()
        ))
    })?;
    let db = Db::open(&dir.join(APP_DB))
        .map_err(|e| CliError::new(format!("cannot open {}: {e}", dir.join(APP_DB).display())))?;
    Ok(Data {
        backend,
        db,
        clock,
        random,
    })
}

/// An unknown organization, naming the data directory: a forgotten `--data` (or
/// `OKTA_SERVER_DATA`) is the usual cause.
fn no_such_org(slug: &OrgName, dir: &Path) -> CliError {
    CliError::new(format!(
        "there is no organization {slug} in the data directory {dir} \
         (`okta-server org list --data {dir}` lists its organizations; \
         give --data the directory `serve` uses)",
        dir = dir.display()
    ))
}

fn parse_org(text: &str) -> Result<OrgName, CliError> {
    OrgName::try_from(text).map_err(CliError::new)
}

fn parse_base(text: &str) -> Result<BaseUrl, CliError> {
    BaseUrl::parse(text).map_err(CliError::new)
}

/// Creates an organization and its Owner; returns the organization and the Owner's one-time
/// sign-in URL.
pub(crate) async fn create_org_with_owner(
    data: &Data,
    base: &BaseUrl,
    slug: &OrgName,
    display_name: &str,
    owner_email: &str,
    is_default: bool,
) -> Result<(OrgInfo, String), CliError> {
    if !owner_email.contains('@') || owner_email.len() > 254 {
        return Err(CliError::new(format!(
            "the Owner's email must be an email address: {owner_email:?}"
        )));
    }
    let org = data
        .backend
        .create_org(slug, display_name, is_default)
        .await
        .map_err(|e| CliError::new(format!("cannot create organization {slug}: {e}")))?;
    let now = data.clock.now().as_unix_seconds();
    let owner_slug = slug.clone();
    let email = owner_email.to_owned();
    let owner = data
        .db
        .call(move |conn| {
            db::ensure_local_member(conn, &owner_slug, &email, &email, Role::Owner, now)
        })
        .await
        .map_err(CliError::new)?;
    let url = sign_in_link(data, base, &org, &owner).await?;
    Ok((org, url))
}

/// Issues a one-time sign-in URL for `member`.
pub(crate) async fn sign_in_link(
    data: &Data,
    base: &BaseUrl,
    org: &OrgInfo,
    member: &Member,
) -> Result<String, CliError> {
    let token = Secret::generate(data.random.as_ref()).map_err(CliError::new)?;
    let digest = token.digest();
    let slug = org.slug.as_str().to_owned();
    let member_id = member.id;
    let expires_at = data.clock.now().as_unix_seconds() + SIGN_IN_LINK_SECS;
    data.db
        .call(move |conn| db::create_signin_token(conn, &slug, member_id, &digest, expires_at))
        .await
        .map_err(CliError::new)?;
    Ok(format!(
        "{}/signin/one-time?token={}",
        base.org_url(&org.slug),
        token.reveal()
    ))
}

async fn org_command(command: OrgCommand) -> Result<(), CliError> {
    match command {
        OrgCommand::Create {
            org,
            name,
            owner_email,
            default,
            data,
            base,
        } => {
            let slug = parse_org(&org)?;
            let base = base.resolve(&data.data)?;
            let data = open_data(&data.data)?;
            let display = name.unwrap_or_else(|| slug.as_str().to_owned());
            let (org, url) =
                create_org_with_owner(&data, &base, &slug, &display, &owner_email, default).await?;
            println!("organization: {} {}", org.slug, base.org_url(&org.slug));
            println!("sign-in-url: {} {url}", org.slug);
            Ok(())
        }
        OrgCommand::SignInLink {
            org,
            email,
            data,
            base,
        } => {
            let slug = parse_org(&org)?;
            let base = base.resolve(&data.data)?;
            let dir = data.data;
            let data = open_data(&dir)?;
            let org = data
                .backend
                .org(&slug)
                .await
                .map_err(CliError::new)?
                .ok_or_else(|| no_such_org(&slug, &dir))?;
            let lookup = slug.as_str().to_owned();
            let member = data
                .db
                .call(move |conn| match email {
                    Some(email) => db::member_by_email(conn, &lookup, &email),
                    None => Ok(db::members(conn, &lookup)?
                        .into_iter()
                        .find(|m| m.role == Role::Owner && m.active)),
                })
                .await
                .map_err(CliError::new)?
                .filter(|m| m.active)
                .ok_or_else(|| CliError::new(format!("no such active member in {slug}")))?;
            let url = sign_in_link(&data, &base, &org, &member).await?;
            println!("sign-in-url: {} {url}", org.slug);
            Ok(())
        }
        OrgCommand::List { data, base } => {
            let base = base.resolve(&data.data)?;
            let data = open_data(&data.data)?;
            for org in data.backend.orgs().await.map_err(CliError::new)? {
                let default = if org.is_default { " default" } else { "" };
                println!(
                    "organization: {} {}{default}",
                    org.slug,
                    base.org_url(&org.slug)
                );
            }
            Ok(())
        }
    }
}

async fn okta_command(command: OktaCommand) -> Result<(), CliError> {
    match command {
        OktaCommand::Setup {
            org,
            sso_url,
            issuer,
            cert,
            metadata,
            data,
        } => {
            let slug = parse_org(&org)?;
            let read = |path: &Path| {
                std::fs::read_to_string(path)
                    .map_err(|e| CliError::new(format!("cannot read {}: {e}", path.display())))
            };
            let form = SetupForm {
                sso_url: sso_url.unwrap_or_default(),
                issuer: issuer.unwrap_or_default(),
                certificate: cert.as_deref().map(read).transpose()?.unwrap_or_default(),
                metadata_xml: metadata
                    .as_deref()
                    .map(read)
                    .transpose()?
                    .unwrap_or_default(),
            };
            let dir = data.data;
            let data = open_data(&dir)?;
            let org = data
                .backend
                .org(&slug)
                .await
                .map_err(CliError::new)?
                .ok_or_else(|| no_such_org(&slug, &dir))?;
            match data
                .backend
                .save_settings(&org, &form, None)
                .await
                .map_err(CliError::new)?
            {
                Ok(saved) => {
                    for warning in &saved.warnings {
                        eprintln!("okta-server: warning: {warning}");
                    }
                    // Standard output carries the token and nothing else.
                    println!("{}", saved.token);
                    Ok(())
                }
                Err(errors) => Err(CliError::new(format!(
                    "settings not saved:\n  {}",
                    errors.lines().join("\n  ")
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn saml_verify_takes_its_own_flags() {
        let cli = Cli::try_parse_from([
            "okta-server",
            "saml",
            "verify",
            "--idp-cert",
            "c.pem",
            "--help",
            "-",
        ])
        .unwrap();
        match cli.command {
            Command::Saml {
                command: SamlCommand::Verify { args },
            } => assert_eq!(args, ["--idp-cert", "c.pem", "--help", "-"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn saml_verify_ignores_the_data_flag() {
        let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            without_data_flag(args(&[
                "--data",
                "d",
                "--acs-url",
                "u",
                "--data=x",
                "--",
                "--data"
            ])),
            args(&["--acs-url", "u", "--", "--data"])
        );
    }

    #[test]
    fn okta_setup_needs_the_three_values_or_metadata() {
        assert!(Cli::try_parse_from(["okta-server", "okta", "setup", "acme"]).is_err());
        assert!(
            Cli::try_parse_from([
                "okta-server",
                "okta",
                "setup",
                "acme",
                "--metadata",
                "m.xml"
            ])
            .is_ok()
        );
        assert!(
            Cli::try_parse_from([
                "okta-server",
                "okta",
                "setup",
                "acme",
                "--sso-url",
                "u",
                "--issuer",
                "i",
                "--cert",
                "c"
            ])
            .is_ok()
        );
    }
}

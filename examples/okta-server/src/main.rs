//! `okta-server`: the reference server for SAML sign-in and SCIM provisioning from Okta.
//!
//! It will serve every organization `ORG` at `http://ORG.localhost:8080`, keep its data in an
//! embedded SQLite database, and offer operator subcommands (`serve`, `org create`,
//! `okta setup`, `saml verify`). This build knows only `--help` and `--version`.
#![forbid(unsafe_code)]

use std::process::ExitCode;

const USAGE: &str = "\
okta-server: SAML sign-in and SCIM provisioning from Okta, end to end

USAGE:
    okta-server --help       print this text
    okta-server --version    print the version

The serve, org, okta and saml subcommands are not part of this build yet.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--help" | "-h") | None => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("--version" | "-V") => {
            println!("okta-server {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("okta-server: unknown argument `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

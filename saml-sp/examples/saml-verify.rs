//! Verifies one SAML response the way an ACS endpoint would, for debugging a sign-in.
//!
//! ```text
//! cargo run -p saml-sp --example saml-verify -- --help
//! cargo run -p saml-sp --example saml-verify -- \
//!     --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID --acs-url URL \
//!     [--now TIME] [--request-id ID] [--allow-unsolicited] [--max-lifetime DURATION] \
//!     [--allow-sha1] [--allow-rsa-1024] [--allow-missing-audience-restriction] FILE
//! ```
//!
//! The tool is [`saml_sp::cli::run`]: the assertion is printed as JSON with exit status 0, a
//! rejection is one line `rejected: <check>: <detail>` on standard error with exit status 1, and
//! bad usage exits with 2.

use std::io::Write as _;

fn main() {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let code = saml_sp::cli::run(
        "saml-verify",
        std::env::args_os().skip(1),
        &mut stdin,
        &mut stdout,
        &mut stderr,
    );
    // Flush failures (a closed pipe) cannot be reported anywhere useful.
    let _ = stdout.flush();
    let _ = stderr.flush();
    std::process::exit(code);
}

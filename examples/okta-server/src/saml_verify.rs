//! `okta-server saml verify`: verifies one SAML response the way the ACS endpoint would, for
//! debugging a sign-in.
//!
//! ```text
//! okta-server saml verify --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID \
//!     --acs-url URL [--now TIME] [--request-id ID] [--allow-unsolicited] \
//!     [--max-lifetime DURATION] [--allow-sha1] [--allow-rsa-1024] \
//!     [--allow-missing-audience-restriction] FILE
//! ```
//!
//! The tool is [`saml_sp::cli::run`] (`--help` lists the options): the assertion is printed as
//! JSON with exit status 0, a rejection is one line `rejected: <check>: <detail>` on standard
//! error with exit status 1, and bad usage exits with 2.

use std::ffi::OsString;
use std::io::Write as _;

/// Runs `okta-server saml verify ARGS...` on the process's standard streams; returns the exit
/// status (0 verified, 1 rejected, 2 bad usage).
pub(crate) fn main(args: Vec<OsString>) -> i32 {
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let code = saml_sp::cli::run(
        "okta-server saml verify",
        args,
        &mut stdin,
        &mut stdout,
        &mut stderr,
    );
    // Flush failures (a closed pipe) cannot be reported anywhere useful.
    let _ = stdout.flush();
    let _ = stderr.flush();
    code
}

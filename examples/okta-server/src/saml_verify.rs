//! `okta-server saml verify`: verifies one SAML response the way the ACS endpoint would, for
//! debugging a sign-in.
//!
//! ```text
//! okta-server saml verify --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID \
//!     --acs-url URL [--now RFC3339] [--request-id ID] [--allow-unsolicited] [--allow-sha1] FILE
//! ```
//!
//! The flags, output and exit statuses are those of the `saml-sp` example `saml-verify`.
//! `FILE` holds the POSTed `SAMLResponse` value (base64, any line breaks) or the raw XML; `-`
//! reads standard input. On success the verified assertion is printed as JSON and the exit
//! status is 0. A rejected response prints one line `rejected: <check>: <detail>` on standard
//! error and exits with 1. Bad usage (or an unreadable file or certificate) exits with 2.

use std::ffi::OsString;
use std::io::{Read as _, Write};
use std::path::PathBuf;

use saml_sp::danger::DangerousOptions;
use saml_sp::time::{SystemTimeProvider, TimeProvider, UnixTime};
use saml_sp::{AcsUrl, Authenticated, Certificate, EntityId, IdpConfig, RequestId, SpConfig};
use serde_json::{Map, Value, json};

const USAGE: &str = "usage: okta-server saml verify --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID \
--acs-url URL [--now RFC3339] [--request-id ID] [--allow-unsolicited] [--allow-sha1] FILE";

/// Exit status for a verified response.
const EXIT_OK: i32 = 0;
/// Exit status for a rejected response.
const EXIT_REJECTED: i32 = 1;
/// Exit status for bad usage.
const EXIT_USAGE: i32 = 2;

/// Runs `okta-server saml verify ARGS...` on the process's standard streams; returns the exit
/// status (0 verified, 1 rejected, 2 bad usage).
pub(crate) fn main(args: Vec<OsString>) -> i32 {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let code = run(args, &mut stdout, &mut stderr);
    // Flush failures (a closed pipe) cannot be reported anywhere useful.
    let _ = stdout.flush();
    let _ = stderr.flush();
    code
}

/// The parsed command line.
#[derive(Debug, Default)]
struct Options {
    idp_cert: Option<PathBuf>,
    idp_issuer: Option<String>,
    sp_entity_id: Option<String>,
    acs_url: Option<String>,
    now: Option<String>,
    request_id: Option<String>,
    allow_unsolicited: bool,
    allow_sha1: bool,
    file: Option<PathBuf>,
    help: bool,
}

/// Runs the tool on `args` (without the program name); returns the exit status.
fn run(args: impl IntoIterator<Item = OsString>, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let options = match parse_args(args) {
        Ok(options) => options,
        Err(message) => return usage_error(err, &message),
    };
    if options.help {
        return match writeln!(out, "{USAGE}") {
            Ok(()) => EXIT_OK,
            Err(_) => EXIT_USAGE,
        };
    }
    let (config, input, now, request_id) = match prepare(&options) {
        Ok(prepared) => prepared,
        Err(message) => return usage_error(err, &message),
    };
    match config.verify_response(&input, request_id.as_ref(), now) {
        Ok(user) => {
            let rendered = serde_json::to_string_pretty(&to_json(&user))
                .map_err(|e| e.to_string())
                .and_then(|text| writeln!(out, "{text}").map_err(|e| e.to_string()));
            match rendered {
                Ok(()) => EXIT_OK,
                Err(message) => usage_error(err, &format!("cannot write the result: {message}")),
            }
        }
        Err(error) => {
            // One line, whatever the detail contains.
            let detail = error.to_string().replace(['\r', '\n'], " ");
            let _ = writeln!(err, "rejected: {}: {detail}", error.check());
            EXIT_REJECTED
        }
    }
}

fn usage_error(err: &mut dyn Write, message: &str) -> i32 {
    let _ = writeln!(err, "error: {message}\n{USAGE}");
    EXIT_USAGE
}

fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    let mut only_files = false;
    while let Some(arg) = args.next() {
        let text = arg
            .to_str()
            .ok_or_else(|| format!("argument {arg:?} is not UTF-8"))?
            .to_owned();
        if only_files || !text.starts_with("--") || text == "-" {
            if options.file.replace(PathBuf::from(&arg)).is_some() {
                return Err("more than one FILE".to_owned());
            }
            continue;
        }
        if text == "--" {
            only_files = true;
            continue;
        }
        let (name, inline_value) = match text.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (text.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline_value.clone() {
                Some(value) => Ok(value),
                None => args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match name.as_str() {
            "--idp-cert" => set_once(&mut options.idp_cert, &name, value(&name)?.into())?,
            "--idp-issuer" => set_once(&mut options.idp_issuer, &name, value(&name)?)?,
            "--sp-entity-id" => set_once(&mut options.sp_entity_id, &name, value(&name)?)?,
            "--acs-url" => set_once(&mut options.acs_url, &name, value(&name)?)?,
            "--now" => set_once(&mut options.now, &name, value(&name)?)?,
            "--request-id" => set_once(&mut options.request_id, &name, value(&name)?)?,
            "--allow-unsolicited" | "--allow-sha1" | "--help" if inline_value.is_some() => {
                return Err(format!("{name} takes no value"));
            }
            "--allow-unsolicited" => options.allow_unsolicited = true,
            "--allow-sha1" => options.allow_sha1 = true,
            "--help" => options.help = true,
            _ => return Err(format!("unknown option {name}")),
        }
    }
    if options.help {
        return Ok(options);
    }
    let missing: Vec<&str> = [
        ("--idp-cert", options.idp_cert.is_none()),
        ("--idp-issuer", options.idp_issuer.is_none()),
        ("--sp-entity-id", options.sp_entity_id.is_none()),
        ("--acs-url", options.acs_url.is_none()),
        ("FILE", options.file.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, absent)| absent.then_some(name))
    .collect();
    if !missing.is_empty() {
        return Err(format!("missing {}", missing.join(", ")));
    }
    Ok(options)
}

fn set_once<T>(slot: &mut Option<T>, name: &str, value: T) -> Result<(), String> {
    match slot.replace(value) {
        Some(_) => Err(format!("{name} given twice")),
        None => Ok(()),
    }
}

type Prepared = (SpConfig, Vec<u8>, UnixTime, Option<RequestId>);

/// Builds the verifier and reads the input; every failure here is a usage error.
fn prepare(options: &Options) -> Result<Prepared, String> {
    let (Some(cert_path), Some(issuer), Some(entity_id), Some(acs_url), Some(file)) = (
        &options.idp_cert,
        &options.idp_issuer,
        &options.sp_entity_id,
        &options.acs_url,
        &options.file,
    ) else {
        return Err("missing a required argument".to_owned());
    };
    let cert_text = std::fs::read_to_string(cert_path)
        .map_err(|e| format!("cannot read {}: {e}", cert_path.display()))?;
    let certificates = Certificate::from_pem_bundle(&cert_text)
        .map_err(|e| format!("--idp-cert {}: {e}", cert_path.display()))?;
    let issuer = EntityId::try_from(issuer.as_str()).map_err(|e| format!("--idp-issuer: {e}"))?;
    let idp = IdpConfig::new(issuer, certificates).map_err(|e| format!("--idp-cert: {e}"))?;
    let entity_id =
        EntityId::try_from(entity_id.as_str()).map_err(|e| format!("--sp-entity-id: {e}"))?;
    let acs_url = AcsUrl::try_from(acs_url.as_str()).map_err(|e| format!("--acs-url: {e}"))?;
    let mut builder = SpConfig::builder(entity_id, acs_url, idp)
        .allow_unsolicited_responses(options.allow_unsolicited);
    if options.allow_sha1 {
        builder = builder.dangerous(DangerousOptions::default().allow_sha1());
    }
    let config = builder.build().map_err(|e| e.to_string())?;

    let now = match &options.now {
        Some(text) => UnixTime::parse_xs_datetime(text).map_err(|e| format!("--now: {e}"))?,
        None => SystemTimeProvider.now(),
    };
    let request_id = options
        .request_id
        .as_deref()
        .map(RequestId::try_from)
        .transpose()
        .map_err(|e| format!("--request-id: {e}"))?;
    let input = if file.as_os_str() == "-" {
        let mut input = Vec::new();
        std::io::stdin()
            .read_to_end(&mut input)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        input
    } else {
        std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
    };
    Ok((config, input, now, request_id))
}

/// The verified assertion as JSON.
fn to_json(user: &Authenticated) -> Value {
    let mut attributes = Map::new();
    for attribute in user.attributes() {
        let values = attribute.values().iter().cloned().map(Value::String);
        match attributes.get_mut(attribute.name()) {
            Some(Value::Array(existing)) => existing.extend(values),
            _ => {
                attributes.insert(attribute.name().to_owned(), Value::Array(values.collect()));
            }
        }
    }
    let name_id = user.name_id();
    json!({
        "issuer": user.issuer(),
        "name_id": {
            "value": name_id.value(),
            "format": name_id.format(),
            "name_qualifier": name_id.name_qualifier(),
            "sp_name_qualifier": name_id.sp_name_qualifier(),
        },
        "session_index": user.session_index(),
        "authn_instant": user.authn_instant().map(|t| t.to_string()),
        "session_not_on_or_after": user.session_not_on_or_after().map(|t| t.to_string()),
        "attributes": attributes,
        "in_response_to": user.in_response_to(),
        "assertion_id": user.assertion_id(),
        "not_on_or_after": user.not_on_or_after().to_string(),
    })
}

//! A command-line verifier: checks one SAML response the way an ACS endpoint would and prints
//! the verified assertion as JSON, for debugging a sign-in.
//!
//! [`run`] is the whole tool; a binary only hands it its arguments and standard streams (the
//! `saml-verify` example of this crate and `okta-server saml verify` do exactly that).
//!
//! ```text
//! saml-verify --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID --acs-url URL \
//!     [--now TIME] [--request-id ID] [--allow-unsolicited] [--max-lifetime DURATION] \
//!     [--allow-sha1] [--allow-rsa-1024] [--allow-missing-audience-restriction] FILE
//! ```
//!
//! `FILE` holds the POSTed `SAMLResponse` value (base64, any line breaks) or the raw XML; `-`
//! reads standard input. `--idp-cert` takes PEM, bare base64, or the IdP's metadata XML (all its
//! signing certificates are trusted). Exit statuses: [`EXIT_VERIFIED`] (0) with the assertion as JSON on
//! standard output; [`EXIT_REJECTED`] (1) with one line `rejected: <check>: <detail>` on
//! standard error ([`Error::check`](crate::Error::check) names the check); [`EXIT_USAGE`] (2)
//! for bad arguments or an unreadable file or certificate.
//!
//! ```
//! use saml_sp::cli;
//!
//! let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
//! let code = cli::run("saml-verify", ["--help"], &mut std::io::empty(), &mut stdout, &mut stderr);
//! assert_eq!(code, cli::EXIT_VERIFIED);
//! assert!(String::from_utf8_lossy(&stdout).starts_with("usage: saml-verify --idp-cert "));
//!
//! let mut stderr = Vec::new();
//! let code = cli::run("saml-verify", ["--acs-url"], &mut std::io::empty(), &mut stdout, &mut stderr);
//! assert_eq!(code, cli::EXIT_USAGE);
//! assert!(String::from_utf8_lossy(&stderr).starts_with("error: --acs-url needs a value\n"));
//! ```

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Certificate, IdpConfig, SpConfig, SpConfigBuilder};
use crate::danger::DangerousOptions;
use crate::ids::{AcsUrl, EntityId, RequestId};
use crate::metadata::IdpMetadata;
use crate::time::{SystemTimeProvider, TimeProvider, UnixTime};
use crate::verified::Authenticated;

/// Exit status: the response verified (the assertion is on standard output).
pub const EXIT_VERIFIED: i32 = 0;
/// Exit status: the response was rejected (the failed check is on standard error).
pub const EXIT_REJECTED: i32 = 1;
/// Exit status: bad usage, or an unreadable file or certificate.
pub const EXIT_USAGE: i32 = 2;

/// Every option: name, value placeholder (empty for a switch), one line of explanation.
const FLAGS: &[(&str, &str, &str)] = &[
    (
        "--idp-cert",
        "FILE",
        "IdP signing certificate(s): PEM (several during a rollover), bare base64, or the IdP metadata XML (required)",
    ),
    (
        "--idp-issuer",
        "ID",
        "IdP entity ID, the expected Issuer (required)",
    ),
    (
        "--sp-entity-id",
        "ID",
        "our SP entity ID, the expected Audience (required)",
    ),
    (
        "--acs-url",
        "URL",
        "our ACS URL, the expected Destination and Recipient (required)",
    ),
    (
        "--now",
        "TIME",
        "check times against TIME (xs:dateTime, e.g. 2030-06-15T09:31:00Z), not the clock",
    ),
    (
        "--request-id",
        "ID",
        "ID of the AuthnRequest this response must answer (SP-initiated sign-in)",
    ),
    (
        "--allow-unsolicited",
        "",
        "accept an IdP-initiated response (no InResponseTo); see the login CSRF warning",
    ),
    (
        "--max-lifetime",
        "DURATION",
        "longest accepted assertion lifetime: seconds, or a number with s, m, h or d (default 24h)",
    ),
    (
        "--allow-sha1",
        "",
        "DANGER: accept RSA-SHA1 signatures and SHA-1 digests",
    ),
    (
        "--allow-rsa-1024",
        "",
        "DANGER: accept RSA keys of 1024 to 2047 bits",
    ),
    (
        "--allow-missing-audience-restriction",
        "",
        "DANGER: accept an assertion without AudienceRestriction",
    ),
    ("--help", "", "print this help and exit"),
];

/// Runs the tool: `program` is the name shown in the usage line, `args` the arguments without
/// the program name. `stdin` is read only when `FILE` is `-`. Returns the exit status
/// ([`EXIT_VERIFIED`], [`EXIT_REJECTED`] or [`EXIT_USAGE`]).
///
/// The current time is read from the system clock unless `--now` is given.
pub fn run<I>(
    program: &str,
    args: I,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32
where
    I: IntoIterator,
    I::Item: Into<OsString>,
{
    let options = match parse_args(args.into_iter().map(Into::into)) {
        Ok(options) => options,
        Err(message) => return usage_error(program, stderr, &message),
    };
    if options.help {
        return match stdout.write_all(help(program).as_bytes()) {
            Ok(()) => EXIT_VERIFIED,
            Err(_) => EXIT_USAGE,
        };
    }
    let (config, input, now, request_id) = match prepare(&options, stdin) {
        Ok(prepared) => prepared,
        Err(message) => return usage_error(program, stderr, &message),
    };
    match config.verify_response(&input, request_id.as_ref(), now) {
        Ok(user) => match writeln!(stdout, "{}", to_json(&user)) {
            Ok(()) => EXIT_VERIFIED,
            Err(e) => usage_error(program, stderr, &format!("cannot write the result: {e}")),
        },
        Err(error) => {
            // One line, whatever the detail contains.
            let detail = error.to_string().replace(['\r', '\n'], " ");
            // Nothing useful can be done if standard error is gone.
            let _ = writeln!(stderr, "rejected: {}: {detail}", error.check());
            EXIT_REJECTED
        }
    }
}

/// The one-line usage.
fn usage(program: &str) -> String {
    format!(
        "usage: {program} --idp-cert CERT.pem --idp-issuer ISSUER --sp-entity-id ID \
         --acs-url URL [--now TIME] [--request-id ID] [--allow-unsolicited] \
         [--max-lifetime DURATION] [--allow-sha1] [--allow-rsa-1024] \
         [--allow-missing-audience-restriction] FILE"
    )
}

/// The full help: usage, every option with one line, the exit statuses.
fn help(program: &str) -> String {
    let mut out = usage(program);
    out.push_str(
        "\n\nVerifies one SAML response the way an ACS endpoint would and prints the verified \
         assertion as JSON.\n\n",
    );
    let width = FLAGS
        .iter()
        .map(|(name, value, _)| name.len() + value.len() + 1)
        .max()
        .unwrap_or(0);
    let mut line = |left: &str, text: &str| {
        let _ = writeln!(out, "  {left:<width$}  {text}");
    };
    line(
        "FILE",
        "the SAMLResponse form value (base64) or the raw XML; - reads standard input",
    );
    for (name, value, text) in FLAGS {
        let left = if value.is_empty() {
            (*name).to_owned()
        } else {
            format!("{name} {value}")
        };
        line(&left, text);
    }
    line("--", "end of the options (for a FILE that starts with --)");
    out.push_str(
        "\nExit status:\n  0  verified: the assertion is printed as JSON on standard output\n  \
         1  rejected: one line \"rejected: <check>: <detail>\" on standard error\n  \
         2  usage error: bad arguments, or an unreadable file or certificate\n",
    );
    out
}

fn usage_error(program: &str, stderr: &mut dyn Write, message: &str) -> i32 {
    // Nothing useful can be done if standard error is gone.
    let _ = writeln!(
        stderr,
        "error: {message}\n{}\n(--help lists the options)",
        usage(program)
    );
    EXIT_USAGE
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
    max_lifetime: Option<Duration>,
    allow_unsolicited: bool,
    allow_sha1: bool,
    allow_rsa_1024: bool,
    allow_missing_audience_restriction: bool,
    file: Option<PathBuf>,
    help: bool,
}

fn parse_args(args: impl Iterator<Item = OsString>) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args;
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
        let Some((_, value_name, _)) = FLAGS.iter().find(|(flag, _, _)| *flag == name) else {
            return Err(format!("unknown option {name}"));
        };
        if value_name.is_empty() {
            if inline_value.is_some() {
                return Err(format!("{name} takes no value"));
            }
            let switch = match name.as_str() {
                "--allow-unsolicited" => &mut options.allow_unsolicited,
                "--allow-sha1" => &mut options.allow_sha1,
                "--allow-rsa-1024" => &mut options.allow_rsa_1024,
                "--allow-missing-audience-restriction" => {
                    &mut options.allow_missing_audience_restriction
                }
                "--help" => &mut options.help,
                _ => return Err(format!("unknown option {name}")),
            };
            *switch = true;
            continue;
        }
        let value = match inline_value {
            Some(value) => value,
            None => args
                .next()
                .and_then(|v| v.into_string().ok())
                .ok_or_else(|| format!("{name} needs a value"))?,
        };
        match name.as_str() {
            "--idp-cert" => set_once(&mut options.idp_cert, &name, value.into())?,
            "--idp-issuer" => set_once(&mut options.idp_issuer, &name, value)?,
            "--sp-entity-id" => set_once(&mut options.sp_entity_id, &name, value)?,
            "--acs-url" => set_once(&mut options.acs_url, &name, value)?,
            "--now" => set_once(&mut options.now, &name, value)?,
            "--request-id" => set_once(&mut options.request_id, &name, value)?,
            "--max-lifetime" => {
                let lifetime = parse_duration(&value).map_err(|e| format!("{name}: {e}"))?;
                set_once(&mut options.max_lifetime, &name, lifetime)?;
            }
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

/// `90`, `90s`, `15m`, `2h` or `30d`; more than zero.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let seconds_per_unit: u64 = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{text:?} is not a duration (a number with s, m, h or d)"
            ));
        }
    };
    let count: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (a number with s, m, h or d)"))?;
    match count.checked_mul(seconds_per_unit) {
        Some(0) => Err("the duration must be more than zero".to_owned()),
        Some(seconds) => Ok(Duration::from_secs(seconds)),
        None => Err(format!("{text:?} is too long")),
    }
}

type Prepared = (SpConfig, Vec<u8>, UnixTime, Option<RequestId>);

/// The certificates of `--idp-cert`: PEM or bare base64, or the signing certificates of IdP
/// metadata XML (what Okta's "Identity Provider metadata" link serves).
fn read_certificates(text: &str) -> Result<Vec<Certificate>, String> {
    if text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
    {
        let metadata =
            IdpMetadata::parse(text.as_bytes()).map_err(|e| format!("IdP metadata: {e}"))?;
        let certificates = metadata
            .signing_certificates()
            .iter()
            .map(|der| Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("IdP metadata: {e}"))?;
        if certificates.is_empty() {
            return Err("IdP metadata: no signing certificate".to_owned());
        }
        Ok(certificates)
    } else {
        Certificate::from_pem_bundle(text).map_err(|e| e.to_string())
    }
}

/// Builds the verifier and reads the input; every failure here is a usage error.
fn prepare(options: &Options, stdin: &mut dyn Read) -> Result<Prepared, String> {
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
    let certificates = read_certificates(&cert_text)
        .map_err(|e| format!("--idp-cert {}: {e}", cert_path.display()))?;
    let issuer = EntityId::try_from(issuer.as_str()).map_err(|e| format!("--idp-issuer: {e}"))?;
    let idp = IdpConfig::new(issuer, certificates).map_err(|e| format!("--idp-cert: {e}"))?;
    let entity_id =
        EntityId::try_from(entity_id.as_str()).map_err(|e| format!("--sp-entity-id: {e}"))?;
    let acs_url = AcsUrl::try_from(acs_url.as_str()).map_err(|e| format!("--acs-url: {e}"))?;
    let mut danger = DangerousOptions::default();
    if options.allow_sha1 {
        danger = danger.allow_sha1();
    }
    if options.allow_rsa_1024 {
        danger = danger.allow_rsa_1024();
    }
    if options.allow_missing_audience_restriction {
        danger = danger.allow_missing_audience_restriction();
    }
    let config = SpConfig::builder(entity_id, acs_url, idp)
        .allow_unsolicited_responses(options.allow_unsolicited)
        .with_max_assertion_lifetime(
            options
                .max_lifetime
                .unwrap_or(SpConfigBuilder::DEFAULT_MAX_ASSERTION_LIFETIME),
        )
        .dangerous(danger)
        .build()
        .map_err(|e| e.to_string())?;

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
        stdin
            .read_to_end(&mut input)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        input
    } else {
        std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
    };
    Ok((config, input, now, request_id))
}

/// A JSON value, enough for the output (no serializer dependency in the library).
enum Json {
    Null,
    String(String),
    Array(Vec<Self>),
    Object(Vec<(String, Self)>),
}

impl Json {
    fn string(text: &str) -> Self {
        Self::String(text.to_owned())
    }

    fn optional(text: Option<&str>) -> Self {
        text.map_or(Self::Null, Self::string)
    }

    /// Pretty-printed with two-space indentation.
    fn write(&self, indent: usize, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::String(text) => write_string(text, out),
            Self::Array(items) if items.is_empty() => out.push_str("[]"),
            Self::Object(fields) if fields.is_empty() => out.push_str("{}"),
            Self::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    push_indent(indent + 1, out);
                    item.write(indent + 1, out);
                }
                out.push('\n');
                push_indent(indent, out);
                out.push(']');
            }
            Self::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    push_indent(indent + 1, out);
                    write_string(key, out);
                    out.push_str(": ");
                    value.write(indent + 1, out);
                }
                out.push('\n');
                push_indent(indent, out);
                out.push('}');
            }
        }
    }
}

impl std::fmt::Display for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        self.write(0, &mut out);
        f.write_str(&out)
    }
}

fn push_indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

/// A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped.
fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The verified assertion as JSON. Attributes with the same name are merged, in document
/// order.
fn to_json(user: &Authenticated) -> Json {
    let mut attributes: Vec<(String, Json)> = Vec::new();
    for attribute in user.attributes() {
        let values = attribute.values().iter().map(|v| Json::string(v));
        match attributes
            .iter_mut()
            .find(|(name, _)| name == attribute.name())
        {
            Some((_, Json::Array(existing))) => existing.extend(values),
            _ => attributes.push((attribute.name().to_owned(), Json::Array(values.collect()))),
        }
    }
    let name_id = user.name_id();
    let field = |key: &str, value: Json| (key.to_owned(), value);
    Json::Object(vec![
        field("issuer", Json::string(user.issuer())),
        field(
            "name_id",
            Json::Object(vec![
                field("value", Json::string(name_id.value())),
                field("format", Json::optional(name_id.format())),
                field("name_qualifier", Json::optional(name_id.name_qualifier())),
                field(
                    "sp_name_qualifier",
                    Json::optional(name_id.sp_name_qualifier()),
                ),
            ]),
        ),
        field("session_index", Json::optional(user.session_index())),
        field(
            "authn_instant",
            Json::optional(user.authn_instant().map(|t| t.to_string()).as_deref()),
        ),
        field(
            "session_not_on_or_after",
            Json::optional(
                user.session_not_on_or_after()
                    .map(|t| t.to_string())
                    .as_deref(),
            ),
        ),
        field("attributes", Json::Object(attributes)),
        field("in_response_to", Json::optional(user.in_response_to())),
        field("assertion_id", Json::string(user.assertion_id())),
        field(
            "not_on_or_after",
            Json::string(&user.not_on_or_after().to_string()),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str]) -> (i32, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(
            "saml-verify",
            args.iter().copied(),
            &mut std::io::empty(),
            &mut out,
            &mut err,
        );
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn help_lists_every_option_and_the_exit_statuses() {
        let (code, out, err) = run_with(&["--help"]);
        assert_eq!((code, err.as_str()), (EXIT_VERIFIED, ""));
        assert!(out.starts_with(&format!("{}\n\n", usage("saml-verify"))));
        for (name, value, text) in FLAGS {
            let line = out
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{name} ")))
                .unwrap_or_else(|| panic!("{name} missing from the help"));
            assert!(line.contains(value) && line.ends_with(text), "{line}");
            // Every listed option is one the parser knows.
            let (_, _, err) = run_with(&[name]);
            assert!(!err.contains("unknown option"), "{name}: {err}");
            // ... and one the usage line shows.
            assert!(usage("x").contains(name) || *name == "--help", "{name}");
        }
        assert!(out.contains("\n  0  verified: "));
        assert!(out.contains("\n  1  rejected: "));
        assert!(out.contains("\n  2  usage error: "));
    }

    #[test]
    fn usage_errors_name_the_problem() {
        let cases: &[(&[&str], &str)] = &[
            (&["--bogus"], "unknown option --bogus"),
            (&["--allow-rsa-1024=yes"], "--allow-rsa-1024 takes no value"),
            (&["--max-lifetime"], "--max-lifetime needs a value"),
            (
                &["--max-lifetime", "2w"],
                "--max-lifetime: \"2w\" is not a duration (a number with s, m, h or d)",
            ),
            (
                &["--max-lifetime=0"],
                "--max-lifetime: the duration must be more than zero",
            ),
            (
                &["--max-lifetime=1h", "--max-lifetime=2h"],
                "--max-lifetime given twice",
            ),
        ];
        for (args, message) in cases {
            let (code, out, err) = run_with(args);
            assert_eq!((code, out.as_str()), (EXIT_USAGE, ""), "{args:?}");
            assert_eq!(
                err,
                format!(
                    "error: {message}\n{}\n(--help lists the options)\n",
                    usage("saml-verify")
                ),
                "{args:?}"
            );
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(
            parse_duration("36500d"),
            Ok(Duration::from_secs(3_153_600_000))
        );
        assert!(parse_duration("").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("-1").is_err());
        assert!(parse_duration("1.5h").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert_eq!(
            parse_duration("999999999999999999d"),
            Err("\"999999999999999999d\" is too long".to_owned())
        );
    }

    #[test]
    fn json_strings_are_escaped() {
        let value = Json::Object(vec![
            ("a\"b".to_owned(), Json::string("line\nbreak\t\\ \u{1} é")),
            ("empty".to_owned(), Json::Array(Vec::new())),
            ("none".to_owned(), Json::Null),
            (
                "list".to_owned(),
                Json::Array(vec![Json::string("x"), Json::Object(Vec::new())]),
            ),
        ]);
        assert_eq!(
            value.to_string(),
            "{\n  \"a\\\"b\": \"line\\nbreak\\t\\\\ \\u0001 é\",\n  \"empty\": [],\n  \
             \"none\": null,\n  \"list\": [\n    \"x\",\n    {}\n  ]\n}"
        );
    }
}

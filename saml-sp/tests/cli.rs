//! Black-box tests of the `saml-verify` example (`saml_sp::cli`): the built executable is run on
//! the bench responses, tampered copies and bad command lines, and its exit status, standard
//! output and standard error are checked.
//!
//! The bench responses are valid until 2099, so every run on them passes `--max-lifetime`
//! (`BENCH_LIFETIME`) unless it checks the default.

// Test helpers outside #[test] functions: a panic is how a test reports failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

const ISSUER: &str = "http://www.okta.com/exk1fcr9ohpkXjQ0l0h8";
const SP_ENTITY_ID: &str = "https://test-org.example.com";
const ACS_URL: &str = "https://test-org.example.com/okta/auth";
/// Longer than the bench responses' 75 years (2025-01-01 to 2099-12-31).
const BENCH_LIFETIME: &str = "--max-lifetime=30000d";

fn bench_dir() -> PathBuf {
    std::env::var_os("SHARED_FIXTURES_DIR")
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"),
            PathBuf::from,
        )
        .join("bench")
}

fn bench_file(name: &str) -> PathBuf {
    let path = bench_dir().join(name);
    assert!(
        path.is_file(),
        "fixture {} is missing; set SHARED_FIXTURES_DIR to the shared fixtures folder",
        path.display()
    );
    path
}

/// Builds the example with the same cargo (a no-op when it is fresh) and returns its path.
fn executable() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let output = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "saml-sp",
                "--example",
                "saml-verify",
                "--message-format=json",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stderr(Stdio::inherit())
            .output()
            .expect("running cargo to build the saml-verify example");
        assert!(output.status.success(), "building saml-verify failed");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let path = stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|message| message["target"]["name"] == "saml-verify")
            .find_map(|message| message["executable"].as_str().map(PathBuf::from))
            .expect("cargo reported no saml-verify executable");
        assert!(path.is_file(), "{}", path.display());
        path
    })
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(executable())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

/// The standard arguments for the bench responses, then `extra`, then `file`.
fn verify(extra: &[&str], file: &str, stdin: Option<&[u8]>) -> Output {
    let cert = bench_file("idp.crt");
    let mut args = vec![
        "--idp-cert",
        cert.to_str().unwrap(),
        "--idp-issuer",
        ISSUER,
        "--sp-entity-id",
        SP_ENTITY_ID,
        "--acs-url",
        ACS_URL,
        BENCH_LIFETIME,
    ];
    args.extend_from_slice(extra);
    args.push(file);
    run(&args, stdin)
}

fn stderr_line(output: &Output) -> String {
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.ends_with('\n'));
    stderr.trim_end().to_owned()
}

fn basic_attributes() -> Value {
    json!({
        "firstName": ["Jane"],
        "lastName": ["Doe"],
        "email": ["jane.doe@example.com"],
        "login": ["jane.doe@example.com"],
        "department": ["Engineering"],
        "groups": ["Everyone", "Engineering", "okta-admins"],
    })
}

fn check_common_fields(json: &Value) {
    assert_eq!(json["issuer"], ISSUER);
    assert_eq!(
        json["name_id"],
        json!({
            "value": "jane.doe@example.com",
            "format": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "name_qualifier": null,
            "sp_name_qualifier": null,
        })
    );
    assert_eq!(json["session_index"], "id42118831648206581553927581");
    assert_eq!(json["assertion_id"], "id42118831648206581553927581");
    assert_eq!(json["in_response_to"], Value::Null);
    assert_eq!(json["authn_instant"], "2025-01-01T00:00:00Z");
    assert_eq!(json["not_on_or_after"], "2099-12-31T23:59:59Z");
    assert_eq!(json["session_not_on_or_after"], Value::Null);
}

#[test]
fn bench_responses_verify_and_print_the_assertion() {
    for name in [
        "response_assertion_signed.b64",
        "response_response_signed.b64",
        "response_both_signed.b64",
        "response_assertion_signed.xml",
        "response_both_signed.xml",
    ] {
        let path = bench_file(name);
        let output = verify(&["--allow-unsolicited"], path.to_str().unwrap(), None);
        assert_eq!(output.status.code(), Some(0), "{name}: {output:?}");
        assert!(output.stderr.is_empty(), "{name}");
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        check_common_fields(&json);
        assert_eq!(json["attributes"], basic_attributes(), "{name}");
    }
}

#[test]
fn idp_metadata_is_accepted_as_the_certificate_file() {
    // The real Google Workspace response of the shared fixtures, checked against the IdP
    // metadata file as it was published (no certificate extracted by hand).
    let saml = bench_dir().join("../saml/crewjam-saml");
    let metadata = saml.join("google_idp_metadata.xml");
    let response = saml.join("TestSPCanHandlePlaintextResponse_response.b64");
    for path in [&metadata, &response] {
        assert!(path.is_file(), "fixture {} is missing", path.display());
    }
    let output = run(
        &[
            "--idp-cert",
            metadata.to_str().unwrap(),
            "--idp-issuer",
            "https://accounts.google.com/o/saml2?idpid=C02dfl1r1",
            "--sp-entity-id",
            "https://29ee6d2e.ngrok.io/saml/metadata",
            "--acs-url",
            "https://29ee6d2e.ngrok.io/saml/acs",
            "--now",
            "2016-01-05T16:55:39Z",
            "--request-id",
            "id-fd419a5ab0472645427f8e07d87a3a5dd0b2e9a6",
            response.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["name_id"]["value"], "ross@octolabs.io");

    // Metadata without any certificate is a usage error that says so.
    let dir = std::env::temp_dir().join(format!("saml-verify-metadata-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("no-cert-metadata.xml");
    std::fs::write(
        &empty,
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
    )
    .unwrap();
    let output = run(
        &[
            "--idp-cert",
            empty.to_str().unwrap(),
            "--idp-issuer",
            "https://idp.example",
            "--sp-entity-id",
            SP_ENTITY_ID,
            "--acs-url",
            ACS_URL,
            response.to_str().unwrap(),
        ],
        None,
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: --idp-cert "), "{stderr}");
    assert!(stderr.contains("IdP metadata"), "{stderr}");
}

#[test]
fn large_response_keeps_every_attribute() {
    let path = bench_file("response_large_both_signed.b64");
    let output = verify(
        &["--allow-unsolicited", "--now", "2030-06-01T12:00:00Z"],
        path.to_str().unwrap(),
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    check_common_fields(&json);
    let attributes = json["attributes"].as_object().unwrap();
    assert_eq!(attributes.len(), 32);
    assert_eq!(
        attributes["groups"],
        json!(["Everyone", "Engineering", "okta-admins"])
    );
    assert_eq!(
        attributes["customAttribute00"],
        json!(["value-00-lorem-ipsum-dolor-sit-amet-consectetur"])
    );
}

#[test]
fn tampered_responses_are_rejected_with_the_signature_check() {
    for name in [
        "response_assertion_signed.xml",
        "response_response_signed.xml",
    ] {
        let xml = std::fs::read_to_string(bench_file(name)).unwrap();
        let tampered = xml.replacen(
            "jane.doe@example.com</saml2:NameID>",
            "john.doe@example.com</saml2:NameID>",
            1,
        );
        assert_ne!(tampered, xml);
        let output = verify(&["--allow-unsolicited"], "-", Some(tampered.as_bytes()));
        assert_eq!(output.status.code(), Some(1), "{name}");
        assert!(output.stdout.is_empty());
        assert_eq!(
            stderr_line(&output),
            "rejected: signature: signature is not valid (digest)",
            "{name}"
        );
    }
}

#[test]
fn validation_failures_name_their_check() {
    let path = bench_file("response_assertion_signed.b64");
    let file = path.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[],
            "rejected: unsolicited: unsolicited response (no InResponseTo) and IdP-initiated sign-in is not enabled",
        ),
        (
            &["--allow-unsolicited", "--request-id", "_abc"],
            "rejected: in_response_to: ",
        ),
        (
            &["--allow-unsolicited", "--now", "2024-12-31T00:00:00Z"],
            "rejected: not_yet_valid: not valid before 2025-01-01T00:00:00Z (now 2024-12-31T00:00:00Z)",
        ),
        (
            &["--allow-unsolicited", "--now", "2100-01-01T01:00:00Z"],
            "rejected: expired: ",
        ),
    ];
    for (extra, prefix) in cases {
        let output = verify(extra, file, None);
        assert_eq!(output.status.code(), Some(1), "{extra:?}");
        let line = stderr_line(&output);
        assert!(line.starts_with(prefix), "{extra:?}: {line}");
    }

    let cert = bench_file("idp.crt");
    let wrong_audience = run(
        &[
            "--idp-cert",
            cert.to_str().unwrap(),
            "--idp-issuer",
            ISSUER,
            "--sp-entity-id",
            "https://other.example.com",
            "--acs-url",
            ACS_URL,
            "--allow-unsolicited",
            BENCH_LIFETIME,
            file,
        ],
        None,
    );
    assert_eq!(wrong_audience.status.code(), Some(1));
    assert!(stderr_line(&wrong_audience).starts_with("rejected: audience: "));

    let wrong_issuer = run(
        &[
            "--idp-cert",
            cert.to_str().unwrap(),
            "--idp-issuer=http://www.okta.com/other",
            "--sp-entity-id",
            SP_ENTITY_ID,
            "--acs-url",
            ACS_URL,
            "--allow-unsolicited",
            BENCH_LIFETIME,
            file,
        ],
        None,
    );
    assert_eq!(wrong_issuer.status.code(), Some(1));
    assert_eq!(
        stderr_line(&wrong_issuer),
        "rejected: issuer: issuer \"http://www.okta.com/exk1fcr9ohpkXjQ0l0h8\" is not the \
         configured IdP \"http://www.okta.com/other\""
    );

    // Without --max-lifetime, the default 24 hours refuses the bench responses.
    let default_lifetime = run(
        &[
            "--idp-cert",
            cert.to_str().unwrap(),
            "--idp-issuer",
            ISSUER,
            "--sp-entity-id",
            SP_ENTITY_ID,
            "--acs-url",
            ACS_URL,
            "--allow-unsolicited",
            file,
        ],
        None,
    );
    assert_eq!(default_lifetime.status.code(), Some(1));
    assert_eq!(
        stderr_line(&default_lifetime),
        "rejected: lifetime: Conditions NotOnOrAfter 2099-12-31T23:59:59Z is more than 86400s \
         after IssueInstant 2025-01-01T00:00:00Z"
    );
}

#[test]
fn garbage_input_is_rejected_not_a_crash() {
    for (input, prefix) in [
        (&b"not base64 at all!"[..], "rejected: base64: "),
        (&b"<samlp:Response"[..], "rejected: xml_syntax: "),
        (
            &b"<!DOCTYPE r [<!ENTITY a \"b\">]><r>&a;</r>"[..],
            "rejected: xml_doctype: ",
        ),
    ] {
        let output = verify(&["--allow-unsolicited"], "-", Some(input));
        assert_eq!(output.status.code(), Some(1), "{input:?}");
        let line = stderr_line(&output);
        assert!(line.starts_with(prefix), "{line}");
    }
}

#[test]
fn bad_usage_exits_with_2() {
    let cert = bench_file("idp.crt");
    let cert = cert.to_str().unwrap();
    let response = bench_file("response_assertion_signed.b64");
    let response = response.to_str().unwrap();
    let required = [
        "--idp-cert",
        cert,
        "--idp-issuer",
        ISSUER,
        "--sp-entity-id",
        SP_ENTITY_ID,
        "--acs-url",
        ACS_URL,
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        required
            .iter()
            .chain(extra)
            .map(|s| (*s).to_owned())
            .collect()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![],
            "error: missing --idp-cert, --idp-issuer, --sp-entity-id, --acs-url, FILE",
        ),
        (with(&[]), "error: missing FILE"),
        (
            with(&["--bogus", response]),
            "error: unknown option --bogus",
        ),
        (with(&["--now"]), "error: --now needs a value"),
        (with(&[response, response]), "error: more than one FILE"),
        (
            with(&["--acs-url", ACS_URL, response]),
            "error: --acs-url given twice",
        ),
        (
            with(&["--allow-sha1=yes", response]),
            "error: --allow-sha1 takes no value",
        ),
        (with(&["--now", "yesterday", response]), "error: --now: "),
        (
            with(&["/nonexistent/response.b64"]),
            "error: cannot read /nonexistent/response.b64: ",
        ),
    ];
    for (args, prefix) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with(prefix), "{args:?}: {stderr}");
        assert!(
            stderr.contains("\nusage: saml-verify --idp-cert CERT.pem"),
            "{stderr}"
        );
    }

    let bad_cert = run(
        &[
            "--idp-cert",
            response,
            "--idp-issuer",
            ISSUER,
            "--sp-entity-id",
            SP_ENTITY_ID,
            "--acs-url",
            ACS_URL,
            response,
        ],
        None,
    );
    assert_eq!(bad_cert.status.code(), Some(2));
    assert!(
        String::from_utf8(bad_cert.stderr)
            .unwrap()
            .starts_with("error: --idp-cert ")
    );

    let help = run(&["--help"], None);
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.starts_with("usage: saml-verify "), "{help}");
    for flag in [
        "--idp-cert FILE ",
        "--idp-issuer ID ",
        "--sp-entity-id ID ",
        "--acs-url URL ",
        "--now TIME ",
        "--request-id ID ",
        "--allow-unsolicited ",
        "--max-lifetime DURATION ",
        "--allow-sha1 ",
        "--allow-rsa-1024 ",
        "--allow-missing-audience-restriction ",
        "--help ",
    ] {
        assert!(help.contains(&format!("\n  {flag}")), "{flag}: {help}");
    }
    assert!(help.ends_with(
        "Exit status:\n  0  verified: the assertion is printed as JSON on standard output\n  \
         1  rejected: one line \"rejected: <check>: <detail>\" on standard error\n  \
         2  usage error: bad arguments, or an unreadable file or certificate\n"
    ));
}

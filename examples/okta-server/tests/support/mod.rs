//! Starts the built `okta-server` on a free loopback port with its own data directory and
//! talks to it over HTTP, setting the `Host` header to address organizations.

// Test code: a panic is the failure report, so unwrap/expect/panic and indexing are fine
// here, and polling the server with a short sleep is how a test waits for its worker.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    unreachable_pub
)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_okta-server");

/// An IdP certificate committed with saml-sp's generated test vectors.
pub fn idp_cert() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../saml-sp/tests/data/generated/keys/idp-rsa2048.crt")
}

/// A fresh, empty data directory for one test.
pub fn data_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "okta-server-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running server.
pub struct Server {
    child: Option<Child>,
    stdout: BufReader<ChildStdout>,
    /// Every line printed on standard output so far.
    pub lines: Vec<String>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The port.
    pub port: u16,
    /// The data directory.
    pub data: PathBuf,
}

impl Server {
    /// Starts `okta-server serve` on `data` and waits for its `ready` line.
    pub fn start(data: &Path) -> Self {
        Self::start_with(data, &[])
    }

    /// Like [`start`](Self::start) with extra `serve` arguments.
    pub fn start_with(data: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env("OKTA_SERVER_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = stdout.read_line(&mut line).unwrap();
            assert!(
                n > 0,
                "okta-server exited before `ready`; printed {lines:?}"
            );
            let line = line.trim_end().to_owned();
            let done = line == "ready";
            lines.push(line);
            if done {
                break;
            }
        }
        let url = lines
            .iter()
            .find_map(|l| l.strip_prefix("listening: "))
            .expect("a `listening:` line")
            .to_owned();
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Self {
            child: Some(child),
            stdout,
            lines,
            url,
            port,
            data: data.to_owned(),
        }
    }

    /// The value of the first `KEY: VALUE` line printed at start, if any.
    pub fn line(&self, key: &str) -> Option<String> {
        let prefix = format!("{key}: ");
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(str::to_owned)
    }

    /// The `Host` header value of organization `org`.
    pub fn host(&self, org: &str) -> String {
        format!("{org}.localhost:{}", self.port)
    }

    /// An HTTP client that neither follows redirects nor treats 4xx/5xx as errors.
    pub fn client(&self) -> Client {
        Client {
            agent: ureq::Agent::new_with_config(
                ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .max_redirects(0)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build(),
            ),
            base: self.url.clone(),
        }
    }

    /// Sends SIGTERM and waits for the process; returns its exit status and the rest of its
    /// standard output.
    pub fn terminate(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let mut child = self.child.take().unwrap();
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut rest = Vec::new();
        let mut line = String::new();
        while self.stdout.read_line(&mut line).unwrap() > 0 {
            rest.push(line.trim_end().to_owned());
            line.clear();
        }
        (child.wait().unwrap(), rest)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs an `okta-server` subcommand to completion: (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BIN).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercase.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl Reply {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of the session cookie this response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .find_map(|(_, v)| v.strip_prefix("okta_server_session="))
            .map(|v| v.split(';').next().unwrap().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value of the first hidden `csrf` field of the page.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field");
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A small HTTP client bound to one server.
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

fn reply(result: Result<http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = result.unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

impl Client {
    /// GET `path` on `host` with extra headers.
    pub fn get(&self, host: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("Host", host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        reply(request.call())
    }

    /// POST a form to `path` on `host` with extra headers.
    pub fn post_form(
        &self,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
        fields: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Host", host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        reply(request.send_form(fields.iter().copied()))
    }

    /// Sends `body` with `method` and a content type to `path` on `host`.
    pub fn send(
        &self,
        method: &str,
        host: &str,
        path: &str,
        headers: &[(&str, &str)],
        content_type: &str,
        body: &[u8],
    ) -> Reply {
        let uri = format!("{}{path}", self.base);
        let mut builder = http::Request::builder()
            .method(method)
            .uri(uri)
            .header("Host", host)
            .header("Content-Type", content_type);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(body.to_vec()).unwrap();
        reply(self.agent.run(request))
    }
}

/// Signs in to `org` with a one-time URL printed by the server; returns the session cookie
/// header value.
pub fn sign_in_with_link(server: &Server, org: &str, url: &str) -> String {
    let token = url.split("token=").nth(1).expect("a token in the URL");
    let client = server.client();
    let page = client.get(
        &server.host(org),
        &format!("/signin/one-time?token={token}"),
        &[],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let signed_in = client.post_form(
        &server.host(org),
        "/signin/one-time",
        &[],
        &[("token", token)],
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let session = signed_in.session_cookie().expect("a session cookie");
    format!("okta_server_session={session}")
}

/// Runs `okta setup` for `org` with the test certificate; returns the token printed.
pub fn okta_setup(data: &Path, org: &str, issuer: &str) -> String {
    let cert = idp_cert();
    let (code, stdout, stderr) = run(&[
        "okta",
        "setup",
        org,
        "--sso-url",
        "https://idp.example.com/app/sso/saml",
        "--issuer",
        issuer,
        "--cert",
        cert.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "okta setup failed: {stderr}");
    stdout
}

/// Polls `check` every 50 ms for up to 20 s.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..400 {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

/// The private key of [`idp_cert`], committed with saml-sp's generated test vectors.
pub fn idp_key() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../saml-sp/tests/data/generated/keys/idp-rsa2048.key")
}

/// A fresh IdP-initiated SAML Response for `name_id` at organization URL `org_url`, signed by
/// xmlsec1 through `tests/data/sign_response.py`; base64, as Okta posts it.
pub fn signed_response(org_url: &str, name_id: &str, issuer: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sign_response.py");
    let output = Command::new("python3")
        .arg(&script)
        .args([org_url, name_id, issuer])
        .arg(idp_key())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run python3 {}: {e} (Debian packages python3 and xmlsec1)",
                script.display()
            )
        });
    assert!(
        output.status.success(),
        "{} failed (needs the Debian package xmlsec1): {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

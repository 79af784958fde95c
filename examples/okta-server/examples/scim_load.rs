//! A SCIM load client: creates users `PREFIX000000@load.example.com`, … over keep-alive
//! connections, one thread per connection, and prints one JSON summary line.
//!
//! ```text
//! SCIM_TOKEN=scim_… cargo run --release -p okta-server --example scim_load -- \
//!     --addr 127.0.0.1:8080 --host test-org.localhost:8080 --prefix push --users 10000 \
//!     --connections 16
//! ```
//!
//! Each request is `POST /okta/scim/Users` with an Okta-style body (the same one
//! `e2e/load/scim_load.py` sends); the response is read in full before the next request on that
//! connection. The client costs a few microseconds of CPU per request, so the figure it gives
//! measures the server and not the client. The summary:
//!
//! ```text
//! {"requests":10000,"seconds":4.1,"statuses":{"201":10000},"errors":0,"first_failure":null}
//! ```
//!
//! The token is read from the environment (`SCIM_TOKEN`), never from the command line, so it
//! does not show in the process list.

use std::collections::BTreeMap;
use std::io::{self, BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::json;

/// Longest response header block accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Longest response body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Socket read and write timeout.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Parser)]
#[command(about = "Creates SCIM users over keep-alive connections and prints a JSON summary")]
struct Args {
    /// Address the server listens on.
    #[arg(long)]
    addr: SocketAddr,
    /// `Host` header: the organization's host (e.g. `test-org.localhost:8080`).
    #[arg(long)]
    host: String,
    /// Path of the Users endpoint.
    #[arg(long, default_value = "/okta/scim/Users")]
    path: String,
    /// userName prefix: users are `{prefix}{index:06}@load.example.com`.
    #[arg(long, default_value = "push")]
    prefix: String,
    /// First index.
    #[arg(long, default_value_t = 0)]
    first: usize,
    /// Users to create.
    #[arg(long, default_value_t = 10_000)]
    users: usize,
    /// Concurrent connections (one thread each).
    #[arg(long, default_value_t = 16)]
    connections: usize,
}

/// The userName of user `index`, as `e2e/load/scim_load.py` names it.
fn email(prefix: &str, index: usize) -> String {
    format!("{prefix}{index:06}@load.example.com")
}

/// An Okta-style create body (field for field the Python client's).
fn user_body(email: &str, index: usize) -> Vec<u8> {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": format!("Load{index}"), "familyName": "Tester"},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "displayName": format!("Load{index} Tester"),
        "externalId": format!("00u{index:017}"),
        "active": true,
    })
    .to_string()
    .into_bytes()
}

/// What one request ended with.
enum Outcome {
    Status(u16, Vec<u8>),
    Error(String),
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    addr: SocketAddr,
    stream: Option<(TcpStream, BufReader<TcpStream>)>,
}

impl Connection {
    fn new(addr: SocketAddr) -> Self {
        Self { addr, stream: None }
    }

    fn open(&mut self) -> io::Result<&mut (TcpStream, BufReader<TcpStream>)> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(IO_TIMEOUT))?;
            s.set_write_timeout(Some(IO_TIMEOUT))?;
            let reader = BufReader::new(s.try_clone()?);
            self.stream = Some((s, reader));
        }
        self.stream
            .as_mut()
            .ok_or_else(|| io::Error::other("connection not open"))
    }

    /// Sends one request and reads the whole response; the connection is dropped on any error
    /// or when the server says it closes.
    fn send(&mut self, request: &[u8]) -> io::Result<(u16, Vec<u8>)> {
        let result = self.exchange(request);
        match &result {
            Ok((_, _, close)) if !close => {}
            _ => self.stream = None,
        }
        result.map(|(status, body, _)| (status, body))
    }

    fn exchange(&mut self, request: &[u8]) -> io::Result<(u16, Vec<u8>, bool)> {
        let (writer, reader) = self.open()?;
        writer.write_all(request)?;
        let mut line = String::new();
        let mut head = 0;
        reader.read_line(&mut line)?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut length = 0_usize;
        let mut close = false;
        loop {
            line.clear();
            let n = reader.read_line(&mut line)?;
            head += n;
            if n == 0 || head > MAX_HEAD {
                return Err(io::Error::other("response headers cut short or too long"));
            }
            let text = line.trim_end();
            if text.is_empty() {
                break;
            }
            let Some((name, value)) = text.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value
                    .parse()
                    .map_err(|_| io::Error::other("bad Content-Length"))?;
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err(io::Error::other("chunked responses are not supported"));
            }
        }
        if length > MAX_BODY {
            return Err(io::Error::other("response body too long"));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        Ok((status, body, close))
    }
}

#[derive(Default)]
struct Totals {
    statuses: BTreeMap<u16, usize>,
    errors: usize,
    first_failure: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Ok(token) = std::env::var("SCIM_TOKEN") else {
        eprintln!("scim_load: set SCIM_TOKEN to the organization's SCIM bearer token");
        return ExitCode::from(2);
    };
    let args = Arc::new(args);
    let header = Arc::new(format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/scim+json\r\nAccept: application/scim+json\r\n",
        args.path, args.host
    ));
    let next = Arc::new(AtomicUsize::new(0));
    let totals = Arc::new(Mutex::new(Totals::default()));
    // A load client measures elapsed wall time; the clock ban is for the product's code.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let threads: Vec<_> = (0..args.connections.max(1))
        .map(|_| {
            let (args, header, next, totals) = (
                Arc::clone(&args),
                Arc::clone(&header),
                Arc::clone(&next),
                Arc::clone(&totals),
            );
            std::thread::spawn(move || {
                let mut conn = Connection::new(args.addr);
                let mut local = Totals::default();
                let mut request = Vec::with_capacity(1024);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= args.users {
                        break;
                    }
                    let index = args.first + n;
                    let user = email(&args.prefix, index);
                    let body = user_body(&user, index);
                    request.clear();
                    request.extend_from_slice(header.as_bytes());
                    request.extend_from_slice(
                        format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes(),
                    );
                    request.extend_from_slice(&body);
                    let outcome = match conn.send(&request) {
                        Ok((status, body)) => Outcome::Status(status, body),
                        Err(e) => Outcome::Error(e.to_string()),
                    };
                    match outcome {
                        Outcome::Status(status, body) => {
                            *local.statuses.entry(status).or_default() += 1;
                            if status != 201 && local.first_failure.is_none() {
                                local.first_failure = Some(format!(
                                    "{user}: {status} {}",
                                    String::from_utf8_lossy(&body)
                                ));
                            }
                        }
                        Outcome::Error(e) => {
                            local.errors += 1;
                            local.first_failure.get_or_insert(format!("{user}: {e}"));
                        }
                    }
                }
                let mut all = totals.lock().unwrap_or_else(PoisonError::into_inner);
                for (status, n) in local.statuses {
                    *all.statuses.entry(status).or_default() += n;
                }
                all.errors += local.errors;
                if all.first_failure.is_none() {
                    all.first_failure = local.first_failure;
                }
            })
        })
        .collect();
    for t in threads {
        if t.join().is_err() {
            eprintln!("scim_load: a connection thread panicked");
            return ExitCode::FAILURE;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let totals = totals.lock().unwrap_or_else(PoisonError::into_inner);
    let statuses: serde_json::Map<String, serde_json::Value> = totals
        .statuses
        .iter()
        .map(|(s, n)| (s.to_string(), json!(n)))
        .collect();
    println!(
        "{}",
        json!({
            "requests": args.users,
            "seconds": seconds,
            "statuses": statuses,
            "errors": totals.errors,
            "first_failure": totals.first_failure,
        })
    );
    ExitCode::SUCCESS
}

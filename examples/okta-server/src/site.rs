//! The public base URL (`--base-url`) and how a request's `Host` names an organization.
//!
//! An organization `ORG` is served at `SCHEME://ORG.DOMAIN[:PORT]`, where scheme, domain and
//! port are those of the base URL. A request to the bare base host or to an IP address belongs to the default organization, so tools that cannot set a `Host` header
//! work. These are the rules of `okta-integration`'s host resolver, so the web UI and the
//! `/okta/...` endpoints agree on the organization of every request.

use std::fmt;
use std::net::IpAddr;

/// The longest organization name accepted (a DNS label is at most 63 bytes).
pub(crate) const MAX_ORG_LEN: usize = 63;

/// Why a base URL or an organization name was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum SiteError {
    /// The base URL is not `http://HOST[:PORT]` or `https://HOST[:PORT]`.
    #[error(
        "the base URL must look like http://localhost:8080 (scheme, host, optional port, no path): {0}"
    )]
    BaseUrl(String),
    /// The organization name is not a lowercase DNS label.
    #[error(
        "organization names are 1 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-': {0:?}"
    )]
    OrgName(String),
}

/// A validated organization name: one lowercase DNS label.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct OrgName(String);

impl OrgName {
    /// The name as text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for OrgName {
    type Error = SiteError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        let ok = !value.is_empty()
            && value.len() <= MAX_ORG_LEN
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(SiteError::OrgName(value.chars().take(80).collect()))
        }
    }
}

impl fmt::Display for OrgName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The parsed `--base-url`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    https: bool,
    /// Lowercase host name (or bracketed IPv6 literal), without the port.
    domain: String,
    /// The explicit port, if any.
    port: Option<u16>,
}

impl BaseUrl {
    /// Parses `http(s)://HOST[:PORT]` with an optional trailing `/`.
    pub(crate) fn parse(text: &str) -> Result<Self, SiteError> {
        let bad = || SiteError::BaseUrl(text.chars().take(200).collect());
        let (https, rest) = if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else {
            return Err(bad());
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
            return Err(bad());
        }
        let (domain, port) = split_host_port(rest).ok_or_else(bad)?;
        if domain.is_empty()
            || !domain
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'[' | b']' | b':'))
        {
            return Err(bad());
        }
        Ok(Self {
            https,
            domain: domain.to_ascii_lowercase(),
            port,
        })
    }

    /// `http://localhost:PORT`, the default when `--base-url` is not given.
    pub(crate) fn localhost(port: u16) -> Self {
        Self {
            https: false,
            domain: "localhost".to_owned(),
            port: Some(port),
        }
    }

    /// `http` or `https`.
    pub(crate) fn scheme(&self) -> &'static str {
        if self.https { "https" } else { "http" }
    }

    /// The base URL as text, without a trailing slash.
    pub(crate) fn as_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.host_with_port(&self.domain))
    }

    /// `SCHEME://ORG.DOMAIN[:PORT]`: the organization's URL (also its SAML Audience URI).
    pub(crate) fn org_url(&self, org: &OrgName) -> String {
        let host = format!("{org}.{}", self.domain);
        format!("{}://{}", self.scheme(), self.host_with_port(&host))
    }

    fn host_with_port(&self, host: &str) -> String {
        match self.port {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// Which organization a `Host` header value names: `Some(Some(org))` for `ORG.DOMAIN`,
    /// `Some(None)` for the default organization (the bare domain or an IP address), `None`
    /// for a host this server does not serve. The port is not compared (the server may sit
    /// behind a port mapping).
    pub(crate) fn org_from_host(&self, host: &str) -> Option<Option<OrgName>> {
        let (name, _port) = split_host_port(host)?;
        let name = name.to_ascii_lowercase();
        let name = name.strip_suffix('.').unwrap_or(&name);
        if name == self.domain || is_ip(name) {
            return Some(None);
        }
        let label = name.strip_suffix(self.domain.as_str())?.strip_suffix('.')?;
        OrgName::try_from(label).ok().map(Some)
    }
}

fn is_ip(host: &str) -> bool {
    let inner = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    inner.parse::<IpAddr>().is_ok()
}

/// Splits `host[:port]` (IPv6 literals in brackets); `None` if the port is not a number.
fn split_host_port(text: &str) -> Option<(&str, Option<u16>)> {
    if text.starts_with('[') {
        let end = text.find(']')?;
        let (host, rest) = text.split_at(end + 1);
        return match rest.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match text.rsplit_once(':') {
        Some((host, port)) => Some((host, Some(port.parse().ok()?))),
        None => Some((text, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(name: &str) -> OrgName {
        OrgName::try_from(name).unwrap()
    }

    #[test]
    fn org_names_are_dns_labels() {
        assert!(OrgName::try_from("test-org").is_ok());
        assert!(OrgName::try_from("a1").is_ok());
        for bad in ["", "-a", "a-", "Test", "a.b", "a_b", &"a".repeat(64)] {
            assert!(OrgName::try_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn base_url_forms() {
        let base = BaseUrl::parse("http://localhost:8080/").unwrap();
        assert_eq!(base.as_url(), "http://localhost:8080");
        assert_eq!(base.org_url(&org("acme")), "http://acme.localhost:8080");
        let base = BaseUrl::parse("https://Example.COM").unwrap();
        assert_eq!(base.org_url(&org("acme")), "https://acme.example.com");
        for bad in [
            "localhost:8080",
            "ftp://x",
            "http://",
            "http://a/b",
            "http://a:port",
            "http://a?x",
            "http://u@a",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_resolution() {
        let base = BaseUrl::parse("http://localhost:8080").unwrap();
        assert_eq!(
            base.org_from_host("acme.localhost:8080"),
            Some(Some(org("acme")))
        );
        assert_eq!(
            base.org_from_host("ACME.localhost"),
            Some(Some(org("acme")))
        );
        assert_eq!(base.org_from_host("localhost:8080"), Some(None));
        assert_eq!(base.org_from_host("127.0.0.1:8080"), Some(None));
        assert_eq!(base.org_from_host("[::1]:8080"), Some(None));
        assert_eq!(base.org_from_host("a.b.localhost"), None);
        assert_eq!(base.org_from_host("evil.com"), None);
        assert_eq!(base.org_from_host("xlocalhost"), None);
        assert_eq!(base.org_from_host("acme.localhost:99999"), None);
        let base = BaseUrl::parse("https://example.com").unwrap();
        assert_eq!(base.org_from_host("example.com"), Some(None));
        assert_eq!(base.org_from_host("localhost"), None);
        assert_eq!(base.org_from_host("x.example.com"), Some(Some(org("x"))));
    }
}

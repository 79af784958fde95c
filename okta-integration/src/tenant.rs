//! Organization resolution: which tenant a request is for.
//!
//! An organization `ORG` is served at `ORG.BASE`, where `BASE` is the host (and port) of the
//! configured base URL. A request to the bare base host, or to an IP address, goes to the
//! configured default organization, so single-tenant deployments and tools that cannot set a
//! `Host` header work. Anything else is an unknown host and is refused.
//!
//! `X-Forwarded-Host` and `X-Forwarded-Proto` are honoured only when the peer address (the
//! [`PeerAddr`] request extension, set by the adapter or the host) is one of the configured
//! trusted proxies; from anyone else they are ignored, so a client cannot pick its tenant or
//! claim https.
//!
//! Embedders with their own scheme (a path prefix, a database lookup) replace the host rule
//! with a [`TenantResolver`].

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use http::header::HOST;
use http::request::Parts;

use crate::error::ConfigError;

/// The peer (client or proxy) address of a connection, as a request extension.
///
/// The hyper and tower adapters insert it when they know it; hosts mounting
/// [`OktaIntegration::handle`](crate::OktaIntegration::handle) directly insert it themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP (local development).
    Http,
    /// HTTPS.
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("http") {
            Some(Self::Http)
        } else if s.eq_ignore_ascii_case("https") {
            Some(Self::Https)
        } else {
            None
        }
    }
}

/// The validated base URL: scheme and base host (with port when not the scheme's default).
///
/// ```
/// use okta_integration::tenant::BaseUrl;
///
/// let base = BaseUrl::parse("http://localhost:8080")?;
/// assert_eq!(base.origin_for("acme"), "http://acme.localhost:8080");
/// assert_eq!(BaseUrl::parse("https://example.com:443/")?.host(), "example.com");
/// assert!(BaseUrl::parse("ftp://example.com").is_err());
/// # Ok::<(), okta_integration::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    scheme: Scheme,
    host: String,
}

impl BaseUrl {
    /// Parses `http(s)://host[:port][/]` (no path, query or user info).
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        let bad = |detail: &'static str| ConfigError::BaseUrl {
            url: url.to_owned(),
            detail,
        };
        let (scheme, rest) = url.split_once("://").ok_or(bad("missing scheme"))?;
        let scheme = Scheme::parse(scheme).ok_or(bad("scheme must be http or https"))?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(bad("must be scheme://host[:port] without path"));
        }
        let host = normalize_host(rest, scheme).ok_or(bad("invalid host or port"))?;
        if parse_ip_host(&host).is_some() {
            return Err(bad(
                "the base host must be a DNS name (organizations are subdomains)",
            ));
        }
        Ok(Self { scheme, host })
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The base host, lower-case, with the port when it is not the default one.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `scheme://ORG.BASE`: the organization's origin (its SAML entity ID).
    pub fn origin_for(&self, org: &str) -> String {
        format!("{}://{}.{}", self.scheme.as_str(), org, self.host)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)
    }
}

/// Where a request was sent, after applying trusted proxy headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestOrigin {
    /// The scheme the client used.
    pub scheme: Scheme,
    /// The host (lower-case, default port removed), or `None` when the request names none
    /// or an invalid one.
    pub host: Option<String>,
    /// Whether the request named a host that is not a valid `host[:port]` (such a request
    /// belongs to no organization).
    pub invalid_host: bool,
}

/// What a [`TenantResolver`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantChoice {
    /// The organization with this slug.
    Organization(String),
    /// The default organization (configured, or the store's default).
    Default,
}

/// A hook replacing the host rule: maps a request to an organization.
///
/// Returning `None` refuses the request as for an unknown organization.
///
/// ```
/// use http::request::Parts;
/// use okta_integration::tenant::{RequestOrigin, TenantChoice, TenantResolver};
///
/// /// Organizations by path prefix is out of scope here; this one serves a single tenant.
/// struct Single;
/// impl TenantResolver for Single {
///     fn resolve(&self, _origin: &RequestOrigin, _parts: &Parts) -> Option<TenantChoice> {
///         Some(TenantChoice::Organization("acme".to_owned()))
///     }
/// }
/// ```
pub trait TenantResolver: Send + Sync {
    /// The organization of this request, if any.
    fn resolve(&self, origin: &RequestOrigin, parts: &Parts) -> Option<TenantChoice>;
}

/// The default rule: `ORG.BASE` → `ORG`; the base host or an IP address → the default
/// organization; anything else → none.
#[derive(Debug, Clone)]
pub struct HostResolver {
    base: BaseUrl,
}

impl HostResolver {
    /// The host rule for `base`.
    pub fn new(base: BaseUrl) -> Self {
        Self { base }
    }
}

impl TenantResolver for HostResolver {
    fn resolve(&self, origin: &RequestOrigin, _parts: &Parts) -> Option<TenantChoice> {
        if origin.invalid_host {
            return None;
        }
        let Some(host) = origin.host.as_deref() else {
            return Some(TenantChoice::Default);
        };
        if host == self.base.host || parse_ip_host(host).is_some() {
            return Some(TenantChoice::Default);
        }
        let label = host
            .strip_suffix(self.base.host.as_str())?
            .strip_suffix('.')?;
        is_org_name(label).then(|| TenantChoice::Organization(label.to_owned()))
    }
}

/// Whether `name` is a valid organization name: one DNS label, `[a-z0-9-]`, 1 to 63
/// characters, not starting or ending with `-`.
///
/// ```
/// use okta_integration::tenant::is_org_name;
/// assert!(is_org_name("test-org"));
/// assert!(!is_org_name("Test"));
/// assert!(!is_org_name("a.b"));
/// assert!(!is_org_name("-x"));
/// ```
pub fn is_org_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Trusted proxies and the default scheme: computes a request's [`RequestOrigin`].
#[derive(Debug, Clone)]
pub(crate) struct OriginRules {
    pub(crate) default_scheme: Scheme,
    pub(crate) trusted_proxies: Vec<IpAddr>,
}

impl OriginRules {
    pub(crate) fn origin(&self, parts: &Parts) -> RequestOrigin {
        let via_proxy = parts
            .extensions
            .get::<PeerAddr>()
            .is_some_and(|p| self.is_trusted(p.0.ip()));
        let mut scheme = parts
            .uri
            .scheme_str()
            .and_then(Scheme::parse)
            .unwrap_or(self.default_scheme);
        if via_proxy {
            if let Some(p) = first_header_value(parts, "x-forwarded-proto").and_then(Scheme::parse)
            {
                scheme = p;
            }
        }
        let forwarded_host = via_proxy
            .then(|| first_header_value(parts, "x-forwarded-host"))
            .flatten();
        let raw_host = forwarded_host
            .or_else(|| parts.headers.get(HOST).and_then(|v| v.to_str().ok()))
            .map(str::to_owned)
            .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()));
        let host = raw_host
            .as_deref()
            .and_then(|h| normalize_host(h.trim(), scheme));
        RequestOrigin {
            scheme,
            invalid_host: raw_host.is_some() && host.is_none(),
            host,
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical_ip(ip);
        self.trusted_proxies.iter().any(|t| canonical_ip(*t) == ip)
    }
}

fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The first comma-separated value of a header (the client-facing one for `X-Forwarded-*`).
fn first_header_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    let v = parts.headers.get(name)?.to_str().ok()?;
    let first = v.split(',').next()?.trim();
    (!first.is_empty()).then_some(first)
}

/// Lower-cases a `host[:port]`, checks its characters and port, and drops the default port.
fn normalize_host(host: &str, scheme: Scheme) -> Option<String> {
    if host.is_empty() || host.len() > 255 {
        return None;
    }
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        inner.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (format!("[{inner}]"), port)
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n.to_owned(), Some(p)),
            None => (host.to_owned(), None),
        }
    };
    let name = name.to_ascii_lowercase();
    if !name.starts_with('[')
        && (name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'))
    {
        return None;
    }
    match port {
        None => Some(name),
        Some(p) => {
            let port: u16 = p
                .parse()
                .ok()
                .filter(|_| p.bytes().all(|b| b.is_ascii_digit()))?;
            if port == scheme.default_port() {
                Some(name)
            } else {
                Some(format!("{name}:{port}"))
            }
        }
    }
}

/// The IP address of a normalized host, when it is one.
fn parse_ip_host(host: &str) -> Option<IpAddr> {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let name = host.rsplit_once(':').map_or(host, |(n, _)| n);
    name.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts(host: Option<&str>, headers: &[(&str, &str)], peer: Option<&str>) -> Parts {
        let mut b = Request::builder().uri("/okta/scim/Users");
        if let Some(h) = host {
            b = b.header(HOST, h);
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let mut req = b.body(()).unwrap();
        if let Some(p) = peer {
            req.extensions_mut().insert(PeerAddr(p.parse().unwrap()));
        }
        req.into_parts().0
    }

    fn rules(trusted: &[&str]) -> OriginRules {
        OriginRules {
            default_scheme: Scheme::Http,
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
        }
    }

    fn resolve(host: Option<&str>, headers: &[(&str, &str)], peer: Option<&str>) -> Option<String> {
        let base = BaseUrl::parse("http://localhost:8080").unwrap();
        let r = HostResolver::new(base);
        let p = parts(host, headers, peer);
        r.resolve(&rules(&["10.0.0.1", "::1"]).origin(&p), &p)
            .map(|c| match c {
                TenantChoice::Organization(o) => o,
                TenantChoice::Default => "test-org".to_owned(),
            })
    }

    #[test]
    fn host_rule() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            resolve(Some("acme.localhost:8080"), &[], None),
            some("acme")
        );
        assert_eq!(
            resolve(Some("ACME.LocalHost:8080"), &[], None),
            some("acme")
        );
        assert_eq!(resolve(Some("localhost:8080"), &[], None), some("test-org"));
        assert_eq!(resolve(Some("127.0.0.1:8080"), &[], None), some("test-org"));
        assert_eq!(resolve(Some("[::1]:8080"), &[], None), some("test-org"));
        assert_eq!(resolve(None, &[], None), some("test-org"));
        // Wrong port, nested label, other domain, bad label: unknown.
        assert_eq!(resolve(Some("acme.localhost:9090"), &[], None), None);
        assert_eq!(resolve(Some("a.b.localhost:8080"), &[], None), None);
        assert_eq!(resolve(Some("acme.evil.com"), &[], None), None);
        assert_eq!(resolve(Some("evillocalhost:8080"), &[], None), None);
        assert_eq!(resolve(Some("-x.localhost:8080"), &[], None), None);
        assert_eq!(resolve(Some("acme.localhost:80a"), &[], None), None);
        assert_eq!(resolve(Some("acme_x.localhost:8080"), &[], None), None);
    }

    #[test]
    fn forwarded_headers_only_from_trusted_proxies() {
        let fwd = [
            ("x-forwarded-host", "beta.localhost:8080, other"),
            ("x-forwarded-proto", "https"),
        ];
        // From a trusted proxy: honoured.
        assert_eq!(
            resolve(Some("localhost:8080"), &fwd, Some("10.0.0.1:5555")),
            Some("beta".into())
        );
        assert_eq!(
            resolve(Some("localhost:8080"), &fwd, Some("[::ffff:10.0.0.1]:5555")),
            Some("beta".into())
        );
        let p = parts(Some("localhost:8080"), &fwd, Some("10.0.0.1:1"));
        assert_eq!(rules(&["10.0.0.1"]).origin(&p).scheme, Scheme::Https);
        // From anyone else, or with no peer address: ignored.
        assert_eq!(
            resolve(Some("localhost:8080"), &fwd, Some("10.0.0.2:5555")),
            Some("test-org".into())
        );
        assert_eq!(
            resolve(Some("localhost:8080"), &fwd, None),
            Some("test-org".into())
        );
        let p = parts(Some("localhost:8080"), &fwd, Some("10.0.0.2:1"));
        assert_eq!(rules(&["10.0.0.1"]).origin(&p).scheme, Scheme::Http);
    }

    #[test]
    fn base_url_parsing() {
        assert_eq!(
            BaseUrl::parse("https://Example.COM").unwrap().to_string(),
            "https://example.com"
        );
        assert_eq!(
            BaseUrl::parse("http://localhost:80").unwrap().host(),
            "localhost"
        );
        for bad in [
            "localhost",
            "http://",
            "http://a/b",
            "http://127.0.0.1:8080",
            "http://a:x",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}

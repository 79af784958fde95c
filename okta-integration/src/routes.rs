//! The route table: which endpoint a request path names, without a router dependency.
//!
//! Paths are matched under the configured base path (default `/okta`). SCIM resource segments
//! are matched case-insensitively (`/users` as Microsoft's tools send it) and a trailing slash is
//! ignored. The method is checked afterwards, so a known path with a wrong method is answered
//! `405 Method Not Allowed` with an `Allow` header rather than `404`.

use http::Method;

/// A SCIM resource type served by the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// The resource type name as in the schema registry (`User`, `Group`).
    pub fn type_name(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }

    /// The endpoint segment (`Users`, `Groups`).
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "Users",
            Self::Group => "Groups",
        }
    }
}

/// An endpoint of the SCIM server under `{base}/scim`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimRoute {
    /// `/Users` or `/Groups`: list (GET) and create (POST).
    Collection(ResourceKind),
    /// `/Users/{id}` or `/Groups/{id}`: get, replace, patch, delete.
    Resource(ResourceKind, String),
    /// `/Users/.search` or `/Groups/.search` (POST).
    TypeSearch(ResourceKind),
    /// `/.search` at the root: every resource type (POST).
    RootSearch,
    /// `/ServiceProviderConfig` (GET).
    ServiceProviderConfig,
    /// `/ResourceTypes` (GET).
    ResourceTypes,
    /// `/ResourceTypes/{name}` (GET).
    ResourceType(String),
    /// `/Schemas` (GET).
    Schemas,
    /// `/Schemas/{urn}` (GET).
    Schema(String),
    /// Any other path under the SCIM root: answered with a SCIM 404 error.
    Unknown,
}

/// An endpoint of the handler set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST {base}/auth`: the SAML Assertion Consumer Service.
    Acs,
    /// `GET {base}/login`: SP-initiated sign-in (redirect to the IdP with an AuthnRequest).
    Login,
    /// `GET {base}/metadata`: SP metadata XML.
    Metadata,
    /// Under `{base}/scim`.
    Scim(ScimRoute),
}

impl Route {
    /// The methods this route answers (`HEAD` is implied wherever `GET` is allowed).
    pub fn allowed_methods(&self) -> &'static [Method] {
        const GET: &[Method] = &[Method::GET];
        const POST: &[Method] = &[Method::POST];
        const GET_POST: &[Method] = &[Method::GET, Method::POST];
        const RESOURCE: &[Method] = &[Method::GET, Method::PUT, Method::PATCH, Method::DELETE];
        match self {
            Self::Acs => POST,
            Self::Login | Self::Metadata => GET,
            Self::Scim(s) => match s {
                ScimRoute::Collection(_) => GET_POST,
                ScimRoute::Resource(..) => RESOURCE,
                ScimRoute::TypeSearch(_) | ScimRoute::RootSearch => POST,
                ScimRoute::ServiceProviderConfig
                | ScimRoute::ResourceTypes
                | ScimRoute::ResourceType(_)
                | ScimRoute::Schemas
                | ScimRoute::Schema(_) => GET,
                ScimRoute::Unknown => &[],
            },
        }
    }

    /// Whether `method` is allowed on this route (any method reaches an unknown SCIM path,
    /// which is answered `404` after authentication).
    pub fn allows(&self, method: &Method) -> bool {
        if *self == Self::Scim(ScimRoute::Unknown) {
            return true;
        }
        let allowed = self.allowed_methods();
        allowed.contains(method) || (method == Method::HEAD && allowed.contains(&Method::GET))
    }

    /// Whether this route belongs to the SCIM server (errors are SCIM JSON, not HTML pages).
    pub fn is_scim(&self) -> bool {
        matches!(self, Self::Scim(_))
    }
}

/// Matches a request path (without the query) against the routes under `base_path`.
///
/// ```
/// use okta_integration::routes::{match_path, ResourceKind, Route, ScimRoute};
///
/// assert_eq!(match_path("/okta", "/okta/auth"), Some(Route::Acs));
/// assert_eq!(
///     match_path("/okta", "/okta/scim/users/2819c223"),
///     Some(Route::Scim(ScimRoute::Resource(ResourceKind::User, "2819c223".into())))
/// );
/// assert_eq!(match_path("/okta", "/elsewhere"), None);
/// ```
pub fn match_path(base_path: &str, path: &str) -> Option<Route> {
    let rest = strip_prefix_segment(path, base_path.trim_end_matches('/'))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    match rest {
        "/auth" => return Some(Route::Acs),
        "/login" => return Some(Route::Login),
        "/metadata" => return Some(Route::Metadata),
        _ => {}
    }
    let scim = strip_prefix_segment(rest, "/scim")?;
    let scim = scim
        .strip_prefix("/v2")
        .filter(|s| s.is_empty() || s.starts_with('/'))
        .unwrap_or(scim);
    let segments: Vec<&str> = scim.split('/').skip(1).collect();
    Some(Route::Scim(match segments.as_slice() {
        [] | [""] => ScimRoute::Unknown,
        [".search"] => ScimRoute::RootSearch,
        [one] => match_collection(one).map_or_else(|| match_discovery(one), ScimRoute::Collection),
        [coll, second] => match (match_collection(coll), *second) {
            (Some(kind), ".search") => ScimRoute::TypeSearch(kind),
            (Some(kind), id) if !id.is_empty() => match decode_segment(id) {
                Some(id) => ScimRoute::Resource(kind, id),
                None => ScimRoute::Unknown,
            },
            (None, name) if coll.eq_ignore_ascii_case("ResourceTypes") && !name.is_empty() => {
                decode_segment(name).map_or(ScimRoute::Unknown, ScimRoute::ResourceType)
            }
            (None, urn) if coll.eq_ignore_ascii_case("Schemas") && !urn.is_empty() => {
                decode_segment(urn).map_or(ScimRoute::Unknown, ScimRoute::Schema)
            }
            _ => ScimRoute::Unknown,
        },
        _ => ScimRoute::Unknown,
    }))
}

fn match_collection(segment: &str) -> Option<ResourceKind> {
    if segment.eq_ignore_ascii_case("Users") {
        Some(ResourceKind::User)
    } else if segment.eq_ignore_ascii_case("Groups") {
        Some(ResourceKind::Group)
    } else {
        None
    }
}

fn match_discovery(segment: &str) -> ScimRoute {
    if segment.eq_ignore_ascii_case("ServiceProviderConfig")
        || segment.eq_ignore_ascii_case("ServiceProviderConfigs")
    {
        ScimRoute::ServiceProviderConfig
    } else if segment.eq_ignore_ascii_case("ResourceTypes") {
        ScimRoute::ResourceTypes
    } else if segment.eq_ignore_ascii_case("Schemas") {
        ScimRoute::Schemas
    } else {
        ScimRoute::Unknown
    }
}

/// `path` without `prefix`, when `prefix` is a whole number of leading segments.
fn strip_prefix_segment<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Percent-decodes one path segment; `None` when it is not UTF-8 or decodes to a `/`.
fn decode_segment(segment: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()?
        .into_owned();
    (!decoded.contains('/') && !decoded.is_empty()).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scim(path: &str) -> Option<Route> {
        match_path("/okta", path)
    }

    #[test]
    fn route_table() {
        use ResourceKind::{Group, User};
        let cases: &[(&str, Option<Route>)] = &[
            ("/okta/auth", Some(Route::Acs)),
            ("/okta/auth/", Some(Route::Acs)),
            ("/okta/login", Some(Route::Login)),
            ("/okta/metadata", Some(Route::Metadata)),
            (
                "/okta/scim/Users",
                Some(Route::Scim(ScimRoute::Collection(User))),
            ),
            (
                "/okta/scim/users/",
                Some(Route::Scim(ScimRoute::Collection(User))),
            ),
            (
                "/okta/scim/v2/Users",
                Some(Route::Scim(ScimRoute::Collection(User))),
            ),
            (
                "/okta/scim/Groups",
                Some(Route::Scim(ScimRoute::Collection(Group))),
            ),
            (
                "/okta/scim/Users/abc",
                Some(Route::Scim(ScimRoute::Resource(User, "abc".into()))),
            ),
            (
                "/okta/scim/Groups/a%20b",
                Some(Route::Scim(ScimRoute::Resource(Group, "a b".into()))),
            ),
            (
                "/okta/scim/Users/a%2Fb",
                Some(Route::Scim(ScimRoute::Unknown)),
            ),
            (
                "/okta/scim/Users/.search",
                Some(Route::Scim(ScimRoute::TypeSearch(User))),
            ),
            (
                "/okta/scim/Groups/.search",
                Some(Route::Scim(ScimRoute::TypeSearch(Group))),
            ),
            (
                "/okta/scim/.search",
                Some(Route::Scim(ScimRoute::RootSearch)),
            ),
            (
                "/okta/scim/ServiceProviderConfig",
                Some(Route::Scim(ScimRoute::ServiceProviderConfig)),
            ),
            (
                "/okta/scim/ResourceTypes",
                Some(Route::Scim(ScimRoute::ResourceTypes)),
            ),
            (
                "/okta/scim/ResourceTypes/User",
                Some(Route::Scim(ScimRoute::ResourceType("User".into()))),
            ),
            ("/okta/scim/Schemas", Some(Route::Scim(ScimRoute::Schemas))),
            (
                "/okta/scim/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
                Some(Route::Scim(ScimRoute::Schema(
                    "urn:ietf:params:scim:schemas:core:2.0:User".into(),
                ))),
            ),
            ("/okta/scim", Some(Route::Scim(ScimRoute::Unknown))),
            ("/okta/scim/Token", Some(Route::Scim(ScimRoute::Unknown))),
            (
                "/okta/scim/Users/1/2",
                Some(Route::Scim(ScimRoute::Unknown)),
            ),
            ("/okta/scimx/Users", None),
            ("/oktax/auth", None),
            ("/okta", None),
            ("/", None),
            ("/okta/other", None),
        ];
        for (path, expected) in cases {
            assert_eq!(&scim(path), expected, "{path}");
        }
    }

    #[test]
    fn custom_base_path() {
        assert_eq!(match_path("/sso/", "/sso/auth"), Some(Route::Acs));
        assert_eq!(match_path("", "/auth"), Some(Route::Acs));
        assert_eq!(match_path("/sso", "/okta/auth"), None);
    }

    #[test]
    fn methods() {
        assert!(Route::Acs.allows(&Method::POST));
        assert!(!Route::Acs.allows(&Method::GET));
        assert!(Route::Metadata.allows(&Method::HEAD));
        let res = Route::Scim(ScimRoute::Resource(ResourceKind::User, "x".into()));
        for m in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(res.allows(&m));
        }
        assert!(!res.allows(&Method::POST));
        assert!(!Route::Scim(ScimRoute::ServiceProviderConfig).allows(&Method::POST));
        assert!(Route::Scim(ScimRoute::Unknown).allows(&Method::GET));
    }
}

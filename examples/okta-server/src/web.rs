//! Small HTTP building blocks for the web UI: form and query decoding, cookies, and responses with
//! the security headers every page carries.

use bytes::Bytes;
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, COOKIE, HeaderValue, LOCATION,
    REFERRER_POLICY, SET_COOKIE, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderMap, Response, StatusCode};

use crate::html;

/// Most fields a form may carry before it is refused.
const MAX_FIELDS: usize = 64;

/// Decodes `application/x-www-form-urlencoded` text (a body or a query string). Returns `None`
/// for more than [`MAX_FIELDS`] fields or text that is not UTF-8 after decoding.
pub(crate) fn parse_form(text: &[u8]) -> Option<Vec<(String, String)>> {
    let mut fields = Vec::new();
    for pair in text.split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        if fields.len() == MAX_FIELDS {
            return None;
        }
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (pair.get(..at)?, pair.get(at + 1..)?),
            None => (pair, &b""[..]),
        };
        fields.push((decode_component(name)?, decode_component(value)?));
    }
    Some(fields)
}

fn decode_component(raw: &[u8]) -> Option<String> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&plus_as_space)
        .decode_utf8()
        .ok()
        .map(|text| text.into_owned())
}

/// The first value of field `name`.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Characters left as they are in a query value: RFC 3986 unreserved ones.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query parameter value.
pub(crate) fn encode_query_value(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// The value of cookie `name` from the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// An HTML page response with the security headers. Pages are never cached: several show
/// secrets (the SCIM token) or per-session CSRF tokens.
pub(crate) fn html_response(status: StatusCode, body: String) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    security_headers(headers);
    response
}

fn security_headers(headers: &mut HeaderMap) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // One-time sign-in links carry their token in the URL: never send it to another site.
    // (Not `no-referrer`: with it browsers send `Origin: null` on form posts, which the
    // Origin check refuses.)
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if let Ok(policy) = HeaderValue::from_str(html::content_security_policy()) {
        headers.insert(CONTENT_SECURITY_POLICY, policy);
    }
}

/// A `303 See Other` to `location` (a path or an absolute URL).
pub(crate) fn redirect(location: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    security_headers(response.headers_mut());
    response
}

/// Adds a `Set-Cookie` header.
pub(crate) fn set_cookie(response: &mut Response<Bytes>, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// A plain-text response.
pub(crate) fn text_response(status: StatusCode, text: &str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(text.to_owned()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    security_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode() {
        let fields = parse_form(b"a=1+2&b=%3Cx%3E&c&=d&&e=%E2%9C%93").unwrap();
        assert_eq!(field(&fields, "a"), Some("1 2"));
        assert_eq!(field(&fields, "b"), Some("<x>"));
        assert_eq!(field(&fields, "c"), Some(""));
        assert_eq!(field(&fields, ""), Some("d"));
        assert_eq!(field(&fields, "e"), Some("✓"));
        assert_eq!(field(&fields, "z"), None);
        assert!(parse_form(b"a=%FF").is_none());
        assert!(parse_form("x=1&".repeat(65).as_bytes()).is_none());
        assert_eq!(encode_query_value("a b/&_-.~"), "a%20b%2F%26_-.~");
    }

    #[test]
    fn cookies_parse() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; session=abc"));
        headers.append(COOKIE, HeaderValue::from_static("other=2"));
        assert_eq!(cookie(&headers, "session"), Some("abc"));
        assert_eq!(cookie(&headers, "other"), Some("2"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn responses_carry_security_headers() {
        let response = html_response(StatusCode::OK, "<p>x</p>".to_owned());
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(response.headers()[REFERRER_POLICY], "same-origin");
        assert!(response.headers().contains_key(CONTENT_SECURITY_POLICY));
        let response = redirect("/x");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[LOCATION], "/x");
    }
}

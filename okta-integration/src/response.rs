//! Response builders: SCIM JSON (RFC 7644 §3.12 errors), HTML status pages, redirects.
//!
//! Every body here is generic: error pages speak in the user's terms and never name the check
//! that failed.

use bytes::Bytes;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE};
use http::{HeaderValue, Method, Response, StatusCode};
use serde_json::{Value, json};

/// The SCIM media type.
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";
/// The SCIM error schema URN.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn build(code: StatusCode, content_type: &'static str, body: Bytes) -> Response<Bytes> {
    let mut r = Response::new(body);
    *r.status_mut() = code;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A SCIM JSON response.
pub fn scim_json(code: u16, body: &Value) -> Response<Bytes> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    build(status(code), SCIM_CONTENT_TYPE, Bytes::from(bytes))
}

/// A SCIM error from scim-core (its status, `scimType` and detail).
pub fn scim_error(err: &scim_core::Error) -> Response<Bytes> {
    scim_json(err.status(), &err.to_json())
}

/// A SCIM error for statuses scim-core does not model (401, 405, 413, 415, 404 route).
pub fn scim_error_status(code: u16, scim_type: Option<&str>, detail: &str) -> Response<Bytes> {
    let mut body = json!({
        "schemas": [ERROR_URN],
        "status": code.to_string(),
        "detail": detail,
    });
    if let (Some(t), Some(o)) = (scim_type, body.as_object_mut()) {
        o.insert("scimType".into(), Value::String(t.to_owned()));
    }
    scim_json(code, &body)
}

/// `401` with `WWW-Authenticate: Bearer` and the RFC 7644 error body.
pub fn scim_unauthorized() -> Response<Bytes> {
    let mut r = scim_error_status(
        401,
        None,
        "authentication required: send the SCIM token as 'Authorization: Bearer <token>'",
    );
    r.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"SCIM\""),
    );
    r
}

/// `405` with an `Allow` header (SCIM JSON or plain text body).
pub fn method_not_allowed(allowed: &[Method], scim: bool) -> Response<Bytes> {
    let mut names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
    if allowed.contains(&Method::GET) {
        names.push("HEAD");
    }
    let allow = names.join(", ");
    let mut r = if scim {
        scim_error_status(405, None, "method not allowed on this endpoint")
    } else {
        text(405, "method not allowed\n")
    };
    if let Ok(v) = HeaderValue::from_str(&allow) {
        r.headers_mut().insert(ALLOW, v);
    }
    r
}

/// A plain-text response.
pub fn text(code: u16, body: &'static str) -> Response<Bytes> {
    build(
        status(code),
        "text/plain; charset=utf-8",
        Bytes::from_static(body.as_bytes()),
    )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A small self-contained HTML page (no scripts, no external resources).
pub fn html_page(code: u16, title: &str, message: &str) -> Response<Bytes> {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{t}</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1d1f}}\
h1{{font-size:1.4rem}}</style></head>\
<body><main><h1>{t}</h1><p>{m}</p></main></body></html>\n",
        t = escape_html(title),
        m = escape_html(message),
    );
    let mut r = build(status(code), "text/html; charset=utf-8", Bytes::from(body));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `303 See Other` to `location`, with optional `Set-Cookie` values.
pub fn see_other(location: &str, cookies: &[HeaderValue]) -> Response<Bytes> {
    redirect(StatusCode::SEE_OTHER, location, cookies)
}

/// A redirect with `Cache-Control: no-store`.
pub fn redirect(code: StatusCode, location: &str, cookies: &[HeaderValue]) -> Response<Bytes> {
    let mut r = Response::new(Bytes::new());
    *r.status_mut() = code;
    match HeaderValue::from_str(location) {
        Ok(v) => {
            r.headers_mut().insert(LOCATION, v);
        }
        Err(_) => return html_page(500, "Something went wrong", "Please try again."),
    }
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in cookies {
        r.headers_mut().append(http::header::SET_COOKIE, c.clone());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_errors_have_rfc_shape() {
        let r = scim_error_status(415, None, "x");
        assert_eq!(r.status(), 415);
        assert_eq!(r.headers()[CONTENT_TYPE], SCIM_CONTENT_TYPE);
        let v: Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(
            v,
            json!({"schemas":[ERROR_URN],"status":"415","detail":"x"})
        );
        let r = scim_unauthorized();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()[WWW_AUTHENTICATE], "Bearer realm=\"SCIM\"");
    }

    #[test]
    fn html_is_escaped() {
        let r = html_page(403, "<x>", "a & \"b\"");
        let body = std::str::from_utf8(r.body()).unwrap();
        assert!(body.contains("<h1>&lt;x&gt;</h1><p>a &amp; &quot;b&quot;</p>"));
    }

    #[test]
    fn allow_header_lists_head_with_get() {
        let r = method_not_allowed(&[Method::GET, Method::POST], true);
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()[ALLOW], "GET, POST, HEAD");
    }
}

//! HTML building blocks: escaping, the page layout with its inline stylesheet, copyable values
//! and form fields with inline errors.
//!
//! Pages work without JavaScript. The one inline script only reveals "Copy" buttons and copies
//! a value to the clipboard; the Content-Security-Policy allows exactly that script and that
//! stylesheet by their SHA-256.

use std::fmt::Write as _;
use std::sync::OnceLock;

use base64::Engine as _;

/// Escapes text for HTML element content and double-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// The stylesheet of every page.
const CSS: &str = r#"
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dde5; --bg:#f5f6f8; --accent:#2f5bea; --ok:#1a7f45; --bad:#b42318; --warn:#8a5a00; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
header { background:#fff; border-bottom:1px solid var(--line); }
header .bar { max-width:960px; margin:0 auto; padding:10px 20px; display:flex; align-items:center; gap:18px; }
header .brand { font-weight:700; color:var(--ink); text-decoration:none; }
header nav { display:flex; gap:14px; flex:1; }
header nav a { color:var(--muted); text-decoration:none; }
header nav a.on, header nav a:hover { color:var(--ink); }
header .who { color:var(--muted); font-size:14px; display:flex; gap:10px; align-items:center; }
main { max-width:960px; margin:24px auto; padding:0 20px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:20px 24px; margin-bottom:20px; }
.narrow { max-width:460px; margin:60px auto; }
h1 { font-size:24px; margin:0 0 12px; } h2 { font-size:18px; margin:0 0 10px; } h3 { font-size:15px; margin:16px 0 6px; }
p { margin:0 0 10px; } .muted { color:var(--muted); } code { font-family:ui-monospace, Menlo, Consolas, monospace; font-size:13px; }
.tabs { display:flex; gap:4px; border-bottom:1px solid var(--line); margin-bottom:20px; }
.tabs a { padding:8px 14px; color:var(--muted); text-decoration:none; border-bottom:2px solid transparent; }
.tabs a.on { color:var(--ink); border-bottom-color:var(--accent); }
.button, button { display:inline-block; font:inherit; padding:8px 16px; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; text-decoration:none; cursor:pointer; }
.button.secondary, button.secondary { background:#fff; color:var(--accent); }
button.link { background:none; border:none; color:var(--muted); padding:0; text-decoration:underline; }
label { display:block; font-weight:600; margin:14px 0 4px; }
input[type=text], input[type=url], textarea, select { width:100%; font:inherit; padding:8px 10px; border:1px solid var(--line); border-radius:6px; background:#fff; }
textarea { font-family:ui-monospace, Menlo, Consolas, monospace; font-size:12px; min-height:150px; }
.hint { color:var(--muted); font-size:13px; margin-top:3px; }
.field-error { color:var(--bad); font-size:13px; margin-top:4px; }
.invalid { border-color:var(--bad) !important; }
.notice { padding:10px 14px; border-radius:6px; margin-bottom:16px; border:1px solid; }
.notice.ok { color:var(--ok); border-color:#a6d8b8; background:#eef8f1; }
.notice.bad { color:var(--bad); border-color:#f1b5ae; background:#fdf1f0; }
.notice.warn { color:var(--warn); border-color:#ecd49b; background:#fdf7e8; }
.copy-row { display:flex; gap:8px; align-items:center; margin:4px 0 12px; }
.copy-row input { font-family:ui-monospace, Menlo, Consolas, monospace; font-size:13px; }
.copy-row button { padding:7px 12px; white-space:nowrap; }
table { width:100%; border-collapse:collapse; font-size:14px; }
th, td { text-align:left; padding:7px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; }
.stats { display:flex; gap:12px; flex-wrap:wrap; margin:8px 0 12px; }
.stat { border:1px solid var(--line); border-radius:8px; padding:10px 16px; min-width:120px; }
.stat b { display:block; font-size:22px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; border:1px solid var(--line); }
.badge.ok { color:var(--ok); border-color:#a6d8b8; } .badge.bad { color:var(--bad); border-color:#f1b5ae; }
.token { font-size:15px; }
form.inline { display:inline-flex; gap:8px; align-items:center; margin:0; }
form.inline select { width:auto; padding:5px 8px; }
form.inline button.secondary { padding:5px 12px; }
details { margin-top:14px; } summary { cursor:pointer; }
table.kv th { width:230px; }
.spaced { margin-top:14px; }
"#;

/// Reveals the copy buttons and copies the value of the input named by `data-copy`.
const SCRIPT: &str = r#"
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () {
    var field = document.getElementById(b.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard) { navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); }); }
    else { document.execCommand("copy"); done(); }
  });
});
"#;

fn sha256_source(text: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
    )
}

/// The Content-Security-Policy of every HTML page.
pub(crate) fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        format!(
            "default-src 'none'; style-src {}; script-src {}; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            sha256_source(CSS),
            sha256_source(SCRIPT)
        )
    })
}

/// A navigation entry of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Nav {
    /// The organization home page.
    Home,
    /// The settings pages.
    Settings,
    /// No entry highlighted.
    None,
}

/// Who is signed in, for the header.
#[derive(Debug)]
pub(crate) struct Viewer<'a> {
    /// Display name or email.
    pub(crate) name: &'a str,
    /// Role name.
    pub(crate) role: &'a str,
    /// Whether the Settings entry is shown.
    pub(crate) admin: bool,
    /// The CSRF token for the sign-out form.
    pub(crate) csrf: &'a str,
}

/// A whole page.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    /// Text of `<title>` (before the organization name).
    pub(crate) title: &'a str,
    /// The organization name.
    pub(crate) org: &'a str,
    /// The signed-in member, if any.
    pub(crate) viewer: Option<Viewer<'a>>,
    /// The highlighted navigation entry.
    pub(crate) nav: Nav,
    /// Seconds after which the browser reloads the page (live progress), if any.
    pub(crate) refresh: Option<u32>,
    /// The page body (already HTML).
    pub(crate) body: String,
}

impl Page<'_> {
    /// Renders the complete document.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + CSS.len() + 2048);
        out.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        if let Some(seconds) = self.refresh {
            let _ = write!(out, "<meta http-equiv=\"refresh\" content=\"{seconds}\">");
        }
        let _ = write!(
            out,
            "<title>{} · {}</title><style>{CSS}</style></head><body>",
            escape(self.title),
            escape(self.org)
        );
        out.push_str("<header><div class=\"bar\">");
        let _ = write!(
            out,
            "<a class=\"brand\" href=\"/\">{}</a>",
            escape(self.org)
        );
        out.push_str("<nav>");
        if let Some(viewer) = &self.viewer {
            let on = |nav: Nav| if nav == self.nav { " class=\"on\"" } else { "" };
            let _ = write!(out, "<a href=\"/\"{}>Home</a>", on(Nav::Home));
            if viewer.admin {
                let _ = write!(
                    out,
                    "<a href=\"/settings\"{}>Settings</a>",
                    on(Nav::Settings)
                );
            }
        }
        out.push_str("</nav>");
        if let Some(viewer) = &self.viewer {
            let _ = write!(
                out,
                "<div class=\"who\"><span>{} · {}</span><form class=\"inline\" method=\"post\" action=\"/signout\">{}<button class=\"link\" type=\"submit\">Sign out</button></form></div>",
                escape(viewer.name),
                escape(viewer.role),
                csrf_field(viewer.csrf)
            );
        }
        out.push_str("</div></header><main>");
        out.push_str(&self.body);
        let _ = write!(out, "</main><script>{SCRIPT}</script></body></html>");
        out
    }
}

/// The hidden CSRF field every form carries.
pub(crate) fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(token)
    )
}

/// A labelled read-only value with a Copy button (shown once the script runs).
pub(crate) fn copy_value(id: &str, label: &str, value: &str, hint: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<label for=\"{id}\">{}</label><div class=\"copy-row\"><input type=\"text\" id=\"{id}\" value=\"{}\" readonly><button type=\"button\" class=\"secondary\" data-copy=\"{id}\" hidden>Copy</button></div>",
        escape(label),
        escape(value)
    );
    if !hint.is_empty() {
        let _ = write!(out, "<p class=\"hint\">{}</p>", escape(hint));
    }
    out
}

/// A text input with its label, hint and inline error.
pub(crate) fn text_field(
    name: &str,
    label: &str,
    value: &str,
    hint: &str,
    error: Option<&str>,
) -> String {
    let class = if error.is_some() {
        " class=\"invalid\""
    } else {
        ""
    };
    let mut out = format!(
        "<label for=\"{name}\">{}</label><input type=\"text\" id=\"{name}\" name=\"{name}\" value=\"{}\"{class}>",
        escape(label),
        escape(value)
    );
    push_hint_and_error(&mut out, hint, error);
    out
}

/// A textarea with its label, hint and inline error.
pub(crate) fn textarea_field(
    name: &str,
    label: &str,
    value: &str,
    hint: &str,
    error: Option<&str>,
) -> String {
    let class = if error.is_some() {
        " class=\"invalid\""
    } else {
        ""
    };
    let mut out = format!(
        "<label for=\"{name}\">{}</label><textarea id=\"{name}\" name=\"{name}\" spellcheck=\"false\"{class}>{}</textarea>",
        escape(label),
        escape(value)
    );
    push_hint_and_error(&mut out, hint, error);
    out
}

fn push_hint_and_error(out: &mut String, hint: &str, error: Option<&str>) {
    if !hint.is_empty() {
        let _ = write!(out, "<div class=\"hint\">{}</div>", escape(hint));
    }
    if let Some(error) = error {
        let _ = write!(out, "<div class=\"field-error\">{}</div>", escape(error));
    }
}

/// A notice box: `kind` is `ok`, `bad` or `warn`.
pub(crate) fn notice(kind: &str, text: &str) -> String {
    format!("<div class=\"notice {kind}\">{}</div>", escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn page_escapes_and_allows_only_its_own_script() {
        let page = Page {
            title: "<T>",
            org: "acme",
            viewer: Some(Viewer {
                name: "<b>",
                role: "Owner",
                admin: true,
                csrf: "tok",
            }),
            nav: Nav::Settings,
            refresh: Some(3),
            body: String::new(),
        };
        let html = page.render();
        assert!(html.contains("<title>&lt;T&gt; · acme</title>"));
        assert!(html.contains("&lt;b&gt; · Owner"));
        assert!(html.contains("<a href=\"/settings\" class=\"on\">Settings</a>"));
        assert!(html.contains("<input type=\"hidden\" name=\"csrf\" value=\"tok\">"));
        assert!(html.contains("<meta http-equiv=\"refresh\" content=\"3\">"));
        let policy = content_security_policy();
        assert!(policy.contains(&sha256_source(SCRIPT)));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn fields_show_errors() {
        let html = text_field("sso_url", "IdP SSO URL", "x\"y", "", Some("must be https"));
        assert!(html.contains("value=\"x&quot;y\" class=\"invalid\""));
        assert!(html.contains("<div class=\"field-error\">must be https</div>"));
        let html = copy_value("acs", "ACS", "http://a/okta/auth", "hint");
        assert!(html.contains("data-copy=\"acs\" hidden"));
    }
}

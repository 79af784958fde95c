//! The web UI: sign-in, the organization home page, the "Connect GitHub" step, and the admin
//! settings with the "Okta Integration" tab (Set Up form, the one-time token page, the values
//! to type into Okta, provisioning progress, provisioned users and groups, the audit log).
//!
//! Every state-changing request is a POST carrying the session's CSRF token (derived from the
//! session id, compared in constant time) and, when the browser sends one, an `Origin` equal to
//! the organization's own. Admin pages answer only Owners and Admins.

use std::fmt::Write as _;

use bytes::Bytes;
use http::header::{HOST, ORIGIN};
use http::{Method, Request, Response, StatusCode};

use crate::app::AppState;
use crate::db::{self, Member, Role};
use crate::html::{self, Nav, Page, Viewer, escape};
use crate::integration::{AuditFilter, OrgInfo, SetupErrors, SetupForm};
use crate::secret;
use crate::sessions::SESSION_COOKIE;
use crate::web::{self, field, html_response, parse_form, redirect};

/// Provisioned users per page.
const USERS_PAGE: i64 = 200;
/// Audit records per page.
const AUDIT_PAGE: usize = 100;
/// Failed changes listed on the Okta tab.
const FAILURES_SHOWN: usize = 50;
/// Seconds between reloads of the Okta tab while changes are queued.
const PROGRESS_REFRESH_SECS: u32 = 2;

/// The signed-in member of a request, with the secrets derived from their session.
#[derive(Debug)]
struct SignedIn {
    /// The member.
    member: Member,
    /// Whether the session came from a SAML sign-in.
    via_saml: bool,
    /// The digest of the session id (to sign out).
    session_digest: String,
    /// The CSRF token of this session.
    csrf: String,
}

/// The CSRF token of the session with id `session_id`: unguessable without the (HttpOnly)
/// session cookie, so a cross-site form cannot carry it.
pub(crate) fn csrf_token(session_id: &str) -> String {
    secret::digest(&format!("csrf\0{session_id}"))
}

/// Everything a UI handler needs about the request.
struct Ctx<'a> {
    state: &'a AppState,
    org: OrgInfo,
    viewer: Option<SignedIn>,
}

impl Ctx<'_> {
    fn page(&self, title: &str, nav: Nav, refresh: Option<u32>, body: String) -> String {
        Page {
            title,
            org: &self.org.display_name,
            viewer: self.viewer.as_ref().map(|v| Viewer {
                name: if v.member.display_name.is_empty() {
                    &v.member.email
                } else {
                    &v.member.display_name
                },
                role: v.member.role.as_str(),
                admin: v.member.role.is_admin(),
                csrf: &v.csrf,
            }),
            nav,
            refresh,
            body,
        }
        .render()
    }

    fn ok(&self, title: &str, nav: Nav, body: String) -> Response<Bytes> {
        html_response(StatusCode::OK, self.page(title, nav, None, body))
    }

    fn message(&self, status: StatusCode, title: &str, text: &str) -> Response<Bytes> {
        let body = format!(
            "<div class=\"card narrow\"><h1>{}</h1><p>{}</p><p><a href=\"/\">Back to {}</a></p></div>",
            escape(title),
            escape(text),
            escape(&self.org.display_name)
        );
        html_response(status, self.page(title, Nav::None, None, body))
    }

    fn csrf(&self) -> &str {
        self.viewer.as_ref().map_or("", |v| v.csrf.as_str())
    }

    fn now(&self) -> i64 {
        self.state.now()
    }
}

/// Answers a UI request for organization `org`.
pub(crate) async fn handle(state: &AppState, org: OrgInfo, req: Request<Bytes>) -> Response<Bytes> {
    let (parts, body) = req.into_parts();
    let viewer = match signed_in(state, &org, &parts.headers).await {
        Ok(viewer) => viewer,
        Err(error) => return internal_error(state, &org, &error),
    };
    let ctx = Ctx { state, org, viewer };
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("").as_bytes().to_vec();
    let query = parse_form(&query).unwrap_or_default();

    if parts.method == Method::POST {
        // Cross-site requests are refused before anything else looks at the form: a browser's
        // Origin must name the very host the form was posted to.
        if let Some(origin) = parts.headers.get(ORIGIN) {
            let host = parts
                .headers
                .get(HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("");
            let expected = format!("{}://{host}", ctx.state.base.scheme());
            if origin.as_bytes() != expected.as_bytes() {
                return ctx.message(
                    StatusCode::FORBIDDEN,
                    "Request refused",
                    "This form was sent from another site.",
                );
            }
        }
        let Some(form) = parse_form(&body) else {
            return ctx.message(
                StatusCode::BAD_REQUEST,
                "Bad request",
                "The form could not be read.",
            );
        };
        // The one-time sign-in form is the only one sent without a session: the token it
        // carries is itself the proof.
        if path == "/signin/one-time" {
            return one_time_sign_in(&ctx, &form).await;
        }
        let Some(viewer) = &ctx.viewer else {
            return redirect("/signin");
        };
        let sent = field(&form, "csrf").unwrap_or("");
        if !secret::equal(sent, &viewer.csrf) {
            return ctx.message(
                StatusCode::FORBIDDEN,
                "Request refused",
                "This form has expired or did not come from this site. Go back, reload the page and try again.",
            );
        }
        return match path {
            "/signout" => sign_out(&ctx).await,
            "/settings/okta/setup" => admin(&ctx, |ctx| setup_submit(ctx, &form)).await,
            "/settings/okta/retry" => admin(&ctx, retry_failed).await,
            "/settings/members/role" => set_role(&ctx, &form).await,
            _ => not_found(&ctx),
        };
    }
    if parts.method != Method::GET && parts.method != Method::HEAD {
        return ctx.message(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            "This page only answers GET and POST.",
        );
    }
    match path {
        "/" => match &ctx.viewer {
            Some(_) => home(&ctx).await,
            None => sign_in_page(&ctx).await,
        },
        "/signin" => sign_in_page(&ctx).await,
        "/signin/one-time" => one_time_page(&ctx, field(&query, "token").unwrap_or("")).await,
        "/welcome/github" => github_step(&ctx).await,
        "/welcome/github/connect" => github_connect(&ctx).await,
        "/settings" => admin(&ctx, |_| async { redirect("/settings/okta") }).await,
        "/settings/members" => {
            let page = field(&query, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            admin(&ctx, |ctx| members_page(ctx, page)).await
        }
        "/settings/okta" => admin(&ctx, okta_tab).await,
        "/settings/okta/setup" => {
            admin(&ctx, |ctx| async {
                setup_form(ctx, &SetupForm::default(), &SetupErrors::default())
            })
            .await
        }
        "/settings/okta/users" => {
            let page = field(&query, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            admin(&ctx, |ctx| users_page(ctx, page)).await
        }
        "/settings/okta/groups" => admin(&ctx, groups_page).await,
        "/settings/okta/audit" => {
            let before = field(&query, "before").and_then(|b| b.parse().ok());
            let kind = field(&query, "kind").map(str::to_owned);
            admin(&ctx, |ctx| audit_page(ctx, before, kind)).await
        }
        _ => not_found(&ctx),
    }
}

/// Finds the session of the request, if its cookie names a live one whose member is active.
/// A provisioned member is also checked against the SCIM store, so a deactivation ends the
/// session at once, before the provisioning worker applies it.
async fn signed_in(
    state: &AppState,
    org: &OrgInfo,
    headers: &http::HeaderMap,
) -> Result<Option<SignedIn>, String> {
    let Some(session_id) = web::cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    if !secret::well_formed(session_id) {
        return Ok(None);
    }
    let digest = secret::digest(session_id);
    let slug = org.slug.as_str().to_owned();
    let now = state.now();
    let lookup_digest = digest.clone();
    let member = state
        .db
        .call(move |conn| db::session(conn, &slug, &lookup_digest, now))
        .await
        .map_err(|e| e.to_string())?;
    let Some((member, via_saml)) = member else {
        return Ok(None);
    };
    if member.scim_id.is_some() {
        let active = state
            .backend
            .user_active(org, &member.email)
            .await
            .map_err(|e| e.to_string())?;
        if !active {
            let gone = digest.clone();
            state
                .db
                .call(move |conn| db::delete_session(conn, &gone))
                .await
                .map_err(|e| e.to_string())?;
            return Ok(None);
        }
    }
    Ok(Some(SignedIn {
        member,
        via_saml,
        csrf: csrf_token(session_id),
        session_digest: digest,
    }))
}

fn internal_error(state: &AppState, org: &OrgInfo, error: &str) -> Response<Bytes> {
    tracing::error!(org = %org.slug, %error, "request failed");
    let _ = state;
    html_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        Page {
            title: "Something went wrong",
            org: &org.display_name,
            viewer: None,
            nav: Nav::None,
            refresh: None,
            body: "<div class=\"card narrow\"><h1>Something went wrong</h1><p>The server could not answer this request. Try again in a moment.</p></div>".to_owned(),
        }
        .render(),
    )
}

fn not_found(ctx: &Ctx<'_>) -> Response<Bytes> {
    ctx.message(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address.",
    )
}

/// Runs `page` only for an Owner or Admin: no session goes to the sign-in page, anyone else
/// gets 403.
async fn admin<'c, 's, F, Fut>(ctx: &'c Ctx<'s>, page: F) -> Response<Bytes>
where
    F: FnOnce(&'c Ctx<'s>) -> Fut,
    Fut: Future<Output = Response<Bytes>>,
{
    match &ctx.viewer {
        None => redirect("/signin"),
        Some(viewer) if !viewer.member.role.is_admin() => ctx.message(
            StatusCode::FORBIDDEN,
            "Admins only",
            "Only Owners and Admins of this organization can open the settings.",
        ),
        Some(_) => page(ctx).await,
    }
}

// --- sign-in ------------------------------------------------------------------------------

async fn sign_in_page(ctx: &Ctx<'_>) -> Response<Bytes> {
    if ctx.viewer.is_some() {
        return redirect("/");
    }
    let configured = match ctx.state.backend.settings(&ctx.org).await {
        Ok(settings) => settings.is_some(),
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let mut body = format!(
        "<div class=\"card narrow\"><h1>Sign in to {}</h1>",
        escape(&ctx.org.display_name)
    );
    if configured {
        body.push_str("<p class=\"muted\">Members of this organization sign in through Okta.</p><p><a class=\"button\" href=\"/okta/login\">Sign in with Okta</a></p>");
    } else {
        body.push_str("<p class=\"muted\">Sign-in with Okta is not set up for this organization yet. An Owner or Admin sets it up under Settings → Okta Integration.</p><p><a class=\"button secondary\" aria-disabled=\"true\">Sign in with Okta</a></p>");
    }
    body.push_str("<p class=\"hint\">Owners: the one-time sign-in link printed by <code>okta-server</code> opens a session without Okta.</p></div>");
    ctx.ok("Sign in", Nav::None, body)
}

async fn one_time_page(ctx: &Ctx<'_>, token: &str) -> Response<Bytes> {
    let valid = if secret::well_formed(token) {
        let digest = secret::digest(token);
        let slug = ctx.org.slug.as_str().to_owned();
        let now = ctx.now();
        match ctx
            .state
            .db
            .call(move |conn| db::signin_token_valid(conn, &slug, &digest, now))
            .await
        {
            Ok(valid) => valid,
            Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
        }
    } else {
        false
    };
    if !valid {
        return ctx.message(
            StatusCode::NOT_FOUND,
            "This sign-in link is no longer valid",
            "One-time sign-in links work once and expire. Ask the operator for a new one (okta-server org sign-in-link ORG).",
        );
    }
    // The link itself does nothing: the button posts the token, so link previews and
    // prefetching cannot use it up.
    let body = format!(
        "<div class=\"card narrow\"><h1>One-time sign-in</h1><p>This link signs you in to <b>{}</b> once, without Okta.</p><form method=\"post\" action=\"/signin/one-time\"><input type=\"hidden\" name=\"token\" value=\"{}\"><button type=\"submit\">Sign in</button></form></div>",
        escape(&ctx.org.display_name),
        escape(token)
    );
    ctx.ok("One-time sign-in", Nav::None, body)
}

async fn one_time_sign_in(ctx: &Ctx<'_>, form: &[(String, String)]) -> Response<Bytes> {
    let token = field(form, "token").unwrap_or("");
    let member = if secret::well_formed(token) {
        let digest = secret::digest(token);
        let slug = ctx.org.slug.as_str().to_owned();
        let now = ctx.now();
        match ctx
            .state
            .db
            .call(move |conn| db::take_signin_token(conn, &slug, &digest, now))
            .await
        {
            Ok(member) => member,
            Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
        }
    } else {
        None
    };
    let Some(member) = member else {
        ctx.state
            .backend
            .audit_sign_in(
                &ctx.org,
                None,
                false,
                "one-time sign-in link invalid, used or expired",
            )
            .await;
        return ctx.message(
            StatusCode::FORBIDDEN,
            "This sign-in link is no longer valid",
            "One-time sign-in links work once and expire. Ask the operator for a new one.",
        );
    };
    ctx.state
        .backend
        .audit_sign_in(&ctx.org, Some(&member.email), true, "one-time sign-in link")
        .await;
    let sessions = &ctx.state.sessions;
    match sessions
        .start(
            ctx.org.slug.as_str(),
            member.id,
            sessions.default_expiry(),
            false,
        )
        .await
    {
        Ok(cookie) => {
            let mut response = redirect("/");
            web::set_cookie(&mut response, &cookie);
            response
        }
        Err(error) => internal_error(ctx.state, &ctx.org, &error),
    }
}

async fn sign_out(ctx: &Ctx<'_>) -> Response<Bytes> {
    if let Some(viewer) = &ctx.viewer {
        ctx.state
            .backend
            .audit_session_ended(&ctx.org, &viewer.member.email)
            .await;
        let digest = viewer.session_digest.clone();
        if let Err(error) = ctx
            .state
            .db
            .call(move |conn| db::delete_session(conn, &digest))
            .await
        {
            return internal_error(ctx.state, &ctx.org, &error.to_string());
        }
    }
    let mut response = redirect("/signin");
    web::set_cookie(&mut response, &ctx.state.sessions.clear_cookie());
    response
}

// --- home and the GitHub step -------------------------------------------------------------

async fn home(ctx: &Ctx<'_>) -> Response<Bytes> {
    let Some(viewer) = &ctx.viewer else {
        return redirect("/signin");
    };
    // After the first SAML sign-in, the "Connect GitHub" step comes first.
    if viewer.via_saml && !viewer.member.github_step_seen {
        return redirect("/welcome/github");
    }
    let slug = ctx.org.slug.as_str().to_owned();
    let scim_id = viewer.member.scim_id.clone();
    let loaded = ctx
        .state
        .db
        .call(move |conn| {
            let counts = db::member_counts(conn, &slug)?;
            let groups = db::groups(conn, &slug)?.len();
            let mine = match scim_id {
                Some(id) => db::groups_of(conn, &slug, &id)?,
                None => Vec::new(),
            };
            Ok((counts, groups, mine))
        })
        .await;
    let ((members, active), groups, mine) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let mut body = format!(
        "<div class=\"card\"><h1>{}</h1><p class=\"muted\">Signed in as {} ({}).</p>",
        escape(&ctx.org.display_name),
        escape(&viewer.member.email),
        viewer.member.role.as_str()
    );
    let _ = write!(
        body,
        "<div class=\"stats\"><div class=\"stat\"><b>{active}</b>active members</div><div class=\"stat\"><b>{members}</b>members in total</div><div class=\"stat\"><b>{groups}</b>groups</div></div>"
    );
    if !mine.is_empty() {
        let names: Vec<String> = mine.iter().map(|g| escape(g)).collect();
        let _ = write!(body, "<p>Your groups: {}</p>", names.join(", "));
    }
    if viewer.member.github_connected {
        body.push_str("<p><span class=\"badge ok\">GitHub connected</span></p>");
    } else {
        body.push_str("<p class=\"muted\">GitHub is not connected. <a href=\"/welcome/github\">Connect GitHub</a></p>");
    }
    if viewer.member.role.is_admin() {
        body.push_str("<p><a class=\"button secondary\" href=\"/settings/okta\">Okta Integration settings</a></p>");
    }
    body.push_str("</div>");
    ctx.ok("Home", Nav::Home, body)
}

async fn github_step(ctx: &Ctx<'_>) -> Response<Bytes> {
    let Some(viewer) = &ctx.viewer else {
        return redirect("/signin");
    };
    if !viewer.member.github_step_seen {
        let id = viewer.member.id;
        if let Err(error) = ctx
            .state
            .db
            .call(move |conn| db::set_github_step_seen(conn, id))
            .await
        {
            return internal_error(ctx.state, &ctx.org, &error.to_string());
        }
    }
    let name = if viewer.member.display_name.is_empty() {
        &viewer.member.email
    } else {
        &viewer.member.display_name
    };
    let body = github_step_body(
        name,
        &ctx.org.display_name,
        ctx.state.github_authorize_url.is_some(),
    );
    ctx.ok("Connect GitHub", Nav::None, body)
}

/// The "Connect GitHub" step after the first sign-in, with its Skip link.
fn github_step_body(name: &str, org_name: &str, github_configured: bool) -> String {
    let connect = if github_configured {
        "<a class=\"button\" href=\"/welcome/github/connect\">Connect GitHub</a>"
    } else {
        "<a class=\"button secondary\" aria-disabled=\"true\">Connect GitHub</a><p class=\"hint\">GitHub is not configured on this server (okta-server serve --github-authorize-url URL).</p>"
    };
    format!(
        "<div class=\"card narrow\"><h1>Welcome, {}</h1><p>Connect your GitHub account so {} can show your repositories. You can do this later from the home page.</p><div>{connect}</div><p class=\"spaced\"><a href=\"/\">Skip for now</a></p></div>",
        escape(name),
        escape(org_name)
    )
}

async fn github_connect(ctx: &Ctx<'_>) -> Response<Bytes> {
    let Some(viewer) = &ctx.viewer else {
        return redirect("/signin");
    };
    let Some(url) = &ctx.state.github_authorize_url else {
        return redirect("/welcome/github");
    };
    let id = viewer.member.id;
    if let Err(error) = ctx
        .state
        .db
        .call(move |conn| db::set_github_connected(conn, id))
        .await
    {
        return internal_error(ctx.state, &ctx.org, &error.to_string());
    }
    redirect(url)
}

/// "Page N of M · Previous · Next" for `total` rows at [`USERS_PAGE`] a page; empty for one page.
fn pager(path: &str, page: i64, total: i64) -> String {
    let pages = (total + USERS_PAGE - 1) / USERS_PAGE;
    if pages <= 1 {
        return String::new();
    }
    let mut out = format!("<p class=\"spaced\">Page {page} of {pages}");
    if page > 1 {
        let _ = write!(out, " · <a href=\"{path}?page={}\">Previous</a>", page - 1);
    }
    if page < pages {
        let _ = write!(out, " · <a href=\"{path}?page={}\">Next</a>", page + 1);
    }
    out.push_str("</p>");
    out
}

// --- settings: members --------------------------------------------------------------------

fn settings_tabs(active: &str) -> String {
    let tab = |href: &str, label: &str| {
        let on = if label == active { " class=\"on\"" } else { "" };
        format!("<a href=\"{href}\"{on}>{label}</a>")
    };
    format!(
        "<h1>Settings</h1><div class=\"tabs\">{}{}</div>",
        tab("/settings/okta", "Okta Integration"),
        tab("/settings/members", "Members")
    )
}

async fn members_page(ctx: &Ctx<'_>, page: i64) -> Response<Bytes> {
    let slug = ctx.org.slug.as_str().to_owned();
    let page = page.max(1);
    let (members, total) = match ctx
        .state
        .db
        .call(move |conn| db::members_page(conn, &slug, (page - 1) * USERS_PAGE, USERS_PAGE))
        .await
    {
        Ok(loaded) => loaded,
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let owner = ctx
        .viewer
        .as_ref()
        .is_some_and(|v| v.member.role == Role::Owner);
    let mut body = settings_tabs("Members");
    body.push_str("<div class=\"card\"><h2>Members and roles</h2><p class=\"muted\">People provisioned from Okta join as Members. Owners can make a member an Admin, who may then change the Okta Integration settings.</p><table><tr><th>Email</th><th>Name</th><th>Source</th><th>Status</th><th>Role</th></tr>");
    for member in &members {
        let source = if member.scim_id.is_some() {
            "Okta"
        } else {
            "local"
        };
        let status = if member.active {
            "<span class=\"badge ok\">active</span>"
        } else {
            "<span class=\"badge bad\">deactivated</span>"
        };
        let role = if owner {
            let options: String = [Role::Owner, Role::Admin, Role::Member]
                .iter()
                .map(|r| {
                    let selected = if *r == member.role { " selected" } else { "" };
                    format!("<option{selected}>{}</option>", r.as_str())
                })
                .collect();
            format!(
                "<form class=\"inline\" method=\"post\" action=\"/settings/members/role\">{}<input type=\"hidden\" name=\"member\" value=\"{}\"><select name=\"role\" aria-label=\"Role of {}\">{options}</select> <button class=\"secondary\" type=\"submit\">Save</button></form>",
                html::csrf_field(ctx.csrf()),
                member.id,
                escape(&member.email)
            )
        } else {
            member.role.as_str().to_owned()
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{source}</td><td>{status}</td><td>{role}</td></tr>",
            escape(&member.email),
            escape(&member.display_name)
        );
    }
    body.push_str("</table>");
    body.push_str(&pager("/settings/members", page, total));
    body.push_str("</div>");
    ctx.ok("Members", Nav::Settings, body)
}

async fn set_role(ctx: &Ctx<'_>, form: &[(String, String)]) -> Response<Bytes> {
    let Some(viewer) = &ctx.viewer else {
        return redirect("/signin");
    };
    if viewer.member.role != Role::Owner {
        return ctx.message(
            StatusCode::FORBIDDEN,
            "Owners only",
            "Only Owners can change roles.",
        );
    }
    let (Some(member_id), Some(role)) = (
        field(form, "member").and_then(|m| m.parse::<i64>().ok()),
        field(form, "role").and_then(Role::parse),
    ) else {
        return ctx.message(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "Choose a member and a role.",
        );
    };
    let slug = ctx.org.slug.as_str().to_owned();
    match ctx
        .state
        .db
        .call(move |conn| db::set_role(conn, &slug, member_id, role))
        .await
    {
        Ok(Ok(email)) => {
            ctx.state
                .backend
                .audit_settings(
                    &ctx.org,
                    &viewer.member.email,
                    "member.role_changed",
                    &format!("{email} is now {}", role.as_str()),
                )
                .await;
            redirect("/settings/members")
        }
        Ok(Err(reason)) => ctx.message(StatusCode::CONFLICT, "Role not changed", reason),
        Err(error) => internal_error(ctx.state, &ctx.org, &error.to_string()),
    }
}

// --- settings: Okta Integration -----------------------------------------------------------

fn okta_values(ctx: &Ctx<'_>) -> String {
    let values = match ctx.state.backend.okta_values(&ctx.org) {
        Ok(values) => values,
        Err(error) => {
            tracing::error!(org = %ctx.org.slug, %error, "cannot compute the Okta values");
            return html::notice("bad", "The values for Okta could not be computed.");
        }
    };
    let mut out = String::from(
        "<div class=\"card\"><h2>Values to type into Okta</h2><p class=\"muted\">In Okta's Admin Console: Applications → Create App Integration → SAML 2.0, then on Configure SAML:</p>",
    );
    out.push_str(&html::copy_value(
        "acs-url",
        "Single Sign On URL",
        &values.acs_url,
        "Also check \"Use this for Recipient URL and Destination URL\".",
    ));
    out.push_str(&html::copy_value(
        "audience",
        "Audience URI (SP Entity ID)",
        &values.audience_uri,
        "",
    ));
    out.push_str(&html::copy_value(
        "username",
        "Application username",
        values.application_username,
        "Name ID format: EmailAddress.",
    ));
    out.push_str("<h3>Provisioning (SCIM)</h3><p class=\"muted\">Under General → App Settings choose SCIM, then on the Provisioning tab → Integration:</p>");
    out.push_str(&html::copy_value(
        "scim-url",
        "SCIM connector base URL",
        &values.scim_base_url,
        "",
    ));
    out.push_str(&html::copy_value(
        "unique-id",
        "Unique identifier field for users",
        values.unique_identifier_field,
        "Okta sends the email address as userName.",
    ));
    out.push_str(&html::copy_value(
        "auth-mode",
        "Authentication Mode",
        "HTTP Header",
        "Authorization: the SCIM token shown once when you save the Set Up form (Bearer).",
    ));
    let _ = write!(
        out,
        "<p class=\"hint\">Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups. To App: enable Create Users, Update User Attributes and Deactivate Users. SP metadata: <a href=\"{0}\">{0}</a></p></div>",
        escape(&values.metadata_url)
    );
    out
}

async fn okta_tab(ctx: &Ctx<'_>) -> Response<Bytes> {
    let backend = &ctx.state.backend;
    let loaded = async {
        let settings = backend.settings(&ctx.org).await?;
        let progress = backend.progress(&ctx.org).await?;
        let failures = backend.failures(&ctx.org, FAILURES_SHOWN).await?;
        Ok::<_, crate::integration::BackendError>((settings, progress, failures))
    }
    .await;
    let (settings, progress, failures) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let slug = ctx.org.slug.as_str().to_owned();
    let here = match ctx
        .state
        .db
        .call(move |conn| {
            Ok((
                db::applied_count(conn, &slug)?,
                db::member_counts(conn, &slug)?,
            ))
        })
        .await
    {
        Ok(here) => here,
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let (applied_here, (members, active)) = here;
    let mut body = settings_tabs("Okta Integration");
    body.push_str("<div class=\"card\"><h2>Okta Integration</h2>");
    match &settings {
        Some(settings) => {
            let _ = write!(
                body,
                "<p><span class=\"badge ok\">Connected</span> Members sign in through <b>{}</b>.</p><table class=\"kv\"><tr><th>IdP Single Sign-On URL</th><td><code>{}</code></td></tr><tr><th>IdP Issuer</th><td><code>{}</code></td></tr><tr><th>Certificates</th><td>{}</td></tr><tr><th>Last saved</th><td>{}</td></tr></table><p class=\"spaced\"><a class=\"button secondary\" href=\"/settings/okta/setup\">Set Up again</a> <span class=\"hint\">Saving again issues a new SCIM token; the current one stops working.</span></p>",
                escape(&settings.issuer),
                escape(&settings.sso_url),
                escape(&settings.issuer),
                escape(&settings.certificates.join("; ")),
                escape(&settings.updated_at)
            );
        }
        None => body.push_str("<p>Connect this organization to Okta so members sign in with Okta and Okta provisions them.</p><p><a class=\"button\" href=\"/settings/okta/setup\">Set Up</a></p>"),
    }
    body.push_str("</div>");

    let refresh = (progress.queued > 0).then_some(PROGRESS_REFRESH_SECS);
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Provisioning</h2><p class=\"muted\">Okta's green tick means a change was received; these counts show what has been applied here.{}</p><div class=\"stats\"><div class=\"stat\"><b id=\"queued\">{}</b>queued</div><div class=\"stat\"><b id=\"applied\">{}</b>applied</div><div class=\"stat\"><b id=\"failed\">{}</b>failed</div></div><p class=\"hint\">Current push: {} queued, {} applied, {} failed.{} This server has applied {applied_here} changes and has {members} members ({active} active).</p><p><a href=\"/settings/okta/users\">Provisioned users</a> · <a href=\"/settings/okta/groups\">Provisioned groups</a> · <a href=\"/settings/okta/audit\">Audit log</a></p>",
        if refresh.is_some() {
            " This page refreshes until the queue is empty."
        } else {
            ""
        },
        progress.queued,
        progress.applied,
        progress.failed,
        progress.current_queued,
        progress.current_applied,
        progress.current_failed,
        match (&progress.last_error, progress.retrying) {
            (Some(error), n) if n > 0 =>
                format!(" {n} waiting for a retry; last error: {}", escape(error)),
            _ => String::new(),
        }
    );
    if !failures.is_empty() {
        body.push_str(
            "<h3>Failures</h3><table><tr><th>When</th><th>Change</th><th>Reason</th></tr>",
        );
        for failure in &failures {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&failure.at),
                escape(&failure.change),
                escape(&failure.reason)
            );
        }
        let _ = write!(
            body,
            "</table><form method=\"post\" action=\"/settings/okta/retry\" class=\"spaced\">{}<button class=\"secondary\" type=\"submit\">Retry failed changes</button></form>",
            html::csrf_field(ctx.csrf())
        );
    }
    body.push_str("</div>");
    body.push_str(&okta_values(ctx));
    html_response(
        StatusCode::OK,
        ctx.page("Okta Integration", Nav::Settings, refresh, body),
    )
}

fn setup_form(ctx: &Ctx<'_>, form: &SetupForm, errors: &SetupErrors) -> Response<Bytes> {
    let mut body = settings_tabs("Okta Integration");
    body.push_str("<div class=\"card\"><h2>Set Up Okta</h2><p class=\"muted\">In Okta, open the app's Sign On tab and click \"View SAML setup instructions\". Copy the three values from there.</p>");
    if let Some(error) = &errors.form {
        body.push_str(&html::notice("bad", error));
    }
    if errors.any() {
        body.push_str(&html::notice(
            "bad",
            "Nothing was saved: fix the fields marked below.",
        ));
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/settings/okta/setup\">{}{}{}{}<details{}><summary>Or paste the IdP metadata XML instead</summary>{}</details><p class=\"spaced\"><button type=\"submit\">Save</button> <a href=\"/settings/okta\">Cancel</a></p><p class=\"hint\">Saving issues a new SCIM token and shows it once. Any earlier token stops working.</p></form></div>",
        html::csrf_field(ctx.csrf()),
        html::text_field(
            "sso_url",
            "Identity Provider Single Sign-On URL",
            &form.sso_url,
            "For example https://your-org.okta.com/app/your-app/exk.../sso/saml",
            errors.sso_url.as_deref()
        ),
        html::text_field(
            "issuer",
            "Identity Provider Issuer",
            &form.issuer,
            "For example http://www.okta.com/exk...",
            errors.issuer.as_deref()
        ),
        html::textarea_field(
            "certificate",
            "X.509 Certificate",
            &form.certificate,
            "PEM, with or without the BEGIN/END lines.",
            errors.certificate.as_deref()
        ),
        if errors.metadata_xml.is_some() || !form.metadata_xml.is_empty() {
            " open"
        } else {
            ""
        },
        html::textarea_field(
            "metadata_xml",
            "IdP metadata XML (optional)",
            &form.metadata_xml,
            "Fills the three fields above from Okta's Identity Provider metadata.",
            errors.metadata_xml.as_deref()
        ),
    );
    ctx.ok("Set Up Okta", Nav::Settings, body)
}

async fn setup_submit(ctx: &Ctx<'_>, fields: &[(String, String)]) -> Response<Bytes> {
    let form = SetupForm {
        sso_url: field(fields, "sso_url").unwrap_or("").trim().to_owned(),
        issuer: field(fields, "issuer").unwrap_or("").trim().to_owned(),
        certificate: field(fields, "certificate").unwrap_or("").to_owned(),
        metadata_xml: field(fields, "metadata_xml").unwrap_or("").to_owned(),
    };
    let actor = ctx.viewer.as_ref().map(|v| v.member.email.as_str());
    match ctx
        .state
        .backend
        .save_settings(&ctx.org, &form, actor)
        .await
    {
        Ok(Ok(saved)) => token_page(ctx, &saved),
        Ok(Err(errors)) => {
            let mut response = setup_form(ctx, &form, &errors);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(error) => internal_error(ctx.state, &ctx.org, &error.to_string()),
    }
}

fn token_page(ctx: &Ctx<'_>, saved: &crate::integration::Saved) -> Response<Bytes> {
    let mut body = settings_tabs("Okta Integration");
    body.push_str("<div class=\"card\"><h2>SCIM Authorization Token</h2>");
    for warning in &saved.warnings {
        body.push_str(&html::notice("warn", warning));
    }
    body.push_str(&html::notice(
        "warn",
        "Copy this token now and store it somewhere safe. It is shown only this once. To get a new token you have to enter all of the SAML information again, which also makes this one stop working.",
    ));
    body.push_str(&html::copy_value(
        "scim-token",
        "SCIM token (Okta: Provisioning → Integration → Authorization)",
        &saved.token,
        "Okta sends it as Authorization: Bearer <token>.",
    ));
    body.push_str(
        "<p><a class=\"button\" href=\"/settings/okta\">I have stored the token</a></p></div>",
    );
    body.push_str(&okta_values(ctx));
    ctx.ok("SCIM token", Nav::Settings, body)
}

async fn retry_failed(ctx: &Ctx<'_>) -> Response<Bytes> {
    match ctx.state.backend.retry_failed(&ctx.org).await {
        Ok(_) => redirect("/settings/okta"),
        Err(error) => internal_error(ctx.state, &ctx.org, &error.to_string()),
    }
}

async fn users_page(ctx: &Ctx<'_>, page: i64) -> Response<Bytes> {
    let slug = ctx.org.slug.as_str().to_owned();
    let page = page.max(1);
    let loaded = ctx
        .state
        .db
        .call(move |conn| {
            let (members, total) =
                db::provisioned_members(conn, &slug, (page - 1) * USERS_PAGE, USERS_PAGE)?;
            let mut rows = Vec::with_capacity(members.len());
            for member in members {
                let groups = db::groups_of(conn, &slug, member.scim_id.as_deref().unwrap_or(""))?;
                rows.push((member, groups));
            }
            Ok((rows, total))
        })
        .await;
    let (rows, total) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let mut body = settings_tabs("Okta Integration");
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Provisioned users ({total})</h2><p class=\"muted\">As applied by the provisioning worker. <a href=\"/settings/okta\">Back</a></p><table><tr><th>userName</th><th>Name</th><th>Status</th><th>Role</th><th>Groups</th><th>Last sign-in</th></tr>"
    );
    for (member, groups) in &rows {
        let status = if member.active {
            "<span class=\"badge ok\">active</span>"
        } else {
            "<span class=\"badge bad\">deactivated</span>"
        };
        let groups: Vec<String> = groups.iter().map(|g| escape(g)).collect();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{status}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&member.email),
            escape(&member.display_name),
            member.role.as_str(),
            groups.join(", "),
            member
                .signed_in_at
                .map_or_else(|| "never".to_owned(), crate::app::format_time)
        );
    }
    body.push_str("</table>");
    body.push_str(&pager("/settings/okta/users", page, total));
    body.push_str("</div>");
    ctx.ok("Provisioned users", Nav::Settings, body)
}

async fn groups_page(ctx: &Ctx<'_>) -> Response<Bytes> {
    let slug = ctx.org.slug.as_str().to_owned();
    let groups = match ctx.state.db.call(move |conn| db::groups(conn, &slug)).await {
        Ok(groups) => groups,
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let mut body = settings_tabs("Okta Integration");
    let _ = write!(
        body,
        "<div class=\"card\"><h2>Provisioned groups ({})</h2><p class=\"muted\">Groups pushed from Okta. <a href=\"/settings/okta\">Back</a></p><table><tr><th>Name</th><th>Members</th><th>SCIM id</th></tr>",
        groups.len()
    );
    for group in &groups {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape(&group.display_name),
            group.members,
            escape(&group.scim_id)
        );
    }
    body.push_str("</table></div>");
    ctx.ok("Provisioned groups", Nav::Settings, body)
}

async fn audit_page(ctx: &Ctx<'_>, before: Option<i64>, kind: Option<String>) -> Response<Bytes> {
    let filter = AuditFilter {
        before,
        kind,
        limit: AUDIT_PAGE,
    };
    let page = match ctx.state.backend.audit(&ctx.org, &filter).await {
        Ok(page) => page,
        Err(error) => return internal_error(ctx.state, &ctx.org, &error.to_string()),
    };
    let mut body = settings_tabs("Okta Integration");
    body.push_str("<div class=\"card\"><h2>Audit log</h2><p class=\"muted\">Every SCIM change and every sign-in, refusals with their reason. Newest first. <a href=\"/settings/okta\">Back</a></p><p class=\"hint\">Show: <a href=\"/settings/okta/audit\">all</a>");
    for kind in &page.kinds {
        let _ = write!(
            body,
            " · <a href=\"/settings/okta/audit?kind={}\">{}</a>",
            web::encode_query_value(kind),
            escape(kind)
        );
    }
    body.push_str("</p><table><tr><th>When</th><th>Kind</th><th>Action</th><th>Actor</th><th>Subject</th><th>Detail</th></tr>");
    for record in &page.records {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&record.at),
            escape(&record.kind),
            escape(&record.action),
            escape(&record.actor),
            escape(&record.subject),
            escape(&record.detail)
        );
    }
    body.push_str("</table>");
    if let Some(next) = page.next_before {
        let kind = filter
            .kind
            .as_deref()
            .map(|k| format!("&kind={}", web::encode_query_value(k)))
            .unwrap_or_default();
        let _ = write!(
            body,
            "<p class=\"spaced\"><a href=\"/settings/okta/audit?before={next}{kind}\">Older entries</a></p>"
        );
    }
    body.push_str("</div>");
    ctx.ok("Audit log", Nav::Settings, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a `<p>` opens inside another (invalid HTML: the browser closes the outer one and
    /// leaves a stray empty paragraph).
    fn has_nested_paragraph(html: &str) -> bool {
        let mut open = false;
        let mut rest = html;
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            if rest.starts_with("<p>") || rest.starts_with("<p ") {
                if open {
                    return true;
                }
                open = true;
            } else if rest.starts_with("</p>") {
                open = false;
            }
            rest = &rest[1..];
        }
        false
    }

    #[test]
    fn github_step_is_valid_html_with_or_without_github() {
        for configured in [true, false] {
            let body = github_step_body("Ann <A>", "Acme", configured);
            assert!(!has_nested_paragraph(&body), "{body}");
            assert!(body.contains("Welcome, Ann &lt;A&gt;"), "{body}");
            assert!(body.contains("<a href=\"/\">Skip for now</a>"), "{body}");
            assert_eq!(
                body.contains("href=\"/welcome/github/connect\""),
                configured,
                "{body}"
            );
        }
        assert!(has_nested_paragraph("<p>a<p class=\"hint\">b</p></p>"));
    }
}

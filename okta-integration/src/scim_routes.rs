//! The SCIM 2.0 server under `{base}/scim`, mapped onto scim-core and the organization's
//! [`ResourceStore`](scim_core::store::ResourceStore).
//!
//! Every request is authenticated first (`Authorization: Bearer`, checked against the
//! organization's token hash; another organization's token is refused like any wrong one).
//! Responses are `application/scim+json`; errors are RFC 7644 §3.12 JSON with `status` and
//! `scimType`. Writes answer with `Location` (on create) and `ETag`; `If-Match` is honoured on
//! writes (`412` on mismatch) and `If-None-Match` on reads (`304`).

use bytes::Bytes;
use http::header::{CONTENT_TYPE, ETAG, IF_MATCH, IF_NONE_MATCH, LOCATION};
use http::request::Parts;
use http::{HeaderValue, Method, Response, StatusCode};
use scim_core::meta::{Conditions, NoneMatchOutcome, check_if_none_match};
use scim_core::query::ListQuery;
use scim_core::{RenderOptions, Resource};
use serde_json::Value;

use crate::audit::{AuditEvent, AuditKind};
use crate::auth::bearer_token;
use crate::config::{OktaIntegration, PatchResponse};
use crate::handlers::Tenant;
use crate::response::{scim_error, scim_error_status, scim_json, scim_unauthorized};
use crate::routes::{ResourceKind, ScimRoute};

type ScimResult = Result<Response<Bytes>, scim_core::Error>;

pub(crate) async fn handle(
    integration: &OktaIntegration,
    tenant: &Tenant,
    route: &ScimRoute,
    parts: &Parts,
    body: Bytes,
) -> Response<Bytes> {
    if let Some(refusal) = authenticate(integration, tenant, parts).await {
        return refusal;
    }
    let ctx = Ctx {
        integration,
        tenant,
        parts,
        base: scim_base(integration, tenant),
    };
    match ctx.dispatch(route, body).await {
        Ok(r) => r,
        Err(e) => {
            if e.status() >= 500 {
                tracing::error!(org = %tenant.org.slug, error = %e, "SCIM request failed");
            } else {
                tracing::debug!(org = %tenant.org.slug, error = %e, "SCIM request refused");
            }
            scim_error(&e)
        }
    }
}

/// `None` when the bearer token is this organization's current one; else the 401 response.
async fn authenticate(
    integration: &OktaIntegration,
    tenant: &Tenant,
    parts: &Parts,
) -> Option<Response<Bytes>> {
    let reason = match bearer_token(&parts.headers) {
        Ok(token) => {
            match integration
                .inner
                .store
                .verify_scim_token(tenant.org.id, token)
                .await
            {
                Ok(true) => return None,
                Ok(false) => "token is not this organization's current SCIM token",
                Err(e) => {
                    tracing::error!(org = %tenant.org.slug, error = %e, "token check failed");
                    return Some(scim_error_status(500, None, "internal server error"));
                }
            }
        }
        Err(r) => r.as_str(),
    };
    tracing::info!(org = %tenant.org.slug, reason, "SCIM request without a valid token");
    let event = AuditEvent::new(
        integration.now_unix(),
        AuditKind::ScimAuthRefused,
        "scim.unauthorized",
    )
    .with_detail(format!("{} {}: {reason}", parts.method, parts.uri.path()));
    integration.audit(tenant.org.id, &event).await;
    Some(scim_unauthorized())
}

/// The SCIM base URL as the client reached us (for `Location` and `meta.location`).
fn scim_base(integration: &OktaIntegration, tenant: &Tenant) -> String {
    let root = match &tenant.origin.host {
        Some(host) => format!("{}://{host}", tenant.origin.scheme.as_str()),
        None => tenant.org_origin.clone(),
    };
    format!("{root}{}/scim", integration.base_path())
}

struct Ctx<'a> {
    integration: &'a OktaIntegration,
    tenant: &'a Tenant,
    parts: &'a Parts,
    base: String,
}

impl Ctx<'_> {
    async fn dispatch(&self, route: &ScimRoute, body: Bytes) -> ScimResult {
        let m = &self.parts.method;
        let get = *m == Method::GET || *m == Method::HEAD;
        match route {
            ScimRoute::Collection(kind) if get => self.list(*kind).await,
            ScimRoute::Collection(kind) => self.create(*kind, &body).await,
            ScimRoute::Resource(kind, id) => match *m {
                Method::PUT => self.replace(*kind, id, &body).await,
                Method::PATCH => self.patch(*kind, id, &body).await,
                Method::DELETE => self.delete(*kind, id).await,
                _ => self.get(*kind, id).await,
            },
            ScimRoute::TypeSearch(kind) => {
                let q = ListQuery::from_search_request(&self.json_body(&body)?, self.lenient())?;
                self.query(*kind, &q).await
            }
            ScimRoute::RootSearch => {
                let q = ListQuery::from_search_request(&self.json_body(&body)?, self.lenient())?;
                self.root_search(&q).await
            }
            ScimRoute::ServiceProviderConfig => Ok(scim_json(
                200,
                &self.scim().service_provider_config(Some(&self.base)),
            )),
            ScimRoute::ResourceTypes => Ok(scim_json(
                200,
                &self.scim().resource_types_document(Some(&self.base)),
            )),
            ScimRoute::Schemas => Ok(scim_json(
                200,
                &self.scim().schemas_document(Some(&self.base)),
            )),
            ScimRoute::ResourceType(name) => {
                let doc = self.scim().resource_types_document(Some(&self.base));
                find_in_list(&doc, |r| {
                    ["name", "id"].iter().any(|k| {
                        r.get(*k)
                            .and_then(Value::as_str)
                            .is_some_and(|v| v.eq_ignore_ascii_case(name))
                    })
                })
                .map(|r| scim_json(200, &r))
                .ok_or_else(|| not_found("ResourceType", name))
            }
            ScimRoute::Schema(urn) => {
                let doc = self.scim().schemas_document(Some(&self.base));
                find_in_list(&doc, |r| {
                    r.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.eq_ignore_ascii_case(urn))
                })
                .map(|r| scim_json(200, &r))
                .ok_or_else(|| not_found("Schema", urn))
            }
            _ => Ok(scim_error_status(
                404,
                None,
                &format!("no SCIM endpoint at {}", self.parts.uri.path()),
            )),
        }
    }

    fn scim(&self) -> &scim_core::Scim {
        self.integration.scim()
    }

    fn lenient(&self) -> bool {
        self.scim().options().lenient()
    }

    fn store(&self) -> std::sync::Arc<dyn scim_core::store::ResourceStore> {
        self.integration.inner.store.resources(self.tenant.org.id)
    }

    fn params(&self) -> Vec<(String, String)> {
        query_pairs(self.parts.uri.query().unwrap_or_default())
    }

    fn list_query(&self) -> Result<ListQuery, scim_core::Error> {
        let params = self.params();
        ListQuery::from_params(
            params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            self.lenient(),
        )
    }

    fn wants_attributes(&self) -> bool {
        self.params().iter().any(|(k, _)| {
            k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
        })
    }

    /// The request body as JSON (media type checked; malformed JSON is `invalidSyntax`).
    fn json_body(&self, body: &Bytes) -> Result<Value, scim_core::Error> {
        if let Some(ct) = self.parts.headers.get(CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or_default();
            let media = ct.split(';').next().unwrap_or_default().trim();
            let ok = media.is_empty()
                || media.eq_ignore_ascii_case("application/scim+json")
                || media.eq_ignore_ascii_case("application/json");
            if !ok {
                return Err(scim_core::Error::invalid_syntax(format!(
                    "unsupported Content-Type '{media}': send application/scim+json"
                )));
            }
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(scim_core::Error::invalid_syntax(
                "the request body is empty",
            ));
        }
        serde_json::from_slice(body).map_err(|e| {
            scim_core::Error::invalid_syntax(format!("the request body is not valid JSON: {e}"))
        })
    }

    fn conditions(&self) -> Conditions {
        match self
            .parts
            .headers
            .get(IF_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            Some(v) => Conditions::if_match(v),
            None => Conditions::none(),
        }
    }

    fn render(&self, res: &Resource, with_projection: bool) -> Result<Value, scim_core::Error> {
        let projection = if with_projection {
            Some(
                self.scim()
                    .projection(res.resource_type(), &self.list_query()?)?,
            )
        } else {
            None
        };
        self.scim().render(
            res,
            RenderOptions {
                base_url: Some(&self.base),
                projection: projection.as_ref(),
            },
        )
    }

    fn resource_response(&self, status: u16, res: &Resource) -> ScimResult {
        let body = self.render(res, true)?;
        let mut r = scim_json(status, &body);
        set_etag(&mut r, &res.etag());
        Ok(r)
    }

    async fn list(&self, kind: ResourceKind) -> ScimResult {
        let q = self.list_query()?;
        self.query(kind, &q).await
    }

    async fn query(&self, kind: ResourceKind, q: &ListQuery) -> ScimResult {
        let page = self.store().query(kind.type_name(), q).await?;
        let projection = self.scim().projection(kind.type_name(), q)?;
        let body = self
            .scim()
            .list_response(&page, Some(&self.base), Some(&projection))?;
        Ok(scim_json(200, &body))
    }

    async fn root_search(&self, q: &ListQuery) -> ScimResult {
        const TYPES: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];
        let names = TYPES.map(ResourceKind::type_name);
        // Every name in `attributes`, `excludedAttributes` and `sortBy` must exist on at least
        // one type; each applies to the types that define it.
        let projections = self.scim().projections_across(&names, q)?;
        let max = self.scim().options().max_results();
        let mut found = Vec::new();
        let mut total = 0usize;
        for kind in TYPES {
            let sub = q
                .clone()
                .without_sort()
                .with_start_index(1)
                .with_count(i64::try_from(max).unwrap_or(i64::MAX));
            let page = self.store().query(kind.type_name(), &sub).await?;
            total = total.saturating_add(page.total_results);
            found.extend(page.resources);
        }
        let found = self.scim().sort_across(&names, found, q)?;
        let count = q
            .count()
            .unwrap_or(self.scim().options().default_count())
            .min(max);
        let range = scim_core::list::page_range(found.len(), q.start_index(), count);
        let mut items = Vec::new();
        for r in found.get(range).unwrap_or_default() {
            let projection = TYPES
                .iter()
                .zip(&projections)
                .find(|(kind, _)| r.resource_type().eq_ignore_ascii_case(kind.type_name()))
                .map(|(_, p)| p);
            items.push(self.scim().render(
                r,
                RenderOptions {
                    base_url: Some(&self.base),
                    projection,
                },
            )?);
        }
        let list = scim_core::list::ListResponse::new(
            total,
            q.start_index(),
            (q.count() != Some(0)).then_some(items),
        );
        Ok(scim_json(200, &list.to_json()))
    }

    async fn get(&self, kind: ResourceKind, id: &str) -> ScimResult {
        let res = self.store().get(kind.type_name(), id).await?;
        if let Some(h) = self
            .parts
            .headers
            .get(IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            if check_if_none_match(h, &res.etag(), true) == NoneMatchOutcome::NotModified {
                let mut r = Response::new(Bytes::new());
                *r.status_mut() = StatusCode::NOT_MODIFIED;
                set_etag(&mut r, &res.etag());
                return Ok(r);
            }
        }
        self.resource_response(200, &res)
    }

    async fn create(&self, kind: ResourceKind, body: &Bytes) -> ScimResult {
        let json = self.json_body(body)?;
        let res = self.scim().create(kind.type_name(), &json)?;
        let stored = self.store().create(res).await?;
        let mut r = self.resource_response(201, &stored)?;
        let location = format!("{}/{}/{}", self.base, kind.endpoint(), stored.id().as_str());
        if let Ok(v) = HeaderValue::from_str(&location) {
            r.headers_mut().insert(LOCATION, v);
        }
        Ok(r)
    }

    async fn replace(&self, kind: ResourceKind, id: &str, body: &Bytes) -> ScimResult {
        let json = self.json_body(body)?;
        let res = self
            .store()
            .replace(kind.type_name(), id, &json, &self.conditions())
            .await?;
        self.resource_response(200, &res)
    }

    async fn patch(&self, kind: ResourceKind, id: &str, body: &Bytes) -> ScimResult {
        let json = self.json_body(body)?;
        let request = self.scim().parse_patch(&json)?;
        let res = self
            .store()
            .patch(kind.type_name(), id, &request, &self.conditions())
            .await?;
        if self.integration.inner.patch_response == PatchResponse::NoContent
            && !self.wants_attributes()
        {
            let mut r = Response::new(Bytes::new());
            *r.status_mut() = StatusCode::NO_CONTENT;
            set_etag(&mut r, &res.etag());
            return Ok(r);
        }
        self.resource_response(200, &res)
    }

    async fn delete(&self, kind: ResourceKind, id: &str) -> ScimResult {
        self.store()
            .delete(kind.type_name(), id, &self.conditions())
            .await?;
        let mut r = Response::new(Bytes::new());
        *r.status_mut() = StatusCode::NO_CONTENT;
        Ok(r)
    }
}

fn set_etag(r: &mut Response<Bytes>, etag: &str) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        r.headers_mut().insert(ETAG, v);
    }
}

fn not_found(resource_type: &str, id: &str) -> scim_core::Error {
    scim_core::Error::NotFound {
        resource_type: resource_type.to_owned(),
        id: id.to_owned(),
    }
}

fn find_in_list(doc: &Value, pred: impl Fn(&Value) -> bool) -> Option<Value> {
    doc.get("Resources")?
        .as_array()?
        .iter()
        .find(|r| pred(r))
        .cloned()
}

/// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space).
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

pub(crate) fn form_decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        assert_eq!(
            query_pairs("filter=userName+eq+%22a%40b.c%22&count=2&x"),
            vec![
                ("filter".to_owned(), "userName eq \"a@b.c\"".to_owned()),
                ("count".to_owned(), "2".to_owned()),
                ("x".to_owned(), String::new()),
            ]
        );
        assert_eq!(form_decode("%ZZ%20"), "%ZZ ");
    }
}

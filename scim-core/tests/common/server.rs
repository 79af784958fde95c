//! A minimal request dispatcher over the engine and the in-memory store, standing in for the
//! HTTP layer so recorded IdP request sequences can be replayed.

use std::sync::Arc;

use scim_core::meta::Conditions;
use scim_core::query::ListQuery;
use scim_core::store::{MemoryStore, ResourceStore};
use scim_core::{Error, RenderOptions, Scim};
use serde_json::Value;

use crate::common::block_on;

pub(crate) struct Server {
    pub(crate) scim: Arc<Scim>,
    pub(crate) store: MemoryStore,
    pub(crate) base: String,
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

impl Server {
    pub(crate) fn new(scim: Arc<Scim>) -> Self {
        Self {
            store: MemoryStore::new(scim.clone()),
            scim,
            base: "https://example.com/scim/v2".into(),
        }
    }

    fn err(e: Error) -> (u16, Value) {
        (e.status(), e.to_json())
    }

    /// `path` is relative to the SCIM base (e.g. `/Users?filter=...`).
    pub(crate) fn handle(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        match self.dispatch(method, path, body) {
            Ok(r) => r,
            Err(e) => Self::err(e),
        }
    }

    fn dispatch(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Result<(u16, Value), Error> {
        let (p, q) = path.split_once('?').unwrap_or((path, ""));
        let params = parse_query(q);
        let pairs = || params.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        let json_body = || -> Result<Value, Error> {
            serde_json::from_str(body.unwrap_or(""))
                .map_err(|e| Error::invalid_syntax(format!("the body is not JSON: {e}")))
        };
        let lenient = self.scim.options().lenient();
        let base = Some(self.base.as_str());
        match (method, segs.as_slice()) {
            ("GET", ["ServiceProviderConfig" | "serviceConfiguration"]) => {
                Ok((200, self.scim.service_provider_config(base)))
            }
            ("GET", ["Schemas"]) => Ok((200, self.scim.schemas_document(base))),
            ("GET", ["ResourceTypes"]) => Ok((200, self.scim.resource_types_document(base))),
            (_, [ep, rest @ ..]) => {
                let rt = self
                    .scim
                    .registry()
                    .resource_type_by_endpoint(ep)
                    .ok_or_else(|| Error::NotFound {
                        resource_type: "endpoint".into(),
                        id: (*ep).into(),
                    })?
                    .name
                    .clone();
                let q = ListQuery::from_params(pairs(), lenient)?;
                let projection = self.scim.projection(&rt, &q)?;
                let render = |r: &scim_core::Resource| {
                    self.scim.render(
                        r,
                        RenderOptions {
                            base_url: base,
                            projection: Some(&projection),
                        },
                    )
                };
                match (method, rest) {
                    ("GET", []) => {
                        let page = block_on(self.store.query(&rt, &q))?;
                        Ok((
                            200,
                            self.scim.list_response(&page, base, Some(&projection))?,
                        ))
                    }
                    ("POST", [".search"]) => {
                        let q = ListQuery::from_search_request(&json_body()?, lenient)?;
                        let projection = self.scim.projection(&rt, &q)?;
                        let page = block_on(self.store.query(&rt, &q))?;
                        Ok((
                            200,
                            self.scim.list_response(&page, base, Some(&projection))?,
                        ))
                    }
                    ("POST", []) => {
                        let r = self.scim.create(&rt, &json_body()?)?;
                        let r = block_on(self.store.create(r))?;
                        Ok((201, render(&r)?))
                    }
                    ("GET", [id]) => Ok((200, render(&block_on(self.store.get(&rt, id))?)?)),
                    ("PUT", [id]) => {
                        let b = json_body()?;
                        let r = block_on(self.store.replace(&rt, id, &b, &Conditions::none()))?;
                        Ok((200, render(&r)?))
                    }
                    ("PATCH", [id]) => {
                        let req = self.scim.parse_patch(&json_body()?)?;
                        let r = block_on(self.store.patch(&rt, id, &req, &Conditions::none()))?;
                        Ok((200, render(&r)?))
                    }
                    ("DELETE", [id]) => {
                        block_on(self.store.delete(&rt, id, &Conditions::none()))?;
                        Ok((204, Value::Null))
                    }
                    _ => Err(Error::NotImplemented {
                        detail: format!("{method} {path}"),
                    }),
                }
            }
            _ => Err(Error::NotImplemented {
                detail: format!("{method} {path}"),
            }),
        }
    }
}

//! SCIM 2.0 resource semantics (RFC 7643 and RFC 7644), with no HTTP and no storage inside.
//!
//! ```
//! use std::sync::Arc;
//! use scim_core::{Scim, RenderOptions, ids::SequentialIds, time::{FixedClock, Timestamp}};
//! use serde_json::json;
//!
//! let clock = Arc::new(FixedClock::new(Timestamp::from_unix_seconds(1_700_000_000)?));
//! let scim = Scim::new(clock, Arc::new(SequentialIds::new("u")));
//!
//! // POST /Users (Okta's create body, with the read-only `groups` it sends)
//! let mut user = scim.create("User", &json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "jane@example.com",
//!     "name": {"givenName": "Jane", "familyName": "Doe"},
//!     "active": true, "password": "s3cret", "groups": []
//! }))?;
//!
//! // PATCH deactivate, Okta style (no path, object value)
//! let patch = scim.parse_patch(&json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "replace", "value": {"active": false}}]
//! }))?;
//! assert!(scim.patch(&mut user, &patch)?.changed);
//!
//! let out = scim.render(&user, RenderOptions::default())?;
//! assert_eq!(out["active"], json!(false));
//! assert!(out.get("password").is_none()); // writeOnly, never returned
//! # Ok::<(), scim_core::Error>(())
//! ```
//!
//! # Design
//!
//! - [`schema`]: User, Group and EnterpriseUser as data ([`schema::SchemaRegistry`]), custom
//!   schemas and extensions registered by the embedding application.
//! - [`Scim`]: the engine. It validates create and replace bodies, applies PATCH requests
//!   atomically ([`patch`]), runs list queries ([`query`]) and renders resources with
//!   projection ([`projection`]); filters are parsed and evaluated by `scim-filter` (its
//!   `Matcher`, bound to the schema registry). Time and ids are injected ([`time::Clock`],
//!   [`ids::IdGenerator`]).
//! - [`store::ResourceStore`]: the storage trait (runtime-agnostic boxed futures); stores call
//!   back into [`Scim`] for every rule, so an SQL store can run the whole change, and its own
//!   bookkeeping, in one transaction. [`store::MemoryStore`] implements it in memory.
//! - [`Error`]: one error type; [`Error::to_json`] is the RFC 7644 §3.12 body and
//!   [`Error::status`] the HTTP status.
//!
//! | Dialect rule (on by default, [`Options::with_lenient`]) | Sent by |
//! |---|---|
//! | Booleans as `"True"`/`"False"` strings | Entra |
//! | Operation names in any case (`"Replace"`) — always accepted | Entra |
//! | No-path `add`/`replace` with an object whose keys are paths | Okta, Entra |
//! | `id` inside a no-path `replace` value, ignored when it matches | Okta |
//! | `remove` on `members` with a value array removes only those | Entra |
//! | `add`/`replace` with `path: "members"` and one bare id string: that member | Microsoft's Postman suite |
//! | `emails[type eq "work"].value` creates the element when missing | Entra |
//! | Unknown non-URN schema URIs in `schemas` ignored | Entra |
//! | Unquoted filter values | Entra |
//! | Filter attribute aliases ([`Options::filter_aliases`]): `email eq "x"` on User reads as `emails.value eq "x"` | Okta, with "Unique identifier field for users" set to `email` |
//!
//! Refused in every mode: a multi-valued attribute whose value is not an array (`"emails": {}`,
//! `"emails": "a@b"`, `"members": 5`) outside that one PATCH form, and a required string
//! (`userName`, Group `displayName`) that is empty, only whitespace or holds a control
//! character. Unique values compare by [`uniqueness::key`] (NFC, case-folded).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod cross_type;
pub mod discovery;
pub mod error;
mod eval;
mod filter;
pub mod group;
pub mod ids;
pub mod list;
pub mod meta;
mod options;
pub mod patch;
pub mod projection;
pub mod query;
pub mod resource;
pub mod schema;
pub mod store;
pub mod time;
pub mod uniqueness;
pub mod user;
mod validate;

use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::{Map, Value};

pub use crate::error::{Error, ErrorResponse, Result, ScimType};
pub use crate::options::{FilterAlias, Options, UnknownAttributes};
pub use crate::resource::{RenderOptions, Resource};
/// The filter and attribute-path crate this one parses with: [`FilterAlias`] and
/// [`Scim::query_filter`] use its types.
pub use scim_filter;

use crate::discovery::ServiceProviderConfig;
use crate::eval::{Kind, sort_cmp};
use crate::group::MemberList;
use crate::ids::{IdGenerator, ScimId};
use crate::list::{ListResponse, Page, page_range};
use crate::meta::Meta;
use crate::patch::{PatchOutcome, PatchRequest};
use crate::projection::{AttrRef, Projection};
use crate::query::{ListQuery, SortOrder};
use crate::schema::{Mutability, ResourceType, SchemaRegistry, Uniqueness};
use crate::time::{Clock, Timestamp};
use crate::validate::{Validator, has_members};

/// The SCIM engine: schemas, policy, clock and id source; every rule of RFC 7643/7644 that
/// does not need storage.
#[derive(Clone)]
pub struct Scim {
    registry: SchemaRegistry,
    options: Options,
    spc: ServiceProviderConfig,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Scim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scim")
            .field("registry", &self.registry)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A value of an attribute with `uniqueness: server` or `global`, for stores to index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UniqueValue {
    /// Canonical attribute name (URN-qualified for extension attributes).
    pub attribute: String,
    /// The value as stored.
    pub value: String,
    /// The comparison key ([`uniqueness::key`]): NFC, and case-folded unless the attribute is
    /// `caseExact`.
    pub key: String,
}

impl Scim {
    /// The standard schemas with default options.
    pub fn new(clock: Arc<dyn Clock>, ids: Arc<dyn IdGenerator>) -> Self {
        let options = Options::default();
        let spc = ServiceProviderConfig {
            filter_max_results: options.max_results() as u64,
            ..ServiceProviderConfig::default()
        };
        Self {
            registry: SchemaRegistry::standard(),
            options,
            spc,
            clock,
            ids,
        }
    }

    /// Uses a custom schema registry.
    #[must_use]
    pub fn with_registry(mut self, registry: SchemaRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// Uses other options (`filter.maxResults` follows [`Options::max_results`]).
    #[must_use]
    pub fn with_options(mut self, options: Options) -> Self {
        self.spc.filter_max_results = options.max_results() as u64;
        self.options = options;
        self
    }

    /// Uses another ServiceProviderConfig document.
    #[must_use]
    pub fn with_service_provider_config(mut self, spc: ServiceProviderConfig) -> Self {
        self.spc = spc;
        self
    }

    /// The schema registry.
    pub fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The current time from the injected clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// A resource type by name (case-insensitive).
    pub fn resource_type(&self, name: &str) -> Result<&ResourceType> {
        self.registry
            .resource_type(name)
            .ok_or_else(|| Error::Misuse {
                detail: format!("unknown resource type '{name}'"),
            })
    }

    fn validator<'a>(&'a self, rt: &'a ResourceType) -> Validator<'a> {
        Validator {
            reg: &self.registry,
            rt,
            opts: &self.options,
        }
    }

    /// Validates a POST body and builds the new resource with a fresh id and `meta`
    /// (RFC 7644 §3.3). Read-only input (`id`, `meta`, `groups`) is ignored. Uniqueness is
    /// the store's job.
    pub fn create(&self, resource_type: &str, body: &Value) -> Result<Resource> {
        let rt = self.resource_type(resource_type)?;
        let v = self.validator(rt);
        let canonical = v.body(body)?;
        v.check_required(&canonical.attrs)?;
        let members = has_members(&self.registry, rt).then(|| {
            canonical
                .members
                .unwrap_or_default()
                .into_iter()
                .collect::<MemberList>()
        });
        Ok(Resource::new(
            self.ids.new_id(),
            Meta::new(rt.name.clone(), self.now()),
            canonical.attrs,
            members,
        ))
    }

    /// Applies a PUT body to an existing resource (RFC 7644 §3.5.1): the body replaces every
    /// read-write attribute; read-only input is ignored; immutable attributes must keep their
    /// value; write-only attributes (`password`) left out keep their stored value, since
    /// clients cannot read them back. `meta` changes only if something did.
    pub fn replace(&self, existing: &Resource, body: &Value) -> Result<Resource> {
        let rt = self.resource_type(&existing.meta.resource_type)?;
        let v = self.validator(rt);
        let canonical = v.body(body)?;
        let mut attrs = canonical.attrs;
        self.carry_over(rt, &existing.attrs, &mut attrs, None)?;
        for ext in &rt.extensions {
            if let Some(Value::Object(old)) = existing.attrs.get(&ext.schema) {
                let mut new = match attrs.remove(&ext.schema) {
                    Some(Value::Object(o)) => o,
                    _ => Map::new(),
                };
                self.carry_over(rt, old, &mut new, Some(&ext.schema))?;
                if !new.is_empty() {
                    attrs.insert(ext.schema.clone(), Value::Object(new));
                }
            }
        }
        v.check_required(&attrs)?;
        let members = existing.members.as_ref().map(|_| match canonical.members {
            Some(new) => new.into_iter().collect::<MemberList>(),
            None => MemberList::new(),
        });
        let mut out = existing.clone();
        let changed = out.attrs != attrs || out.members != members;
        out.attrs = attrs;
        out.members = members;
        if changed {
            out.meta.touch(self.now());
        }
        Ok(out)
    }

    /// Immutable and write-only rules for PUT, for one schema's attributes.
    fn carry_over(
        &self,
        rt: &ResourceType,
        old: &Map<String, Value>,
        new: &mut Map<String, Value>,
        ext: Option<&str>,
    ) -> Result<()> {
        let schema = match ext {
            None => self.registry.core_schema(rt)?,
            Some(u) => self.registry.schema(u).ok_or_else(|| Error::Misuse {
                detail: format!("extension {u} not registered"),
            })?,
        };
        for def in &schema.attributes {
            let Some(old_v) = old.get(&def.name) else {
                continue;
            };
            match def.mutability {
                Mutability::Immutable => match new.get(&def.name) {
                    Some(n) if n != old_v => {
                        return Err(Error::mutability(
                            &def.name,
                            "the attribute is immutable; PUT must send the stored value",
                        ));
                    }
                    Some(_) => {}
                    None => {
                        new.insert(def.name.clone(), old_v.clone());
                    }
                },
                Mutability::WriteOnly => {
                    new.entry(def.name.clone()).or_insert_with(|| old_v.clone());
                }
                Mutability::ReadOnly | Mutability::ReadWrite => {}
            }
        }
        Ok(())
    }

    /// Parses a PATCH body with this engine's options.
    pub fn parse_patch(&self, body: &Value) -> Result<PatchRequest> {
        PatchRequest::parse(body, &self.options)
    }

    /// Applies a PATCH request atomically (all operations or none). Returns what changed
    /// (including the member values added and removed, for stores that index them); `meta.lastModified` and the version move only when it did.
    pub fn patch(&self, resource: &mut Resource, req: &PatchRequest) -> Result<PatchOutcome> {
        self.patch_checked(resource, req, |_| Ok(()))
    }

    /// [`Scim::patch`] with a check of the unique values of the result (e.g. a store's
    /// uniqueness index) that runs before anything is committed: when `check` fails, the
    /// resource is left unchanged.
    pub fn patch_checked(
        &self,
        resource: &mut Resource,
        req: &PatchRequest,
        mut check: impl FnMut(&[UniqueValue]) -> Result<()>,
    ) -> Result<PatchOutcome> {
        let rt = self
            .registry
            .resource_type(&resource.meta.resource_type)
            .ok_or_else(|| Error::Misuse {
                detail: format!("unknown resource type '{}'", resource.meta.resource_type),
            })?;
        let registry = &self.registry;
        let mut hook = |attrs: &Map<String, Value>| check(&unique_values_of(registry, rt, attrs));
        let outcome = patch::apply(&self.registry, rt, &self.options, resource, req, &mut hook)?;
        if outcome.changed {
            resource.meta.touch(self.now());
        }
        Ok(outcome)
    }

    /// Values of `uniqueness: server`/`global` attributes (e.g. `userName`) of a resource.
    pub fn unique_values(&self, res: &Resource) -> Vec<UniqueValue> {
        match self.registry.resource_type(&res.meta.resource_type) {
            Some(rt) => unique_values_of(&self.registry, rt, &res.attrs),
            None => Vec::new(),
        }
    }

    /// Parses the projection of a query for one resource type.
    pub fn projection(&self, resource_type: &str, q: &ListQuery) -> Result<Projection> {
        let rt = self.resource_type(resource_type)?;
        Projection::from_lists(q.attributes(), q.excluded_attributes(), &self.registry, rt)
    }

    /// The filter of `q` exactly as [`Scim::query`] evaluates it over resources of
    /// `resource_type`: the parsed tree with the lenient dialect's filter attribute aliases
    /// applied (see [`FilterAlias`]; by default `email eq "x"` on User reads as
    /// `emails.value eq "x"`). Stores that translate filters (e.g. to SQL) plan from this
    /// tree, so they select what the in-memory evaluation selects.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use scim_core::{Scim, Options, query::ListQuery, ids::SequentialIds, time::{FixedClock, Timestamp}};
    ///
    /// let clock = Arc::new(FixedClock::new(Timestamp::from_unix_seconds(1_700_000_000)?));
    /// let scim = Scim::new(clock, Arc::new(SequentialIds::new("u")));
    /// let q = ListQuery::new().with_filter(r#"email eq "jane@example.com""#, true)?;
    /// let f = scim.query_filter("User", &q)?.expect("a filter");
    /// assert_eq!(f.to_string(), r#"emails.value eq "jane@example.com""#);
    ///
    /// // Strict mode: no alias.
    /// let strict = scim.clone().with_options(Options::default().with_lenient(false));
    /// let f = strict.query_filter("User", &q)?.expect("a filter");
    /// assert_eq!(f.to_string(), r#"email eq "jane@example.com""#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn query_filter(
        &self,
        resource_type: &str,
        q: &ListQuery,
    ) -> Result<Option<scim_filter::Filter>> {
        match q.filter() {
            Some(f) => self.rewrite_filter(resource_type, f).map(Some),
            None => Ok(None),
        }
    }

    /// A filter over resources of `resource_type` with the lenient dialect's filter attribute
    /// aliases applied, as [`Scim::query_filter`] does for a [`ListQuery`]. Unchanged when
    /// lenient input is off or no alias occurs in it.
    pub fn rewrite_filter(
        &self,
        resource_type: &str,
        f: &scim_filter::Filter,
    ) -> Result<scim_filter::Filter> {
        let rt = self.resource_type(resource_type)?;
        Ok(
            filter::apply_aliases(&self.registry, rt, &self.options, f)
                .unwrap_or_else(|| f.clone()),
        )
    }

    /// Runs a list query over resources of one type, in the order given (which must be
    /// stable between pages; stores pass creation order). Filter, sort (type-aware, case rules
    /// from the schema, missing values last), then paging: `count` is capped at
    /// [`Options::max_results`], `count=0` returns only the total.
    pub fn query<'r, I>(&self, resource_type: &str, resources: I, q: &ListQuery) -> Result<Page>
    where
        I: IntoIterator<Item = &'r Resource>,
    {
        let rt = self.resource_type(resource_type)?;
        let compiled = match q.filter() {
            Some(f) => {
                let aliased = filter::apply_aliases(&self.registry, rt, &self.options, f);
                Some(filter::compile(
                    &self.registry,
                    rt,
                    aliased.as_ref().unwrap_or(f),
                )?)
            }
            None => None,
        };
        // Large member lists are only materialised for filters that read them.
        let needs_members = compiled.as_ref().is_some_and(|c| c.mentions_members());
        let mut matched: Vec<&Resource> = Vec::new();
        for r in resources {
            if !r.meta.resource_type.eq_ignore_ascii_case(&rt.name) {
                continue;
            }
            let ok = match &compiled {
                None => true,
                Some(c) => c.matches(&r.filter_value(rt, needs_members)),
            };
            if ok {
                matched.push(r);
            }
        }
        if let Some(by) = q.sort_by() {
            let aref = AttrRef::parse(by, &self.registry, rt)?;
            let def = aref.def(&self.registry, rt).ok_or_else(|| {
                Error::invalid_path(by, "sortBy must name an attribute, not a whole extension")
            })?;
            let kind = Kind::of(
                def.sub_attribute("value")
                    .filter(|_| def.ty == schema::AttributeType::Complex)
                    .unwrap_or(def),
            );
            let mut keyed: Vec<(Option<Value>, &Resource)> = matched
                .into_iter()
                .map(|r| (sort_key(r, &aref), r))
                .collect();
            keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                (Some(x), Some(y)) => {
                    let o = sort_cmp(x, y, kind);
                    if q.sort_order() == SortOrder::Descending {
                        o.reverse()
                    } else {
                        o
                    }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            });
            matched = keyed.into_iter().map(|(_, r)| r).collect();
        }
        let total = matched.len();
        let count = q
            .count()
            .unwrap_or(self.options.default_count())
            .min(self.options.max_results());
        let start = q.start_index();
        let range = page_range(total, start, count);
        let resources = matched
            .get(range)
            .map(|s| s.iter().map(|r| (*r).clone()).collect())
            .unwrap_or_default();
        Ok(Page {
            total_results: total,
            start_index: start,
            resources,
            omit_resources: q.count() == Some(0),
        })
    }

    /// Renders a resource for a response.
    pub fn render(&self, res: &Resource, opts: RenderOptions<'_>) -> Result<Value> {
        res.render(&self.registry, opts)
    }

    /// Renders a page as a ListResponse (`itemsPerPage` = resources actually returned).
    pub fn list_response(
        &self,
        page: &Page,
        base_url: Option<&str>,
        projection: Option<&Projection>,
    ) -> Result<Value> {
        if page.omit_resources {
            return Ok(ListResponse::new(page.total_results, page.start_index, None).to_json());
        }
        let items = page
            .resources
            .iter()
            .map(|r| {
                r.render(
                    &self.registry,
                    RenderOptions {
                        base_url,
                        projection,
                    },
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ListResponse::new(page.total_results, page.start_index, Some(items)).to_json())
    }

    /// The `/ServiceProviderConfig` document.
    pub fn service_provider_config(&self, base_url: Option<&str>) -> Value {
        self.spc.to_json(base_url)
    }

    /// The `/Schemas` ListResponse.
    pub fn schemas_document(&self, base_url: Option<&str>) -> Value {
        discovery::schemas_list(&self.registry, base_url)
    }

    /// The `/ResourceTypes` ListResponse.
    pub fn resource_types_document(&self, base_url: Option<&str>) -> Value {
        discovery::resource_types_list(&self.registry, base_url)
    }

    /// A new id from the injected generator.
    pub fn new_id(&self) -> ScimId {
        self.ids.new_id()
    }
}

fn unique_values_of(
    registry: &SchemaRegistry,
    rt: &ResourceType,
    attrs: &Map<String, Value>,
) -> Vec<UniqueValue> {
    let mut out = Vec::new();
    let mut scan = |schema: &schema::Schema, obj: &Map<String, Value>, prefix: Option<&str>| {
        for def in &schema.attributes {
            if def.uniqueness == Uniqueness::None || def.multi_valued {
                continue;
            }
            if let Some(Value::String(s)) = obj.get(&def.name) {
                let attribute = match prefix {
                    Some(p) => format!("{p}:{}", def.name),
                    None => def.name.clone(),
                };
                let key = uniqueness::key(s, def.case_exact);
                out.push(UniqueValue {
                    attribute,
                    value: s.clone(),
                    key,
                });
            }
        }
    };
    if let Some(core) = registry.schema(&rt.schema) {
        scan(core, attrs, None);
    }
    for ext in &rt.extensions {
        if let (Some(s), Some(Value::Object(o))) =
            (registry.schema(&ext.schema), attrs.get(&ext.schema))
        {
            scan(s, o, Some(&ext.schema));
        }
    }
    out
}

/// The sort key of a resource: the attribute's value; for multi-valued attributes the
/// primary value, else the first.
fn sort_key(r: &Resource, a: &AttrRef) -> Option<Value> {
    let attr = a.attr.as_deref()?;
    let container = match &a.extension {
        Some(e) => r.attrs.get(e)?.as_object()?,
        None => &r.attrs,
    };
    let v = match attr {
        "id" => return Some(Value::String(r.id.as_str().to_owned())),
        "meta" => {
            return match a.sub.as_deref() {
                Some("created") => Some(Value::String(r.meta.created.to_rfc3339())),
                Some("lastModified") => Some(Value::String(r.meta.last_modified.to_rfc3339())),
                Some("resourceType") => Some(Value::String(r.meta.resource_type.clone())),
                _ => None,
            };
        }
        _ => container.get(attr)?,
    };
    let pick = |v: &Value| -> Option<Value> {
        match &a.sub {
            Some(s) => v.get(s).cloned(),
            None => match v {
                Value::Object(o) => o.get("value").cloned(),
                other => Some(other.clone()),
            },
        }
    };
    match v {
        Value::Array(items) => {
            let chosen = items
                .iter()
                .find(|i| i.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| items.first())?;
            pick(chosen)
        }
        other => pick(other),
    }
}

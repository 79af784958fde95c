//! The generic resource model: common attributes, canonical attribute values, extension
//! objects under their URN, and (for groups) the indexed member list.

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::group::{GroupRef, Member, MemberList};
use crate::ids::ScimId;
use crate::meta::Meta;
use crate::projection::Projection;
use crate::schema::{Mutability, ResourceType, Returned, SchemaRegistry};
use crate::time::Timestamp;

/// A stored SCIM resource.
///
/// Attribute values are kept with canonical attribute names: core attributes at the top level,
/// extension attributes in an object under the canonical extension URN. `id`, `meta` and
/// `schemas` are kept apart; `schemas` is computed on output. For resource types whose core
/// schema has a complex multi-valued `members` attribute (Group), members are held in a
/// [`MemberList`].
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub(crate) id: ScimId,
    pub(crate) meta: Meta,
    pub(crate) attrs: Map<String, Value>,
    pub(crate) members: Option<MemberList>,
    pub(crate) groups: Vec<GroupRef>,
}

/// Options for turning a resource into its JSON representation.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// The SCIM base URL (e.g. `https://example.com/scim/v2`), used for `meta.location`.
    pub base_url: Option<&'a str>,
    /// `attributes` / `excludedAttributes`.
    pub projection: Option<&'a Projection>,
}

impl Resource {
    pub(crate) fn new(
        id: ScimId,
        meta: Meta,
        attrs: Map<String, Value>,
        members: Option<MemberList>,
    ) -> Self {
        Self {
            id,
            meta,
            attrs,
            members,
            groups: Vec::new(),
        }
    }

    /// The resource id.
    pub fn id(&self) -> &ScimId {
        &self.id
    }

    /// The resource type name (`meta.resourceType`).
    pub fn resource_type(&self) -> &str {
        &self.meta.resource_type
    }

    /// Metadata.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The weak ETag (`meta.version`).
    pub fn etag(&self) -> String {
        self.meta.etag()
    }

    /// Canonical attribute values (no `id`, `meta`, `schemas`, `members`; extension
    /// attributes under their URN).
    pub fn attributes(&self) -> &Map<String, Value> {
        &self.attrs
    }

    /// A top-level attribute by canonical name (or extension URN).
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attrs.get(name)
    }

    /// `externalId`, if set.
    pub fn external_id(&self) -> Option<&str> {
        self.attrs.get("externalId").and_then(Value::as_str)
    }

    /// The member list, for resource types that have `members`.
    pub fn members(&self) -> Option<&MemberList> {
        self.members.as_ref()
    }

    /// Sets the derived, read-only `groups` of a user (computed by the store from memberships).
    pub fn set_groups(&mut self, groups: Vec<GroupRef>) {
        self.groups = groups;
    }

    /// The derived groups set with [`Resource::set_groups`].
    pub fn groups(&self) -> &[GroupRef] {
        &self.groups
    }

    /// The full JSON object used for filtering and sorting: every attribute including `id`,
    /// `meta`, `members` and `groups` (but `meta.location` omitted).
    pub fn to_value(&self, rt: &ResourceType) -> Value {
        self.full_json(rt, None, false)
    }

    /// The JSON used by filters; members are included only when the filter needs them.
    pub(crate) fn filter_value(&self, rt: &ResourceType, with_members: bool) -> Value {
        if with_members || self.members.is_none() {
            return self.full_json(rt, None, false);
        }
        let mut v = self.full_json_inner(rt, None, false, false);
        if let Some(o) = v.as_object_mut() {
            o.remove("members");
        }
        v
    }

    fn full_json(&self, rt: &ResourceType, base_url: Option<&str>, for_output: bool) -> Value {
        self.full_json_inner(rt, base_url, for_output, true)
    }

    fn full_json_inner(
        &self,
        rt: &ResourceType,
        base_url: Option<&str>,
        for_output: bool,
        with_members: bool,
    ) -> Value {
        let mut out = Map::new();
        let mut schemas = vec![Value::String(rt.schema.clone())];
        for ext in &rt.extensions {
            if self
                .attrs
                .get(&ext.schema)
                .is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
            {
                schemas.push(Value::String(ext.schema.clone()));
            }
        }
        out.insert("schemas".into(), Value::Array(schemas));
        out.insert("id".into(), json!(self.id.as_str()));
        for (k, v) in &self.attrs {
            out.insert(k.clone(), v.clone());
        }
        if let Some(members) = self.members.as_ref().filter(|_| with_members) {
            if !members.is_empty() || !for_output {
                out.insert("members".into(), members.to_json());
            }
        }
        if !self.groups.is_empty() {
            let base = base_url.map(|b| b.trim_end_matches('/'));
            out.insert(
                "groups".into(),
                Value::Array(
                    self.groups
                        .iter()
                        .map(|g| {
                            let mut m = Map::new();
                            m.insert("value".into(), json!(g.id));
                            if let Some(b) = base {
                                m.insert("$ref".into(), json!(format!("{b}/Groups/{}", g.id)));
                            }
                            if let Some(d) = &g.display {
                                m.insert("display".into(), json!(d));
                            }
                            m.insert("type".into(), json!("direct"));
                            Value::Object(m)
                        })
                        .collect(),
                ),
            );
        }
        let location = base_url.map(|b| {
            format!(
                "{}{}/{}",
                b.trim_end_matches('/'),
                rt.endpoint,
                self.id.as_str()
            )
        });
        out.insert("meta".into(), self.meta.to_json(location.as_deref()));
        Value::Object(out)
    }

    /// The JSON representation sent to clients: `schemas` computed, `writeOnly` and
    /// `returned: never` attributes removed, `meta.location` filled from the base URL, and the
    /// projection applied.
    pub fn render(&self, registry: &SchemaRegistry, opts: RenderOptions<'_>) -> Result<Value> {
        let rt = registry
            .resource_type(&self.meta.resource_type)
            .ok_or_else(|| Error::Misuse {
                detail: format!("unknown resource type {}", self.meta.resource_type),
            })?;
        let mut v = self.full_json(rt, opts.base_url, true);
        strip_never_returned(registry, rt, &mut v);
        if let Some(p) = opts.projection {
            p.apply(registry, rt, &mut v);
        } else {
            Projection::default().apply(registry, rt, &mut v);
        }
        Ok(v)
    }

    /// A lossless JSON form for storage (includes write-only values such as `password`).
    /// Read back with [`Resource::from_storage_json`].
    pub fn to_storage_json(&self) -> Value {
        json!({
            "id": self.id.as_str(),
            "meta": {
                "resourceType": self.meta.resource_type,
                "created": self.meta.created.unix_nanos().to_string(),
                "lastModified": self.meta.last_modified.unix_nanos().to_string(),
                "revision": self.meta.revision,
            },
            "attributes": Value::Object(self.attrs.clone()),
            "members": self.members.as_ref().map(MemberList::to_json),
        })
    }

    /// Reads the form written by [`Resource::to_storage_json`].
    pub fn from_storage_json(v: &Value) -> Result<Self> {
        let bad = |what: &str| Error::Storage {
            detail: format!("stored resource: {what}"),
        };
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("missing id"))?;
        let meta = v.get("meta").ok_or_else(|| bad("missing meta"))?;
        let ts = |k: &str| -> Result<Timestamp> {
            let n: i128 = meta
                .get(k)
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad(k))?;
            Timestamp::from_unix_nanos(n)
        };
        let meta = Meta {
            resource_type: meta
                .get("resourceType")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("resourceType"))?
                .to_owned(),
            created: ts("created")?,
            last_modified: ts("lastModified")?,
            revision: meta
                .get("revision")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad("revision"))?,
        };
        let attrs = v
            .get("attributes")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| bad("attributes"))?;
        let members = match v.get("members") {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|m| {
                        m.as_object()
                            .and_then(Member::from_canonical)
                            .ok_or_else(|| bad("member"))
                    })
                    .collect::<Result<MemberList>>()?,
            ),
            _ => None,
        };
        Ok(Self::new(ScimId::try_from(id)?, meta, attrs, members))
    }
}

/// Removes `returned: never` and `writeOnly` attributes (top level, sub-attributes, extensions).
fn strip_never_returned(registry: &SchemaRegistry, rt: &ResourceType, v: &mut Value) {
    let Some(obj) = v.as_object_mut() else { return };
    let hidden = |d: &crate::schema::AttributeDef| {
        d.returned == Returned::Never || d.mutability == Mutability::WriteOnly
    };
    let mut schemas: Vec<(Option<String>, &crate::schema::Schema)> = Vec::new();
    if let Some(core) = registry.schema(&rt.schema) {
        schemas.push((None, core));
    }
    for e in &rt.extensions {
        if let Some(s) = registry.schema(&e.schema) {
            schemas.push((Some(s.id.clone()), s));
        }
    }
    for (urn, schema) in schemas {
        let target = match &urn {
            None => Some(&mut *obj),
            Some(u) => obj.get_mut(u).and_then(Value::as_object_mut),
        };
        let Some(target) = target else { continue };
        for def in &schema.attributes {
            if hidden(def) {
                target.remove(&def.name);
                continue;
            }
            let hidden_subs: Vec<&str> = def
                .sub_attributes
                .iter()
                .filter(|s| hidden(s))
                .map(|s| s.name.as_str())
                .collect();
            if hidden_subs.is_empty() {
                continue;
            }
            match target.get_mut(&def.name) {
                Some(Value::Object(o)) => {
                    for s in &hidden_subs {
                        o.remove(*s);
                    }
                }
                Some(Value::Array(items)) => {
                    for item in items {
                        if let Some(o) = item.as_object_mut() {
                            for s in &hidden_subs {
                                o.remove(*s);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

//! Queries over several resource types at once: `POST /.search` (or `GET /?filter=`) at the
//! service root (RFC 7644 §3.4.2.1, §3.4.3).
//!
//! A root query names attributes that not every resource type has (`attributes=["name"]`
//! exists on User, not on Group; `sortBy=displayName` exists on both). Each name applies to the
//! types that define it and is ignored for the others; a name that no queried type defines is
//! still an `invalidPath` error, so a typo is reported rather than silently ignored.
//!
//! ```
//! use std::sync::Arc;
//! use scim_core::{Scim, ids::SequentialIds, query::ListQuery, time::{FixedClock, Timestamp}};
//! use serde_json::json;
//!
//! let clock = Arc::new(FixedClock::new(Timestamp::from_unix_seconds(1_700_000_000)?));
//! let scim = Scim::new(clock, Arc::new(SequentialIds::new("r")));
//! let search = |attributes| json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
//!     "attributes": attributes,
//! });
//!
//! let q = ListQuery::from_search_request(&search(json!(["name.familyName"])), true)?;
//! let projections = scim.projections_across(&["User", "Group"], &q)?;
//! // User keeps `name.familyName`; Group has no `name`, so it keeps only what is always
//! // returned (asked for as `id`).
//! assert_eq!(projections[0].attributes[0].attr.as_deref(), Some("name"));
//! assert_eq!(projections[1].attributes[0].attr.as_deref(), Some("id"));
//!
//! // A name no type defines is still an error.
//! let typo = ListQuery::from_search_request(&search(json!(["nmae"])), true)?;
//! let err = scim.projections_across(&["User", "Group"], &typo).unwrap_err();
//! assert_eq!(err.scim_type().map(|t| t.as_str()), Some("invalidPath"));
//! # Ok::<(), scim_core::Error>(())
//! ```

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::eval::{Kind, sort_cmp};
use crate::projection::{AttrRef, Projection};
use crate::query::{ListQuery, SortOrder};
use crate::resource::Resource;
use crate::schema::{AttributeType, ResourceType};
use crate::{Scim, sort_key};

impl Scim {
    /// One projection per resource type in `resource_types` (same order) for a query at the
    /// service root. `attributes` / `excludedAttributes` names a type does not define are
    /// skipped for that type; when a type defines none of the requested `attributes`, its
    /// projection keeps only the `returned: always` attributes. A name that none of the types
    /// defines is an `invalidPath` error.
    pub fn projections_across(
        &self,
        resource_types: &[&str],
        q: &ListQuery,
    ) -> Result<Vec<Projection>> {
        let types = self.types(resource_types)?;
        let resolve_all = |names: &[String]| -> Result<Vec<Vec<AttrRef>>> {
            let mut per_type = vec![Vec::new(); types.len()];
            for name in names {
                let mut first_error = None;
                let mut resolved_somewhere = false;
                for (slot, rt) in per_type.iter_mut().zip(&types) {
                    match AttrRef::parse(name, self.registry(), rt) {
                        Ok(a) => {
                            resolved_somewhere = true;
                            slot.push(a);
                        }
                        Err(e) => {
                            first_error.get_or_insert(e);
                        }
                    }
                }
                if !resolved_somewhere {
                    return Err(first_error.unwrap_or_else(|| {
                        Error::invalid_path(name, "no resource type to resolve it against")
                    }));
                }
            }
            Ok(per_type)
        };
        let attributes = resolve_all(q.attributes())?;
        let excluded = resolve_all(q.excluded_attributes())?;
        let restricted = !q.attributes().is_empty();
        attributes
            .into_iter()
            .zip(excluded)
            .zip(&types)
            .map(|((mut attributes, excluded), rt)| {
                if restricted && attributes.is_empty() {
                    // `id` is `returned: always`: asking for it alone keeps exactly the
                    // attributes that are always returned.
                    attributes.push(AttrRef::parse("id", self.registry(), rt)?);
                }
                Ok(Projection {
                    attributes,
                    excluded,
                })
            })
            .collect()
    }

    /// Orders resources of several types by the query's `sortBy` (type-aware, case rules from
    /// the schema of the first type that defines the attribute; resources whose type lacks it,
    /// or that have no value, come last in either order). The sort is stable, so resources
    /// with equal keys keep their order. Without `sortBy` nothing changes. A `sortBy` that no
    /// resource type in `resource_types` defines is an `invalidPath` error.
    pub fn sort_across(
        &self,
        resource_types: &[&str],
        resources: Vec<Resource>,
        q: &ListQuery,
    ) -> Result<Vec<Resource>> {
        let Some(by) = q.sort_by() else {
            return Ok(resources);
        };
        let types = self.types(resource_types)?;
        let mut refs: HashMap<String, AttrRef> = HashMap::new();
        let mut kind = None;
        let mut first_error = None;
        for rt in &types {
            match AttrRef::parse(by, self.registry(), rt) {
                Ok(a) => {
                    let def = a.def(self.registry(), rt).ok_or_else(|| {
                        Error::invalid_path(
                            by,
                            "sortBy must name an attribute, not a whole extension",
                        )
                    })?;
                    let compared = def
                        .sub_attribute("value")
                        .filter(|_| def.ty == AttributeType::Complex)
                        .unwrap_or(def);
                    kind.get_or_insert(Kind::of(compared));
                    refs.insert(rt.name.to_ascii_lowercase(), a);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        let Some(kind) = kind else {
            return Err(first_error
                .unwrap_or_else(|| Error::invalid_path(by, "no resource type defines it")));
        };
        let descending = q.sort_order() == SortOrder::Descending;
        let key_of = |r: &Resource| {
            refs.get(&r.meta.resource_type.to_ascii_lowercase())
                .and_then(|a| sort_key(r, a))
        };
        let mut keyed: Vec<(Option<serde_json::Value>, Resource)> =
            resources.into_iter().map(|r| (key_of(&r), r)).collect();
        keyed.sort_by(|(a, _), (b, _)| match (a, b) {
            (Some(x), Some(y)) => {
                let o = sort_cmp(x, y, kind);
                if descending { o.reverse() } else { o }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        Ok(keyed.into_iter().map(|(_, r)| r).collect())
    }

    fn types(&self, names: &[&str]) -> Result<Vec<&ResourceType>> {
        names.iter().map(|n| self.resource_type(n)).collect()
    }
}

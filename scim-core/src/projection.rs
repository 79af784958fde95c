//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9) and the `returned`
//! characteristic.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::schema::{AttributeDef, ResourceType, Returned, SchemaRegistry};

/// A resolved attribute reference in standard attribute notation (RFC 7644 §3.10):
/// `[urn:]attr[.sub]`, or a whole extension (`urn:…:enterprise:2.0:User`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrRef {
    /// The extension URN (canonical) the attribute lives under; `None` for core and common
    /// attributes.
    pub extension: Option<String>,
    /// Canonical attribute name; `None` when the reference names a whole extension.
    pub attr: Option<String>,
    /// Canonical sub-attribute name.
    pub sub: Option<String>,
}

impl AttrRef {
    /// Parses and resolves `text` against the resource type's schemas. A value filter in
    /// brackets (`emails[type eq "work"]`, which Entra sends in `attributes`) is accepted and
    /// treated as the attribute itself.
    pub fn parse(text: &str, registry: &SchemaRegistry, rt: &ResourceType) -> Result<Self> {
        let t = text.trim();
        let bad = |d: &str| Error::invalid_path(t, d);
        if t.is_empty() {
            return Err(bad("empty attribute name"));
        }
        // A whole schema named by URN.
        if let Some(urn) = registry.canonical_schema_of(rt, t) {
            if urn.eq_ignore_ascii_case(&rt.schema) {
                return Err(bad("names the core schema, not an attribute"));
            }
            return Ok(Self {
                extension: Some(urn.to_owned()),
                attr: None,
                sub: None,
            });
        }
        let (urn, rest) = split_urn(t);
        let rest = strip_filter(rest);
        let rest = rest.as_str();
        let (attr, sub) = match rest.split_once('.') {
            Some((a, s)) => (a, Some(s)),
            None => (rest, None),
        };
        let resolved = registry
            .resolve(rt, urn, attr)
            .ok_or_else(|| bad("unknown attribute"))?;
        let sub = match sub {
            None => None,
            Some(s) => Some(
                resolved
                    .def
                    .sub_attribute(s)
                    .ok_or_else(|| bad("unknown sub-attribute"))?
                    .name
                    .clone(),
            ),
        };
        Ok(Self {
            extension: resolved.extension.map(str::to_owned),
            attr: Some(resolved.def.name.clone()),
            sub,
        })
    }

    /// The definition this reference points at (the sub-attribute's when there is one).
    pub fn def<'a>(
        &self,
        registry: &'a SchemaRegistry,
        rt: &ResourceType,
    ) -> Option<&'a AttributeDef> {
        let attr = self.attr.as_deref()?;
        let r = registry.resolve(rt, self.extension.as_deref(), attr)?;
        match &self.sub {
            Some(s) => r.def.sub_attribute(s),
            None => Some(r.def),
        }
    }
}

/// Splits `urn:…:attr.sub` at the last `:` into the URN and the attribute path.
pub(crate) fn split_urn(t: &str) -> (Option<&str>, &str) {
    if t.len() > 4 && t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
        // The attribute path never contains ':'; search before any '[' filter.
        let head = t.split('[').next().unwrap_or(t);
        if let Some(pos) = head.rfind(':') {
            return (t.get(..pos), t.get(pos + 1..).unwrap_or(""));
        }
    }
    (None, t)
}

/// `emails[type eq "work"].value` → `emails.value`; `emails[type eq "work"]` → `emails`.
fn strip_filter(t: &str) -> String {
    match (t.find('['), t.rfind(']')) {
        (Some(open), Some(close)) if close > open => {
            let head = t.get(..open).unwrap_or("");
            let tail = t.get(close + 1..).unwrap_or("");
            format!("{head}{tail}")
        }
        _ => t.to_owned(),
    }
}

/// The `attributes` / `excludedAttributes` of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// `attributes`: when non-empty, only these (plus `returned: always`) are returned.
    pub attributes: Vec<AttrRef>,
    /// `excludedAttributes`: removed unless `returned: always`.
    pub excluded: Vec<AttrRef>,
}

impl Projection {
    /// Parses the comma-separated query parameter values.
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        registry: &SchemaRegistry,
        rt: &ResourceType,
    ) -> Result<Self> {
        let list = |s: Option<&str>| -> Result<Vec<AttrRef>> {
            s.map(|s| {
                split_top_level(s)
                    .into_iter()
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| AttrRef::parse(p, registry, rt))
                    .collect()
            })
            .unwrap_or_else(|| Ok(Vec::new()))
        };
        Ok(Self {
            attributes: list(attributes)?,
            excluded: list(excluded)?,
        })
    }

    /// From already-split lists (as in a SearchRequest body).
    pub fn from_lists(
        attributes: &[String],
        excluded: &[String],
        registry: &SchemaRegistry,
        rt: &ResourceType,
    ) -> Result<Self> {
        Ok(Self {
            attributes: attributes
                .iter()
                .map(|p| AttrRef::parse(p, registry, rt))
                .collect::<Result<_>>()?,
            excluded: excluded
                .iter()
                .map(|p| AttrRef::parse(p, registry, rt))
                .collect::<Result<_>>()?,
        })
    }

    /// Applies the projection and the `returned` rules to a rendered resource in place.
    pub fn apply(&self, registry: &SchemaRegistry, rt: &ResourceType, v: &mut Value) {
        let Some(obj) = v.as_object_mut() else { return };
        let keys: Vec<String> = obj.keys().cloned().collect();
        for key in keys {
            if key == "schemas" {
                continue;
            }
            let is_ext = rt.extensions.iter().any(|e| e.schema == key);
            if is_ext {
                let ext_schema = registry.schema(&key);
                let keep_whole = self.lists_whole_extension(&key, true);
                let excluded_whole = self.lists_whole_extension(&key, false);
                let Some(Value::Object(ext_obj)) = obj.get_mut(&key) else {
                    continue;
                };
                let ext_keys: Vec<String> = ext_obj.keys().cloned().collect();
                for ak in ext_keys {
                    let def = ext_schema.and_then(|s| s.attribute(&ak));
                    let keep = match def {
                        Some(d) => {
                            if excluded_whole && d.returned != Returned::Always {
                                false
                            } else {
                                self.filter_attr(Some(&key), d, keep_whole, ext_obj.get_mut(&ak))
                            }
                        }
                        None => false,
                    };
                    if !keep {
                        ext_obj.remove(&ak);
                    }
                }
                if ext_obj.is_empty() {
                    obj.remove(&key);
                }
                continue;
            }
            let def = registry.resolve(rt, None, &key).map(|r| r.def);
            let keep = match def {
                Some(d) => self.filter_attr(None, d, false, obj.get_mut(&key)),
                None => false,
            };
            if !keep {
                obj.remove(&key);
            }
        }
        // `schemas` lists only extensions still present.
        let present: Vec<String> = rt
            .extensions
            .iter()
            .filter(|e| obj.contains_key(&e.schema))
            .map(|e| e.schema.clone())
            .collect();
        let mut schemas = vec![Value::String(rt.schema.clone())];
        schemas.extend(present.into_iter().map(Value::String));
        obj.insert("schemas".into(), Value::Array(schemas));
    }

    fn lists_whole_extension(&self, urn: &str, in_attributes: bool) -> bool {
        let list = if in_attributes {
            &self.attributes
        } else {
            &self.excluded
        };
        list.iter()
            .any(|r| r.attr.is_none() && r.extension.as_deref() == Some(urn))
    }

    /// Decides whether one attribute stays, trimming its sub-attributes when only some were
    /// asked for.
    fn filter_attr(
        &self,
        ext: Option<&str>,
        def: &AttributeDef,
        whole_ext_requested: bool,
        value: Option<&mut Value>,
    ) -> bool {
        if def.returned == Returned::Never {
            return false;
        }
        if def.returned == Returned::Always {
            return true;
        }
        let matches = |r: &AttrRef| {
            r.extension.as_deref() == ext && r.attr.as_deref() == Some(def.name.as_str())
        };
        if !self.attributes.is_empty() {
            if whole_ext_requested {
                return def.returned != Returned::Request;
            }
            let refs: Vec<&AttrRef> = self.attributes.iter().filter(|r| matches(r)).collect();
            if refs.is_empty() {
                return false;
            }
            if refs.iter().any(|r| r.sub.is_none()) {
                return true;
            }
            let subs: Vec<&str> = refs.iter().filter_map(|r| r.sub.as_deref()).collect();
            if let Some(v) = value {
                retain_subs(v, |name| {
                    subs.iter().any(|s| s.eq_ignore_ascii_case(name))
                        || def
                            .sub_attribute(name)
                            .is_some_and(|d| d.returned == Returned::Always)
                });
            }
            return true;
        }
        if def.returned == Returned::Request {
            return false;
        }
        let refs: Vec<&AttrRef> = self.excluded.iter().filter(|r| matches(r)).collect();
        if refs.iter().any(|r| r.sub.is_none()) {
            return false;
        }
        let subs: Vec<&str> = refs.iter().filter_map(|r| r.sub.as_deref()).collect();
        if !subs.is_empty() {
            if let Some(v) = value {
                retain_subs(v, |name| {
                    !subs.iter().any(|s| s.eq_ignore_ascii_case(name))
                        || def
                            .sub_attribute(name)
                            .is_some_and(|d| d.returned == Returned::Always)
                });
            }
        }
        true
    }
}

fn retain_subs(v: &mut Value, keep: impl Fn(&str) -> bool) {
    let trim = |o: &mut Map<String, Value>| o.retain(|k, _| keep(k));
    match v {
        Value::Object(o) => trim(o),
        Value::Array(items) => {
            for i in items.iter_mut() {
                if let Value::Object(o) = i {
                    trim(o);
                }
            }
            items.retain(|i| !matches!(i, Value::Object(o) if o.is_empty()));
        }
        _ => {}
    }
}

/// Splits on commas that are not inside `[...]` or quotes.
pub(crate) fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut start = 0;
    let mut prev_backslash = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' if !prev_backslash => in_str = !in_str,
            '[' if !in_str => depth += 1,
            ']' if !in_str => depth = depth.saturating_sub(1),
            ',' if !in_str && depth == 0 => {
                parts.push(s.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
        prev_backslash = c == '\\' && !prev_backslash;
    }
    parts.push(s.get(start..).unwrap_or(""));
    parts.iter().map(|p| p.trim()).collect()
}

//! Validation of incoming resource bodies and attribute values against the schema.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::group::Member;
use crate::options::{Options, UnknownAttributes};
use crate::projection::split_urn;
use crate::schema::{
    AttributeDef, AttributeType, Mutability, ResourceType, Schema, SchemaRegistry,
};
use crate::time::Timestamp;

/// A body validated into canonical form.
#[derive(Debug, Clone, Default)]
pub(crate) struct Canonical {
    pub(crate) attrs: Map<String, Value>,
    /// `Some` when the body carried `members` (for types that have them).
    pub(crate) members: Option<Vec<Member>>,
}

/// Validation context for one resource type.
pub(crate) struct Validator<'a> {
    pub(crate) reg: &'a SchemaRegistry,
    pub(crate) rt: &'a ResourceType,
    pub(crate) opts: &'a Options,
}

/// Whether the resource type keeps `members` in a [`crate::group::MemberList`].
pub(crate) fn has_members(reg: &SchemaRegistry, rt: &ResourceType) -> bool {
    reg.schema(&rt.schema)
        .and_then(|s| s.attribute("members"))
        .is_some_and(|d| {
            d.name == "members"
                && d.multi_valued
                && d.ty == AttributeType::Complex
                && d.sub_attribute("value").is_some()
        })
}

pub(crate) fn json_depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn find_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl Validator<'_> {
    fn core(&self) -> Result<&Schema> {
        self.reg.core_schema(self.rt)
    }

    /// Validates a POST/PUT body: `schemas`, attribute names, types, mutability (readOnly
    /// input dropped), multi-valued rules. Does not check `required` (see [`Self::check_required`]).
    pub(crate) fn body(&self, body: &Value) -> Result<Canonical> {
        let obj = body
            .as_object()
            .ok_or_else(|| Error::invalid_syntax("the request body must be a JSON object"))?;
        if json_depth(body) > self.opts.max_depth() {
            return Err(Error::LimitExceeded {
                what: "JSON nesting depth".into(),
                limit: self.opts.max_depth(),
            });
        }
        self.check_schemas(obj)?;
        let core = self.core()?;
        let mut out = Canonical::default();
        for (key, value) in obj {
            if key.eq_ignore_ascii_case("schemas")
                || key.eq_ignore_ascii_case("id")
                || key.eq_ignore_ascii_case("meta")
            {
                continue;
            }
            if let Some(urn) = self.extension_urn(key) {
                let schema = self.reg.schema(urn).ok_or_else(|| Error::Misuse {
                    detail: format!("extension {urn} is not registered"),
                })?;
                let ext_obj = match value {
                    Value::Null => continue,
                    Value::Object(o) => o,
                    _ => {
                        return Err(Error::invalid_value(
                            urn,
                            "an extension must be a JSON object",
                        ));
                    }
                };
                let mut canonical = Map::new();
                for (k, v) in ext_obj {
                    match schema.attribute(k) {
                        Some(def) => {
                            if let Some(cv) =
                                self.attr_value(def, v, &format!("{urn}:{}", def.name))?
                            {
                                canonical.insert(def.name.clone(), cv);
                            }
                        }
                        None => self.unknown(&format!("{urn}:{k}"))?,
                    }
                }
                if !canonical.is_empty() {
                    merge_ext(&mut out.attrs, urn, canonical);
                }
                continue;
            }
            // URN-qualified attribute at the top level (e.g. "urn:…:User:userName").
            let (urn, name) = split_urn(key);
            let resolved = match urn {
                Some(u) => {
                    if self.reg.canonical_schema_of(self.rt, u).is_none() {
                        self.unknown(key)?;
                        continue;
                    }
                    self.reg.resolve(self.rt, Some(u), name)
                }
                None => self.reg.resolve(self.rt, None, name),
            };
            let Some(resolved) = resolved else {
                self.unknown(key)?;
                continue;
            };
            let def = resolved.def;
            if def.name == "id" || def.name == "meta" {
                continue;
            }
            let path = match resolved.extension {
                Some(e) => format!("{e}:{}", def.name),
                None => def.name.clone(),
            };
            let Some(cv) = self.attr_value(def, value, &path)? else {
                continue;
            };
            match resolved.extension {
                Some(e) => {
                    let mut m = Map::new();
                    m.insert(def.name.clone(), cv);
                    merge_ext(&mut out.attrs, e, m);
                }
                None => {
                    if def.name == "members" && has_members(self.reg, self.rt) {
                        out.members = Some(members_from(&cv));
                    } else {
                        out.attrs.insert(def.name.clone(), cv);
                    }
                }
            }
        }
        if out.members.is_none()
            && has_members(self.reg, self.rt)
            && core.attribute("members").is_some()
            && obj.keys().any(|k| k.eq_ignore_ascii_case("members"))
        {
            // `"members": null` or `[]`: explicitly empty.
            out.members = Some(Vec::new());
        }
        Ok(out)
    }

    fn unknown(&self, name: &str) -> Result<()> {
        match self.opts.unknown_attributes() {
            UnknownAttributes::Ignore => Ok(()),
            UnknownAttributes::Reject => Err(Error::invalid_syntax(format!(
                "attribute '{name}' is not defined by the schemas of {}",
                self.rt.name
            ))),
        }
    }

    fn extension_urn(&self, key: &str) -> Option<&str> {
        self.rt
            .extensions
            .iter()
            .find(|e| e.schema.eq_ignore_ascii_case(key))
            .map(|e| e.schema.as_str())
    }

    fn check_schemas(&self, obj: &Map<String, Value>) -> Result<()> {
        let schemas = find_ci(obj, "schemas")
            .ok_or_else(|| Error::invalid_syntax("the 'schemas' attribute is required"))?;
        let list = schemas
            .as_array()
            .ok_or_else(|| Error::invalid_syntax("'schemas' must be an array of schema URIs"))?;
        let mut has_core = false;
        for s in list {
            let s = s.as_str().ok_or_else(|| {
                Error::invalid_syntax("'schemas' must be an array of schema URIs")
            })?;
            if s.eq_ignore_ascii_case(&self.rt.schema) {
                has_core = true;
            } else if self.extension_urn(s).is_some() {
            } else if self.opts.lenient()
                && !s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
            {
                // Entra lists "http://schemas.microsoft.com/…/Group": not a SCIM schema URN.
            } else {
                return Err(Error::invalid_value(
                    "schemas",
                    format!("'{s}' is not a schema of resource type {}", self.rt.name),
                ));
            }
        }
        if !has_core {
            return Err(Error::invalid_value(
                "schemas",
                format!("must contain the core schema {}", self.rt.schema),
            ));
        }
        Ok(())
    }

    /// Validates one attribute's value (single or multi-valued). `Ok(None)` means the
    /// attribute is unassigned (null, empty) or read-only input to be ignored.
    pub(crate) fn attr_value(
        &self,
        def: &AttributeDef,
        v: &Value,
        path: &str,
    ) -> Result<Option<Value>> {
        if v.is_null() || def.mutability == Mutability::ReadOnly {
            return Ok(None);
        }
        if def.multi_valued {
            // An object or a scalar is refused in every mode: no client this crate serves
            // sends one, and reading `{}` as "no values" or `"a@b"` as one value would
            // silently drop or reshape data.
            let Value::Array(a) = v else {
                return Err(Error::invalid_value(
                    path,
                    format!(
                        "a multi-valued attribute must be a JSON array, got {}",
                        kind_of(v)
                    ),
                ));
            };
            let items: Vec<&Value> = a.iter().collect();
            if items.len() > self.opts.max_values() {
                return Err(Error::LimitExceeded {
                    what: format!("number of values of '{path}'"),
                    limit: self.opts.max_values(),
                });
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                if let Some(cv) = self.single(def, item, &format!("{path}[{i}]"))? {
                    out.push(cv);
                }
            }
            check_one_primary(&out, path)?;
            if out.is_empty() {
                return Ok(None);
            }
            return Ok(Some(Value::Array(out)));
        }
        if v.is_array() {
            return Err(Error::invalid_value(
                path,
                "a single-valued attribute must not be an array",
            ));
        }
        self.single(def, v, path)
    }

    /// Validates one value (an element, for multi-valued attributes).
    pub(crate) fn single(
        &self,
        def: &AttributeDef,
        v: &Value,
        path: &str,
    ) -> Result<Option<Value>> {
        if v.is_null() {
            return Ok(None);
        }
        if def.ty != AttributeType::Complex {
            return self.scalar(def, v, path).map(Some);
        }
        let obj = match v {
            Value::Object(o) => o,
            // A plain id where a member/element object is expected: `{"value": id}`.
            Value::String(_)
                if self.opts.lenient()
                    && def.multi_valued
                    && def.sub_attribute("value").is_some() =>
            {
                let mut m = Map::new();
                m.insert("value".into(), v.clone());
                return self.single(def, &Value::Object(m), path);
            }
            _ => {
                return Err(Error::invalid_value(
                    path,
                    "a complex attribute must be a JSON object",
                ));
            }
        };
        let mut out = Map::new();
        for (k, sv) in obj {
            let sub = def.sub_attribute(k).or_else(|| {
                // Entra sends "displayName" for group members' "display".
                (self.opts.lenient() && k.eq_ignore_ascii_case("displayName"))
                    .then(|| def.sub_attribute("display"))
                    .flatten()
            });
            let Some(sub) = sub else {
                self.unknown(&format!("{path}.{k}"))?;
                continue;
            };
            if sv.is_null() || sub.mutability == Mutability::ReadOnly {
                continue;
            }
            if out.contains_key(&sub.name) {
                continue;
            }
            let sp = format!("{path}.{}", sub.name);
            if sub.multi_valued {
                if let Some(cv) = self.attr_value(sub, sv, &sp)? {
                    out.insert(sub.name.clone(), cv);
                }
            } else {
                out.insert(sub.name.clone(), self.scalar(sub, sv, &sp)?);
            }
        }
        if out.is_empty() {
            return Ok(None);
        }
        Ok(Some(Value::Object(out)))
    }

    /// Validates a simple value against its type.
    pub(crate) fn scalar(&self, def: &AttributeDef, v: &Value, path: &str) -> Result<Value> {
        let wrong = |expected: &str| {
            Error::invalid_value(
                path,
                format!(
                    "expected {expected} ({} attribute), got {}",
                    def.ty.as_str(),
                    kind_of(v)
                ),
            )
        };
        match def.ty {
            AttributeType::String | AttributeType::Reference => match v {
                Value::String(s) => {
                    self.check_len(s, path)?;
                    if def.required && def.ty == AttributeType::String {
                        check_required_string(s, path)?;
                    }
                    Ok(v.clone())
                }
                _ => Err(wrong("a string")),
            },
            AttributeType::Boolean => match v {
                Value::Bool(_) => Ok(v.clone()),
                Value::String(s) if self.opts.lenient() && s.eq_ignore_ascii_case("true") => {
                    Ok(Value::Bool(true))
                }
                Value::String(s) if self.opts.lenient() && s.eq_ignore_ascii_case("false") => {
                    Ok(Value::Bool(false))
                }
                _ => Err(wrong("true or false")),
            },
            AttributeType::Integer => match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => Ok(v.clone()),
                _ => Err(wrong("an integer")),
            },
            AttributeType::Decimal => match v {
                Value::Number(_) => Ok(v.clone()),
                _ => Err(wrong("a number")),
            },
            AttributeType::DateTime => match v {
                Value::String(s) => {
                    Timestamp::parse(s).map_err(|_| {
                        Error::invalid_value(path, format!("'{s}' is not an xsd:dateTime value"))
                    })?;
                    Ok(v.clone())
                }
                _ => Err(wrong("a dateTime string")),
            },
            AttributeType::Binary => match v {
                Value::String(s) => {
                    self.check_len(s, path)?;
                    if is_base64(s) {
                        Ok(v.clone())
                    } else {
                        Err(Error::invalid_value(
                            path,
                            "binary values must be base64-encoded",
                        ))
                    }
                }
                _ => Err(wrong("a base64 string")),
            },
            AttributeType::Complex => Err(wrong("a simple value")),
        }
    }

    fn check_len(&self, s: &str, path: &str) -> Result<()> {
        if s.len() > self.opts.max_string_bytes() {
            return Err(Error::LimitExceeded {
                what: format!("length of '{path}'"),
                limit: self.opts.max_string_bytes(),
            });
        }
        Ok(())
    }

    /// Checks `required` attributes (core, and required extensions) of a complete resource.
    pub(crate) fn check_required(&self, attrs: &Map<String, Value>) -> Result<()> {
        let core = self.core()?;
        for def in &core.attributes {
            if def.required
                && def.mutability != Mutability::ReadOnly
                && !attrs.contains_key(&def.name)
            {
                return Err(Error::MissingRequired {
                    path: def.name.clone(),
                });
            }
        }
        for ext in &self.rt.extensions {
            let data = attrs.get(&ext.schema).and_then(Value::as_object);
            if ext.required && data.is_none() {
                return Err(Error::MissingRequired {
                    path: ext.schema.clone(),
                });
            }
            if let (Some(schema), Some(data)) = (self.reg.schema(&ext.schema), data) {
                for def in &schema.attributes {
                    if def.required && !data.contains_key(&def.name) {
                        return Err(Error::MissingRequired {
                            path: format!("{}:{}", ext.schema, def.name),
                        });
                    }
                }
            }
        }
        Ok(())
    }
}

fn merge_ext(attrs: &mut Map<String, Value>, urn: &str, data: Map<String, Value>) {
    match attrs.get_mut(urn) {
        Some(Value::Object(existing)) => existing.extend(data),
        _ => {
            attrs.insert(urn.to_owned(), Value::Object(data));
        }
    }
}

pub(crate) fn members_from(v: &Value) -> Vec<Member> {
    v.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_object().and_then(Member::from_canonical))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn check_one_primary(items: &[Value], path: &str) -> Result<()> {
    let primaries = items
        .iter()
        .filter(|i| i.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(Error::invalid_value(
            path,
            "'primary: true' may appear at most once among the values",
        ));
    }
    Ok(())
}

/// A required string attribute (User `userName`, Group `displayName`, and any required string
/// of a registered schema) names the resource: it must hold a visible value. Empty,
/// whitespace-only (Unicode `White_Space`) and control characters (U+0000–U+001F,
/// U+007F–U+009F) are refused; the value is otherwise kept exactly as sent.
fn check_required_string(s: &str, path: &str) -> Result<()> {
    if s.is_empty() {
        return Err(Error::invalid_value(
            path,
            "a required attribute must be a non-empty string",
        ));
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(Error::invalid_value(
            path,
            format!(
                "a required attribute must not contain control characters (U+{:04X})",
                u32::from(c)
            ),
        ));
    }
    if s.trim().is_empty() {
        return Err(Error::invalid_value(
            path,
            "a required attribute must not be only whitespace",
        ));
    }
    Ok(())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn is_base64(s: &str) -> bool {
    let t: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let body_len = t.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let pad = t.len() - body_len;
    pad <= 2
        && t.iter()
            .take(body_len)
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
        && (pad == 0 || t.len() % 4 == 0)
}

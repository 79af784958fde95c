//! The PATCH engine (RFC 7644 §3.5.2), with the Okta and Entra dialects.
//!
//! A request is parsed ([`PatchRequest::parse`]), every path is resolved against the schema
//! before anything changes, then operations apply in order to a working copy of the
//! attributes and to the group member list through an undo journal; the whole request takes
//! effect only if every operation succeeds and the result is valid. Member add/remove by
//! value costs O(log n), whatever the size of the group.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::filter::{Compiled, RawFilter, compile_elem, parse_patch_path};
use crate::group::{Member, MemberList};
use crate::options::Options;
use crate::resource::Resource;
use crate::schema::{AttributeDef, AttributeType, Mutability, ResourceType, SchemaRegistry};
use crate::validate::{Validator, check_one_primary, has_members};

/// URN of the PatchOp message (RFC 7644 §3.5.2).
pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A PATCH operation name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    /// `add`
    Add,
    /// `remove`
    Remove,
    /// `replace`
    Replace,
}

impl PatchOpKind {
    /// The RFC spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Replace => "replace",
        }
    }
}

/// One PATCH operation as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// The operation.
    pub op: PatchOpKind,
    /// The `path`, if any.
    pub path: Option<String>,
    /// The `value`, if any.
    pub value: Option<Value>,
}

/// A parsed PatchOp request body.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, in order.
    pub operations: Vec<PatchOperation>,
}

fn get_ci<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl PatchRequest {
    /// Parses a PatchOp body. Operation names and keys match case-insensitively (Entra sends
    /// `"Replace"`); extra keys on an operation (Entra's `"name"`) are ignored.
    ///
    /// ```
    /// use scim_core::{Options, patch::{PatchOpKind, PatchRequest}};
    /// let body = serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
    /// });
    /// let req = PatchRequest::parse(&body, &Options::default()).unwrap();
    /// assert_eq!(req.operations[0].op, PatchOpKind::Replace);
    /// ```
    pub fn parse(body: &Value, opts: &Options) -> Result<Self> {
        let obj = body
            .as_object()
            .ok_or_else(|| Error::invalid_syntax("a PATCH body must be a JSON object"))?;
        if crate::validate::json_depth(body) > opts.max_depth() + 3 {
            return Err(Error::LimitExceeded {
                what: "JSON nesting depth".into(),
                limit: opts.max_depth() + 3,
            });
        }
        let schemas = get_ci(obj, "schemas")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Error::invalid_syntax("a PATCH body needs 'schemas' with the PatchOp URN")
            })?;
        if !schemas.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(PATCH_OP_URN))
        }) {
            return Err(Error::invalid_syntax(format!(
                "'schemas' must contain {PATCH_OP_URN}"
            )));
        }
        let ops = get_ci(obj, "Operations")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::invalid_syntax("a PATCH body needs an 'Operations' array"))?;
        if ops.is_empty() {
            return Err(Error::invalid_syntax("'Operations' must not be empty"));
        }
        if ops.len() > opts.max_patch_operations() {
            return Err(Error::LimitExceeded {
                what: "number of PATCH operations".into(),
                limit: opts.max_patch_operations(),
            });
        }
        let mut operations = Vec::with_capacity(ops.len());
        for (i, op) in ops.iter().enumerate() {
            let o = op.as_object().ok_or_else(|| {
                Error::invalid_syntax(format!("Operations[{i}] must be an object"))
            })?;
            let name = get_ci(o, "op")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::invalid_syntax(format!("Operations[{i}] needs an 'op'")))?;
            let kind = match name.to_ascii_lowercase().as_str() {
                "add" => PatchOpKind::Add,
                "remove" => PatchOpKind::Remove,
                "replace" => PatchOpKind::Replace,
                _ => {
                    return Err(Error::invalid_syntax(format!(
                        "Operations[{i}]: unknown op '{name}' (expected add, remove or replace)"
                    )));
                }
            };
            let path = match get_ci(o, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.trim().is_empty() => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    return Err(Error::invalid_syntax(format!(
                        "Operations[{i}].path must be a string"
                    )));
                }
            };
            let value = get_ci(o, "value").cloned();
            match kind {
                PatchOpKind::Remove if path.is_none() => {
                    return Err(Error::no_target(
                        "",
                        format!("Operations[{i}]: 'remove' requires a path"),
                    ));
                }
                PatchOpKind::Add | PatchOpKind::Replace if value.is_none() => {
                    return Err(Error::invalid_value(
                        format!("Operations[{i}].value"),
                        format!("'{}' requires a value", kind.as_str()),
                    ));
                }
                _ => {}
            }
            operations.push(PatchOperation {
                op: kind,
                path,
                value,
            });
        }
        Ok(Self { operations })
    }

    /// The PatchOp JSON body (RFC 7644 §3.5.2), e.g. for a client sending this request.
    ///
    /// ```
    /// use scim_core::{Options, patch::PatchRequest};
    /// let body = serde_json::json!({
    ///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    ///     "Operations": [{"op": "remove", "path": "members[value eq \"2819c223\"]"}]
    /// });
    /// assert_eq!(PatchRequest::parse(&body, &Options::default()).unwrap().to_json(), body);
    /// ```
    pub fn to_json(&self) -> Value {
        let ops: Vec<Value> = self
            .operations
            .iter()
            .map(|o| {
                let mut m = Map::new();
                m.insert("op".into(), Value::String(o.op.as_str().to_owned()));
                if let Some(p) = &o.path {
                    m.insert("path".into(), Value::String(p.clone()));
                }
                if let Some(v) = &o.value {
                    m.insert("value".into(), v.clone());
                }
                Value::Object(m)
            })
            .collect();
        let mut body = Map::new();
        body.insert(
            "schemas".into(),
            Value::Array(vec![Value::String(PATCH_OP_URN.to_owned())]),
        );
        body.insert("Operations".into(), Value::Array(ops));
        Value::Object(body)
    }

    /// When every operation only adds or removes group members by value, the member changes
    /// (`(added, removed values)`), so a store can apply them without loading the member list.
    /// `None` for any other request.
    pub fn member_changes(&self) -> Option<(Vec<Value>, Vec<String>)> {
        let mut added = Vec::new();
        let mut removed = Vec::new();
        for op in &self.operations {
            let path = op.path.as_deref()?;
            match op.op {
                PatchOpKind::Add if path.eq_ignore_ascii_case("members") => {
                    match op.value.as_ref()? {
                        Value::Array(items) => added.extend(items.iter().cloned()),
                        other => added.push(other.clone()),
                    }
                }
                PatchOpKind::Remove => {
                    let p = parse_patch_path(path).ok()?;
                    if !p.path.attr.eq_ignore_ascii_case("members") || p.path.sub.is_some() {
                        return None;
                    }
                    match (p.filter.as_ref().map(|f| &f.raw), &op.value) {
                        (
                            Some(RawFilter::Cmp(a, crate::eval::CmpOp::Eq, Value::String(v))),
                            None,
                        ) if a.attr.eq_ignore_ascii_case("value") && a.sub.is_none() => {
                            removed.push(v.clone());
                        }
                        (None, Some(Value::Array(items))) => {
                            for i in items {
                                removed.push(i.get("value")?.as_str()?.to_owned());
                            }
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        Some((added, removed))
    }
}

/// Where an operation points.
#[derive(Debug)]
enum Target<'a> {
    /// A whole extension object (`urn:…:enterprise:2.0:User`).
    Extension(String),
    /// `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`.
    Attr {
        ext: Option<String>,
        def: &'a AttributeDef,
        sub: Option<&'a AttributeDef>,
        filter: Option<Box<(Compiled, RawFilter)>>,
        text: String,
    },
}

/// Journal entries to undo member list changes.
enum Undo {
    Inserted(String),
    Removed(u64, Member),
    Replaced(String, Member),
    Swapped(MemberList),
}

struct Work<'a> {
    v: Validator<'a>,
    attrs: Map<String, Value>,
    members: Option<&'a mut MemberList>,
    journal: Vec<Undo>,
    /// Net membership change per member value (+1 added, -1 removed).
    net: std::collections::HashMap<String, i64>,
    id: &'a str,
}

/// What a PATCH changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchOutcome {
    /// Whether the resource changed at all (when not, `meta` is left alone).
    pub changed: bool,
    /// Values of members that were not members before and are now.
    pub members_added: Vec<String>,
    /// Values of members that were members before and are not any more.
    pub members_removed: Vec<String>,
}

/// Applies a PATCH request to a resource atomically.
pub(crate) fn apply(
    reg: &SchemaRegistry,
    rt: &ResourceType,
    opts: &Options,
    res: &mut Resource,
    req: &PatchRequest,
    check: &mut dyn FnMut(&Map<String, Value>) -> Result<()>,
) -> Result<PatchOutcome> {
    let v = Validator { reg, rt, opts };
    let id = res.id.as_str().to_owned();
    let mut work = Work {
        v,
        attrs: res.attrs.clone(),
        members: res.members.as_mut(),
        journal: Vec::new(),
        net: std::collections::HashMap::new(),
        id: &id,
    };
    let result = (|| -> Result<()> {
        for (i, op) in req.operations.iter().enumerate() {
            work.op(op).map_err(|e| annotate(e, i))?;
        }
        work.v.check_required(&work.attrs)?;
        check(&work.attrs)?;
        Ok(())
    })();
    let Work {
        attrs,
        members,
        journal,
        net,
        ..
    } = work;
    match result {
        Ok(()) => {
            let mut outcome = PatchOutcome::default();
            for (value, delta) in net {
                match delta.cmp(&0) {
                    std::cmp::Ordering::Greater => outcome.members_added.push(value),
                    std::cmp::Ordering::Less => outcome.members_removed.push(value),
                    std::cmp::Ordering::Equal => {}
                }
            }
            outcome.members_added.sort();
            outcome.members_removed.sort();
            let member_details_changed = journal.iter().any(|u| matches!(u, Undo::Replaced(..)));
            outcome.changed = attrs != res.attrs
                || !outcome.members_added.is_empty()
                || !outcome.members_removed.is_empty()
                || member_details_changed;
            if !outcome.changed {
                // Keep the original order of a member list that was replaced by itself.
                if let Some(m) = members {
                    rollback(m, journal);
                }
            }
            res.attrs = attrs;
            Ok(outcome)
        }
        Err(e) => {
            if let Some(m) = members {
                rollback(m, journal);
            }
            Err(e)
        }
    }
}

fn annotate(e: Error, i: usize) -> Error {
    match e {
        Error::InvalidSyntax { detail } => Error::InvalidSyntax {
            detail: format!("Operations[{i}]: {detail}"),
        },
        other => other,
    }
}

fn rollback(members: &mut MemberList, journal: Vec<Undo>) {
    for u in journal.into_iter().rev() {
        match u {
            Undo::Inserted(value) => {
                members.remove(&value);
            }
            Undo::Removed(seq, m) => members.restore(seq, m),
            Undo::Replaced(value, old) => {
                members.replace_in_place(&value, old);
            }
            Undo::Swapped(old) => *members = old,
        }
    }
}

impl<'a> Work<'a> {
    fn op(&mut self, op: &PatchOperation) -> Result<()> {
        match &op.path {
            None => {
                let value = op.value.as_ref().unwrap_or(&Value::Null);
                let obj = value.as_object().ok_or_else(|| {
                    Error::invalid_value(
                        "value",
                        format!("'{}' without a path needs an object value", op.op.as_str()),
                    )
                })?;
                for (key, v) in obj {
                    if key.eq_ignore_ascii_case("schemas") || key.eq_ignore_ascii_case("meta") {
                        continue;
                    }
                    if key.eq_ignore_ascii_case("id") {
                        // Okta's group rename carries the group id: fine when it matches.
                        if v.as_str() == Some(self.id) {
                            continue;
                        }
                        return Err(Error::mutability(
                            "id",
                            "id is read-only and cannot be changed",
                        ));
                    }
                    let target = match self.resolve(key) {
                        Ok(t) => t,
                        Err(Error::InvalidPath { .. }) => {
                            self.v_unknown(key)?;
                            continue;
                        }
                        Err(e) => return Err(e),
                    };
                    if let Target::Attr { def, sub, .. } = &target {
                        let d = sub.unwrap_or(def);
                        if d.mutability == Mutability::ReadOnly
                            || def.mutability == Mutability::ReadOnly
                        {
                            // Read-only data inside a no-path value object is ignored.
                            continue;
                        }
                    }
                    self.apply_target(op.op, target, Some(v), true)?;
                }
                Ok(())
            }
            Some(path) => {
                let target = self.resolve(path)?;
                self.apply_target(op.op, target, op.value.as_ref(), false)
            }
        }
    }

    fn v_unknown(&self, key: &str) -> Result<()> {
        match self.v.opts.unknown_attributes() {
            crate::options::UnknownAttributes::Ignore => Ok(()),
            crate::options::UnknownAttributes::Reject => {
                Err(Error::invalid_path(key, "unknown attribute"))
            }
        }
    }

    fn resolve(&self, text: &str) -> Result<Target<'a>> {
        let reg: &'a SchemaRegistry = self.v.reg;
        let rt: &'a ResourceType = self.v.rt;
        if let Some(urn) = reg.canonical_schema_of(rt, text.trim()) {
            if urn != rt.schema {
                return Ok(Target::Extension(urn.to_owned()));
            }
            return Err(Error::invalid_path(
                text,
                "a path cannot name the core schema itself",
            ));
        }
        let p = parse_patch_path(text)?;
        if let Some(u) = &p.path.urn {
            if reg.canonical_schema_of(rt, u).is_none() {
                return Err(Error::invalid_path(text, format!("unknown schema '{u}'")));
            }
        }
        let r = reg
            .resolve(rt, p.path.urn.as_deref(), &p.path.attr)
            .ok_or_else(|| Error::invalid_path(text, format!("no attribute '{}'", p.path.attr)))?;
        let def = r.def;
        let sub_name = p.path.sub.as_deref();
        let sub = match sub_name {
            None => None,
            Some(s) => Some(def.sub_attribute(s).ok_or_else(|| {
                Error::invalid_path(text, format!("'{}' has no sub-attribute '{s}'", def.name))
            })?),
        };
        let filter = match p.filter {
            None => None,
            Some(f) => {
                if !def.multi_valued || def.ty != AttributeType::Complex {
                    return Err(Error::invalid_path(
                        text,
                        format!(
                            "a value filter needs a multi-valued complex attribute; '{}' is not",
                            def.name
                        ),
                    ));
                }
                let c = compile_elem(reg, rt, &p.attr_path, def, &f).map_err(|e| match e {
                    Error::InvalidFilter { detail } => Error::invalid_path(text, detail),
                    other => other,
                })?;
                Some(Box::new((c, f.raw)))
            }
        };
        Ok(Target::Attr {
            ext: r.extension.map(str::to_owned),
            def,
            sub,
            filter,
            text: text.to_owned(),
        })
    }

    fn container(&mut self, ext: Option<&str>, create: bool) -> Option<&mut Map<String, Value>> {
        match ext {
            None => Some(&mut self.attrs),
            Some(u) => {
                if create && !matches!(self.attrs.get(u), Some(Value::Object(_))) {
                    self.attrs.insert(u.to_owned(), Value::Object(Map::new()));
                }
                self.attrs.get_mut(u).and_then(Value::as_object_mut)
            }
        }
    }

    fn cleanup_ext(&mut self, ext: Option<&str>) {
        if let Some(u) = ext {
            if matches!(self.attrs.get(u), Some(Value::Object(o)) if o.is_empty()) {
                self.attrs.remove(u);
            }
        }
    }

    fn is_members(&self, ext: Option<&str>, def: &AttributeDef) -> bool {
        ext.is_none()
            && def.name == "members"
            && self.members.is_some()
            && has_members(self.v.reg, self.v.rt)
    }

    fn apply_target(
        &mut self,
        op: PatchOpKind,
        target: Target<'a>,
        value: Option<&Value>,
        from_object: bool,
    ) -> Result<()> {
        match target {
            Target::Extension(urn) => self.apply_extension(op, &urn, value),
            Target::Attr {
                ext,
                def,
                sub,
                filter,
                text,
            } => {
                let ext = ext.as_deref();
                if !from_object {
                    let d = sub.unwrap_or(def);
                    if def.mutability == Mutability::ReadOnly
                        || d.mutability == Mutability::ReadOnly
                    {
                        return Err(Error::mutability(&text, "the attribute is read-only"));
                    }
                }
                if op == PatchOpKind::Remove {
                    if filter.is_none() && sub.is_none() && def.required {
                        return Err(Error::mutability(
                            &text,
                            "a required attribute cannot be removed",
                        ));
                    }
                    if let (Some(s), None) = (sub, &filter) {
                        if s.required && !def.multi_valued {
                            return Err(Error::mutability(
                                &text,
                                "a required sub-attribute cannot be removed",
                            ));
                        }
                    }
                }
                // Microsoft's Postman suite adds a member as a bare id string
                // (`"path": "members", "value": "id"`): in lenient mode, and only with an explicit
                // `members` path, that string is read as one member. Any other non-array value of
                // a multi-valued attribute is refused.
                let wrapped;
                let value = match value {
                    Some(v @ Value::String(_))
                        if self.v.opts.lenient()
                            && !from_object
                            && op != PatchOpKind::Remove
                            && filter.is_none()
                            && sub.is_none()
                            && self.is_members(ext, def) =>
                    {
                        wrapped = Value::Array(vec![v.clone()]);
                        Some(&wrapped)
                    }
                    other => other,
                };
                if self.is_members(ext, def) {
                    return self.members_op(op, def, sub, filter.map(|f| f.0), value, &text);
                }
                match (filter, sub) {
                    (None, None) => self.plain(op, ext, def, value, &text),
                    (None, Some(s)) => self.plain_sub(op, ext, def, s, value, &text),
                    (Some(fr), s) => self.filtered(op, ext, def, s, &fr.0, &fr.1, value, &text),
                }
            }
        }
    }

    fn apply_extension(&mut self, op: PatchOpKind, urn: &str, value: Option<&Value>) -> Result<()> {
        if op == PatchOpKind::Remove {
            self.attrs.remove(urn);
            return Ok(());
        }
        let obj = value
            .and_then(Value::as_object)
            .ok_or_else(|| Error::invalid_value(urn, "an extension value must be a JSON object"))?;
        let schema = self.v.reg.schema(urn).ok_or_else(|| Error::Misuse {
            detail: format!("extension {urn} not registered"),
        })?;
        for (k, v) in obj {
            let Some(def) = schema.attribute(k) else {
                self.v_unknown(&format!("{urn}:{k}"))?;
                continue;
            };
            if def.mutability == Mutability::ReadOnly {
                continue;
            }
            let text = format!("{urn}:{}", def.name);
            self.plain(op, Some(urn), def, Some(v), &text)?;
        }
        Ok(())
    }

    /// `attr` without filter or sub-attribute.
    fn plain(
        &mut self,
        op: PatchOpKind,
        ext: Option<&str>,
        def: &AttributeDef,
        value: Option<&Value>,
        text: &str,
    ) -> Result<()> {
        if op == PatchOpKind::Remove {
            if def.multi_valued {
                check_remove_value(value, text)?;
                if let (true, Some(Value::Array(items))) = (self.v.opts.lenient(), value) {
                    // Entra: remove only the listed values.
                    return self.remove_listed(ext, def, items, text);
                }
            }
            if let Some(c) = self.container(ext, false) {
                c.remove(&def.name);
            }
            self.cleanup_ext(ext);
            return Ok(());
        }
        let value = value.unwrap_or(&Value::Null);
        if value.is_null() && op == PatchOpKind::Replace {
            // Replacing with null unassigns.
            if def.required {
                return Err(Error::mutability(
                    text,
                    "a required attribute cannot be unassigned",
                ));
            }
            if let Some(c) = self.container(ext, false) {
                c.remove(&def.name);
            }
            self.cleanup_ext(ext);
            return Ok(());
        }
        let new = self.v.attr_value(def, value, text)?;
        let Some(new) = new else {
            return Ok(());
        };
        let existing = self
            .container(ext, false)
            .and_then(|c| c.get(&def.name))
            .cloned();
        if def.mutability == Mutability::Immutable {
            if let Some(old) = &existing {
                if *old != new {
                    return Err(Error::mutability(
                        text,
                        "the attribute is immutable and already set",
                    ));
                }
            }
        }
        let result = if def.multi_valued {
            match (op, existing) {
                (PatchOpKind::Add, Some(Value::Array(mut old))) => {
                    let items = new.as_array().cloned().unwrap_or_default();
                    for item in items {
                        add_element(&mut old, item);
                    }
                    check_one_primary(&old, text)?;
                    Value::Array(old)
                }
                _ => new,
            }
        } else if def.ty == AttributeType::Complex {
            // add and replace both merge sub-attributes into a singular complex attribute.
            match (existing, new) {
                (Some(Value::Object(mut old)), Value::Object(n)) => {
                    for (k, v) in n {
                        old.insert(k, v);
                    }
                    Value::Object(old)
                }
                (_, n) => n,
            }
        } else {
            new
        };
        if let Some(c) = self.container(ext, true) {
            c.insert(def.name.clone(), result);
        }
        Ok(())
    }

    fn remove_listed(
        &mut self,
        ext: Option<&str>,
        def: &AttributeDef,
        items: &[Value],
        text: &str,
    ) -> Result<()> {
        let mut listed = Vec::new();
        for (i, it) in items.iter().enumerate() {
            if let Some(v) = self.v.single(def, it, &format!("{text}[{i}]"))? {
                listed.push(v);
            }
        }
        let Some(c) = self.container(ext, false) else {
            return Ok(());
        };
        if let Some(Value::Array(old)) = c.get_mut(&def.name) {
            old.retain(|e| !listed.iter().any(|l| same_element(e, l)));
            if old.is_empty() {
                c.remove(&def.name);
            }
        }
        self.cleanup_ext(ext);
        Ok(())
    }

    /// `attr.sub` without a filter.
    fn plain_sub(
        &mut self,
        op: PatchOpKind,
        ext: Option<&str>,
        def: &AttributeDef,
        sub: &AttributeDef,
        value: Option<&Value>,
        text: &str,
    ) -> Result<()> {
        let new = match (op, value) {
            (PatchOpKind::Remove, _) | (_, None | Some(Value::Null)) => None,
            (_, Some(v)) => self.v.scalar(sub, v, text).map(Some)?,
        };
        let c = self.container(ext, new.is_some());
        let Some(c) = c else { return Ok(()) };
        match c.get_mut(&def.name) {
            Some(Value::Array(items)) => {
                // `emails.value` on a multi-valued attribute: every element.
                for it in items.iter_mut() {
                    if let Some(o) = it.as_object_mut() {
                        match &new {
                            Some(n) => {
                                o.insert(sub.name.clone(), n.clone());
                            }
                            None => {
                                o.remove(&sub.name);
                            }
                        }
                    }
                }
                items.retain(|i| !matches!(i, Value::Object(o) if o.is_empty()));
                if items.is_empty() {
                    c.remove(&def.name);
                }
            }
            Some(Value::Object(o)) => {
                if sub.mutability == Mutability::Immutable {
                    if let (Some(old), Some(n)) = (o.get(&sub.name), &new) {
                        if old != n {
                            return Err(Error::mutability(text, "the sub-attribute is immutable"));
                        }
                    }
                }
                match new {
                    Some(n) => {
                        o.insert(sub.name.clone(), n);
                    }
                    None => {
                        o.remove(&sub.name);
                    }
                }
                if o.is_empty() {
                    c.remove(&def.name);
                }
            }
            _ => {
                if let Some(n) = new {
                    if def.multi_valued {
                        return Err(Error::no_target(
                            text,
                            "any value (the attribute has no values)",
                        ));
                    }
                    let mut o = Map::new();
                    o.insert(sub.name.clone(), n);
                    c.insert(def.name.clone(), Value::Object(o));
                }
            }
        }
        self.cleanup_ext(ext);
        Ok(())
    }

    /// `attr[filter]` or `attr[filter].sub`.
    #[allow(clippy::too_many_arguments)] // one call site; the pieces are the resolved path
    fn filtered(
        &mut self,
        op: PatchOpKind,
        ext: Option<&str>,
        def: &AttributeDef,
        sub: Option<&AttributeDef>,
        f: &Compiled,
        raw: &RawFilter,
        value: Option<&Value>,
        text: &str,
    ) -> Result<()> {
        let new_sub = match (op, sub, value) {
            (PatchOpKind::Remove, _, _) | (_, None, _) => None,
            (_, Some(s), Some(v)) => Some(self.v.scalar(s, v, text)?),
            (_, Some(_), None) => None,
        };
        let new_elem = match (op, sub, value) {
            (PatchOpKind::Add | PatchOpKind::Replace, None, Some(v)) => {
                let v = match v {
                    Value::Array(a) if a.len() == 1 => a.first().unwrap_or(v),
                    other => other,
                };
                self.v.single(def, v, text)?
            }
            _ => None,
        };
        let lenient = self.v.opts.lenient();
        let mut template = if lenient && sub.is_some() && op != PatchOpKind::Remove {
            element_from_filter(raw).and_then(|o| canonical_element(&self.v, def, o, text))
        } else {
            None
        };
        let c = self.container(ext, op != PatchOpKind::Remove);
        let Some(c) = c else { return Ok(()) };
        let mut items = match c.remove(&def.name) {
            Some(Value::Array(a)) => a,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        let matched: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, e)| f.matches(e))
            .map(|(i, _)| i)
            .collect();
        let mut outcome = Ok(());
        match op {
            PatchOpKind::Remove => {
                if let Some(s) = sub {
                    for &i in &matched {
                        if let Some(Value::Object(o)) = items.get_mut(i) {
                            o.remove(&s.name);
                        }
                    }
                    items.retain(|i| !matches!(i, Value::Object(o) if o.is_empty()));
                } else {
                    let mut idx = 0;
                    items.retain(|_| {
                        let keep = !matched.contains(&idx);
                        idx += 1;
                        keep
                    });
                }
            }
            PatchOpKind::Add | PatchOpKind::Replace => {
                if matched.is_empty() {
                    match (sub, &new_sub) {
                        (Some(s), Some(n)) if lenient => {
                            match template.take() {
                                // Entra: `emails[type eq "work"].value` creates the element.
                                Some(mut o) => {
                                    o.insert(s.name.clone(), n.clone());
                                    items.push(Value::Object(o));
                                }
                                None => outcome = Err(Error::no_target(text, "any value")),
                            }
                        }
                        _ => outcome = Err(Error::no_target(text, "any value")),
                    }
                } else {
                    for &i in &matched {
                        let Some(Value::Object(o)) = items.get_mut(i) else {
                            continue;
                        };
                        match (sub, &new_sub, &new_elem) {
                            (Some(s), Some(n), _) => {
                                if s.mutability == Mutability::Immutable
                                    && o.get(&s.name).is_some_and(|old| old != n)
                                {
                                    outcome = Err(Error::mutability(
                                        text,
                                        "the sub-attribute is immutable",
                                    ));
                                }
                                o.insert(s.name.clone(), n.clone());
                            }
                            (None, _, Some(Value::Object(n))) => {
                                if op == PatchOpKind::Replace {
                                    *o = n.clone();
                                } else {
                                    for (k, v) in n {
                                        o.insert(k.clone(), v.clone());
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                // A value that became primary clears the others.
                let primaries: Vec<usize> = matched
                    .iter()
                    .copied()
                    .filter(|&i| {
                        items.get(i).and_then(|e| e.get("primary")) == Some(&Value::Bool(true))
                    })
                    .collect();
                if primaries.len() == 1 {
                    clear_other_primaries(&mut items, primaries.first().copied());
                }
            }
        }
        if outcome.is_ok() {
            outcome = check_one_primary(&items, text);
        }
        if !items.is_empty() {
            c.insert(def.name.clone(), Value::Array(items));
        }
        self.cleanup_ext(ext);
        outcome
    }

    fn members_op(
        &mut self,
        op: PatchOpKind,
        def: &AttributeDef,
        sub: Option<&AttributeDef>,
        filter: Option<Compiled>,
        value: Option<&Value>,
        text: &str,
    ) -> Result<()> {
        let lenient = self.v.opts.lenient();
        // Validate values first.
        let parse_members = |this: &Self, v: &Value| -> Result<Vec<Member>> {
            let canon = this.v.attr_value(def, v, text)?;
            Ok(canon
                .as_ref()
                .map(crate::validate::members_from)
                .unwrap_or_default())
        };
        match (op, sub, &filter) {
            (PatchOpKind::Add, None, None) => {
                let new = parse_members(self, value.unwrap_or(&Value::Null))?;
                let Some(list) = self.members.as_deref_mut() else {
                    return Ok(());
                };
                for m in new {
                    let v = m.value.clone();
                    if list.insert(m) {
                        *self.net.entry(v.clone()).or_insert(0) += 1;
                        self.journal.push(Undo::Inserted(v));
                    }
                }
                Ok(())
            }
            (PatchOpKind::Replace, None, None) => {
                let new = match value {
                    Some(Value::Null) | None => Vec::new(),
                    Some(v) => parse_members(self, v)?,
                };
                let Some(list) = self.members.as_deref_mut() else {
                    return Ok(());
                };
                let old = std::mem::replace(list, new.into_iter().collect());
                for m in old.iter() {
                    *self.net.entry(m.value.clone()).or_insert(0) -= 1;
                }
                for m in list.iter() {
                    *self.net.entry(m.value.clone()).or_insert(0) += 1;
                }
                self.journal.push(Undo::Swapped(old));
                Ok(())
            }
            (PatchOpKind::Remove, None, None) => {
                check_remove_value(value, text)?;
                let listed = match value {
                    Some(v @ Value::Array(_)) if lenient => Some(parse_members(self, v)?),
                    _ => None,
                };
                let Some(list) = self.members.as_deref_mut() else {
                    return Ok(());
                };
                match listed {
                    Some(items) => {
                        for m in items {
                            if let Some((seq, old)) = list.remove_entry(&m.value) {
                                *self.net.entry(old.value.clone()).or_insert(0) -= 1;
                                self.journal.push(Undo::Removed(seq, old));
                            }
                        }
                    }
                    None => {
                        let old = std::mem::take(list);
                        for m in old.iter() {
                            *self.net.entry(m.value.clone()).or_insert(0) -= 1;
                        }
                        self.journal.push(Undo::Swapped(old));
                    }
                }
                Ok(())
            }
            (_, _, Some(f)) => {
                let Some(list) = self.members.as_deref_mut() else {
                    return Ok(());
                };
                let targets: Vec<String> = match f.as_value_eq() {
                    Some(v) => {
                        if list.contains(v) {
                            vec![v.to_owned()]
                        } else {
                            Vec::new()
                        }
                    }
                    None => list
                        .iter()
                        .filter(|m| f.matches(&m.to_json()))
                        .map(|m| m.value.clone())
                        .collect(),
                };
                if op == PatchOpKind::Remove && sub.is_none() {
                    for t in targets {
                        if let Some((seq, old)) = list.remove_entry(&t) {
                            *self.net.entry(old.value.clone()).or_insert(0) -= 1;
                            self.journal.push(Undo::Removed(seq, old));
                        }
                    }
                    return Ok(());
                }
                if targets.is_empty() {
                    if op == PatchOpKind::Remove {
                        return Ok(());
                    }
                    return Err(Error::no_target(text, "any member"));
                }
                for t in targets {
                    let Some(old) = list.get(&t).cloned() else {
                        continue;
                    };
                    let mut obj = old.to_json();
                    let Some(o) = obj.as_object_mut() else {
                        continue;
                    };
                    match (op, sub, value) {
                        (PatchOpKind::Remove, Some(s), _) => {
                            if s.name == "value" {
                                return Err(Error::mutability(
                                    text,
                                    "a member's value cannot be removed",
                                ));
                            }
                            o.remove(&s.name);
                        }
                        (_, Some(s), Some(v)) => {
                            let n = self.v.scalar(s, v, text)?;
                            if s.mutability == Mutability::Immutable
                                && o.get(&s.name).is_some_and(|x| *x != n)
                            {
                                return Err(Error::mutability(
                                    text,
                                    "the sub-attribute is immutable",
                                ));
                            }
                            o.insert(s.name.clone(), n);
                        }
                        (_, None, Some(v)) => {
                            let Some(Value::Object(n)) = self.v.single(def, v, text)? else {
                                continue;
                            };
                            if n.get("value")
                                .is_some_and(|x| x.as_str() != Some(t.as_str()))
                            {
                                return Err(Error::mutability(
                                    text,
                                    "a member's value is immutable",
                                ));
                            }
                            if op == PatchOpKind::Replace {
                                o.retain(|k, _| k == "value");
                            }
                            o.extend(n);
                        }
                        _ => {}
                    }
                    let Some(new) = Member::from_canonical(o) else {
                        continue;
                    };
                    if new != old {
                        if let Some(prev) = list.replace_in_place(&t, new) {
                            self.journal.push(Undo::Replaced(t.clone(), prev));
                        }
                    }
                }
                Ok(())
            }
            (_, Some(s), None) => Err(Error::invalid_path(
                text,
                format!(
                    "'members.{}' needs a value filter, e.g. members[value eq \"id\"].{}",
                    s.name, s.name
                ),
            )),
        }
    }
}

/// Two elements are the same value: equal `value` sub-attributes when both have one
/// (and equal `type` when both have one), else JSON equality.
/// A `remove` of a whole multi-valued attribute takes no value, or (Entra) an array of the
/// values to remove. Anything else is refused rather than read as "remove everything".
fn check_remove_value(value: Option<&Value>, text: &str) -> Result<()> {
    match value {
        None | Some(Value::Null | Value::Array(_)) => Ok(()),
        Some(_) => Err(Error::invalid_value(
            text,
            "a value given with 'remove' on a multi-valued attribute must be a JSON array",
        )),
    }
}

fn same_element(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => {
            x == y
                && match (a.get("type"), b.get("type")) {
                    (Some(t1), Some(t2)) => t1 == t2,
                    _ => true,
                }
        }
        _ => a == b,
    }
}

fn add_element(items: &mut Vec<Value>, new: Value) {
    if items.contains(&new) {
        return;
    }
    if new.get("primary") == Some(&Value::Bool(true)) {
        clear_other_primaries(items, None);
    }
    items.push(new);
}

fn clear_other_primaries(items: &mut [Value], keep: Option<usize>) {
    for (i, e) in items.iter_mut().enumerate() {
        if Some(i) == keep {
            continue;
        }
        if let Some(o) = e.as_object_mut() {
            if o.get("primary") == Some(&Value::Bool(true)) {
                o.insert("primary".into(), Value::Bool(false));
            }
        }
    }
}

/// The element described by a filter's equalities, with canonical sub-attribute names and
/// validated values; `None` when a name or value does not fit the attribute.
fn canonical_element(
    v: &Validator<'_>,
    def: &AttributeDef,
    raw: Map<String, Value>,
    text: &str,
) -> Option<Map<String, Value>> {
    let mut out = Map::new();
    for (k, val) in raw {
        let sub = def.sub_attribute(&k)?;
        if sub.mutability == Mutability::ReadOnly {
            return None;
        }
        out.insert(sub.name.clone(), v.scalar(sub, &val, text).ok()?);
    }
    Some(out)
}

/// For `type eq "work"` (or an `and` of such equalities), the element those equalities
/// describe.
fn element_from_filter(f: &RawFilter) -> Option<Map<String, Value>> {
    match f {
        RawFilter::Cmp(p, crate::eval::CmpOp::Eq, v) if p.urn.is_none() && p.sub.is_none() => {
            let mut m = Map::new();
            m.insert(p.attr.clone(), v.clone());
            Some(m)
        }
        RawFilter::And(a, b) => {
            let mut m = element_from_filter(a)?;
            m.extend(element_from_filter(b)?);
            Some(m)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;

    #[test]
    fn member_value_filter_uses_the_index() {
        let reg = SchemaRegistry::standard();
        let rt = reg.resource_type("Group").unwrap();
        let opts = Options::default();
        let mut members = MemberList::new();
        let work = Work {
            v: Validator {
                reg: &reg,
                rt,
                opts: &opts,
            },
            attrs: Map::new(),
            members: Some(&mut members),
            journal: Vec::new(),
            net: std::collections::HashMap::new(),
            id: "g",
        };
        let Target::Attr { filter, .. } = work.resolve("members[value eq \"2819c223\"]").unwrap()
        else {
            panic!("expected an attribute target");
        };
        assert_eq!(filter.unwrap().0.as_value_eq(), Some("2819c223"));
        // Any other filter scans.
        let Target::Attr { filter, .. } = work.resolve("members[type eq \"User\"]").unwrap() else {
            panic!("expected an attribute target");
        };
        assert_eq!(filter.unwrap().0.as_value_eq(), None);
    }
}

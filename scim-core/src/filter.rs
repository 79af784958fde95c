//! Bridge to `scim-filter`: parsed filters and PATCH paths, compiled against the schema.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::eval::CmpOp;
use crate::options::{FilterAlias, Options};
use crate::schema::{AttributeDef, AttributeType, ResourceType, SchemaRegistry};

/// An attribute path as written: `[urn:]attr[.sub]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawAttrPath {
    pub(crate) urn: Option<String>,
    pub(crate) attr: String,
    pub(crate) sub: Option<String>,
}

/// A filter as parsed, before names are resolved.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawFilter {
    And(Box<Self>, Box<Self>),
    Or(Box<Self>, Box<Self>),
    Not(Box<Self>),
    Present(RawAttrPath),
    Cmp(RawAttrPath, CmpOp, Value),
    ValuePath(RawAttrPath, Box<Self>),
}

/// A PATCH path as parsed: `attrPath` or `valuePath[.subAttr]`; for
/// `emails[type eq "work"].value` the path is `emails.value` and the filter `type eq "work"`.
#[derive(Debug, Clone)]
pub(crate) struct RawPatchPath {
    pub(crate) path: RawAttrPath,
    pub(crate) attr_path: scim_filter::AttrPath,
    pub(crate) filter: Option<ParsedFilter>,
}

fn cmp_op(op: scim_filter::CompareOp) -> CmpOp {
    use scim_filter::CompareOp as O;
    match op {
        O::Eq => CmpOp::Eq,
        O::Ne => CmpOp::Ne,
        O::Co => CmpOp::Co,
        O::Sw => CmpOp::Sw,
        O::Ew => CmpOp::Ew,
        O::Gt => CmpOp::Gt,
        O::Lt => CmpOp::Lt,
        O::Ge => CmpOp::Ge,
        O::Le => CmpOp::Le,
    }
}

fn raw_attr(p: &scim_filter::AttrPath) -> RawAttrPath {
    RawAttrPath {
        urn: p.schema().map(|s| s.as_str().to_owned()),
        attr: p.attr().as_str().to_owned(),
        sub: p.sub_attr().map(|s| s.as_str().to_owned()),
    }
}

fn comp_value(v: &scim_filter::CompValue) -> Value {
    use scim_filter::CompValue as C;
    match v {
        C::Null => Value::Null,
        C::Bool(b) => Value::Bool(*b),
        C::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                serde_json::Number::from_f64(n.as_f64()).map_or(Value::Null, Value::Number)
            }
        }
        C::String(s) => Value::String(s.clone()),
    }
}

fn fold(
    operands: &[scim_filter::Filter],
    depth: usize,
    mk: fn(Box<RawFilter>, Box<RawFilter>) -> RawFilter,
) -> Result<RawFilter> {
    let mut iter = operands.iter();
    let first = iter.next().ok_or_else(|| Error::InvalidFilter {
        detail: "empty logical expression".into(),
    })?;
    let mut acc = raw_filter(first, depth + 1)?;
    for next in iter {
        acc = mk(Box::new(acc), Box::new(raw_filter(next, depth + 1)?));
    }
    Ok(acc)
}

fn raw_filter(f: &scim_filter::Filter, depth: usize) -> Result<RawFilter> {
    use scim_filter::Filter as F;
    if depth > MAX_FILTER_DEPTH {
        return Err(Error::InvalidFilter {
            detail: format!("filter nests deeper than {MAX_FILTER_DEPTH} levels"),
        });
    }
    Ok(match f {
        F::And(l) => fold(l.operands(), depth, RawFilter::And)?,
        F::Or(l) => fold(l.operands(), depth, RawFilter::Or)?,
        F::Not(n) => RawFilter::Not(Box::new(raw_filter(n.inner(), depth + 1)?)),
        F::Present(p) => RawFilter::Present(raw_attr(p.path())),
        F::Compare(c) => RawFilter::Cmp(raw_attr(c.path()), cmp_op(c.op()), comp_value(c.value())),
        F::ValuePath(vp) => RawFilter::ValuePath(
            raw_attr(vp.path()),
            Box::new(raw_filter(vp.filter(), depth + 1)?),
        ),
    })
}

/// Deepest filter nesting accepted (the same budget as `scim-filter`'s parser).
const MAX_FILTER_DEPTH: usize = 128;

/// Parses filter text with `scim-filter`. `lenient` accepts unquoted comparison values
/// (Entra's `externalId eq jyoung`) as strings.
pub(crate) fn parse_filter(text: &str, lenient: bool) -> Result<ParsedFilter> {
    let opts = scim_filter::ParseOptions::new().with_bare_words(lenient);
    let ast = scim_filter::Filter::parse_with(text, &opts).map_err(|e| Error::InvalidFilter {
        detail: e.to_string(),
    })?;
    let raw = raw_filter(&ast, 0)?;
    Ok(ParsedFilter { ast, raw })
}

/// Parses a PATCH path with `scim-filter`.
pub(crate) fn parse_patch_path(text: &str) -> Result<RawPatchPath> {
    let p = scim_filter::PatchPath::parse(text)
        .map_err(|e| Error::invalid_path(text, e.to_string()))?;
    let filter = match p.value_filter() {
        Some(ast) => Some(ParsedFilter {
            raw: raw_filter(ast, 0)?,
            ast: ast.clone(),
        }),
        None => None,
    };
    Ok(RawPatchPath {
        path: raw_attr(p.attr_path()),
        attr_path: p.attr_path().clone(),
        filter,
    })
}

/// A parsed filter: the `scim-filter` tree (evaluated by its [`scim_filter::Matcher`]) and
/// the plain form this crate inspects for dialect rules and fast paths.
#[derive(Debug, Clone)]
pub(crate) struct ParsedFilter {
    pub(crate) ast: scim_filter::Filter,
    pub(crate) raw: RawFilter,
}

/// The schema registry seen through `scim-filter`'s attribute-type interface, for one
/// resource type: names resolve case-insensitively against the core schema, the common
/// attributes (`id`, `externalId`, `meta`) and the resource type's extensions.
pub(crate) struct Types<'a> {
    pub(crate) reg: &'a SchemaRegistry,
    pub(crate) rt: &'a ResourceType,
}

fn data_type(t: AttributeType) -> scim_filter::DataType {
    use scim_filter::DataType as D;
    match t {
        AttributeType::String => D::String,
        AttributeType::Boolean => D::Boolean,
        AttributeType::Decimal => D::Decimal,
        AttributeType::Integer => D::Integer,
        AttributeType::DateTime => D::DateTime,
        AttributeType::Binary => D::Binary,
        AttributeType::Reference => D::Reference,
        AttributeType::Complex => D::Complex,
    }
}

impl scim_filter::AttributeTypes for Types<'_> {
    fn characteristics(
        &self,
        schema: Option<&str>,
        attr: &str,
        sub_attr: Option<&str>,
    ) -> Option<scim_filter::Characteristics> {
        let r = self.reg.resolve(self.rt, schema, attr)?;
        let def = match sub_attr {
            Some(s) => r.def.sub_attribute(s)?,
            None => r.def,
        };
        Some(
            scim_filter::Characteristics::new(data_type(def.ty))
                .with_case_exact(def.case_exact)
                .with_multi_valued(def.multi_valued),
        )
    }

    fn is_extension(&self, schema: &str) -> bool {
        self.rt
            .extensions
            .iter()
            .any(|e| e.schema.eq_ignore_ascii_case(schema))
    }
}

/// A filter bound to the schema, ready to test resources or single values.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    matcher: scim_filter::Matcher,
    value_eq: Option<String>,
    members: bool,
}

impl Compiled {
    /// Whether `v` satisfies the filter (a data-dependent type error counts as no match).
    pub(crate) fn matches(&self, v: &Value) -> bool {
        self.matcher.matches(v).unwrap_or(false)
    }

    /// `Some(value)` when this value filter is exactly `value eq "<value>"` on a case-exact
    /// `value` sub-attribute (the fast path for group members).
    pub(crate) fn as_value_eq(&self) -> Option<&str> {
        self.value_eq.as_deref()
    }

    /// Whether the filter reads the `members` attribute.
    pub(crate) fn mentions_members(&self) -> bool {
        self.members
    }
}

/// The filter attribute aliases of `opts` that apply to filters over `rt`: none unless lenient
/// input is on, and only those whose name the resource type's schemas do not define.
fn aliases_for<'o>(
    reg: &SchemaRegistry,
    rt: &ResourceType,
    opts: &'o Options,
) -> Vec<&'o FilterAlias> {
    if !opts.lenient() {
        return Vec::new();
    }
    opts.filter_aliases()
        .iter()
        .filter(|a| a.resource_type().eq_ignore_ascii_case(&rt.name))
        .filter(|a| reg.resolve(rt, None, a.alias().as_str()).is_none())
        .collect()
}

/// The target of the alias `p` is written as, if any: only a bare name (no schema URN, no
/// sub-attribute) is an alias.
fn alias_target<'o>(
    p: &scim_filter::AttrPath,
    aliases: &[&'o FilterAlias],
) -> Option<&'o scim_filter::AttrPath> {
    if p.schema().is_some() || p.sub_attr().is_some() {
        return None;
    }
    aliases
        .iter()
        .find(|a| a.alias() == p.attr())
        .map(|a| a.target())
}

/// Rebuilds `f` with aliased attribute paths replaced by their targets. Paths inside a value
/// filter's brackets are sub-attribute names of the outer attribute, never aliases; the outer
/// path of a value filter is replaced only by a target without a sub-attribute.
fn rewrite(f: &scim_filter::Filter, aliases: &[&FilterAlias]) -> scim_filter::Filter {
    use scim_filter::Filter as F;
    // `None` for a logical node with fewer than two operands (not built by the parser).
    let logical = |ops: &[F]| -> Option<scim_filter::Logical> {
        let mut iter = ops.iter().map(|o| rewrite(o, aliases));
        let mut l = scim_filter::Logical::new(iter.next()?, iter.next()?);
        for next in iter {
            l.push(next);
        }
        Some(l)
    };
    match f {
        F::And(l) => logical(l.operands()).map_or_else(|| f.clone(), F::And),
        F::Or(l) => logical(l.operands()).map_or_else(|| f.clone(), F::Or),
        F::Not(n) => F::negate(rewrite(n.inner(), aliases)),
        F::Present(p) => match alias_target(p.path(), aliases) {
            Some(t) => F::present(t.clone()),
            None => f.clone(),
        },
        F::Compare(c) => match alias_target(c.path(), aliases) {
            Some(t) => F::compare(t.clone(), c.op(), c.value().clone()),
            None => f.clone(),
        },
        F::ValuePath(vp) => alias_target(vp.path(), aliases)
            .filter(|t| t.sub_attr().is_none())
            .and_then(|t| scim_filter::ValuePath::new(t.clone(), vp.filter().clone()).ok())
            .map_or_else(|| f.clone(), F::ValuePath),
    }
}

/// `f` as evaluated over resources of `rt`: with the lenient dialect's filter attribute
/// aliases applied (see [`FilterAlias`]). `None` when no alias occurs in `f`, so the parsed
/// tree is used as it is.
pub(crate) fn apply_aliases(
    reg: &SchemaRegistry,
    rt: &ResourceType,
    opts: &Options,
    f: &scim_filter::Filter,
) -> Option<scim_filter::Filter> {
    let aliases = aliases_for(reg, rt, opts);
    if aliases.is_empty() {
        return None;
    }
    let mut found = false;
    f.for_each_path(&mut |p| found |= alias_target(p, &aliases).is_some());
    found.then(|| rewrite(f, &aliases))
}

/// Binds a filter over whole resources of type `rt`.
pub(crate) fn compile(
    reg: &SchemaRegistry,
    rt: &ResourceType,
    ast: &scim_filter::Filter,
) -> Result<Compiled> {
    let matcher =
        scim_filter::Matcher::new(ast, &Types { reg, rt }).map_err(|e| Error::InvalidFilter {
            detail: e.to_string(),
        })?;
    let mut members = false;
    ast.for_each_path(&mut |p| members |= p.attr().as_str().eq_ignore_ascii_case("members"));
    Ok(Compiled {
        matcher,
        value_eq: None,
        members,
    })
}

/// Binds a value filter over single values of the multi-valued complex attribute `parent`.
pub(crate) fn compile_elem(
    reg: &SchemaRegistry,
    rt: &ResourceType,
    parent_path: &scim_filter::AttrPath,
    parent: &AttributeDef,
    f: &ParsedFilter,
) -> Result<Compiled> {
    let matcher = scim_filter::Matcher::for_values_of(parent_path, &f.ast, &Types { reg, rt })
        .map_err(|e| Error::InvalidFilter {
            detail: e.to_string(),
        })?;
    let value_eq = match &f.raw {
        RawFilter::Cmp(p, CmpOp::Eq, Value::String(v))
            if p.urn.is_none()
                && p.sub.is_none()
                && p.attr.eq_ignore_ascii_case("value")
                && parent.sub_attribute("value").is_some_and(|d| d.case_exact) =>
        {
            Some(v.clone())
        }
        _ => None,
    };
    Ok(Compiled {
        matcher,
        value_eq,
        members: false,
    })
}

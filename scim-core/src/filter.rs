//! Bridge to `scim-filter`: parsed filters and PATCH paths, compiled against the schema.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::eval::{CmpOp, Compiled, Step};
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
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawPatchPath {
    pub(crate) path: RawAttrPath,
    pub(crate) filter: Option<RawFilter>,
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
pub(crate) fn parse_filter(text: &str, lenient: bool) -> Result<RawFilter> {
    let opts = scim_filter::ParseOptions::new().with_bare_words(lenient);
    let f = scim_filter::Filter::parse_with(text, &opts).map_err(|e| Error::InvalidFilter {
        detail: e.to_string(),
    })?;
    raw_filter(&f, 0)
}

/// Parses a PATCH path with `scim-filter`.
pub(crate) fn parse_patch_path(text: &str) -> Result<RawPatchPath> {
    let p = scim_filter::PatchPath::parse(text)
        .map_err(|e| Error::invalid_path(text, e.to_string()))?;
    Ok(RawPatchPath {
        path: raw_attr(p.attr_path()),
        filter: p.value_filter().map(|f| raw_filter(f, 0)).transpose()?,
    })
}

/// Compiles a filter over whole resources of type `rt`.
pub(crate) fn compile(reg: &SchemaRegistry, rt: &ResourceType, f: &RawFilter) -> Result<Compiled> {
    compile_in(reg, rt, None, f)
}

/// Compiles a filter over elements of the complex attribute `parent` (value filters).
pub(crate) fn compile_elem(
    reg: &SchemaRegistry,
    rt: &ResourceType,
    parent: &AttributeDef,
    f: &RawFilter,
) -> Result<Compiled> {
    compile_in(reg, rt, Some(parent), f)
}

fn compile_in(
    reg: &SchemaRegistry,
    rt: &ResourceType,
    parent: Option<&AttributeDef>,
    f: &RawFilter,
) -> Result<Compiled> {
    let rec = |x: &RawFilter| compile_in(reg, rt, parent, x);
    Ok(match f {
        RawFilter::And(a, b) => Compiled::And(Box::new(rec(a)?), Box::new(rec(b)?)),
        RawFilter::Or(a, b) => Compiled::Or(Box::new(rec(a)?), Box::new(rec(b)?)),
        RawFilter::Not(a) => Compiled::Not(Box::new(rec(a)?)),
        RawFilter::Present(p) => match resolve_steps(reg, rt, parent, p)? {
            Some((steps, _)) => Compiled::Present(steps),
            None => Compiled::False,
        },
        RawFilter::Cmp(p, op, v) => match resolve_steps(reg, rt, parent, p)? {
            Some((steps, def)) => {
                let def = if def.ty == AttributeType::Complex {
                    // `emails co "x"` compares the `value` sub-attribute.
                    def.sub_attribute("value").unwrap_or(def)
                } else {
                    def
                };
                Compiled::cmp(steps, *op, def, v)?
            }
            None => {
                if *op == CmpOp::Ne {
                    Compiled::Not(Box::new(Compiled::False))
                } else {
                    Compiled::False
                }
            }
        },
        RawFilter::ValuePath(p, inner) => {
            if parent.is_some() {
                return Err(Error::InvalidFilter {
                    detail: "value filters cannot be nested".into(),
                });
            }
            match resolve_steps(reg, rt, None, p)? {
                Some((steps, def)) if def.ty == AttributeType::Complex => Compiled::Elem {
                    steps,
                    inner: Box::new(compile_in(reg, rt, Some(def), inner)?),
                },
                Some(_) => {
                    return Err(Error::InvalidFilter {
                        detail: format!("'{}' is not a complex attribute", p.attr),
                    });
                }
                None => Compiled::False,
            }
        }
    })
}

/// Resolves a path to JSON steps. `Ok(None)`: the schema has no such attribute (matches
/// nothing). Relative to `parent` when compiling a value filter.
fn resolve_steps<'a>(
    reg: &'a SchemaRegistry,
    rt: &ResourceType,
    parent: Option<&'a AttributeDef>,
    p: &RawAttrPath,
) -> Result<Option<(Vec<Step>, &'a AttributeDef)>> {
    if let Some(parent) = parent {
        let Some(def) = parent.sub_attribute(&p.attr) else {
            return Ok(None);
        };
        if p.sub.is_some() {
            return Err(Error::InvalidFilter {
                detail: format!("'{}.{}' has no sub-attributes", parent.name, def.name),
            });
        }
        return Ok(Some((
            vec![Step {
                key: def.name.clone(),
                multi: def.multi_valued,
            }],
            def,
        )));
    }
    if let Some(u) = &p.urn {
        if reg.canonical_schema_of(rt, u).is_none() {
            return Ok(None);
        }
    }
    let Some(r) = reg.resolve(rt, p.urn.as_deref(), &p.attr) else {
        return Ok(None);
    };
    let mut steps = Vec::new();
    if let Some(e) = r.extension {
        steps.push(Step {
            key: e.to_owned(),
            multi: false,
        });
    }
    steps.push(Step {
        key: r.def.name.clone(),
        multi: r.def.multi_valued,
    });
    match &p.sub {
        None => Ok(Some((steps, r.def))),
        Some(s) => match r.def.sub_attribute(s) {
            Some(sd) => {
                steps.push(Step {
                    key: sd.name.clone(),
                    multi: sd.multi_valued,
                });
                Ok(Some((steps, sd)))
            }
            None => Ok(None),
        },
    }
}

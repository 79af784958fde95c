//! Filters compiled against the schema (names resolved, comparison rules fixed) and their
//! evaluation over resource JSON and over single elements of multi-valued attributes.

use std::cmp::Ordering;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::schema::{AttributeDef, AttributeType};
use crate::time::Timestamp;

/// A comparison operator (RFC 7644 §3.4.2.2 Table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Lt,
    Ge,
    Le,
}

impl CmpOp {
    fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Lt | Self::Ge | Self::Le)
    }
}

/// How values of an attribute compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str { case_exact: bool },
    Bool,
    Num,
    Date,
    Binary,
}

impl Kind {
    pub(crate) fn of(def: &AttributeDef) -> Self {
        match def.ty {
            AttributeType::Boolean => Self::Bool,
            AttributeType::Integer | AttributeType::Decimal => Self::Num,
            AttributeType::DateTime => Self::Date,
            AttributeType::Binary => Self::Binary,
            AttributeType::String | AttributeType::Reference | AttributeType::Complex => {
                Self::Str {
                    case_exact: def.case_exact,
                }
            }
        }
    }
}

/// A literal checked against the attribute kind at compile time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Null,
    Bool(bool),
    Num(f64),
    /// Original text and, for case-insensitive attributes, its lower-case form.
    Str(String, String),
    Date(Timestamp),
}

/// One step into a resource: `(key, multi-valued)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub(crate) key: String,
    pub(crate) multi: bool,
}

/// A filter over a JSON object (a whole resource, or one element of a multi-valued attribute).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Compiled {
    And(Box<Self>, Box<Self>),
    Or(Box<Self>, Box<Self>),
    Not(Box<Self>),
    Present(Vec<Step>),
    Cmp {
        steps: Vec<Step>,
        op: CmpOp,
        kind: Kind,
        lit: Lit,
    },
    /// `attr[filter]`: some element of `attr` satisfies `filter` (on that same element).
    Elem {
        steps: Vec<Step>,
        inner: Box<Self>,
    },
    /// Matches nothing (e.g. a filter on an attribute the schema does not have).
    False,
}

impl Compiled {
    /// Builds a comparison, checking operator/type combinations and literals.
    pub(crate) fn cmp(
        steps: Vec<Step>,
        op: CmpOp,
        def: &AttributeDef,
        value: &Value,
    ) -> Result<Self> {
        let kind = Kind::of(def);
        let bad = |d: String| Error::InvalidFilter { detail: d };
        if op.is_ordering() && matches!(kind, Kind::Bool | Kind::Binary) {
            return Err(bad(format!(
                "'{}' is a {} attribute and cannot be compared with gt/ge/lt/le",
                def.name,
                def.ty.as_str()
            )));
        }
        let lit = match value {
            Value::Null => {
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    return Err(bad("null can only be compared with eq or ne".into()));
                }
                Lit::Null
            }
            Value::Bool(b) => match kind {
                Kind::Bool => Lit::Bool(*b),
                _ => return Err(bad(format!("'{}' is not a boolean attribute", def.name))),
            },
            Value::Number(n) => match kind {
                Kind::Num => Lit::Num(n.as_f64().unwrap_or(f64::NAN)),
                Kind::Str { case_exact } => {
                    let s = n.to_string();
                    let folded = if case_exact {
                        s.clone()
                    } else {
                        s.to_lowercase()
                    };
                    Lit::Str(s, folded)
                }
                _ => {
                    return Err(bad(format!(
                        "'{}' cannot be compared with a number",
                        def.name
                    )));
                }
            },
            Value::String(s) => match kind {
                Kind::Date => {
                    if matches!(op, CmpOp::Co | CmpOp::Sw | CmpOp::Ew) {
                        Lit::Str(s.clone(), s.clone())
                    } else {
                        Lit::Date(Timestamp::parse(s).map_err(|_| {
                            bad(format!("'{s}' is not a dateTime value for '{}'", def.name))
                        })?)
                    }
                }
                Kind::Bool => match s.to_ascii_lowercase().as_str() {
                    "true" => Lit::Bool(true),
                    "false" => Lit::Bool(false),
                    _ => return Err(bad(format!("'{}' is a boolean attribute", def.name))),
                },
                Kind::Num => Lit::Num(
                    s.parse::<f64>()
                        .map_err(|_| bad(format!("'{}' is a numeric attribute", def.name)))?,
                ),
                Kind::Str { case_exact } => {
                    let folded = if case_exact {
                        s.clone()
                    } else {
                        s.to_lowercase()
                    };
                    Lit::Str(s.clone(), folded)
                }
                Kind::Binary => Lit::Str(s.clone(), s.clone()),
            },
            Value::Array(_) | Value::Object(_) => {
                return Err(bad("a comparison value must be a JSON literal".into()));
            }
        };
        Ok(Self::Cmp {
            steps,
            op,
            kind,
            lit,
        })
    }

    /// Evaluates against a JSON object.
    pub(crate) fn matches(&self, obj: &Value) -> bool {
        match self {
            Self::And(a, b) => a.matches(obj) && b.matches(obj),
            Self::Or(a, b) => a.matches(obj) || b.matches(obj),
            Self::Not(a) => !a.matches(obj),
            Self::False => false,
            Self::Present(steps) => {
                let mut found = false;
                visit(obj, steps, &mut |v| {
                    found |= present(v);
                });
                found
            }
            Self::Cmp {
                steps,
                op,
                kind,
                lit,
            } => {
                if *lit == Lit::Null {
                    let mut found = false;
                    visit(obj, steps, &mut |v| found |= present(v));
                    return if *op == CmpOp::Eq { !found } else { found };
                }
                let mut any = false;
                let mut seen = false;
                visit(obj, steps, &mut |v| {
                    if !v.is_null() {
                        seen = true;
                        any |= compare(v, *op, *kind, lit);
                    }
                });
                if !seen && *op == CmpOp::Ne {
                    return true;
                }
                any
            }
            Self::Elem { steps, inner } => {
                let mut any = false;
                visit_elements(obj, steps, &mut |v| {
                    if !any && v.is_object() {
                        any = inner.matches(v);
                    }
                });
                any
            }
        }
    }

    /// Whether the filter reads the top-level attribute `key` (e.g. `members`).
    pub(crate) fn mentions(&self, key: &str) -> bool {
        let first = |steps: &[Step]| steps.first().is_some_and(|s| s.key == key);
        match self {
            Self::And(a, b) | Self::Or(a, b) => a.mentions(key) || b.mentions(key),
            Self::Not(a) => a.mentions(key),
            Self::Present(steps) | Self::Cmp { steps, .. } | Self::Elem { steps, .. } => {
                first(steps)
            }
            Self::False => false,
        }
    }

    /// `Some(value)` when this filter is exactly `value eq "<value>"` on a case-exact string
    /// attribute (the fast path for group members).
    pub(crate) fn as_value_eq(&self) -> Option<&str> {
        match self {
            Self::Cmp {
                steps,
                op: CmpOp::Eq,
                kind: Kind::Str { case_exact: true },
                lit: Lit::Str(s, _),
            } if steps.len() == 1 && steps.first().is_some_and(|s| s.key == "value") => Some(s),
            _ => None,
        }
    }
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

/// Calls `f` on every value reached by `steps`, fanning out over arrays. A multi-valued
/// complex attribute reached without a sub-attribute yields its elements' `value`s.
fn visit(v: &Value, steps: &[Step], f: &mut dyn FnMut(&Value)) {
    let Some((first, rest)) = steps.split_first() else {
        match v {
            Value::Array(items) => {
                for i in items {
                    match i {
                        Value::Object(o) => {
                            if let Some(x) = o.get("value") {
                                f(x);
                            }
                        }
                        other => f(other),
                    }
                }
            }
            other => f(other),
        }
        return;
    };
    match v {
        Value::Object(o) => {
            if let Some(next) = o.get(&first.key) {
                visit(next, rest, f);
            }
        }
        Value::Array(items) => {
            for i in items {
                visit(i, steps, f);
            }
        }
        _ => {}
    }
}

/// Calls `f` on every element (object) reached by `steps`: the elements of a multi-valued
/// attribute themselves, for value filters.
fn visit_elements(v: &Value, steps: &[Step], f: &mut dyn FnMut(&Value)) {
    let Some((first, rest)) = steps.split_first() else {
        match v {
            Value::Array(items) => items.iter().for_each(&mut *f),
            other => f(other),
        }
        return;
    };
    match v {
        Value::Object(o) => {
            if let Some(next) = o.get(&first.key) {
                visit_elements(next, rest, f);
            }
        }
        Value::Array(items) => {
            for i in items {
                visit_elements(i, steps, f);
            }
        }
        _ => {}
    }
}

fn compare(v: &Value, op: CmpOp, kind: Kind, lit: &Lit) -> bool {
    let ord_ok = |o: Ordering| match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Co | CmpOp::Sw | CmpOp::Ew => false,
    };
    match (kind, lit) {
        (Kind::Bool, Lit::Bool(b)) => {
            let actual = match v {
                Value::Bool(x) => Some(*x),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            };
            match actual {
                Some(a) => ord_ok(a.cmp(b)),
                None => op == CmpOp::Ne,
            }
        }
        (Kind::Num, Lit::Num(n)) => match v.as_f64() {
            Some(a) => match op {
                CmpOp::Co | CmpOp::Sw | CmpOp::Ew => str_op(&v.to_string(), op, &n.to_string()),
                _ => a.partial_cmp(n).is_some_and(ord_ok),
            },
            None => op == CmpOp::Ne,
        },
        (Kind::Date, Lit::Date(t)) => match v.as_str().and_then(|s| Timestamp::parse(s).ok()) {
            Some(a) => ord_ok(a.cmp(t)),
            None => op == CmpOp::Ne,
        },
        (_, Lit::Str(orig, folded)) => {
            let actual = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return op == CmpOp::Ne,
            };
            let (a, b) = match kind {
                Kind::Str { case_exact: false } => (actual.to_lowercase(), folded.as_str()),
                _ => (actual, orig.as_str()),
            };
            match op {
                CmpOp::Co | CmpOp::Sw | CmpOp::Ew => str_op(&a, op, b),
                _ => ord_ok(a.as_str().cmp(b)),
            }
        }
        _ => op == CmpOp::Ne,
    }
}

fn str_op(a: &str, op: CmpOp, b: &str) -> bool {
    match op {
        CmpOp::Co => a.contains(b),
        CmpOp::Sw => a.starts_with(b),
        CmpOp::Ew => a.ends_with(b),
        _ => false,
    }
}

/// Orders two attribute values for sorting (`sortBy`): type-aware, case rules from the schema.
pub(crate) fn sort_cmp(a: &Value, b: &Value, kind: Kind) -> Ordering {
    match kind {
        Kind::Num => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y))
            .unwrap_or(Ordering::Equal),
        Kind::Date => {
            let p = |v: &Value| v.as_str().and_then(|s| Timestamp::parse(s).ok());
            p(a).cmp(&p(b))
        }
        Kind::Bool => a.as_bool().cmp(&b.as_bool()),
        Kind::Str { case_exact } => {
            let s = |v: &Value| match v {
                Value::String(s) => {
                    if case_exact {
                        s.clone()
                    } else {
                        s.to_lowercase()
                    }
                }
                other => other.to_string(),
            };
            s(a).cmp(&s(b))
        }
        Kind::Binary => a.as_str().cmp(&b.as_str()),
    }
}

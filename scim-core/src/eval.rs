//! Comparison helpers: filter operators (as this crate inspects them) and type-aware sort
//! order. Filter evaluation itself is `scim_filter::Matcher`, bound to the schema registry.

use std::cmp::Ordering;

use serde_json::Value;

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

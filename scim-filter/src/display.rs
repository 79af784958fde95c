//! Canonical text for filters and paths.
//!
//! The printed form parses back to an equal tree (`Filter::parse(&f.to_string()) == Ok(f)`):
//! operators and keywords in lower case, single spaces, strings as JSON with the minimal
//! escapes, numbers as written, attribute names in the case they were written, and parentheses
//! exactly where the tree needs them (an `or` inside an `and`, and a logical node of the same
//! kind inside another, which the parser would otherwise merge).

use std::fmt::{self, Write as _};

use crate::ast::{AttrPath, CompValue, Filter, PatchPath};
use crate::lexer::write_json_string;

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = self.schema() {
            f.write_str(schema.as_str())?;
            f.write_char(':')?;
        }
        f.write_str(self.attr().as_str())?;
        if let Some(sub) = self.sub_attr() {
            f.write_char('.')?;
            f.write_str(sub.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(true) => f.write_str("true"),
            Self::Bool(false) => f.write_str("false"),
            Self::Number(n) => f.write_str(n.as_str()),
            Self::String(s) => write_json_string(f, s),
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, operand: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({operand})")
    } else {
        write!(f, "{operand}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::And(l) => {
                for (i, operand) in l.operands().iter().enumerate() {
                    if i > 0 {
                        f.write_str(" and ")?;
                    }
                    write_operand(f, operand, matches!(operand, Self::And(_) | Self::Or(_)))?;
                }
                Ok(())
            }
            Self::Or(l) => {
                for (i, operand) in l.operands().iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    write_operand(f, operand, matches!(operand, Self::Or(_)))?;
                }
                Ok(())
            }
            Self::Not(n) => write!(f, "not ({})", n.inner()),
            Self::Present(p) => write!(f, "{} pr", p.path()),
            Self::Compare(c) => write!(f, "{} {} {}", c.path(), c.op(), c.value()),
            Self::ValuePath(v) => write!(f, "{}[{}]", v.path(), v.filter()),
        }
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.attr_path();
        let Some(filter) = self.value_filter() else {
            return write!(f, "{path}");
        };
        if let Some(schema) = path.schema() {
            write!(f, "{schema}:")?;
        }
        write!(f, "{}[{filter}]", path.attr())?;
        if let Some(sub) = path.sub_attr() {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

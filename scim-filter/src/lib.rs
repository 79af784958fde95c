//! The SCIM 2.0 filter language (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2): parse
//! to a tree with byte spans, print canonical text, evaluate against [`serde_json::Value`], or
//! walk the tree to translate it into a store's own query language.
//!
//! # Parsing
//!
//! ```
//! use scim_filter::{CompareOp, CompValue, Filter};
//!
//! let filter: Filter = r#"userName Eq "bjensen" and not (emails[type eq "work"] or title pr)"#.parse()?;
//! // Canonical text: keywords in lower case, parentheses only where needed.
//! assert_eq!(filter.to_string(), r#"userName eq "bjensen" and not (emails[type eq "work"] or title pr)"#);
//!
//! let Filter::And(and) = &filter else { unreachable!() };
//! let Filter::Compare(cmp) = &and.operands()[0] else { unreachable!() };
//! assert_eq!(cmp.path().attr(), "USERNAME"); // attribute names compare case-insensitively
//! assert_eq!(cmp.op(), CompareOp::Eq);
//! assert_eq!(cmp.value(), &CompValue::String("bjensen".into()));
//! assert_eq!(cmp.span().range(), 0..21); // byte offsets in the input
//! # Ok::<(), scim_filter::Error>(())
//! ```
//!
//! The grammar is the RFC's, strictly: values are JSON (`"strings"` with every JSON escape,
//! numbers, `true`, `false`, `null`); attribute paths may carry a schema URN
//! (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`) and one
//! sub-attribute; `[...]` value filters take any logic; precedence is `not` > `and` > `or`;
//! operators, `and`/`or`/`not` and attribute names are case-insensitive. Whitespace between
//! tokens may be any run of spaces, tabs and line breaks.
//! [`ParseOptions::with_bare_words`] adds a documented lenient dialect for clients that send
//! unquoted values (`externalId eq jyoung`).
//!
//! Hostile input is bounded: [`ParseOptions`] limits the length (64 KiB), the nesting depth
//! (64) and the number of comparisons (1,000) by default, and nesting is checked before
//! descending, so no input overflows the stack or panics.
//!
//! # Errors
//!
//! Every failure is an [`Error`] with a byte [`Span`], a typed [`ErrorKind`], a message for a
//! person, and the SCIM `scimType` to answer with:
//!
//! ```
//! use scim_filter::{Filter, ScimType};
//!
//! let err = Filter::parse("userName").unwrap_err();
//! assert_eq!(err.to_string(),
//!     "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr` after `userName` at 8, found the end of the text");
//! assert_eq!(err.offset(), 8);
//! assert_eq!(err.scim_type(), ScimType::InvalidFilter);
//! assert_eq!(err.scim_type().as_str(), "invalidFilter");
//! ```
//!
//! # PATCH paths
//!
//! ```
//! use scim_filter::PatchPath;
//!
//! let path = PatchPath::parse(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].display"#)?;
//! assert_eq!(path.attr_path().attr(), "members");
//! assert_eq!(path.attr_path().sub_attr().unwrap(), "display");
//! assert!(path.value_filter().is_some());
//!
//! let ext = PatchPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
//! assert_eq!(ext.attr_path().schema().unwrap(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
//! # Ok::<(), scim_filter::Error>(())
//! ```
//!
//! # Evaluation
//!
//! Evaluation follows the RFC's type rules (see the [`eval`] module for the full list):
//! case-insensitive strings unless the attribute is `caseExact`, dateTimes as instants,
//! numbers numerically, any-value matching for multi-valued attributes, `pr` as "present and
//! non-empty". Attribute characteristics come from an [`AttributeTypes`] implementation; the
//! crate ships [`CoreSchemas`] for the RFC 7643 User, Group and EnterpriseUser schemas.
//!
//! ```
//! use scim_filter::{CoreSchemas, Filter, Matcher};
//! use serde_json::json;
//!
//! let users = [
//!     json!({"userName": "bjensen", "meta": {"lastModified": "2011-05-13T06:42:34+02:00"}}),
//!     json!({"userName": "jsmith", "meta": {"lastModified": "2011-05-13T04:42:35Z"}}),
//! ];
//! let filter = Filter::parse(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#)?;
//! // One-off:
//! assert!(!filter.matches(&users[0], &CoreSchemas)?);
//! // Many resources: bind once, then match without allocating.
//! let matcher = Matcher::new(&filter, &CoreSchemas)?;
//! let hits: Vec<_> = users.iter().filter(|u| matcher.matches(u).unwrap_or(false)).collect();
//! assert_eq!(hits.len(), 1);
//!
//! // Ordering on a boolean is an invalidFilter error, as RFC 7644 requires.
//! let bad = Filter::parse("active gt true")?;
//! assert_eq!(bad.matcher(&CoreSchemas).unwrap_err().scim_type().as_str(), "invalidFilter");
//! # Ok::<(), scim_filter::Error>(())
//! ```
//!
//! A PATCH engine tests single values of a multi-valued attribute with
//! [`PatchPath::value_matcher`] (or [`Matcher::for_values_of`]):
//!
//! ```
//! use scim_filter::{CoreSchemas, PatchPath};
//! use serde_json::json;
//!
//! let path = PatchPath::parse(r#"emails[type eq "work"].value"#)?;
//! let select = path.value_matcher(&CoreSchemas)?.expect("the path has a filter");
//! let emails = json!([{"type": "home", "value": "a@x"}, {"type": "Work", "value": "b@x"}]);
//! let picked: Vec<_> = emails.as_array().unwrap().iter().filter(|e| select.matches(e).unwrap()).collect();
//! assert_eq!(picked, [&json!({"type": "Work", "value": "b@x"})]);
//! # Ok::<(), scim_filter::Error>(())
//! ```
//!
//! # Translating to another query language
//!
//! The tree is public, so a store can walk it. A sketch of SQL translation (a real one binds
//! parameters and maps paths through its schema):
//!
//! ```
//! use scim_filter::{CompValue, CompareOp, Filter};
//!
//! fn to_sql(f: &Filter) -> String {
//!     let join = |sep: &str, fs: &[Filter]| {
//!         fs.iter().map(|f| format!("({})", to_sql(f))).collect::<Vec<_>>().join(sep)
//!     };
//!     match f {
//!         Filter::And(l) => join(" AND ", l.operands()),
//!         Filter::Or(l) => join(" OR ", l.operands()),
//!         Filter::Not(n) => format!("NOT ({})", to_sql(n.inner())),
//!         Filter::Present(p) => format!("{} IS NOT NULL", p.path().attr().as_str().to_lowercase()),
//!         Filter::Compare(c) => {
//!             let col = c.path().attr().as_str().to_lowercase();
//!             let val = match c.value() {
//!                 CompValue::String(s) => format!("'{}'", s.replace('\'', "''")),
//!                 other => other.to_string(),
//!             };
//!             match c.op() {
//!                 CompareOp::Eq => format!("{col} = {val}"),
//!                 CompareOp::Sw => format!("{col} LIKE {val} || '%'"),
//!                 other => format!("{col} {other} {val}"),
//!             }
//!         }
//!         Filter::ValuePath(v) => format!("EXISTS (/* {} */ {})", v.path(), to_sql(v.filter())),
//!     }
//! }
//!
//! let f = Filter::parse(r#"userName eq "bjensen" or (title pr and userType sw "E")"#)?;
//! assert_eq!(to_sql(&f), "(username = 'bjensen') OR ((title IS NOT NULL) AND (usertype LIKE 'E' || '%'))");
//! # Ok::<(), scim_filter::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod ast;
mod display;
mod error;
pub mod eval;
mod lexer;
mod parser;
mod path;

pub use ast::{
    AttrName, AttrPath, CompValue, CompareOp, Comparison, Filter, Logical, Negation, Number,
    PatchPath, Presence, SchemaUrn, Span, ValuePath,
};
pub use error::{Error, ErrorKind, Expected, Found, Operand, ScimType};
pub use eval::{
    AttributeTypes, Characteristics, CoreSchemas, DataType, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA,
    Matcher, USER_SCHEMA, Untyped,
};
pub use parser::ParseOptions;

impl Filter {
    /// Parses a filter with the strict RFC grammar and the default limits.
    pub fn parse(text: &str) -> Result<Self, Error> {
        parser::parse_filter(text, &ParseOptions::new())
    }

    /// Parses a filter with explicit options (limits, lenient values).
    pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Self, Error> {
        parser::parse_filter(text, options)
    }

    /// Binds the filter to attribute characteristics, for matching many resources.
    pub fn matcher(&self, types: &dyn AttributeTypes) -> Result<Matcher, Error> {
        Matcher::new(self, types)
    }

    /// Whether `resource` (a JSON object) matches. Binds the filter on every call; use
    /// [`matcher`](Self::matcher) to test many resources.
    pub fn matches(
        &self,
        resource: &serde_json::Value,
        types: &dyn AttributeTypes,
    ) -> Result<bool, Error> {
        Matcher::new(self, types)?.matches(resource)
    }
}

impl std::str::FromStr for Filter {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}

impl PatchPath {
    /// Parses a PATCH path with the default limits. Errors are `invalidPath`, except errors
    /// inside the `[...]` filter, which are `invalidFilter` (RFC 7644 Table 9).
    pub fn parse(text: &str) -> Result<Self, Error> {
        path::parse_patch_path(text, &ParseOptions::new())
    }

    /// Parses a PATCH path with explicit options.
    pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Self, Error> {
        path::parse_patch_path(text, options)
    }

    /// A matcher that tests single values of the path's multi-valued attribute against its
    /// value filter (`type eq "work"` in `emails[type eq "work"].value`); `None` when the path
    /// has no filter.
    pub fn value_matcher(&self, types: &dyn AttributeTypes) -> Result<Option<Matcher>, Error> {
        self.value_filter()
            .map(|filter| Matcher::for_values_of(self.attr_path(), filter, types))
            .transpose()
    }
}

impl std::str::FromStr for PatchPath {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}

impl ValuePath {
    /// A matcher that tests single values of this value path's attribute against its filter.
    pub fn value_matcher(&self, types: &dyn AttributeTypes) -> Result<Matcher, Error> {
        Matcher::for_values_of(self.path(), self.filter(), types)
    }
}

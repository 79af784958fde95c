//! Evaluation of filters against JSON resources, with the RFC 7644 §3.4.2.2 semantics.
//!
//! A filter is first bound to attribute characteristics ([`AttributeTypes`]) into a
//! [`Matcher`]: names are resolved, comparison values are folded to lower case or parsed into
//! instants and numbers, and type errors that the schema already reveals (`active gt true`)
//! are reported. Matching a resource then walks the compiled tree without allocating (except
//! `co` on long or non-ASCII case-insensitive values).
//!
//! # Semantics
//!
//! - Attribute names and schema URNs are matched case-insensitively against the JSON keys
//!   (an exact key match is tried first). A URN-qualified path whose schema is an extension
//!   ([`AttributeTypes::is_extension`]) is looked up inside the object under that URN key; a
//!   core URN, or no URN, means the top level.
//! - A multi-valued attribute (a JSON array) matches if any of its values does. A complex
//!   multi-valued attribute without a sub-attribute (`emails co "@x"`) is compared on each
//!   value's `value` sub-attribute. `null` values are unassigned and never compared.
//! - String comparisons are case-insensitive unless the attribute is `caseExact` (per the
//!   characteristics; unknown attributes are not). Case folding is Unicode lower-casing, one
//!   character at a time (`char::to_lowercase`) on both sides. `gt`/`ge`/`lt`/`le` on strings
//!   compare lexicographically by code point after folding.
//! - `dateTime` attributes compare as instants: `"2011-05-13T04:42:34Z"` equals
//!   `"2011-05-13T06:42:34+02:00"`; a value without an offset is taken as UTC. A stored value
//!   that is not a valid dateTime matches nothing but `ne`. `co`/`sw`/`ew` on a dateTime compare
//!   the text.
//! - Numbers compare numerically (integers exactly, otherwise as `f64`).
//! - `gt`/`ge`/`lt`/`le` on a boolean or binary attribute, with a `true`/`false`/`null` value,
//!   or on a stored boolean, are an `invalidFilter` [`Error`]; so are `co`/`sw`/`ew` on
//!   booleans and numbers, and with a non-string value.
//! - `pr` is true when the attribute has a non-empty value: not `null`, not `""`, not `[]`, and
//!   for a complex value at least one non-empty sub-attribute.
//! - `eq null` is the same as `not (attr pr)`, and `ne null` the same as `attr pr` (the RFC is
//!   silent on `null`; this is the common reading).
//! - `ne` matches when the attribute has a value that is not equal: an attribute that is
//!   unassigned does not match `ne` (use `not (a eq "x")` to include those), and a value of
//!   another JSON type than the comparison value is "not equal".
//! - In `emails[type eq "work" and value co "@example.com"]` all conditions hold on the same
//!   value. Inside brackets, a value of a simple multi-valued attribute (a string in an array)
//!   is reachable as `value`, as in `schemas[value eq "urn:..."]`.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::ast::{AttrPath, CompValue, CompareOp, Filter, Number, Span};
use crate::error::{Error, ErrorKind, Operand};

/// The SCIM data type of an attribute (RFC 7643 §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `decimal`.
    Decimal,
    /// `integer`.
    Integer,
    /// `dateTime` (`xsd:dateTime`).
    DateTime,
    /// `binary` (base64 text; case exact).
    Binary,
    /// `reference` (a URI).
    Reference,
    /// `complex`.
    Complex,
}

impl DataType {
    /// The name the SCIM schema uses: `"string"`, `"dateTime"`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Binary => "binary",
            Self::Reference => "reference",
            Self::Complex => "complex",
        }
    }
}

/// The characteristics of an attribute that filtering depends on (RFC 7643 §2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Characteristics {
    /// The data type.
    pub data_type: DataType,
    /// Whether string comparisons are case-sensitive.
    pub case_exact: bool,
    /// Whether the attribute holds an array of values.
    pub multi_valued: bool,
}

impl Characteristics {
    /// A single-valued, not case-exact attribute of `data_type`.
    pub const fn new(data_type: DataType) -> Self {
        Self {
            data_type,
            case_exact: false,
            multi_valued: false,
        }
    }

    /// Sets `caseExact`.
    pub const fn with_case_exact(mut self, case_exact: bool) -> Self {
        self.case_exact = case_exact;
        self
    }

    /// Sets `multiValued`.
    pub const fn with_multi_valued(mut self, multi_valued: bool) -> Self {
        self.multi_valued = multi_valued;
        self
    }
}

/// Where filter evaluation learns attribute characteristics: implemented by the caller's
/// schema registry. [`CoreSchemas`] covers the RFC 7643 User, Group and EnterpriseUser
/// schemas; [`Untyped`] knows nothing and compares by JSON type.
///
/// Names arrive as written in the filter, so implementations compare them
/// case-insensitively. The methods are called when a [`Matcher`] is built, never per resource.
pub trait AttributeTypes {
    /// The characteristics of `attr` (when `sub_attr` is `None`) or of its sub-attribute
    /// `sub_attr`, in `schema` (a URN; `None` for an unqualified path, meaning the resource's
    /// core schema). `None` if unknown: comparisons then follow the JSON types, and strings
    /// compare case-insensitively.
    fn characteristics(
        &self,
        schema: Option<&str>,
        attr: &str,
        sub_attr: Option<&str>,
    ) -> Option<Characteristics>;

    /// Whether `schema` is an extension schema, whose attributes live in the resource under a
    /// key equal to the URN (RFC 7643 §3.3). The default treats every URN that does not start
    /// with `urn:ietf:params:scim:schemas:core:` as an extension.
    fn is_extension(&self, schema: &str) -> bool {
        !starts_with_ignore_ascii_case(schema, "urn:ietf:params:scim:schemas:core:")
    }
}

impl<T: AttributeTypes + ?Sized> AttributeTypes for &T {
    fn characteristics(
        &self,
        schema: Option<&str>,
        attr: &str,
        sub_attr: Option<&str>,
    ) -> Option<Characteristics> {
        (**self).characteristics(schema, attr, sub_attr)
    }

    fn is_extension(&self, schema: &str) -> bool {
        (**self).is_extension(schema)
    }
}

fn starts_with_ignore_ascii_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// No schema: every attribute is unknown, comparisons follow the JSON types, strings compare
/// case-insensitively, and every URN other than a core one is an extension.
#[derive(Clone, Copy, Debug, Default)]
pub struct Untyped;

impl AttributeTypes for Untyped {
    fn characteristics(
        &self,
        _: Option<&str>,
        _: &str,
        _: Option<&str>,
    ) -> Option<Characteristics> {
        None
    }
}

/// The core schemas of RFC 7643: User (§4.1) with the common attributes (§3.1), Group (§4.2)
/// and the EnterpriseUser extension (§4.3), with the characteristics of §8.7.1.
///
/// Unqualified names and the core User and Group URNs resolve in one table holding the User and
/// Group attributes (their only shared name, `displayName`, has the same characteristics).
#[derive(Clone, Copy, Debug, Default)]
pub struct CoreSchemas;

/// `urn:ietf:params:scim:schemas:core:2.0:User`.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// `urn:ietf:params:scim:schemas:core:2.0:Group`.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

type Subs = &'static [(&'static str, Characteristics)];

const STR: Characteristics = Characteristics::new(DataType::String);
const STR_EXACT: Characteristics = STR.with_case_exact(true);
const REF: Characteristics = Characteristics::new(DataType::Reference);
const REF_EXACT: Characteristics = REF.with_case_exact(true);
const BOOL: Characteristics = Characteristics::new(DataType::Boolean);
const DATE: Characteristics = Characteristics::new(DataType::DateTime);
const BINARY: Characteristics = Characteristics::new(DataType::Binary).with_case_exact(true);
const COMPLEX: Characteristics = Characteristics::new(DataType::Complex);
const MULTI_COMPLEX: Characteristics = COMPLEX.with_multi_valued(true);

const NAME_SUBS: Subs = &[
    ("formatted", STR),
    ("familyName", STR),
    ("givenName", STR),
    ("middleName", STR),
    ("honorificPrefix", STR),
    ("honorificSuffix", STR),
];
const META_SUBS: Subs = &[
    ("resourceType", STR_EXACT),
    ("created", DATE),
    ("lastModified", DATE),
    ("location", REF_EXACT),
    ("version", STR_EXACT),
];
const PLURAL_SUBS: Subs = &[
    ("value", STR),
    ("display", STR),
    ("type", STR),
    ("primary", BOOL),
];
const PHOTO_SUBS: Subs = &[
    ("value", REF),
    ("display", STR),
    ("type", STR),
    ("primary", BOOL),
];
const CERT_SUBS: Subs = &[
    ("value", BINARY),
    ("display", STR),
    ("type", STR),
    ("primary", BOOL),
];
const ADDRESS_SUBS: Subs = &[
    ("formatted", STR),
    ("streetAddress", STR),
    ("locality", STR),
    ("region", STR),
    ("postalCode", STR),
    ("country", STR),
    ("type", STR),
    ("primary", BOOL),
];
const GROUP_REF_SUBS: Subs = &[
    ("value", STR),
    ("$ref", REF),
    ("display", STR),
    ("type", STR),
];
const MEMBER_SUBS: Subs = &[
    ("value", STR),
    ("$ref", REF),
    ("type", STR),
    ("display", STR),
];
const MANAGER_SUBS: Subs = &[("value", STR), ("$ref", REF), ("displayName", STR)];

const CORE: &[(&str, Characteristics, Subs)] = &[
    ("id", STR_EXACT, &[]),
    ("externalId", STR_EXACT, &[]),
    ("schemas", REF.with_multi_valued(true), &[]),
    ("meta", COMPLEX, META_SUBS),
    ("userName", STR, &[]),
    ("name", COMPLEX, NAME_SUBS),
    ("displayName", STR, &[]),
    ("nickName", STR, &[]),
    ("profileUrl", REF, &[]),
    ("title", STR, &[]),
    ("userType", STR, &[]),
    ("preferredLanguage", STR, &[]),
    ("locale", STR, &[]),
    ("timezone", STR, &[]),
    ("active", BOOL, &[]),
    ("password", STR, &[]),
    ("emails", MULTI_COMPLEX, PLURAL_SUBS),
    ("phoneNumbers", MULTI_COMPLEX, PLURAL_SUBS),
    ("ims", MULTI_COMPLEX, PLURAL_SUBS),
    ("photos", MULTI_COMPLEX, PHOTO_SUBS),
    ("addresses", MULTI_COMPLEX, ADDRESS_SUBS),
    ("groups", MULTI_COMPLEX, GROUP_REF_SUBS),
    ("entitlements", MULTI_COMPLEX, PLURAL_SUBS),
    ("roles", MULTI_COMPLEX, PLURAL_SUBS),
    ("x509Certificates", MULTI_COMPLEX, CERT_SUBS),
    ("members", MULTI_COMPLEX, MEMBER_SUBS),
];

const ENTERPRISE: &[(&str, Characteristics, Subs)] = &[
    ("employeeNumber", STR, &[]),
    ("costCenter", STR, &[]),
    ("organization", STR, &[]),
    ("division", STR, &[]),
    ("department", STR, &[]),
    ("manager", COMPLEX, MANAGER_SUBS),
];

impl AttributeTypes for CoreSchemas {
    fn characteristics(
        &self,
        schema: Option<&str>,
        attr: &str,
        sub_attr: Option<&str>,
    ) -> Option<Characteristics> {
        let table = match schema {
            None => CORE,
            Some(s)
                if s.eq_ignore_ascii_case(USER_SCHEMA) || s.eq_ignore_ascii_case(GROUP_SCHEMA) =>
            {
                CORE
            }
            Some(s) if s.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) => ENTERPRISE,
            Some(_) => return None,
        };
        let (_, c, subs) = table
            .iter()
            .find(|(name, _, _)| name.eq_ignore_ascii_case(attr))?;
        match sub_attr {
            None => Some(*c),
            Some(sub) => subs
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(sub))
                .map(|(_, c)| *c),
        }
    }
}

/// A filter bound to attribute characteristics, ready to test many resources (or many values
/// of a multi-valued attribute, when made by [`Matcher::for_values_of`]).
///
/// Building one resolves the names once and reports the type errors the schema reveals;
/// [`matches`](Self::matches) then does no name resolution and no allocation in the common
/// cases. A `Matcher` owns its data: it is `Send + Sync + 'static` and cheap to share.
///
/// ```
/// use scim_filter::{CoreSchemas, Filter, Matcher};
/// use serde_json::json;
///
/// let filter = Filter::parse(r#"userName eq "BJensen" and emails[type eq "work"]"#)?;
/// let matcher = Matcher::new(&filter, &CoreSchemas)?;
/// let user = json!({
///     "userName": "bjensen",
///     "emails": [{"type": "work", "value": "bjensen@example.com"}]
/// });
/// assert!(matcher.matches(&user)?);
/// # Ok::<(), scim_filter::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Matcher {
    root: Node,
}

impl Matcher {
    /// Binds `filter` for testing whole resources (JSON objects).
    pub fn new(filter: &Filter, types: &dyn AttributeTypes) -> Result<Self, Error> {
        let root = Compiler {
            types,
            parent: None,
        }
        .compile(filter)?;
        Ok(Self { root })
    }

    /// Binds `filter` for testing single values of the multi-valued attribute `parent`, as a
    /// PATCH engine does for `emails[type eq "work"]`: the filter's names are sub-attributes
    /// of `parent` (`type` means `emails.type`). `parent`'s own sub-attribute, if any, is
    /// ignored. Fails if the filter holds a value path or a qualified path.
    pub fn for_values_of(
        parent: &AttrPath,
        filter: &Filter,
        types: &dyn AttributeTypes,
    ) -> Result<Self, Error> {
        crate::ast::check_value_filter(filter)?;
        let parent = Parent {
            schema: parent.schema().map(|s| s.as_str()),
            attr: parent.attr().as_str(),
        };
        let root = Compiler {
            types,
            parent: Some(parent),
        }
        .compile(filter)?;
        Ok(Self { root })
    }

    /// Whether `value` satisfies the filter.
    ///
    /// For a matcher from [`new`](Self::new), `value` is a resource: a JSON object (anything
    /// else has no attributes, so only negations can match it). For one from
    /// [`for_values_of`](Self::for_values_of), `value` is one value of the multi-valued
    /// attribute.
    ///
    /// Fails only on type errors that depend on the data, such as `x gt 5` where the stored
    /// `x` is a boolean.
    pub fn matches(&self, value: &Value) -> Result<bool, Error> {
        self.root.eval(value)
    }
}

#[derive(Clone, Copy)]
struct Parent<'a> {
    schema: Option<&'a str>,
    attr: &'a str,
}

struct Compiler<'a> {
    types: &'a dyn AttributeTypes,
    parent: Option<Parent<'a>>,
}

/// How to reach the values of an attribute path from the context value.
#[derive(Clone, Debug)]
struct Access {
    /// Look inside this extension's object first.
    extension: Option<Box<str>>,
    attr: Box<str>,
    sub: Option<Box<str>>,
    /// Inside brackets: a non-object value is its own `value` sub-attribute.
    relative: bool,
}

#[derive(Clone, Debug)]
enum Node {
    And(Box<[Self]>),
    Or(Box<[Self]>),
    Not(Box<Self>),
    Present(Access),
    Compare(Access, Test),
    /// Some value of the attribute satisfies the inner node.
    AnyValue(Access, Box<Self>),
}

#[derive(Clone, Debug)]
struct Test {
    op: CompareOp,
    kind: TestKind,
    span: Span,
}

#[derive(Clone, Debug)]
enum TestKind {
    /// String comparison; `needle` is already folded to lower case unless `case_exact`.
    Str {
        needle: Box<str>,
        case_exact: bool,
        ascii: bool,
    },
    /// The attribute is a dateTime: compare instants.
    DateTime {
        instant: Instant,
    },
    Num(Num),
    Bool(bool),
}

impl Compiler<'_> {
    fn compile(&self, filter: &Filter) -> Result<Node, Error> {
        Ok(match filter {
            Filter::And(l) => Node::And(
                l.operands()
                    .iter()
                    .map(|f| self.compile(f))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Or(l) => Node::Or(
                l.operands()
                    .iter()
                    .map(|f| self.compile(f))
                    .collect::<Result<_, _>>()?,
            ),
            Filter::Not(n) => Node::Not(Box::new(self.compile(n.inner())?)),
            Filter::Present(p) => Node::Present(self.access(p.path()).0),
            Filter::Compare(c) => {
                let (access, leaf) = self.access(c.path());
                self.comparison(access, leaf, c.op(), c.value(), c.span())?
            }
            Filter::ValuePath(v) => {
                let (access, _) = self.access(v.path());
                let inner = Compiler {
                    types: self.types,
                    parent: Some(Parent {
                        schema: v.path().schema().map(|s| s.as_str()),
                        attr: v.path().attr().as_str(),
                    }),
                };
                Node::AnyValue(access, Box::new(inner.compile(v.filter())?))
            }
        })
    }

    /// The access for `path` and the characteristics of the values a comparison sees.
    fn access(&self, path: &AttrPath) -> (Access, Option<Characteristics>) {
        let types = self.types;
        if let Some(parent) = self.parent {
            let leaf =
                types.characteristics(parent.schema, parent.attr, Some(path.attr().as_str()));
            let access = Access {
                extension: None,
                attr: path.attr().as_str().into(),
                sub: None,
                relative: true,
            };
            return (access, leaf);
        }
        let schema = path.schema().map(|s| s.as_str());
        let extension = schema.filter(|s| types.is_extension(s)).map(Into::into);
        let attr = path.attr().as_str();
        let leaf = match path.sub_attr() {
            Some(sub) => types.characteristics(schema, attr, Some(sub.as_str())),
            None => match types.characteristics(schema, attr, None) {
                // A complex attribute without a sub-attribute is compared on its `value`.
                Some(c) if c.data_type == DataType::Complex => {
                    types.characteristics(schema, attr, Some("value"))
                }
                other => other,
            },
        };
        let access = Access {
            extension,
            attr: attr.into(),
            sub: path.sub_attr().map(|s| s.as_str().into()),
            relative: false,
        };
        (access, leaf)
    }

    fn comparison(
        &self,
        access: Access,
        leaf: Option<Characteristics>,
        op: CompareOp,
        value: &CompValue,
        span: Span,
    ) -> Result<Node, Error> {
        let unsupported = |operand| {
            Err(Error::filter(
                ErrorKind::UnsupportedComparison { op, operand },
                span,
            ))
        };
        let data_type = leaf.map(|c| c.data_type);
        // Checks on the operator and value alone.
        match value {
            CompValue::Null => {
                return match op {
                    CompareOp::Eq => Ok(Node::Not(Box::new(Node::Present(access)))),
                    CompareOp::Ne => Ok(Node::Present(access)),
                    _ => unsupported(Operand::NullValue),
                };
            }
            CompValue::Bool(_) if op.is_ordering() || op.is_substring() => {
                return unsupported(Operand::BooleanValue);
            }
            CompValue::Number(_) if op.is_substring() => return unsupported(Operand::NumberValue),
            _ => {}
        }
        // Checks the schema makes possible.
        if let Some(t) = data_type {
            let bad = match t {
                DataType::Boolean => op.is_ordering() || op.is_substring(),
                DataType::Binary => op.is_ordering(),
                DataType::Integer | DataType::Decimal => op.is_substring(),
                _ => false,
            };
            if bad {
                return unsupported(Operand::Attribute(t));
            }
        }
        let kind = match value {
            CompValue::String(s) if data_type == Some(DataType::DateTime) && !op.is_substring() => {
                let Some(instant) = parse_date_time(s) else {
                    return Err(Error::filter(
                        ErrorKind::InvalidDateTime {
                            value: crate::lexer::shorten(s),
                        },
                        span,
                    ));
                };
                TestKind::DateTime { instant }
            }
            CompValue::String(s) => {
                let case_exact = leaf
                    .is_some_and(|c| c.case_exact || c.data_type == DataType::Binary)
                    || data_type == Some(DataType::DateTime);
                let needle: Box<str> = if case_exact {
                    s.as_str().into()
                } else {
                    fold(s).into()
                };
                let ascii = needle.is_ascii();
                TestKind::Str {
                    needle,
                    case_exact,
                    ascii,
                }
            }
            CompValue::Number(n) => TestKind::Num(Num::from_number(n)),
            CompValue::Bool(b) => TestKind::Bool(*b),
            CompValue::Null => return unsupported(Operand::NullValue),
        };
        Ok(Node::Compare(access, Test { op, kind, span }))
    }
}

/// Unicode lower case, one character at a time (the folding used on both sides).
fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

impl Node {
    fn eval(&self, ctx: &Value) -> Result<bool, Error> {
        match self {
            Self::And(nodes) => {
                for node in nodes {
                    if !node.eval(ctx)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Self::Or(nodes) => {
                for node in nodes {
                    if node.eval(ctx)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Self::Not(node) => Ok(!node.eval(ctx)?),
            Self::Present(access) => Ok(access.present(ctx)),
            Self::Compare(access, test) => access.any_leaf(ctx, |v| test.eval(v)),
            Self::AnyValue(access, inner) => match access.lookup(ctx) {
                Some(Value::Array(items)) => {
                    for item in items {
                        if !item.is_null() && inner.eval(item)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                Some(Value::Null) | None => Ok(false),
                Some(single) => inner.eval(single),
            },
        }
    }
}

/// The value under `key` in `map`: an exact match, else the first key equal ignoring ASCII case.
///
/// SCIM resources have a few dozen keys at most, and a scan that compares lengths first (the
/// length sits in the key's header, next to its neighbours) reads a key's bytes only when the
/// lengths agree, where a B-tree search reads the bytes of every key it passes, each a separate
/// heap block and often a cache miss. Large maps use the tree.
#[inline]
fn get_ci<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    const SCAN_UP_TO: usize = 32;
    if map.len() > SCAN_UP_TO {
        return match map.get(key) {
            Some(v) => Some(v),
            None => map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
        };
    }
    let mut folded = None;
    for (k, v) in map {
        if k.len() == key.len() {
            if k == key {
                return Some(v);
            }
            if folded.is_none() && k.eq_ignore_ascii_case(key) {
                folded = Some(v);
            }
        }
    }
    folded
}

impl Access {
    /// The attribute's value in `ctx`, if any.
    #[inline]
    fn lookup<'v>(&self, ctx: &'v Value) -> Option<&'v Value> {
        let base = match &self.extension {
            Some(urn) => get_ci(ctx.as_object()?, urn)?,
            None => ctx,
        };
        match base {
            Value::Object(map) => get_ci(map, &self.attr),
            Value::Null => None,
            other if self.relative && self.attr.eq_ignore_ascii_case("value") => Some(other),
            _ => None,
        }
    }

    fn present(&self, ctx: &Value) -> bool {
        let Some(value) = self.lookup(ctx) else {
            return false;
        };
        match &self.sub {
            None => non_empty(value, 0),
            Some(sub) => match value {
                Value::Object(map) => get_ci(map, sub).is_some_and(|v| non_empty(v, 0)),
                Value::Array(items) => items.iter().any(|item| {
                    item.as_object()
                        .and_then(|m| get_ci(m, sub))
                        .is_some_and(|v| non_empty(v, 0))
                }),
                _ => false,
            },
        }
    }

    /// Whether `test` holds for any comparable value of the attribute.
    #[inline]
    fn any_leaf(
        &self,
        ctx: &Value,
        mut test: impl FnMut(&Value) -> Result<bool, Error>,
    ) -> Result<bool, Error> {
        let Some(value) = self.lookup(ctx) else {
            return Ok(false);
        };
        match &self.sub {
            Some(sub) => match value {
                Value::Object(map) => any_in(get_ci(map, sub), &mut test),
                Value::Array(items) => {
                    for item in items {
                        if let Value::Object(map) = item {
                            if any_in(get_ci(map, sub), &mut test)? {
                                return Ok(true);
                            }
                        }
                    }
                    Ok(false)
                }
                _ => Ok(false),
            },
            None => match value {
                Value::Array(items) => {
                    for item in items {
                        let hit = match item {
                            // A complex multi-valued attribute is compared on `value`.
                            Value::Object(map) => any_in(get_ci(map, "value"), &mut test)?,
                            Value::Null => false,
                            other => test(other)?,
                        };
                        if hit {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                Value::Null => Ok(false),
                other => test(other),
            },
        }
    }
}

/// `test` on `value`, or on each element when it is an array; `null`s are skipped.
fn any_in(
    value: Option<&Value>,
    test: &mut impl FnMut(&Value) -> Result<bool, Error>,
) -> Result<bool, Error> {
    match value {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Array(items)) => {
            for item in items {
                if !item.is_null() && test(item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Some(other) => test(other),
    }
}

/// `pr`: not null, not an empty string, and for arrays and objects, some non-empty member.
/// Nesting deeper than 32 levels counts as non-empty (SCIM values are at most three deep).
fn non_empty(value: &Value, depth: u32) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Bool(_) | Value::Number(_) => true,
        _ if depth > 32 => true,
        Value::Array(items) => items.iter().any(|v| non_empty(v, depth + 1)),
        Value::Object(map) => map.values().any(|v| non_empty(v, depth + 1)),
    }
}

impl Test {
    #[inline]
    fn eval(&self, value: &Value) -> Result<bool, Error> {
        let op = self.op;
        let ordering = match (&self.kind, value) {
            (
                TestKind::Str {
                    needle,
                    case_exact,
                    ascii,
                },
                Value::String(s),
            ) => {
                return Ok(compare_str(op, s, needle, *case_exact, *ascii));
            }
            (TestKind::DateTime { instant }, Value::String(s)) => {
                parse_date_time(s).map(|t| t.cmp(instant))
            }
            (TestKind::Num(n), Value::Number(v)) => Num::from_json(v).partial_cmp_num(*n),
            (TestKind::Bool(b), Value::Bool(v)) => Some(v.cmp(b)),
            (_, Value::Bool(_)) if op.is_ordering() => {
                return Err(Error::filter(
                    ErrorKind::UnsupportedComparison {
                        op,
                        operand: Operand::Attribute(DataType::Boolean),
                    },
                    self.span,
                ));
            }
            // Different JSON types: never equal, not ordered.
            _ => None,
        };
        Ok(match ordering {
            Some(o) => op_holds(op, o),
            None => op == CompareOp::Ne,
        })
    }
}

#[inline]
fn op_holds(op: CompareOp, o: Ordering) -> bool {
    match op {
        CompareOp::Eq => o == Ordering::Equal,
        CompareOp::Ne => o != Ordering::Equal,
        CompareOp::Gt => o == Ordering::Greater,
        CompareOp::Ge => o != Ordering::Less,
        CompareOp::Lt => o == Ordering::Less,
        CompareOp::Le => o != Ordering::Greater,
        // Substring operators are handled on strings only; anything else never matches.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

#[inline]
fn compare_str(op: CompareOp, s: &str, needle: &str, case_exact: bool, ascii: bool) -> bool {
    if case_exact {
        return match op {
            CompareOp::Eq => s == needle,
            CompareOp::Ne => s != needle,
            CompareOp::Co => s.contains(needle),
            CompareOp::Sw => s.starts_with(needle),
            CompareOp::Ew => s.ends_with(needle),
            _ => op_holds(op, s.cmp(needle)),
        };
    }
    match op {
        CompareOp::Eq => fold_eq(s, needle),
        CompareOp::Ne => !fold_eq(s, needle),
        CompareOp::Co => fold_contains(s, needle, ascii),
        CompareOp::Sw => fold_starts_with(s, needle),
        CompareOp::Ew => fold_ends_with(s, needle, ascii),
        _ => op_holds(op, fold_cmp(s, needle)),
    }
}

/// `fold(s) == folded`, without allocating: bytes while both sides are ASCII, characters after.
#[inline]
fn fold_eq(s: &str, folded: &str) -> bool {
    let (a, b) = (s.as_bytes(), folded.as_bytes());
    let mut i = 0;
    loop {
        match (a.get(i), b.get(i)) {
            (None, None) => return true,
            (Some(&x), Some(&y)) if x.is_ascii() => {
                if x.to_ascii_lowercase() != y {
                    return false;
                }
                i += 1;
            }
            // Everything before `i` is ASCII on both sides, so `i` is a char boundary in both.
            (Some(_), Some(_)) => {
                let (Some(rest), Some(folded_rest)) = (s.get(i..), folded.get(i..)) else {
                    return false;
                };
                return rest
                    .chars()
                    .flat_map(char::to_lowercase)
                    .eq(folded_rest.chars());
            }
            _ => return false,
        }
    }
}

fn fold_starts_with(s: &str, folded: &str) -> bool {
    let (a, b) = (s.as_bytes(), folded.as_bytes());
    let mut i = 0;
    loop {
        match (a.get(i), b.get(i)) {
            (_, None) => return true,
            (Some(&x), Some(&y)) if x.is_ascii() => {
                if x.to_ascii_lowercase() != y {
                    return false;
                }
                i += 1;
            }
            (Some(_), Some(_)) => {
                let (Some(rest), Some(folded_rest)) = (s.get(i..), folded.get(i..)) else {
                    return false;
                };
                let mut chars = rest.chars().flat_map(char::to_lowercase);
                return folded_rest.chars().all(|c| chars.next() == Some(c));
            }
            (None, Some(_)) => return false,
        }
    }
}

fn fold_ends_with(s: &str, folded: &str, ascii: bool) -> bool {
    if ascii && s.is_ascii() {
        let Some(tail) = s
            .len()
            .checked_sub(folded.len())
            .and_then(|start| s.get(start..))
        else {
            return false;
        };
        return tail.eq_ignore_ascii_case(folded);
    }
    let mut chars = s.chars().rev().flat_map(|c| c.to_lowercase().rev());
    folded.chars().rev().all(|c| chars.next() == Some(c))
}

fn fold_contains(s: &str, folded: &str, ascii: bool) -> bool {
    const STACK: usize = 256;
    if folded.is_empty() {
        return true;
    }
    if ascii && s.is_ascii() && s.len() <= STACK {
        let mut buf = [0u8; STACK];
        let Some(lower) = buf.get_mut(..s.len()) else {
            return false;
        };
        lower.copy_from_slice(s.as_bytes());
        lower.make_ascii_lowercase();
        return lower.windows(folded.len()).any(|w| w == folded.as_bytes());
    }
    // Long or non-ASCII: fold into a buffer and use the standard (linear-time) search.
    fold(s).contains(folded)
}

fn fold_cmp(s: &str, folded: &str) -> Ordering {
    s.chars().flat_map(char::to_lowercase).cmp(folded.chars())
}

/// A number prepared for comparison: integers exactly, everything else as `f64`.
#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn from_number(n: &Number) -> Self {
        if let Some(i) = n.as_i64() {
            Self::Int(i.into())
        } else if let Some(u) = n.as_u64() {
            Self::Int(u.into())
        } else {
            Self::Float(n.as_f64())
        }
    }

    #[inline]
    fn from_json(n: &serde_json::Number) -> Self {
        if let Some(i) = n.as_i64() {
            Self::Int(i.into())
        } else if let Some(u) = n.as_u64() {
            Self::Int(u.into())
        } else {
            Self::Float(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    #[inline]
    fn partial_cmp_num(self, other: Self) -> Option<Ordering> {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }

    #[allow(clippy::cast_precision_loss)] // comparing an integer with a fraction goes through f64
    fn as_f64(self) -> f64 {
        match self {
            Self::Int(i) => i as f64,
            Self::Float(f) => f,
        }
    }
}

/// An instant: seconds since 1970-01-01T00:00:00Z and nanoseconds.
pub(crate) type Instant = (i64, u32);

/// Parses an `xsd:dateTime` / RFC 3339 timestamp: `YYYY-MM-DDThh:mm:ss[.fraction][Z|±hh:mm]`
/// (`T` and `Z` in either case; no offset means UTC; fraction digits past nanoseconds are
/// ignored; leap second 60 accepted).
pub(crate) fn parse_date_time(s: &str) -> Option<Instant> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |at: usize, c: u8| b.get(at).is_some_and(|&x| x.eq_ignore_ascii_case(&c));
    let year = num(0, 4)?;
    if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
        return None;
    }
    let (month, day, hour, minute, second) = (
        num(5, 2)?,
        num(8, 2)?,
        num(11, 2)?,
        num(14, 2)?,
        num(17, 2)?,
    );
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        let mut scale = 100_000_000u32;
        while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            if !sep(i + 3, b':') {
                return None;
            }
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            i += 6;
            let minutes = oh * 60 + om;
            if sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        Some(_) => return None,
    };
    if i != b.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((
        days * 86_400 + hour * 3_600 + minute * 60 + second - offset,
        nanos,
    ))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        assert_eq!(parse_date_time("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(parse_date_time("1970-01-02T00:00:00Z"), Some((86_400, 0)));
        assert_eq!(
            parse_date_time("2011-05-13T04:42:34Z"),
            parse_date_time("2011-05-13T06:42:34+02:00")
        );
        assert_eq!(
            parse_date_time("2011-05-13T04:42:34Z"),
            parse_date_time("2011-05-12T21:42:34-07:00")
        );
        assert_eq!(
            parse_date_time("2011-05-13T04:42:34"),
            parse_date_time("2011-05-13t04:42:34z")
        );
        assert_eq!(
            parse_date_time("2015-10-10T14:38:21.8617979-07:00"),
            Some((1_444_513_101, 861_797_900))
        );
        assert_eq!(
            parse_date_time("2000-02-29T00:00:00Z"),
            Some((951_782_400, 0))
        );
        for bad in [
            "",
            "2011-05-13",
            "2011-13-01T00:00:00Z",
            "2011-02-29T00:00:00Z",
            "2011-05-13T24:00:00Z",
            "2011-05-13T04:42:34.Z",
            "2011-05-13T04:42:34+0200",
            "2011-05-13T04:42:34Z ",
            "yesterday",
        ] {
            assert_eq!(parse_date_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn folding() {
        assert!(fold_eq("BJensen", "bjensen"));
        assert!(!fold_eq("BJensen", "bjense"));
        assert!(!fold_eq("BJense", "bjensen"));
        assert!(fold_eq("BÄRBEL", "bärbel"));
        assert!(fold_eq("Bärbel", &fold("BÄRBEL")));
        assert!(fold_starts_with("Jensen", "je"));
        assert!(fold_starts_with("ÄBC", "äb"));
        assert!(!fold_starts_with("J", "je"));
        assert!(fold_ends_with("bjensen@EXAMPLE.com", "@example.com", true));
        assert!(fold_ends_with(
            "Müller",
            "ÜLLER".to_lowercase().as_str(),
            false
        ));
        assert!(fold_contains("O'MALLEY", "'mal", true));
        assert!(fold_contains(&"x".repeat(1000), "xx", true));
        assert!(fold_contains("GRÜN", "rü", false));
        assert_eq!(fold_cmp("B", "a"), Ordering::Greater);
    }
}

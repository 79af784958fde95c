//! The abstract syntax tree of filters and attribute paths.
//!
//! Every node carries the byte [`Span`] of the text it was parsed from. Equality (`==`) ignores
//! spans and compares attribute names and schema URNs case-insensitively, so two filters that
//! differ only in spacing, grouping parentheses that do not change the tree, or the case of
//! attribute names are equal. Numbers keep their lexical form: `1.0` and `1` are different
//! values in the tree (they still compare equal numerically during evaluation).
//!
//! Logical operators are n-ary: `a and b and c` is one [`Filter::And`] with three operands,
//! while `a and (b and c)` keeps its explicit grouping as an `And` inside an `And`. The tree is
//! therefore never deeper than the nesting of parentheses, `not (...)` and `[...]` in the text,
//! which the parser limits.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Range;

use crate::error::{Error, ErrorKind};

/// A byte range in the parsed text: `start..end`.
///
/// Nodes built by hand (not by the parser) have the empty span `0..0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (exclusive).
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The span as a range, to slice the parsed text with.
    pub const fn range(self) -> Range<usize> {
        self.start..self.end
    }

    /// The number of bytes covered.
    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no bytes.
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The smallest span covering both.
    pub(crate) fn to(self, other: Self) -> Self {
        Self::new(self.start.min(other.start), self.end.max(other.end))
    }
}

impl From<Span> for Range<usize> {
    fn from(span: Span) -> Self {
        span.range()
    }
}

fn cmp_ignore_ascii_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

fn hash_ignore_ascii_case<H: Hasher>(s: &str, state: &mut H) {
    for b in s.bytes() {
        state.write_u8(b.to_ascii_lowercase());
    }
    state.write_u8(0xff);
}

/// Whether `name` is an attribute name: `ALPHA *(ALPHA / DIGIT / "-" / "_")` (RFC 7643 §2.1),
/// or the reserved sub-attribute name `$ref`.
pub(crate) fn is_attr_name(name: &str) -> bool {
    if name.eq_ignore_ascii_case("$ref") {
        return true;
    }
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(first) if first.is_ascii_alphabetic() => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `urn` is acceptable as the schema part of an attribute path: `urn:` followed by at
/// least two non-empty `:`-separated segments of printable ASCII without spaces or
/// `( ) [ ] "`.
pub(crate) fn is_schema_urn(urn: &str) -> bool {
    let Some(prefix) = urn.get(..4) else {
        return false;
    };
    if !prefix.eq_ignore_ascii_case("urn:") {
        return false;
    }
    let printable = urn
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'[' | b']' | b'"'));
    let mut segments = 0usize;
    for segment in urn.split(':') {
        if segment.is_empty() {
            return false;
        }
        segments += 1;
    }
    printable && segments >= 3
}

/// An attribute or sub-attribute name, compared case-insensitively (RFC 7643 §2.1).
///
/// The only way in is a validated constructor ([`AttrName::new`], `TryFrom`, or the parser), so
/// an `AttrName` always matches `ALPHA *(ALPHA / DIGIT / "-" / "_")`, or is `$ref`. It keeps the
/// case it was written in, which [`Display`](fmt::Display) prints.
#[derive(Clone)]
pub struct AttrName(Box<str>);

impl AttrName {
    /// Validates `name` as an attribute name.
    pub fn new(name: &str) -> Result<Self, Error> {
        if is_attr_name(name) {
            Ok(Self(name.into()))
        } else {
            Err(Error::path(
                ErrorKind::InvalidAttrName { name: name.into() },
                Span::new(0, name.len()),
            ))
        }
    }

    pub(crate) fn new_unchecked(name: &str) -> Self {
        Self(name.into())
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for AttrName {
    type Error = Error;
    fn try_from(name: &str) -> Result<Self, Error> {
        Self::new(name)
    }
}

impl TryFrom<String> for AttrName {
    type Error = Error;
    fn try_from(name: String) -> Result<Self, Error> {
        Self::new(&name)
    }
}

impl AsRef<str> for AttrName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq for AttrName {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for AttrName {}

/// Case-insensitive comparison with a plain name: `name == "username"`.
impl PartialEq<str> for AttrName {
    fn eq(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl PartialEq<&str> for AttrName {
    fn eq(&self, other: &&str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Hash for AttrName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_ignore_ascii_case(&self.0, state);
    }
}

impl PartialOrd for AttrName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AttrName {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_ignore_ascii_case(&self.0, &other.0)
    }
}

impl fmt::Debug for AttrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for AttrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The schema URN that qualifies an attribute path, such as
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`; compared case-insensitively.
///
/// In `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` the URN is
/// everything before the last `:` (RFC 7644 §3.10).
#[derive(Clone)]
pub struct SchemaUrn(Box<str>);

impl SchemaUrn {
    /// Validates `urn`: `urn:` and at least two more non-empty `:`-separated segments of
    /// printable ASCII, without `( ) [ ] "`.
    pub fn new(urn: &str) -> Result<Self, Error> {
        if is_schema_urn(urn) {
            Ok(Self(urn.into()))
        } else {
            Err(Error::path(
                ErrorKind::InvalidSchemaUrn { urn: urn.into() },
                Span::new(0, urn.len()),
            ))
        }
    }

    pub(crate) fn new_unchecked(urn: &str) -> Self {
        Self(urn.into())
    }

    /// The URN as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for SchemaUrn {
    type Error = Error;
    fn try_from(urn: &str) -> Result<Self, Error> {
        Self::new(urn)
    }
}

impl AsRef<str> for SchemaUrn {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq for SchemaUrn {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for SchemaUrn {}

impl PartialEq<str> for SchemaUrn {
    fn eq(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl PartialEq<&str> for SchemaUrn {
    fn eq(&self, other: &&str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

impl Hash for SchemaUrn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_ignore_ascii_case(&self.0, state);
    }
}

impl fmt::Debug for SchemaUrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SchemaUrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An attribute path: `[URN ":"] attrName ["." subAttr]` (RFC 7644 §3.4.2.2 `attrPath`).
///
/// ```
/// use scim_filter::AttrPath;
/// let path: AttrPath = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
///     .parse()?;
/// assert_eq!(path.schema().map(|s| s.as_str()),
///            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
/// assert_eq!(path.attr(), "manager");
/// assert_eq!(path.sub_attr().map(|s| s.as_str()), Some("value"));
/// # Ok::<(), scim_filter::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct AttrPath {
    schema: Option<SchemaUrn>,
    attr: AttrName,
    sub_attr: Option<AttrName>,
    span: Span,
}

impl AttrPath {
    /// A path built from its parts (span `0..0`).
    pub fn new(schema: Option<SchemaUrn>, attr: AttrName, sub_attr: Option<AttrName>) -> Self {
        Self {
            schema,
            attr,
            sub_attr,
            span: Span::default(),
        }
    }

    /// An unqualified path to a top-level attribute, such as `userName`.
    pub fn attr_only(attr: AttrName) -> Self {
        Self::new(None, attr, None)
    }

    pub(crate) fn with_span(mut self, span: Span) -> Self {
        self.span = span;
        self
    }

    /// Parses a bare attribute path (as used by `sortBy`, `attributes` and
    /// `excludedAttributes`). Errors map to `invalidPath`.
    pub fn parse(text: &str) -> Result<Self, Error> {
        crate::path::parse_attr_path_text(text, &crate::ParseOptions::new())
    }

    /// The schema URN, when the path is qualified with one.
    pub fn schema(&self) -> Option<&SchemaUrn> {
        self.schema.as_ref()
    }

    /// The attribute name.
    pub fn attr(&self) -> &AttrName {
        &self.attr
    }

    /// The sub-attribute name, as in `name.givenName`.
    pub fn sub_attr(&self) -> Option<&AttrName> {
        self.sub_attr.as_ref()
    }

    /// Where the path was in the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Whether this path, read as a whole, is the schema URN `urn` (ASCII case-insensitive).
    ///
    /// A PATCH path may name a whole extension, as in
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`, which the grammar reads as
    /// schema `urn:...:enterprise:2.0` and attribute `User`; a caller that knows its extension
    /// URNs recognises that case with this method.
    pub fn names_schema(&self, urn: &str) -> bool {
        let Some(schema) = &self.schema else {
            return false;
        };
        if self.sub_attr.is_some() {
            return false;
        }
        let schema = schema.as_str();
        let attr = self.attr.as_str();
        urn.len() == schema.len() + 1 + attr.len()
            && urn
                .get(..schema.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(schema))
            && urn.as_bytes().get(schema.len()) == Some(&b':')
            && urn
                .get(schema.len() + 1..)
                .is_some_and(|a| a.eq_ignore_ascii_case(attr))
    }
}

impl PartialEq for AttrPath {
    fn eq(&self, other: &Self) -> bool {
        self.schema == other.schema && self.attr == other.attr && self.sub_attr == other.sub_attr
    }
}

impl Eq for AttrPath {}

impl Hash for AttrPath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.schema.hash(state);
        self.attr.hash(state);
        self.sub_attr.hash(state);
    }
}

impl std::str::FromStr for AttrPath {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        Self::parse(text)
    }
}

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3). `pr` is not one: it is
/// [`Filter::Present`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal to.
    Le,
}

impl CompareOp {
    /// Every operator, in the RFC's order.
    pub const ALL: [Self; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Co,
        Self::Sw,
        Self::Ew,
        Self::Gt,
        Self::Ge,
        Self::Lt,
        Self::Le,
    ];

    /// The operator's keyword in lower case, as printed.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }

    /// The operator for a keyword, case-insensitively (`Eq`, `EQ` and `eq` are all `eq`).
    pub fn from_keyword(word: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| word.eq_ignore_ascii_case(op.as_str()))
    }

    /// Whether this is one of the ordering operators `gt`, `ge`, `lt`, `le`.
    pub const fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }

    /// Whether this is one of the substring operators `co`, `sw`, `ew`.
    pub const fn is_substring(self) -> bool {
        matches!(self, Self::Co | Self::Sw | Self::Ew)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A JSON number as written in the filter, validated against the JSON grammar (RFC 8259 §6).
///
/// The lexical form is kept (`1.50` stays `1.50`), so printing never rounds; the accessors
/// convert on demand.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Box<str>);

impl Number {
    /// Validates `text` as a JSON number.
    pub fn new(text: &str) -> Result<Self, Error> {
        if crate::lexer::is_json_number(text) {
            Ok(Self(text.into()))
        } else {
            Err(Error::filter(
                ErrorKind::InvalidNumber { text: text.into() },
                Span::new(0, text.len()),
            ))
        }
    }

    pub(crate) fn new_unchecked(text: &str) -> Self {
        Self(text.into())
    }

    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the number is written without fraction or exponent.
    pub fn is_integer(&self) -> bool {
        !self.0.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
    }

    /// The value as an `i64`, if it is written as an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        if self.is_integer() {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The value as a `u64`, if it is written as a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        if self.is_integer() {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The value as the nearest `f64` (infinite when out of range).
    pub fn as_f64(&self) -> f64 {
        self.0.parse().unwrap_or(f64::NAN)
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Self {
        Self(n.to_string().into())
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Self {
        Self(n.to_string().into())
    }
}

impl From<i32> for Number {
    fn from(n: i32) -> Self {
        Self(n.to_string().into())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.0)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The value on the right of a comparison (`compValue`): a JSON literal.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as written.
    Number(Number),
    /// A string, with its JSON escapes decoded.
    String(String),
}

impl CompValue {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for CompValue {
    fn from(s: &str) -> Self {
        Self::String(s.into())
    }
}

impl From<String> for CompValue {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<bool> for CompValue {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<Number> for CompValue {
    fn from(n: Number) -> Self {
        Self::Number(n)
    }
}

impl From<i64> for CompValue {
    fn from(n: i64) -> Self {
        Self::Number(n.into())
    }
}

/// The operands of `and` or `or`: two or more filters.
#[derive(Clone, Debug)]
pub struct Logical {
    operands: Vec<Filter>,
    span: Span,
}

impl Logical {
    /// Two operands.
    pub fn new(first: Filter, second: Filter) -> Self {
        Self {
            operands: vec![first, second],
            span: Span::default(),
        }
    }

    pub(crate) fn from_parts(operands: Vec<Filter>, span: Span) -> Self {
        Self { operands, span }
    }

    /// Adds an operand at the end.
    pub fn push(&mut self, operand: Filter) {
        self.operands.push(operand);
    }

    /// The operands, in order (at least two).
    pub fn operands(&self) -> &[Filter] {
        &self.operands
    }

    /// The operands, by value.
    pub fn into_operands(self) -> Vec<Filter> {
        self.operands
    }

    /// Where the expression was in the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl PartialEq for Logical {
    fn eq(&self, other: &Self) -> bool {
        self.operands == other.operands
    }
}

impl Eq for Logical {}

/// `not (F)`.
#[derive(Clone, Debug)]
pub struct Negation {
    inner: Box<Filter>,
    span: Span,
}

impl Negation {
    /// `not (inner)`.
    pub fn new(inner: Filter) -> Self {
        Self {
            inner: Box::new(inner),
            span: Span::default(),
        }
    }

    pub(crate) fn from_parts(inner: Filter, span: Span) -> Self {
        Self {
            inner: Box::new(inner),
            span,
        }
    }

    /// The negated filter.
    pub fn inner(&self) -> &Filter {
        &self.inner
    }

    /// The negated filter, by value.
    pub fn into_inner(self) -> Filter {
        *self.inner
    }

    /// Where `not (...)` was in the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl PartialEq for Negation {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl Eq for Negation {}

/// `attrPath pr`: the attribute is present (has a non-empty value).
#[derive(Clone, Debug)]
pub struct Presence {
    path: AttrPath,
    span: Span,
}

impl Presence {
    /// `path pr`.
    pub fn new(path: AttrPath) -> Self {
        Self {
            path,
            span: Span::default(),
        }
    }

    pub(crate) fn from_parts(path: AttrPath, span: Span) -> Self {
        Self { path, span }
    }

    /// The attribute tested.
    pub fn path(&self) -> &AttrPath {
        &self.path
    }

    /// Where `... pr` was in the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl PartialEq for Presence {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for Presence {}

/// `attrPath op compValue`.
#[derive(Clone, Debug)]
pub struct Comparison {
    path: AttrPath,
    op: CompareOp,
    value: CompValue,
    span: Span,
}

impl Comparison {
    /// `path op value`.
    pub fn new(path: AttrPath, op: CompareOp, value: CompValue) -> Self {
        Self {
            path,
            op,
            value,
            span: Span::default(),
        }
    }

    pub(crate) fn from_parts(path: AttrPath, op: CompareOp, value: CompValue, span: Span) -> Self {
        Self {
            path,
            op,
            value,
            span,
        }
    }

    /// The attribute compared.
    pub fn path(&self) -> &AttrPath {
        &self.path
    }

    /// The operator.
    pub fn op(&self) -> CompareOp {
        self.op
    }

    /// The value compared with.
    pub fn value(&self) -> &CompValue {
        &self.value
    }

    /// Where the comparison was in the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl PartialEq for Comparison {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.op == other.op && self.value == other.value
    }
}

impl Eq for Comparison {}

/// `attrPath "[" valFilter "]"`: some value of a multi-valued complex attribute satisfies the
/// inner filter, all of whose conditions hold on that same value.
///
/// The inner filter's attribute paths are sub-attribute names of the outer attribute (in
/// `emails[type eq "work"]`, `type` means `emails.type`), so they never carry a schema URN or a
/// sub-attribute of their own, and value paths do not nest.
#[derive(Clone, Debug)]
pub struct ValuePath {
    path: AttrPath,
    filter: Box<Filter>,
    span: Span,
}

impl ValuePath {
    /// `path[filter]`. Fails if `path` has a sub-attribute, or if `filter` holds a value path or
    /// a qualified path (see the type's docs).
    pub fn new(path: AttrPath, filter: Filter) -> Result<Self, Error> {
        check_value_path(&path, &filter)?;
        Ok(Self {
            path,
            filter: Box::new(filter),
            span: Span::default(),
        })
    }

    pub(crate) fn from_parts(path: AttrPath, filter: Filter, span: Span) -> Self {
        Self {
            path,
            filter: Box::new(filter),
            span,
        }
    }

    /// The multi-valued attribute whose values are tested.
    pub fn path(&self) -> &AttrPath {
        &self.path
    }

    /// The filter each value is tested with.
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Where `path[...]` was in the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl PartialEq for ValuePath {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.filter == other.filter
    }
}

impl Eq for ValuePath {}

/// The rules for the parts of a value path, shared by the parser and the constructors.
pub(crate) fn check_value_path(path: &AttrPath, filter: &Filter) -> Result<(), Error> {
    if let Some(sub) = path.sub_attr() {
        return Err(Error::filter(
            ErrorKind::ValueFilterOnSubAttribute {
                path: path.to_string(),
                sub: sub.to_string(),
            },
            path.span(),
        ));
    }
    check_value_filter(filter)
}

/// A filter inside `[...]` holds only unqualified single names and no value path.
pub(crate) fn check_value_filter(filter: &Filter) -> Result<(), Error> {
    match filter {
        Filter::And(l) | Filter::Or(l) => l.operands().iter().try_for_each(check_value_filter),
        Filter::Not(n) => check_value_filter(n.inner()),
        Filter::Present(p) => check_inner_path(p.path()),
        Filter::Compare(c) => check_inner_path(c.path()),
        Filter::ValuePath(v) => Err(Error::filter(ErrorKind::NestedValueFilter, v.path().span())),
    }
}

pub(crate) fn check_inner_path(path: &AttrPath) -> Result<(), Error> {
    if path.schema().is_some() || path.sub_attr().is_some() {
        Err(Error::filter(
            ErrorKind::QualifiedPathInValueFilter {
                path: path.to_string(),
            },
            path.span(),
        ))
    } else {
        Ok(())
    }
}

/// A SCIM filter (RFC 7644 §3.4.2.2): the parsed, printable, evaluable tree.
///
/// Parse with [`Filter::parse`] (or [`str::parse`]), print with `Display` (the canonical text,
/// which parses back to an equal filter), evaluate with [`Filter::matches`] or, for many
/// resources, a [`Matcher`](crate::Matcher) from [`Filter::matcher`]. A store can also walk the
/// tree to translate it into its own query language; see the crate docs for an example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    /// `F and F [and F ...]`.
    And(Logical),
    /// `F or F [or F ...]`.
    Or(Logical),
    /// `not (F)`.
    Not(Negation),
    /// `attrPath pr`.
    Present(Presence),
    /// `attrPath op value`.
    Compare(Comparison),
    /// `attrPath[F]`.
    ValuePath(ValuePath),
}

impl Filter {
    /// `a and b`. If `a` is already an `and` made by this function or the parser, `b` is
    /// not merged into it: the tree keeps the structure it was given.
    pub fn and(a: Self, b: Self) -> Self {
        Self::And(Logical::new(a, b))
    }

    /// `a or b`.
    pub fn or(a: Self, b: Self) -> Self {
        Self::Or(Logical::new(a, b))
    }

    /// `not (inner)`.
    pub fn negate(inner: Self) -> Self {
        Self::Not(Negation::new(inner))
    }

    /// `path pr`.
    pub fn present(path: AttrPath) -> Self {
        Self::Present(Presence::new(path))
    }

    /// `path op value`.
    pub fn compare(path: AttrPath, op: CompareOp, value: impl Into<CompValue>) -> Self {
        Self::Compare(Comparison::new(path, op, value.into()))
    }

    /// Where this node was in the parsed text.
    pub fn span(&self) -> Span {
        match self {
            Self::And(l) | Self::Or(l) => l.span(),
            Self::Not(n) => n.span(),
            Self::Present(p) => p.span(),
            Self::Compare(c) => c.span(),
            Self::ValuePath(v) => v.span(),
        }
    }

    /// Calls `f` on every attribute path in the filter, outer paths before the paths inside
    /// their brackets. Inner paths of a value path are relative to its attribute.
    pub fn for_each_path<'a>(&'a self, f: &mut impl FnMut(&'a AttrPath)) {
        match self {
            Self::And(l) | Self::Or(l) => {
                for operand in l.operands() {
                    operand.for_each_path(f);
                }
            }
            Self::Not(n) => n.inner().for_each_path(f),
            Self::Present(p) => f(p.path()),
            Self::Compare(c) => f(c.path()),
            Self::ValuePath(v) => {
                f(v.path());
                v.filter().for_each_path(f);
            }
        }
    }
}

/// A SCIM PATCH operation path (RFC 7644 §3.5.2): `attrPath` or
/// `valuePath ["." subAttr]`, optionally URN-qualified.
///
/// The parts are stored uniformly: [`attr_path`](Self::attr_path) is the attribute and the
/// targeted sub-attribute, and [`value_filter`](Self::value_filter) selects values of a
/// multi-valued attribute. So `name.givenName` has attribute path `name.givenName` and no
/// filter, and `emails[type eq "work"].value` has attribute path `emails.value` and filter
/// `type eq "work"`.
///
/// ```
/// use scim_filter::PatchPath;
/// let path = PatchPath::parse(r#"emails[type eq "work"].value"#)?;
/// assert_eq!(path.attr_path().attr(), "emails");
/// assert_eq!(path.attr_path().sub_attr().map(|s| s.as_str()), Some("value"));
/// assert_eq!(path.value_filter().map(|f| f.to_string()).as_deref(), Some(r#"type eq "work""#));
/// assert_eq!(path.to_string(), r#"emails[type eq "work"].value"#);
/// # Ok::<(), scim_filter::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PatchPath {
    path: AttrPath,
    filter: Option<Box<Filter>>,
    span: Span,
}

impl PatchPath {
    /// A path without a value filter.
    pub fn new(path: AttrPath) -> Self {
        Self {
            path,
            filter: None,
            span: Span::default(),
        }
    }

    /// `attr[filter]` or `attr[filter].sub`, where `attr` is `path` without its sub-attribute
    /// and `sub` is `path`'s sub-attribute. Fails if `filter` holds a value path or a qualified
    /// path.
    pub fn with_filter(path: AttrPath, filter: Filter) -> Result<Self, Error> {
        check_value_filter(&filter)?;
        Ok(Self {
            path,
            filter: Some(Box::new(filter)),
            span: Span::default(),
        })
    }

    pub(crate) fn from_parts(path: AttrPath, filter: Option<Filter>, span: Span) -> Self {
        Self {
            path,
            filter: filter.map(Box::new),
            span,
        }
    }

    /// The attribute (and targeted sub-attribute) of the path.
    pub fn attr_path(&self) -> &AttrPath {
        &self.path
    }

    /// The filter that selects values of a multi-valued attribute, as in
    /// `members[value eq "2819c223"]`.
    pub fn value_filter(&self) -> Option<&Filter> {
        self.filter.as_deref()
    }

    /// Where the path was in the parsed text.
    pub fn span(&self) -> Span {
        self.span
    }
}

impl PartialEq for PatchPath {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.filter == other.filter
    }
}

impl Eq for PatchPath {}

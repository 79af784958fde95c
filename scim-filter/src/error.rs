//! Errors: what went wrong, where (a byte span of the input), and which SCIM `scimType` the
//! error becomes on the wire.

use std::fmt;

use crate::ast::{CompareOp, Span};
use crate::eval::DataType;

/// The SCIM error type (RFC 7644 §3.12, Table 9) an [`Error`] maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// `invalidFilter`: a filter (including the filter inside a PATCH path's brackets, which
    /// Table 9 lists as "PATCH (Path Filter)") is malformed, or compares in a way the attribute
    /// does not support.
    InvalidFilter,
    /// `invalidPath`: a PATCH path (or a bare attribute path) is malformed.
    InvalidPath,
}

impl ScimType {
    /// The `scimType` string: `"invalidFilter"` or `"invalidPath"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::InvalidPath => "invalidPath",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parse or evaluation error, with the byte span it concerns.
///
/// `Display` reads as a sentence for a person, for example
/// ``expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr` after `userName` at 9, found the end of the text``.
/// Offsets are in bytes from the start of the parsed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    span: Span,
    scim_type: ScimType,
}

impl Error {
    pub(crate) fn filter(kind: ErrorKind, span: Span) -> Self {
        Self {
            kind,
            span,
            scim_type: ScimType::InvalidFilter,
        }
    }

    pub(crate) fn path(kind: ErrorKind, span: Span) -> Self {
        Self {
            kind,
            span,
            scim_type: ScimType::InvalidPath,
        }
    }

    pub(crate) fn with_scim_type(mut self, scim_type: ScimType) -> Self {
        self.scim_type = scim_type;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The bytes of the input concerned.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The byte offset where the problem is (the start of [`span`](Self::span)).
    pub fn offset(&self) -> usize {
        self.span.start
    }

    /// The SCIM `scimType` this error is reported as.
    pub fn scim_type(&self) -> ScimType {
        self.scim_type
    }

    /// Whether a configured limit (length, depth, number of comparisons) was exceeded.
    pub fn is_limit(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::TooLong { .. }
                | ErrorKind::TooDeep { .. }
                | ErrorKind::TooManyComparisons { .. }
        )
    }
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text does not follow the grammar at this point.
    Unexpected {
        /// What the grammar allows here.
        expected: Expected,
        /// The token just before, when that helps to read the message.
        after: Option<String>,
        /// What was found instead.
        found: Found,
    },
    /// A comparison value that is not JSON: an unquoted word such as `jyoung`. Strict parsing
    /// (the default) rejects these; [`ParseOptions::with_bare_words`](crate::ParseOptions::with_bare_words)
    /// accepts them as strings.
    UnquotedValue {
        /// The word.
        word: String,
    },
    /// A value that starts like a number but is not a JSON number (`01`, `1.`, `+1`).
    InvalidNumber {
        /// The text.
        text: String,
    },
    /// A string without its closing `"`.
    UnterminatedString,
    /// A backslash escape that JSON does not have, such as `\x`.
    InvalidEscape {
        /// The escape as written.
        escape: String,
    },
    /// A `\u` escape that is not four hex digits, or an unpaired surrogate.
    InvalidUnicodeEscape {
        /// The escape as written.
        escape: String,
    },
    /// A raw control character (U+0000 to U+001F) inside a string; JSON requires an escape.
    ControlCharacterInString,
    /// A name that is not `ALPHA *(ALPHA / DIGIT / "-" / "_")` (RFC 7643 §2.1).
    InvalidAttrName {
        /// The name.
        name: String,
    },
    /// A schema URN prefix that is not a URN (`urn:` and at least two more segments).
    InvalidSchemaUrn {
        /// The URN part.
        urn: String,
    },
    /// More than one sub-attribute, as in `name.givenName.first`.
    TooManySubAttributes {
        /// The path as written.
        path: String,
    },
    /// A value filter on a sub-attribute (`name.givenName[...]`); it belongs on the
    /// multi-valued attribute itself.
    ValueFilterOnSubAttribute {
        /// The path before `[`.
        path: String,
        /// The sub-attribute.
        sub: String,
    },
    /// A value path inside another one's brackets.
    NestedValueFilter,
    /// A URN-qualified or dotted path inside `[...]`, where only sub-attribute names of the
    /// outer attribute belong.
    QualifiedPathInValueFilter {
        /// The path as written.
        path: String,
    },
    /// `emails[type eq "work"].value` used as a filter; that form is a PATCH path only.
    SubAttributeAfterValueFilter,
    /// The text is longer than the configured limit.
    TooLong {
        /// The length in bytes.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Parentheses, `not (...)` and `[...]` nest deeper than the configured limit.
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The filter has more comparisons (including `pr`) than the configured limit.
    TooManyComparisons {
        /// The limit.
        limit: usize,
    },
    /// An operator applied to an operand it is not defined for: `gt` on a boolean, `co` with
    /// a number, an ordering on `null` (RFC 7644 §3.4.2.2: `invalidFilter`).
    UnsupportedComparison {
        /// The operator.
        op: CompareOp,
        /// What it was applied to.
        operand: Operand,
    },
    /// A comparison value for a `dateTime` attribute that is not an `xsd:dateTime`.
    InvalidDateTime {
        /// The value.
        value: String,
    },
}

/// What an operator was applied to, in [`ErrorKind::UnsupportedComparison`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operand {
    /// An attribute of this type (from the schema, or seen in the resource).
    Attribute(DataType),
    /// The comparison value `true`/`false`.
    BooleanValue,
    /// The comparison value `null`.
    NullValue,
    /// A number as the comparison value of `co`, `sw` or `ew`.
    NumberValue,
}

/// What the grammar allowed where parsing stopped, in [`ErrorKind::Unexpected`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// The start of a filter: an attribute path, `(` or `not (`.
    Filter,
    /// An attribute path.
    AttrPath,
    /// A comparison operator or `pr`.
    Operator,
    /// A comparison value.
    Value,
    /// `(` after `not`.
    OpenParen,
    /// `and`, `or` or the end of the filter.
    LogicalOrEnd,
    /// `and`, `or` or `)`.
    LogicalOrCloseParen,
    /// `and`, `or` or `]`.
    LogicalOrCloseBracket,
    /// A sub-attribute name after `.`.
    SubAttr,
    /// The end of a PATCH path, `[` or `.`.
    PathEnd,
    /// The end of an attribute path.
    AttrPathEnd,
    /// A space before an operator or value.
    Space,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Filter => "an attribute path, `(` or `not (`",
            Self::AttrPath => "an attribute path",
            Self::Operator => "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or `pr`",
            Self::Value => "a value (a \"quoted string\", a number, true, false or null)",
            Self::OpenParen => "`(`",
            Self::LogicalOrEnd => "`and`, `or` or the end of the filter",
            Self::LogicalOrCloseParen => "`and`, `or` or `)`",
            Self::LogicalOrCloseBracket => "`and`, `or` or `]`",
            Self::SubAttr => "a sub-attribute name",
            Self::PathEnd => "the end of the path, `[` or `.`",
            Self::AttrPathEnd => "the end of the attribute path",
            Self::Space => "a space",
        })
    }
}

/// What was found where parsing stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Found {
    /// The end of the text.
    End,
    /// This token (at most 40 characters of it).
    Token(String),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::End => f.write_str("the end of the text"),
            Self::Token(t) => write!(f, "`{t}`"),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Attribute(t) => write!(f, "{} attributes", t.as_str()),
            Self::BooleanValue => f.write_str("a boolean value"),
            Self::NullValue => f.write_str("null"),
            Self::NumberValue => f.write_str("a number (it takes a string)"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.span.start;
        match &self.kind {
            ErrorKind::Unexpected {
                expected,
                after,
                found,
            } => {
                write!(f, "expected {expected}")?;
                if let Some(after) = after {
                    write!(f, " after `{after}`")?;
                }
                write!(f, " at {at}, found {found}")
            }
            ErrorKind::UnquotedValue { word } => write!(
                f,
                "expected a value (a \"quoted string\", a number, true, false or null) at {at}, \
                 found the unquoted word `{word}`; write it as a JSON string: \"{word}\""
            ),
            ErrorKind::InvalidNumber { text } => {
                write!(f, "`{text}` at {at} is not a JSON number")
            }
            ErrorKind::UnterminatedString => {
                write!(f, "the string starting at {at} has no closing `\"`")
            }
            ErrorKind::InvalidEscape { escape } => {
                write!(f, "`{escape}` at {at} is not a JSON string escape")
            }
            ErrorKind::InvalidUnicodeEscape { escape } => write!(
                f,
                "`{escape}` at {at} is not a valid \\u escape (four hex digits; surrogates must pair)"
            ),
            ErrorKind::ControlCharacterInString => write!(
                f,
                "control character at {at} inside a string; JSON requires an escape such as \\n"
            ),
            ErrorKind::InvalidAttrName { name } => write!(
                f,
                "`{name}` at {at} is not an attribute name (a letter, then letters, digits, `-` or `_`)"
            ),
            ErrorKind::InvalidSchemaUrn { urn } => {
                write!(
                    f,
                    "`{urn}` at {at} is not a schema URN (like urn:ietf:params:scim:schemas:core:2.0:User)"
                )
            }
            ErrorKind::TooManySubAttributes { path } => write!(
                f,
                "`{path}` at {at} has more than one sub-attribute; SCIM paths are attr or attr.subAttr"
            ),
            ErrorKind::ValueFilterOnSubAttribute { path, sub } => write!(
                f,
                "a value filter `[...]` at {at} follows `{path}`, a sub-attribute path; put it on \
                 the multi-valued attribute and the sub-attribute after it, as in \
                 `emails[type eq \"work\"].{sub}`"
            ),
            ErrorKind::NestedValueFilter => {
                write!(f, "value filters `[...]` do not nest (at {at})")
            }
            ErrorKind::QualifiedPathInValueFilter { path } => write!(
                f,
                "`{path}` at {at}: inside `[...]` name a sub-attribute of the outer attribute, \
                 such as `type` or `value`, without a URN or a dot"
            ),
            ErrorKind::SubAttributeAfterValueFilter => write!(
                f,
                "a sub-attribute after `]` at {at} is allowed in PATCH paths only; in a filter \
                 write `emails[type eq \"work\" and value co \"x\"]`"
            ),
            ErrorKind::TooLong { len, limit } => {
                write!(f, "the text is {len} bytes long, over the limit of {limit}")
            }
            ErrorKind::TooDeep { limit } => write!(
                f,
                "nesting of `(`, `not (` and `[` at {at} goes deeper than the limit of {limit}"
            ),
            ErrorKind::TooManyComparisons { limit } => {
                write!(
                    f,
                    "comparison at {at} is over the limit of {limit} comparisons"
                )
            }
            ErrorKind::UnsupportedComparison { op, operand } => {
                write!(f, "`{op}` at {at} cannot be applied to {operand}")
            }
            ErrorKind::InvalidDateTime { value } => write!(
                f,
                "\"{value}\" at {at} is not a dateTime (like \"2011-05-13T04:42:34Z\")"
            ),
        }
    }
}

impl std::error::Error for Error {}

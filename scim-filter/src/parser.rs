//! Recursive-descent parser for filters (RFC 7644 §3.4.2.2, Figure 1) and PATCH paths
//! (§3.5.2, Figure 7), with precedence `not` > `and` > `or` and explicit budgets.
//!
//! Recursion happens only where the text nests (`(`, `not (`, `[`), and every nesting level is
//! counted against [`ParseOptions::max_depth`] before descending, so hostile input such as
//! 10,000 `(` ends in a [`TooDeep`](crate::ErrorKind::TooDeep) error, never a stack overflow.
//! Chains of `and`/`or` are collected into one n-ary node in a loop.

use crate::ast::{
    AttrName, AttrPath, CompValue, CompareOp, Comparison, Filter, Logical, Negation, Number,
    Presence, SchemaUrn, Span, ValuePath, check_inner_path, is_attr_name, is_schema_urn,
};
use crate::error::{Error, ErrorKind, Expected, ScimType};
use crate::lexer::{Cursor, is_json_number, shorten};

/// Limits and dialect for parsing. The defaults are strict RFC 7644 grammar, at most 64 KiB of
/// text, nesting depth 64 and 1,000 comparisons.
///
/// ```
/// use scim_filter::{Filter, ParseOptions};
/// // Microsoft's own examples send unquoted values; accept them explicitly.
/// let lenient = ParseOptions::new().with_bare_words(true);
/// let f = Filter::parse_with("externalId eq jyoung", &lenient)?;
/// assert_eq!(f.to_string(), r#"externalId eq "jyoung""#);
/// assert!(Filter::parse("externalId eq jyoung").is_err());
/// # Ok::<(), scim_filter::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    max_len: usize,
    max_depth: usize,
    max_comparisons: usize,
    bare_words: bool,
}

impl ParseOptions {
    /// Default maximum length of the text, in bytes (64 KiB).
    pub const DEFAULT_MAX_LEN: usize = 64 * 1024;
    /// Default maximum nesting of `(`, `not (` and `[`.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// Default maximum number of comparisons (each `pr` and each `op value` counts one).
    pub const DEFAULT_MAX_COMPARISONS: usize = 1000;
    /// The highest depth limit that can be configured. The parser, the printer and the
    /// evaluator recurse once per nesting level; this ceiling keeps that well inside a 2 MiB
    /// thread stack. Larger values passed to [`with_max_depth`](Self::with_max_depth) are
    /// lowered to it.
    pub const MAX_DEPTH_CEILING: usize = 256;

    /// Strict RFC grammar with the default limits.
    pub const fn new() -> Self {
        Self {
            max_len: Self::DEFAULT_MAX_LEN,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_comparisons: Self::DEFAULT_MAX_COMPARISONS,
            bare_words: false,
        }
    }

    /// Sets the maximum length of the text in bytes.
    pub const fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// Sets the maximum nesting depth of `(`, `not (` and `[` (at most
    /// [`MAX_DEPTH_CEILING`](Self::MAX_DEPTH_CEILING)).
    pub const fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = if max_depth > Self::MAX_DEPTH_CEILING {
            Self::MAX_DEPTH_CEILING
        } else {
            max_depth
        };
        self
    }

    /// Sets the maximum number of comparisons.
    pub const fn with_max_comparisons(mut self, max_comparisons: usize) -> Self {
        self.max_comparisons = max_comparisons;
        self
    }

    /// Lenient values: accept an unquoted word as a comparison value.
    ///
    /// RFC 7644 requires JSON values, so `externalId eq jyoung` is an error by default. Some
    /// clients send such filters anyway (Microsoft's SCIM documentation and test collection:
    /// `userName sw O`, `emails.Value co example.com`,
    /// `meta.Created gt 2015-10-10T14:38:21.8617979-07:00`). With this option, a value that is
    /// not a JSON literal is read up to the next space, `)` or `]` and taken as a string;
    /// `True`, `FALSE`, `Null` (any case) are read as the JSON literals. Printing such a filter
    /// gives the strict form (`externalId eq "jyoung"`).
    pub const fn with_bare_words(mut self, bare_words: bool) -> Self {
        self.bare_words = bare_words;
        self
    }

    /// The maximum length in bytes.
    pub const fn max_len(&self) -> usize {
        self.max_len
    }

    /// The maximum nesting depth.
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// The maximum number of comparisons.
    pub const fn max_comparisons(&self) -> usize {
        self.max_comparisons
    }

    /// Whether unquoted words are accepted as values.
    pub const fn bare_words(&self) -> bool {
        self.bare_words
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a sub-expression ends: the end of the text, `)` or `]`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Top,
    Brackets,
}

pub(crate) struct Parser<'a, 'o> {
    pub(crate) cur: Cursor<'a>,
    opts: &'o ParseOptions,
    depth: usize,
    comparisons: usize,
}

pub(crate) fn parse_filter(text: &str, opts: &ParseOptions) -> Result<Filter, Error> {
    check_len(text, opts, ScimType::InvalidFilter)?;
    let mut p = Parser::new(text, opts);
    let filter = p.or_expr(Context::Top)?;
    p.cur.skip_space();
    if !p.cur.at_end() {
        return Err(p.unexpected(Expected::LogicalOrEnd, None, p.cur.pos()));
    }
    Ok(filter)
}

pub(crate) fn check_len(text: &str, opts: &ParseOptions, scim_type: ScimType) -> Result<(), Error> {
    if text.len() > opts.max_len {
        let kind = ErrorKind::TooLong {
            len: text.len(),
            limit: opts.max_len,
        };
        return Err(
            Error::filter(kind, Span::new(opts.max_len, text.len())).with_scim_type(scim_type)
        );
    }
    Ok(())
}

impl<'a, 'o> Parser<'a, 'o> {
    pub(crate) fn new(text: &'a str, opts: &'o ParseOptions) -> Self {
        Self {
            cur: Cursor::new(text),
            opts,
            depth: 0,
            comparisons: 0,
        }
    }

    pub(crate) fn unexpected(&self, expected: Expected, after: Option<&str>, pos: usize) -> Error {
        let found = self.cur.found_at(pos);
        let len = match &found {
            crate::error::Found::Token(t) => t.len(),
            _ => 0,
        };
        let end = (pos + len).min(self.cur.text().len());
        Error::filter(
            ErrorKind::Unexpected {
                expected,
                after: after.map(shorten),
                found,
            },
            Span::new(pos, end),
        )
    }

    /// Enters one nesting level at `pos`, failing past the depth limit.
    fn enter(&mut self, pos: usize) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > self.opts.max_depth {
            return Err(Error::filter(
                ErrorKind::TooDeep {
                    limit: self.opts.max_depth,
                },
                Span::new(pos, pos + 1),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn count_comparison(&mut self, span: Span) -> Result<(), Error> {
        self.comparisons += 1;
        if self.comparisons > self.opts.max_comparisons {
            return Err(Error::filter(
                ErrorKind::TooManyComparisons {
                    limit: self.opts.max_comparisons,
                },
                span,
            ));
        }
        Ok(())
    }

    /// Consumes the keyword `kw` (any case) if it is the next word.
    fn eat_keyword(&mut self, kw: &str) -> bool {
        let save = self.cur.pos();
        self.cur.skip_space();
        let (word, span) = self.cur.peek_word();
        if word.eq_ignore_ascii_case(kw) {
            self.cur.set_pos(span.end);
            true
        } else {
            self.cur.set_pos(save);
            false
        }
    }

    /// `or`-level expression: `and_expr *("or" and_expr)`.
    fn or_expr(&mut self, ctx: Context) -> Result<Filter, Error> {
        let first = self.and_expr(ctx)?;
        if !self.eat_keyword("or") {
            return Ok(first);
        }
        let mut operands = vec![first];
        loop {
            operands.push(self.and_expr(ctx)?);
            if !self.eat_keyword("or") {
                break;
            }
        }
        let span = operands_span(&operands);
        Ok(Filter::Or(Logical::from_parts(operands, span)))
    }

    /// `and`-level expression: `unary *("and" unary)`.
    fn and_expr(&mut self, ctx: Context) -> Result<Filter, Error> {
        let first = self.unary(ctx)?;
        if !self.eat_keyword("and") {
            return Ok(first);
        }
        let mut operands = vec![first];
        loop {
            operands.push(self.unary(ctx)?);
            if !self.eat_keyword("and") {
                break;
            }
        }
        let span = operands_span(&operands);
        Ok(Filter::And(Logical::from_parts(operands, span)))
    }

    /// `"(" filter ")"`, `"not" "(" filter ")"`, or an attribute expression / value path.
    fn unary(&mut self, ctx: Context) -> Result<Filter, Error> {
        self.cur.skip_space();
        let start = self.cur.pos();
        match self.cur.peek() {
            None => Err(self.unexpected(Expected::Filter, None, start)),
            Some(b'(') => self.parenthesized(ctx),
            Some(_) => {
                let (word, word_span) = self.cur.peek_word();
                if word.is_empty() {
                    return Err(self.unexpected(Expected::Filter, None, start));
                }
                let value_path_follows =
                    self.cur.text().as_bytes().get(word_span.end) == Some(&b'[');
                if word.eq_ignore_ascii_case("not") && !value_path_follows {
                    self.cur.set_pos(word_span.end);
                    self.cur.skip_space();
                    if self.cur.peek() == Some(b'(') {
                        let inner = self.parenthesized(ctx)?;
                        let span = Span::new(start, self.cur.pos());
                        return Ok(Filter::Not(Negation::from_parts(inner, span)));
                    }
                    // `not` is also a valid attribute name; it is one only when an operator
                    // follows.
                    let (next, _) = self.cur.peek_word();
                    if !is_operator_word(next) {
                        return Err(self.unexpected(
                            Expected::OpenParen,
                            Some(word),
                            self.cur.pos(),
                        ));
                    }
                    self.cur.set_pos(start);
                }
                self.attr_expr(ctx)
            }
        }
    }

    /// `"(" filter ")"` with the cursor on `(`; the grouping itself leaves no node.
    fn parenthesized(&mut self, ctx: Context) -> Result<Filter, Error> {
        let open = self.cur.pos();
        self.cur.eat(b'(');
        self.enter(open)?;
        let inner = self.or_expr(ctx)?;
        self.cur.skip_space();
        if !self.cur.eat(b')') {
            return Err(self.unexpected(Expected::LogicalOrCloseParen, None, self.cur.pos()));
        }
        self.leave();
        Ok(inner)
    }

    /// `"[" valFilter "]"` with the cursor on `[`.
    pub(crate) fn bracketed(&mut self) -> Result<Filter, Error> {
        let open = self.cur.pos();
        self.cur.eat(b'[');
        self.enter(open)?;
        let inner = self.or_expr(Context::Brackets)?;
        self.cur.skip_space();
        if !self.cur.eat(b']') {
            return Err(self.unexpected(Expected::LogicalOrCloseBracket, None, self.cur.pos()));
        }
        self.leave();
        Ok(inner)
    }

    /// `attrPath "pr"`, `attrPath op value`, or `attrPath "[" valFilter "]"`.
    fn attr_expr(&mut self, ctx: Context) -> Result<Filter, Error> {
        let (word, word_span) = self.cur.word();
        let path = self.path_word(word, word_span)?;
        if ctx == Context::Brackets {
            check_inner_path(&path)?;
        }
        if self.cur.peek() == Some(b'[') {
            let pos = self.cur.pos();
            if ctx == Context::Brackets {
                return Err(Error::filter(
                    ErrorKind::NestedValueFilter,
                    Span::new(pos, pos + 1),
                ));
            }
            if let Some(sub) = path.sub_attr() {
                return Err(Error::filter(
                    ErrorKind::ValueFilterOnSubAttribute {
                        path: shorten(word),
                        sub: sub.to_string(),
                    },
                    Span::new(pos, pos + 1),
                ));
            }
            let inner = self.bracketed()?;
            if self.cur.peek() == Some(b'.') {
                let pos = self.cur.pos();
                return Err(Error::filter(
                    ErrorKind::SubAttributeAfterValueFilter,
                    Span::new(pos, pos + 1),
                ));
            }
            let span = Span::new(word_span.start, self.cur.pos());
            return Ok(Filter::ValuePath(ValuePath::from_parts(path, inner, span)));
        }

        self.cur.skip_space();
        let op_pos = self.cur.pos();
        let (op_word, op_span) = self.cur.peek_word();
        if op_word.eq_ignore_ascii_case("pr") {
            self.cur.set_pos(op_span.end);
            let span = Span::new(word_span.start, op_span.end);
            self.count_comparison(span)?;
            return Ok(Filter::Present(Presence::from_parts(path, span)));
        }
        let Some(op) = CompareOp::from_keyword(op_word) else {
            return Err(self.unexpected(Expected::Operator, Some(word), op_pos));
        };
        self.cur.set_pos(op_span.end);

        self.cur.skip_space();
        let value_pos = self.cur.pos();
        let (value, value_end) = if self.cur.peek() == Some(b'"') {
            let (s, span) = self.cur.string()?;
            (CompValue::String(s), span.end)
        } else {
            let (v, span) = self.cur.word();
            if v.is_empty() {
                return Err(self.unexpected(Expected::Value, Some(op_word), value_pos));
            }
            (self.bare_value(v, span)?, span.end)
        };
        let span = Span::new(word_span.start, value_end);
        self.count_comparison(span)?;
        Ok(Filter::Compare(Comparison::from_parts(
            path, op, value, span,
        )))
    }

    /// A value that is not a quoted string: a JSON literal or number, or in lenient mode a
    /// bare word.
    fn bare_value(&self, word: &str, span: Span) -> Result<CompValue, Error> {
        match word {
            "true" => return Ok(CompValue::Bool(true)),
            "false" => return Ok(CompValue::Bool(false)),
            "null" => return Ok(CompValue::Null),
            _ => {}
        }
        if is_json_number(word) {
            return Ok(CompValue::Number(Number::new_unchecked(word)));
        }
        if self.opts.bare_words {
            return Ok(if word.eq_ignore_ascii_case("true") {
                CompValue::Bool(true)
            } else if word.eq_ignore_ascii_case("false") {
                CompValue::Bool(false)
            } else if word.eq_ignore_ascii_case("null") {
                CompValue::Null
            } else {
                CompValue::String(word.to_owned())
            });
        }
        let starts_numeric = word
            .bytes()
            .next()
            .is_some_and(|b| b == b'-' || b.is_ascii_digit());
        let kind = if starts_numeric
            && !word
                .bytes()
                .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
        {
            ErrorKind::InvalidNumber {
                text: shorten(word),
            }
        } else {
            ErrorKind::UnquotedValue {
                word: shorten(word),
            }
        };
        Err(Error::filter(kind, span))
    }

    /// Splits a path word into `[URN ":"] attr ["." sub]` and validates each part.
    pub(crate) fn path_word(&self, word: &str, span: Span) -> Result<AttrPath, Error> {
        let start = span.start;
        let has_urn = word
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        let (schema, rest, rest_start) = match word.rfind(':') {
            Some(colon) if has_urn => {
                let urn = word.get(..colon).unwrap_or("");
                if !is_schema_urn(urn) {
                    return Err(Error::filter(
                        ErrorKind::InvalidSchemaUrn { urn: shorten(urn) },
                        Span::new(start, start + colon),
                    ));
                }
                (
                    Some(SchemaUrn::new_unchecked(urn)),
                    word.get(colon + 1..).unwrap_or(""),
                    start + colon + 1,
                )
            }
            _ => (None, word, start),
        };
        let mut parts = rest.splitn(3, '.');
        let attr = parts.next().unwrap_or("");
        let sub = parts.next();
        if parts.next().is_some() {
            return Err(Error::filter(
                ErrorKind::TooManySubAttributes {
                    path: shorten(word),
                },
                span,
            ));
        }
        if attr.is_empty() {
            let after = word.get(..rest_start - start).filter(|s| !s.is_empty());
            return Err(self.unexpected(Expected::AttrPath, after, rest_start));
        }
        if !is_attr_name(attr) {
            return Err(Error::filter(
                ErrorKind::InvalidAttrName {
                    name: shorten(attr),
                },
                Span::new(rest_start, rest_start + attr.len()),
            ));
        }
        let sub = match sub {
            None => None,
            Some("") => {
                let pos = rest_start + attr.len() + 1;
                return Err(self.unexpected(Expected::SubAttr, word.get(..pos - start), pos));
            }
            Some(sub) if !is_attr_name(sub) => {
                let pos = rest_start + attr.len() + 1;
                return Err(Error::filter(
                    ErrorKind::InvalidAttrName { name: shorten(sub) },
                    Span::new(pos, pos + sub.len()),
                ));
            }
            Some(sub) => Some(AttrName::new_unchecked(sub)),
        };
        Ok(AttrPath::new(schema, AttrName::new_unchecked(attr), sub).with_span(span))
    }
}

fn is_operator_word(word: &str) -> bool {
    word.eq_ignore_ascii_case("pr") || CompareOp::from_keyword(word).is_some()
}

fn operands_span(operands: &[Filter]) -> Span {
    match (operands.first(), operands.last()) {
        (Some(first), Some(last)) => first.span().to(last.span()),
        _ => Span::default(),
    }
}

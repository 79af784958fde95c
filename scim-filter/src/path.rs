//! PATCH paths (RFC 7644 §3.5.2, Figure 7): `attrPath` or `valuePath ["." subAttr]`, and bare
//! attribute paths (as in `sortBy` and `attributes`).
//!
//! ```text
//! PATH = attrPath / valuePath [subAttr]
//! ```
//!
//! The bracketed filter is parsed by the filter parser, with the same limits.

use crate::ast::{AttrName, AttrPath, PatchPath, Span, is_attr_name};
use crate::error::{Error, ErrorKind, Expected, ScimType};
use crate::lexer::shorten;
use crate::parser::{ParseOptions, Parser, check_len};

pub(crate) fn parse_patch_path(text: &str, opts: &ParseOptions) -> Result<PatchPath, Error> {
    let as_path = |e: Error| e.with_scim_type(ScimType::InvalidPath);
    check_len(text, opts, ScimType::InvalidPath)?;
    let mut p = Parser::new(text, opts);
    let (word, span) = p.cur.word();
    if word.is_empty() {
        return Err(as_path(p.unexpected(Expected::AttrPath, None, 0)));
    }
    let mut path = p.path_word(word, span).map_err(as_path)?;
    let mut filter = None;
    if p.cur.peek() == Some(b'[') {
        if let Some(sub) = path.sub_attr() {
            return Err(as_path(Error::filter(
                ErrorKind::ValueFilterOnSubAttribute {
                    path: shorten(word),
                    sub: sub.to_string(),
                },
                Span::new(p.cur.pos(), p.cur.pos() + 1),
            )));
        }
        // Errors inside the brackets are filter errors: RFC 7644 Table 9 lists
        // "PATCH (Path Filter)" under invalidFilter.
        filter = Some(p.bracketed()?);
        if p.cur.eat(b'.') {
            let (sub, sub_span) = p.cur.word();
            if sub.is_empty() {
                return Err(as_path(p.unexpected(
                    Expected::SubAttr,
                    Some("."),
                    sub_span.start,
                )));
            }
            if !is_attr_name(sub) {
                let kind = if sub.contains('.') {
                    ErrorKind::TooManySubAttributes {
                        path: shorten(text),
                    }
                } else {
                    ErrorKind::InvalidAttrName { name: shorten(sub) }
                };
                return Err(Error::path(kind, sub_span));
            }
            path = AttrPath::new(
                path.schema().cloned(),
                path.attr().clone(),
                Some(AttrName::new_unchecked(sub)),
            )
            .with_span(Span::new(span.start, sub_span.end));
        } else {
            path = path.with_span(Span::new(span.start, p.cur.pos()));
        }
    }
    if !p.cur.at_end() {
        let expected = if filter.is_some() {
            Expected::SubAttr
        } else {
            Expected::PathEnd
        };
        let pos = p.cur.pos();
        let after = text.get(..pos).map(shorten);
        return Err(as_path(p.unexpected(expected, after.as_deref(), pos)));
    }
    Ok(PatchPath::from_parts(
        path,
        filter,
        Span::new(0, text.len()),
    ))
}

pub(crate) fn parse_attr_path_text(text: &str, opts: &ParseOptions) -> Result<AttrPath, Error> {
    let as_path = |e: Error| e.with_scim_type(ScimType::InvalidPath);
    check_len(text, opts, ScimType::InvalidPath)?;
    let mut p = Parser::new(text, opts);
    let (word, span) = p.cur.word();
    if word.is_empty() {
        return Err(as_path(p.unexpected(Expected::AttrPath, None, 0)));
    }
    let path = p.path_word(word, span).map_err(as_path)?;
    if !p.cur.at_end() {
        return Err(as_path(p.unexpected(
            Expected::AttrPathEnd,
            Some(word),
            p.cur.pos(),
        )));
    }
    Ok(path)
}

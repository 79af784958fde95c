//! quick-xml events -> [`Document`].
//!
//! Refused outright: a DOCTYPE (so no entity can be declared, internal or external), entity
//! references other than `&lt; &gt; &amp; &apos; &quot;` and character references, encodings other
//! than UTF-8, characters outside the XML `Char` production, undeclared prefixes, attributes
//! repeated by qualified or expanded name or not separated by whitespace, an XML declaration
//! that is malformed (`check_decl`) or anywhere but at the start, several
//! root elements and anything but whitespace, comments and processing instructions outside the
//! root. Line ends are normalized (`\r\n` and `\r` become `\n`) and attribute values normalized as
//! for CDATA attributes (XML 1.0 §2.11, §3.3.3).
//!
//! Namespace resolution is done here rather than with quick-xml's `NsReader`: canonicalization
//! needs the declarations exactly as written on each element, and this keeps the rules for the
//! `xml`/`xmlns` prefixes and `xmlns:p=""` (illegal in Namespaces 1.0) in one visible place.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

use super::{
    AttrData, DeclData, Document, ElementData, Kind, Limits, NONE, NodeData, Span, XML_NS, XmlLimit,
};
use crate::error::XmlError;

const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// How many namespace names are looked up by a linear scan before the map is used.
const SCANNED_NAMESPACES: usize = 16;

pub(super) fn parse(input: &[u8], limits: &Limits) -> Result<Document, XmlError> {
    if input.len() > limits.max_bytes() {
        return Err(XmlError::TooLarge {
            size: input.len(),
            limit: limits.max_bytes(),
        });
    }
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if input.starts_with(b"\xEF\xBB\xBF") {
        // quick-xml skips a byte order mark at the start of what it reads too, so a second one
        // would vanish; for libxml2 it is a character before the root element.
        return Err(syntax(0, "a second byte order mark"));
    }
    check_chars(input)?;
    // quick-xml checks that every event is UTF-8 (everything in the tree comes from events), so
    // the input is not validated twice.
    Builder::new(input, limits).run()
}

/// Refuses characters outside the XML 1.0 `Char` production (C0 controls other than tab, LF and
/// CR, and U+FFFE/U+FFFF; surrogates cannot occur in a `str`).
fn check_chars(bytes: &[u8]) -> Result<(), XmlError> {
    const CHUNK: usize = 32;
    for (index, chunk) in bytes.chunks(CHUNK).enumerate() {
        // Almost every byte is printable ASCII or a UTF-8 byte other than 0xEF; this branch-free
        // test over a chunk vectorizes, and only suspicious chunks are looked at closely.
        let suspicious = chunk
            .iter()
            .fold(false, |acc, &b| acc | (b < 0x20) | (b == 0xEF));
        if !suspicious {
            continue;
        }
        for (i, &b) in chunk.iter().enumerate() {
            let offset = index * CHUNK + i;
            let bad = match b {
                b'\t' | b'\n' | b'\r' => false,
                0..=0x1F => true,
                // U+FFFE and U+FFFF are EF BF BE / EF BF BF in UTF-8.
                0xEF => {
                    bytes.get(offset + 1) == Some(&0xBF)
                        && matches!(bytes.get(offset + 2), Some(0xBE | 0xBF))
                }
                _ => false,
            };
            if bad {
                return Err(syntax(offset as u64, "character not allowed in XML"));
            }
        }
    }
    Ok(())
}

fn syntax(offset: u64, message: &str) -> XmlError {
    XmlError::Syntax {
        offset,
        message: message.to_owned(),
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `s` is an NCName (a name without colon).
pub(crate) fn is_ncname(s: &str) -> bool {
    // Fast path for the ASCII names every IdP uses.
    if let Some((&first, rest)) = s.as_bytes().split_first() {
        if (first.is_ascii_alphabetic() || first == b'_')
            && rest
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return true;
        }
    }
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// Splits a qualified name into (prefix, local); `None` when it is not a valid QName.
fn split_qname(name: &str) -> Option<(&str, &str)> {
    match name.as_bytes().iter().position(|&b| b == b':') {
        None => is_ncname(name).then_some(("", name)),
        Some(colon) => {
            let prefix = name.get(..colon)?;
            let local = name.get(colon + 1..)?;
            (is_ncname(prefix) && is_ncname(local)).then_some((prefix, local))
        }
    }
}

/// Whether `uri` starts with a URI scheme (RFC 3986 §3.1: `ALPHA *( ALPHA / DIGIT / "+" / "-" /
/// "." )` then `:`), i.e. is not a relative reference.
fn is_absolute_uri(uri: &str) -> bool {
    let bytes = uri.as_bytes();
    let Some(colon) = bytes.iter().position(|&b| b == b':') else {
        return false;
    };
    let (scheme, rest) = bytes.split_at(colon);
    let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    scheme_ok
        && is_uri_tail(rest)
        && rest
            .get(1..)
            .and_then(|hier| hier.strip_prefix(b"//"))
            .is_none_or(is_authority)
}

/// Why namespace name `uri` cannot be in a signed document, if it cannot (the empty name, an
/// undeclaration of the default namespace, can).
fn namespace_name_problem(uri: &str) -> Option<&'static str> {
    if uri.is_empty() {
        return None;
    }
    if uri.contains('&') {
        // libxml2 re-parses the references of ordinary attribute values but keeps an escaped
        // '&' in a namespace declaration as the text "&#38;", so libxml2-based signers and
        // verifiers read another name (one with a second '#', which its canonicalization then
        // fails to parse); no real namespace name needs '&'.
        return Some("namespace name contains '&'");
    }
    if !is_absolute_uri(uri) {
        // Canonical XML 1.0 §2.1: canonicalization fails on relative namespace URIs (libxml2
        // refuses them too, and any string that does not parse as a URI), so no signed
        // document can contain one.
        return Some("namespace name is not an absolute URI");
    }
    None
}

/// RFC 3986 `unreserved`, `sub-delims` and `%` (whose two hex digits `is_uri_tail` checks).
fn is_reg_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'%'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
        )
}

/// Whether `rest` (what follows `//`) starts with an authority, `[ userinfo "@" ] host [ ":"
/// port ]`, followed by the end or by `/`, `?` or `#`, as libxml2's URI parser reads it: it
/// fails on a second `@`, on a `:` after the port, on a port without digits or that does not
/// fit an `int` (we allow up to 65535), and its canonicalization then fails on the whole
/// document, so a signed document cannot contain such a name. (`[` for IP literals is refused
/// by `is_uri_tail`.)
fn is_authority(rest: &[u8]) -> bool {
    let at = |i: usize| rest.get(i).copied().unwrap_or(0);
    let userinfo = rest
        .iter()
        .position(|&b| !(is_reg_name_byte(b) || b == b':'))
        .unwrap_or(rest.len());
    let mut i = if at(userinfo) == b'@' {
        userinfo + 1
    } else {
        0
    };
    while is_reg_name_byte(at(i)) {
        i += 1;
    }
    if at(i) == b':' {
        i += 1;
        let digits = rest
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let port = std::str::from_utf8(rest.get(i..i + digits).unwrap_or_default())
            .ok()
            .and_then(|p| p.parse::<u16>().ok());
        if port.is_none() {
            return false;
        }
        i += digits;
    }
    matches!(at(i), 0 | b'/' | b'?' | b'#')
}

/// Whether `rest` (from the scheme's `:` on) holds only RFC 3986 URI characters: unreserved,
/// sub-delims, `:` `@` `/` `?`, `%` with two hex digits, and at most one `#`. libxml2's
/// canonicalization fails on a document with any other namespace URI, anywhere in it, so a
/// signed document cannot contain one.
fn is_uri_tail(rest: &[u8]) -> bool {
    let mut fragments = 0;
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        match b {
            b'%' => {
                let hex = |j: usize| rest.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                i += 3;
                continue;
            }
            b'#' => fragments += 1,
            b':' | b'@' | b'/' | b'?' => {}
            _ if is_reg_name_byte(b) => {}
            _ => return false,
        }
        i += 1;
    }
    fragments <= 1
}

/// Appends `raw` to `out` with line ends normalized.
fn push_normalized_eol(out: &mut String, raw: &str) {
    if !raw.as_bytes().contains(&b'\r') {
        out.push_str(raw);
        return;
    }
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
}

/// Resolves the content of a reference `&name;` (without `&` and `;`).
fn resolve_reference(name: &str, offset: u64) -> Result<char, XmlError> {
    if let Some(number) = name.strip_prefix('#') {
        // Rust's integer parsing takes a leading '+', which XML does not (`&#+65;`), so the
        // digits are checked first.
        let value = match number.strip_prefix('x') {
            Some(hex)
                if !hex.is_empty()
                    && hex.len() <= 8
                    && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                u32::from_str_radix(hex, 16).ok()
            }
            Some(_) => None,
            None if !number.is_empty()
                && number.len() <= 10
                && number.bytes().all(|b| b.is_ascii_digit()) =>
            {
                number.parse::<u32>().ok()
            }
            None => None,
        };
        return value
            .and_then(char::from_u32)
            .filter(|c| is_xml_char(*c))
            .ok_or_else(|| syntax(offset, "invalid character reference"));
    }
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(XmlError::EntityReference {
            name: name.chars().take(64).collect(),
        }),
    }
}

/// XML whitespace (the `S` production).
fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn trim_xml_space(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_xml_space(b))
        .unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Checks an XML declaration (XML 1.0 §2.8, §2.9, §4.3.3): `version`, then optionally
/// `encoding`, then optionally `standalone`, each preceded by whitespace, in that order and no
/// other, with quoted values of the right form. `content` is what lies between `<?` and `?>`.
///
/// quick-xml only looks up the pseudo-attributes it is asked for and ignores anything else, so
/// the declaration is read here.
fn check_decl(content: &str, offset: u64) -> Result<(), XmlError> {
    const NAMES: [&[u8]; 3] = [b"version", b"encoding", b"standalone"];
    let mut rest = content
        .as_bytes()
        .strip_prefix(b"xml")
        .ok_or_else(|| syntax(offset, "malformed XML declaration"))?;
    // Index in NAMES of the first pseudo-attribute still allowed.
    let mut next = 0;
    loop {
        let trimmed = trim_xml_space(rest);
        if trimmed.is_empty() {
            break;
        }
        if trimmed.len() == rest.len() {
            return Err(syntax(offset, "missing whitespace in the XML declaration"));
        }
        let name_len = trimmed
            .iter()
            .position(|&b| b == b'=' || is_xml_space(b))
            .unwrap_or(trimmed.len());
        let (name, after) = trimmed.split_at_checked(name_len).unwrap_or_default();
        let index = NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| syntax(offset, "unknown pseudo-attribute in the XML declaration"))?;
        if next == 0 && index != 0 {
            return Err(syntax(offset, "XML declaration without version"));
        }
        if index < next {
            return Err(syntax(
                offset,
                "pseudo-attribute repeated or out of order in the XML declaration",
            ));
        }
        next = index + 1;
        let after = trim_xml_space(after)
            .strip_prefix(b"=")
            .ok_or_else(|| syntax(offset, "missing '=' in the XML declaration"))?;
        let (value, after) = match trim_xml_space(after).split_first() {
            Some((&quote, after)) if quote == b'"' || quote == b'\'' => {
                let end = after
                    .iter()
                    .position(|&b| b == quote)
                    .ok_or_else(|| syntax(offset, "unterminated value in the XML declaration"))?;
                (
                    after.get(..end).unwrap_or_default(),
                    after.get(end + 1..).unwrap_or_default(),
                )
            }
            _ => {
                return Err(syntax(offset, "unquoted value in the XML declaration"));
            }
        };
        rest = after;
        match index {
            0 => {
                // VersionNum ::= '1.' [0-9]+
                let well_formed = value
                    .strip_prefix(b"1.")
                    .is_some_and(|minor| !minor.is_empty() && minor.iter().all(u8::is_ascii_digit));
                if !well_formed {
                    return Err(syntax(offset, "malformed XML version"));
                }
                if value != b"1.0" {
                    return Err(syntax(offset, "only XML 1.0 is supported"));
                }
            }
            1 => {
                // EncName ::= [A-Za-z] ([A-Za-z0-9._] | '-')*
                let well_formed = value.split_first().is_some_and(|(first, tail)| {
                    first.is_ascii_alphabetic()
                        && tail
                            .iter()
                            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
                });
                if !well_formed {
                    return Err(syntax(offset, "malformed encoding name"));
                }
                if !value.eq_ignore_ascii_case(b"utf-8") {
                    return Err(syntax(offset, "only UTF-8 documents are supported"));
                }
            }
            _ => {
                if value != b"yes" && value != b"no" {
                    return Err(syntax(offset, "standalone must be 'yes' or 'no'"));
                }
            }
        }
    }
    if next == 0 {
        return Err(syntax(offset, "XML declaration without version"));
    }
    Ok(())
}

struct Builder<'i> {
    input: &'i [u8],
    limits: Limits,
    doc: Document,
    ns_ids: HashMap<Box<str>, u32>,
    /// In-scope declarations: (prefix, namespace id), innermost last.
    scope: Vec<(Span, u32)>,
    /// Open nodes: (node id, scope length before its declarations, last child id).
    open: Vec<(u32, usize, u32)>,
    elements: usize,
    /// Index in `Document::decls` of the first declaration of the element being read.
    decls_of_current_element: usize,
    /// The text node that the last appended bytes belong to, for merging adjacent text.
    open_text: Option<u32>,
    seen_root: bool,
}

impl<'i> Builder<'i> {
    fn new(input: &'i [u8], limits: &Limits) -> Self {
        let mut text = String::with_capacity(input.len());
        text.push_str(XML_NS);
        let xml_span = Span {
            start: 0,
            end: XML_NS.len() as u32,
        };
        let doc = Document {
            text,
            nodes: vec![NodeData {
                kind: Kind::Document,
                parent: NONE,
                first_child: NONE,
                next_sibling: NONE,
                subtree_end: 1,
            }],
            attrs: Vec::new(),
            decls: Vec::new(),
            namespaces: vec![Span::default(), xml_span],
            root: NONE,
        };
        // Only namespaces past the first 16 go in the map (see `known_ns`).
        let ns_ids = HashMap::new();
        Self {
            input,
            limits: *limits,
            doc,
            ns_ids,
            scope: Vec::new(),
            open: vec![(0, 0, NONE)],
            elements: 0,
            decls_of_current_element: 0,
            open_text: None,
            seen_root: false,
        }
    }

    fn push_str(&mut self, s: &str) -> Span {
        self.open_text = None;
        let start = self.doc.text.len() as u32;
        self.doc.text.push_str(s);
        Span {
            start,
            end: self.doc.text.len() as u32,
        }
    }

    /// The id of namespace name `uri` if the document declared it before (every such name
    /// passed the checks of [`Builder::declare`]).
    fn known_ns(&self, uri: &str) -> Option<u32> {
        // Documents use a handful of namespaces: a linear scan of the first ones beats hashing;
        // the map (only used past them) keeps hostile documents with thousands of namespaces
        // linear overall.
        if let Some(id) = self
            .doc
            .namespaces
            .iter()
            .take(SCANNED_NAMESPACES)
            .position(|span| self.doc.str(*span) == uri)
        {
            return Some(id as u32);
        }
        self.ns_ids.get(uri).copied()
    }

    /// Adds namespace name `uri`, not known yet.
    fn add_ns(&mut self, uri: &str) -> u32 {
        let span = self.push_str(uri);
        let id = self.doc.namespaces.len() as u32;
        self.doc.namespaces.push(span);
        if id as usize >= SCANNED_NAMESPACES {
            self.ns_ids.insert(uri.into(), id);
        }
        id
    }

    fn lookup(&self, prefix: &str) -> Option<u32> {
        if prefix == "xml" {
            return Some(1);
        }
        if prefix.is_empty() {
            // No default namespace in scope: the element is in no namespace.
            return Some(
                self.scope
                    .iter()
                    .rev()
                    .find(|(p, _)| p.start == p.end)
                    .map_or(0, |(_, ns)| *ns),
            );
        }
        self.scope
            .iter()
            .rev()
            .find(|(p, _)| self.doc.str(*p) == prefix)
            .map(|(_, ns)| *ns)
    }

    /// Adds a node as the last child of the innermost open node.
    fn append_node(&mut self, kind: Kind) -> u32 {
        let id = self.doc.nodes.len() as u32;
        let (parent, _, last) = self.open.last().copied().unwrap_or((0, 0, NONE));
        self.doc.nodes.push(NodeData {
            kind,
            parent,
            first_child: NONE,
            next_sibling: NONE,
            subtree_end: id + 1,
        });
        if last == NONE {
            if let Some(p) = self.doc.nodes.get_mut(parent as usize) {
                p.first_child = id;
            }
        } else if let Some(l) = self.doc.nodes.get_mut(last as usize) {
            l.next_sibling = id;
        }
        if let Some(top) = self.open.last_mut() {
            top.2 = id;
        }
        id
    }

    fn close_node(&mut self) {
        if let Some((id, scope_len, _)) = self.open.pop() {
            let end = self.doc.nodes.len() as u32;
            if let Some(node) = self.doc.nodes.get_mut(id as usize) {
                node.subtree_end = end;
            }
            self.scope.truncate(scope_len);
        }
        self.open_text = None;
    }

    /// Appends character data to the current element, merging with a preceding text node.
    fn add_text(&mut self, raw: &str, normalize: bool, offset: u64) -> Result<(), XmlError> {
        if self.open.len() <= 1 {
            if raw.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                return Ok(());
            }
            return Err(syntax(offset, "text outside the root element"));
        }
        if raw.is_empty() {
            return Ok(());
        }
        let merge = self.open_text;
        let start = self.doc.text.len() as u32;
        if normalize {
            push_normalized_eol(&mut self.doc.text, raw);
        } else {
            self.doc.text.push_str(raw);
        }
        let end = self.doc.text.len() as u32;
        match merge {
            Some(id) => {
                if let Some(NodeData {
                    kind: Kind::Text(span),
                    ..
                }) = self.doc.nodes.get_mut(id as usize)
                {
                    span.end = end;
                }
            }
            None => {
                let id = self.append_node(Kind::Text(Span { start, end }));
                self.open_text = Some(id);
            }
        }
        Ok(())
    }

    fn run(mut self) -> Result<Document, XmlError> {
        let mut reader = quick_xml::Reader::from_reader(self.input);
        {
            let config = reader.config_mut();
            config.check_comments = true;
            config.check_end_names = true;
            config.expand_empty_elements = false;
            config.trim_text(false);
        }
        let mut first_event = true;
        loop {
            let offset = reader.buffer_position();
            let event = reader.read_event().map_err(|e| XmlError::Syntax {
                offset: reader.error_position(),
                message: e.to_string(),
            })?;
            let was_first = first_event;
            first_event = false;
            match event {
                Event::Decl(decl) => {
                    if !was_first || offset != 0 {
                        return Err(syntax(offset, "XML declaration not at the start"));
                    }
                    check_decl(&decl, offset)?;
                }
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::PI(pi) => {
                    let content: &str = &pi;
                    let (target, data) = match content.find([' ', '\t', '\n', '\r']) {
                        Some(at) => (
                            content.get(..at).unwrap_or_default(),
                            content
                                .get(at..)
                                .unwrap_or_default()
                                .trim_start_matches([' ', '\t', '\n', '\r']),
                        ),
                        None => (content, ""),
                    };
                    if !is_ncname(target) || target.eq_ignore_ascii_case("xml") {
                        return Err(syntax(offset, "invalid processing instruction target"));
                    }
                    let target = self.push_str(target);
                    let start = self.doc.text.len() as u32;
                    push_normalized_eol(&mut self.doc.text, data);
                    let data = Span {
                        start,
                        end: self.doc.text.len() as u32,
                    };
                    self.append_node(Kind::Pi { target, data });
                    self.open_text = None;
                }
                Event::Comment(comment) => {
                    let content: &str = &comment;
                    self.open_text = None;
                    let start = self.doc.text.len() as u32;
                    push_normalized_eol(&mut self.doc.text, content);
                    let span = Span {
                        start,
                        end: self.doc.text.len() as u32,
                    };
                    self.append_node(Kind::Comment(span));
                }
                Event::Start(start) => self.start_element(&start, false, offset)?,
                Event::Empty(start) => self.start_element(&start, true, offset)?,
                Event::End(_) => {
                    if self.open.len() <= 1 {
                        return Err(syntax(offset, "unexpected end tag"));
                    }
                    self.close_node();
                }
                Event::Text(text) => {
                    let raw: &str = &text;
                    if raw.as_bytes().contains(&b'&') || raw.as_bytes().contains(&b']') {
                        if raw.contains('&') {
                            return Err(syntax(offset, "unterminated reference"));
                        }
                        if raw.contains("]]>") {
                            return Err(syntax(offset, "']]>' in text"));
                        }
                    }
                    self.add_text(raw, true, offset)?;
                }
                Event::CData(cdata) => {
                    if self.open.len() <= 1 {
                        return Err(syntax(offset, "CDATA outside the root element"));
                    }
                    let raw: &str = &cdata;
                    self.add_text(raw, true, offset)?;
                }
                Event::GeneralRef(reference) => {
                    if self.open.len() <= 1 {
                        return Err(syntax(offset, "reference outside the root element"));
                    }
                    let name: &str = &reference;
                    let c = resolve_reference(name, offset)?;
                    let mut buf = [0u8; 4];
                    self.add_text(c.encode_utf8(&mut buf), false, offset)?;
                }
                Event::Eof => break,
            }
        }
        if self.open.len() > 1 {
            return Err(syntax(
                reader.buffer_position(),
                "document ends inside an element",
            ));
        }
        if !self.seen_root {
            return Err(syntax(reader.buffer_position(), "no root element"));
        }
        let count = self.doc.nodes.len() as u32;
        if let Some(node) = self.doc.nodes.first_mut() {
            node.subtree_end = count;
        }
        Ok(self.doc)
    }

    fn start_element(
        &mut self,
        start: &BytesStart<'_>,
        empty: bool,
        offset: u64,
    ) -> Result<(), XmlError> {
        if self.open.len() == 1 {
            if self.seen_root {
                return Err(syntax(offset, "more than one root element"));
            }
            self.seen_root = true;
        }
        // `open` holds the document node, so its length is the depth of the new element.
        if self.open.len() > self.limits.max_depth() {
            return Err(XmlError::LimitExceeded {
                limit: XmlLimit::Depth,
                max: self.limits.max_depth(),
            });
        }
        self.elements += 1;
        if self.elements > self.limits.max_elements() {
            return Err(XmlError::LimitExceeded {
                limit: XmlLimit::Elements,
                max: self.limits.max_elements(),
            });
        }
        let name = start.name().into_inner();
        let (prefix, local) =
            split_qname(name).ok_or_else(|| syntax(offset, "invalid element name"))?;

        // One pass: declarations go in scope, attributes are stored with their namespace
        // unresolved (a declaration may follow the attribute that uses it), then resolved.
        let scope_len = self.scope.len();
        let mut count = 0usize;
        let decl_start = self.doc.decls.len() as u32;
        self.decls_of_current_element = decl_start as usize;
        let attr_start = self.doc.attrs.len() as u32;
        // quick-xml's own duplicate check compares qualified names pairwise; the expanded-name
        // check below subsumes it for attributes, and `declare` covers declarations.
        let tag: &str = start;
        let tag_address = tag.as_ptr().addr();
        for attr in start.attributes().with_checks(false) {
            let attr = attr.map_err(|e| XmlError::Syntax {
                offset,
                message: e.to_string(),
            })?;
            // XML 1.0 §3.1 requires whitespace before each attribute; quick-xml's iterator skips
            // whitespace there but does not require it (`<a x="1"y="2">`). The key is a slice of
            // the tag, so the byte before it is found from its address.
            let key_at = attr
                .key
                .into_inner()
                .as_ptr()
                .addr()
                .wrapping_sub(tag_address);
            let spaced = key_at
                .checked_sub(1)
                .and_then(|before| tag.as_bytes().get(before))
                .is_some_and(|&b| is_xml_space(b));
            if !spaced {
                return Err(syntax(offset, "missing whitespace before an attribute"));
            }
            count += 1;
            if count > self.limits.max_attributes() {
                return Err(XmlError::LimitExceeded {
                    limit: XmlLimit::Attributes,
                    max: self.limits.max_attributes(),
                });
            }
            let key = attr.key.into_inner();
            let raw_value: &str = &attr.value;
            let (attr_prefix, attr_local) =
                split_qname(key).ok_or_else(|| syntax(offset, "invalid attribute name"))?;
            if attr_prefix.is_empty() && attr_local == "xmlns" || attr_prefix == "xmlns" {
                let declared = if attr_prefix.is_empty() {
                    ""
                } else {
                    attr_local
                };
                let value = normalize_attribute(raw_value, offset)?;
                self.declare(declared, &value, offset)?;
            } else {
                let prefix_span = self.push_str(attr_prefix);
                let local_span = self.push_str(attr_local);
                let start = self.doc.text.len() as u32;
                normalize_attribute_into(&mut self.doc.text, raw_value, offset)?;
                let value_span = Span {
                    start,
                    end: self.doc.text.len() as u32,
                };
                self.doc.attrs.push(AttrData {
                    prefix: prefix_span,
                    local: local_span,
                    ns: NONE,
                    value: value_span,
                });
            }
        }
        let decl_end = self.doc.decls.len() as u32;
        let attr_end = self.doc.attrs.len() as u32;

        let ns = self
            .lookup(prefix)
            .ok_or_else(|| syntax(offset, "undeclared element prefix"))?;

        for index in attr_start as usize..attr_end as usize {
            let Some(attr) = self.doc.attrs.get(index).copied() else {
                break;
            };
            let attr_prefix = self.doc.str(attr.prefix);
            let attr_ns = if attr_prefix.is_empty() {
                0
            } else {
                self.lookup(attr_prefix)
                    .filter(|ns| *ns != 0)
                    .ok_or_else(|| syntax(offset, "undeclared attribute prefix"))?
            };
            let local = self.doc.str(attr.local);
            let duplicate = self
                .doc
                .attrs
                .get(attr_start as usize..index)
                .unwrap_or_default()
                .iter()
                .any(|a| a.ns == attr_ns && self.doc.str(a.local) == local);
            if duplicate {
                return Err(syntax(offset, "attribute repeated by expanded name"));
            }
            if let Some(slot) = self.doc.attrs.get_mut(index) {
                slot.ns = attr_ns;
            }
        }

        let prefix_span = self.push_str(prefix);
        let local_span = self.push_str(local);
        let id = self.append_node(Kind::Element(ElementData {
            prefix: prefix_span,
            local: local_span,
            ns,
            attrs: (attr_start, attr_end),
            decls: (decl_start, decl_end),
        }));
        if self.open.len() == 1 {
            self.doc.root = id;
        }
        self.open.push((id, scope_len, NONE));
        self.open_text = None;
        if empty {
            self.close_node();
        }
        Ok(())
    }

    fn declare(&mut self, prefix: &str, uri: &str, offset: u64) -> Result<(), XmlError> {
        if prefix == "xmlns" {
            return Err(syntax(offset, "the xmlns prefix cannot be declared"));
        }
        if uri == XMLNS_NS || (uri == XML_NS) != (prefix == "xml") {
            return Err(syntax(
                offset,
                "reserved namespace bound to the wrong prefix",
            ));
        }
        if !prefix.is_empty() && uri.is_empty() {
            return Err(syntax(offset, "a prefix cannot be undeclared in XML 1.0"));
        }
        // A name declared before passed the check; documents declare the same few names
        // again and again.
        let known = self.known_ns(uri);
        if known.is_none() {
            if let Some(problem) = namespace_name_problem(uri) {
                return Err(syntax(offset, problem));
            }
        }
        let element_decls = self
            .doc
            .decls
            .get(self.decls_of_current_element..)
            .unwrap_or_default();
        if element_decls
            .iter()
            .any(|d| self.doc.str(d.prefix) == prefix)
        {
            return Err(syntax(offset, "namespace declared twice on one element"));
        }
        let ns = match known {
            Some(id) => id,
            None => self.add_ns(uri),
        };
        let prefix_span = self.push_str(prefix);
        // A prefix declared twice on one element is caught by quick-xml's duplicate-attribute
        // check (same qualified name), so no further check is needed here.
        self.doc.decls.push(DeclData {
            prefix: prefix_span,
            ns,
        });
        self.scope.push((prefix_span, ns));
        Ok(())
    }
}

/// Attribute-value normalization for CDATA attributes (XML 1.0 §3.3.3): line ends are
/// normalized, each literal whitespace character becomes a space, references are replaced.
/// Borrows `raw` when nothing changes (the usual case).
fn normalize_attribute(raw: &str, offset: u64) -> Result<std::borrow::Cow<'_, str>, XmlError> {
    if !needs_normalization(raw) {
        return Ok(std::borrow::Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    normalize_attribute_into(&mut out, raw, offset)?;
    Ok(std::borrow::Cow::Owned(out))
}

/// Whether an attribute value holds anything but plain characters (one branch-free pass that
/// vectorizes).
fn needs_normalization(raw: &str) -> bool {
    raw.as_bytes().iter().fold(0u8, |acc, &b| {
        acc | u8::from(b < 0x20) | u8::from(b == b'&') | u8::from(b == b'<')
    }) != 0
}

/// [`normalize_attribute`], appending to `out`.
fn normalize_attribute_into(out: &mut String, raw: &str, offset: u64) -> Result<(), XmlError> {
    if !needs_normalization(raw) {
        out.push_str(raw);
        return Ok(());
    }
    if raw.as_bytes().contains(&b'<') {
        return Err(syntax(offset, "'<' in an attribute value"));
    }
    let mut rest = raw;
    while let Some(at) = rest.find(['&', '\t', '\n', '\r']) {
        out.push_str(rest.get(..at).unwrap_or_default());
        let tail = rest.get(at..).unwrap_or_default();
        if let Some(after) = tail.strip_prefix('&') {
            let end = after
                .find(';')
                .ok_or_else(|| syntax(offset, "unterminated reference in attribute"))?;
            let name = after.get(..end).unwrap_or_default();
            out.push(resolve_reference(name, offset)?);
            rest = after.get(end + 1..).unwrap_or_default();
        } else if let Some(after) = tail.strip_prefix("\r\n") {
            out.push(' ');
            rest = after;
        } else {
            out.push(' ');
            rest = tail.get(1..).unwrap_or_default();
        }
    }
    out.push_str(rest);
    Ok(())
}

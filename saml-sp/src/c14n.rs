//! Exclusive XML Canonicalization 1.0 (<https://www.w3.org/TR/xml-exc-c14n/>), with and without
//! comments, including the `InclusiveNamespaces PrefixList`.
//!
//! The input is a whole subtree of a parsed [`Document`] (an element, or the document node)
//! minus at most one excluded subtree (the enveloped `Signature`): exactly the node-sets that the
//! `#id` same-document reference plus the enveloped-signature transform produce, so no XPath
//! machinery is needed. The output is written to a [`Sink`], which is either a byte vector or a
//! running digest, so the canonical form of a signed element is never held in memory during
//! verification.
//!
//! Rules implemented (section numbers of the exclusive c14n and c14n 1.0 recommendations):
//! - a namespace declaration is written on an element when its prefix is visibly utilized by
//!   that element (its own prefix, or the prefix of one of its attributes; the default namespace
//!   when the element is unprefixed) or listed in the `PrefixList`, and the nearest output
//!   ancestor did not already write the same prefix with the same URI (exc-c14n §3);
//! - `xmlns=""` is written only to undo a default namespace that an output ancestor wrote;
//! - namespace declarations come first, sorted by prefix; attributes follow, sorted by namespace
//!   URI then local name, unqualified ones first (c14n §2.2);
//! - `xml:` attributes are ordinary attributes, not inherited (exc-c14n §3);
//! - text escapes `& < >` and CR; attribute values escape `& < "` TAB LF CR (c14n §2.3);
//! - empty elements are written as start-end tag pairs; CDATA sections become escaped text;
//! - comments are written only by the WithComments variant.

use crate::xml::{Document, Element, NodeId, NodeKind, NodeRef};

/// The exclusive c14n algorithm URIs.
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive c14n with comments.
pub(crate) const EXC_C14N_WITH_COMMENTS: &str =
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

/// A destination for canonical bytes.
pub(crate) trait Sink {
    /// Appends `bytes`.
    fn write(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A [`Sink`] that feeds a digest through a small buffer (c14n writes many short pieces).
pub(crate) struct DigestSink {
    context: ring::digest::Context,
    buffer: Vec<u8>,
}

impl DigestSink {
    const CAPACITY: usize = 4096;

    /// A sink hashing with `algorithm`.
    pub(crate) fn new(algorithm: &'static ring::digest::Algorithm) -> Self {
        Self {
            context: ring::digest::Context::new(algorithm),
            buffer: Vec::with_capacity(Self::CAPACITY),
        }
    }

    /// The digest of everything written.
    pub(crate) fn finish(mut self) -> ring::digest::Digest {
        self.context.update(&self.buffer);
        self.context.finish()
    }
}

impl Sink for DigestSink {
    fn write(&mut self, bytes: &[u8]) {
        if self.buffer.len() + bytes.len() > Self::CAPACITY {
            self.context.update(&self.buffer);
            self.buffer.clear();
        }
        if bytes.len() > Self::CAPACITY {
            self.context.update(bytes);
        } else {
            self.buffer.extend_from_slice(bytes);
        }
    }
}

/// Parameters of one canonicalization.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options<'a> {
    /// Keep comments (the `#WithComments` variant).
    pub(crate) with_comments: bool,
    /// The `InclusiveNamespaces PrefixList`, split on whitespace; `#default` names the default
    /// namespace.
    pub(crate) inclusive_prefixes: &'a [&'a str],
}

/// Canonicalizes the subtree of `apex` (an element or the document node), leaving out the
/// subtree of `exclude` if given, into `out`.
pub(crate) fn canonicalize(
    apex: NodeRef<'_>,
    exclude: Option<NodeId>,
    options: &Options<'_>,
    out: &mut impl Sink,
) {
    let mut c = Canonicalizer {
        options,
        in_scope: Vec::new(),
        rendered: Vec::new(),
        open: Vec::new(),
        scratch_ns: Vec::new(),
        scratch_attrs: Vec::new(),
    };
    match apex.kind() {
        NodeKind::Element(element) => {
            c.seed_ancestors(element);
            c.run(element, exclude, out);
        }
        NodeKind::Document => {
            let mut after_root = false;
            for child in apex.children() {
                match child.kind() {
                    NodeKind::Element(root) => {
                        c.run(root, exclude, out);
                        after_root = true;
                    }
                    NodeKind::Comment(text) if options.with_comments => {
                        if after_root {
                            out.write(b"\n");
                        }
                        write_comment(text, out);
                        if !after_root {
                            out.write(b"\n");
                        }
                    }
                    NodeKind::ProcessingInstruction { target, data } => {
                        if after_root {
                            out.write(b"\n");
                        }
                        write_pi(target, data, out);
                        if !after_root {
                            out.write(b"\n");
                        }
                    }
                    _ => {}
                }
            }
        }
        // A bare text/comment/PI apex canonicalizes to its own serialization.
        NodeKind::Text(text) => write_text(text, out),
        NodeKind::Comment(text) => {
            if options.with_comments {
                write_comment(text, out);
            }
        }
        NodeKind::ProcessingInstruction { target, data } => write_pi(target, data, out),
    }
}

/// Canonicalizes into a new byte vector.
pub(crate) fn canonicalize_to_vec(
    apex: NodeRef<'_>,
    exclude: Option<NodeId>,
    options: &Options<'_>,
) -> Vec<u8> {
    let mut out = Vec::new();
    canonicalize(apex, exclude, options, &mut out);
    out
}

struct Open<'d> {
    element: Element<'d>,
    subtree_end: NodeId,
    in_scope_len: usize,
    rendered_len: usize,
}

struct Canonicalizer<'o, 'd> {
    options: &'o Options<'o>,
    /// In-scope namespace declarations (prefix, URI), innermost last.
    in_scope: Vec<(&'d str, &'d str)>,
    /// Declarations written by output ancestors (prefix, URI), innermost last.
    rendered: Vec<(&'d str, &'d str)>,
    open: Vec<Open<'d>>,
    scratch_ns: Vec<(&'d str, &'d str)>,
    scratch_attrs: Vec<(&'d str, &'d str, &'d str, &'d str)>,
}

impl<'d> Canonicalizer<'_, 'd> {
    /// Puts the declarations of `apex`'s ancestors in scope (outermost first).
    fn seed_ancestors(&mut self, apex: Element<'d>) {
        let mut chain = Vec::new();
        let mut current = apex.parent();
        while let Some(e) = current {
            chain.push(e);
            current = e.parent();
        }
        for e in chain.into_iter().rev() {
            self.in_scope.extend(e.namespace_declarations());
        }
    }

    fn lookup_in_scope(&self, prefix: &str) -> Option<&'d str> {
        self.in_scope
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| *uri)
    }

    fn lookup_rendered(&self, prefix: &str) -> Option<&'d str> {
        self.rendered
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| *uri)
    }

    fn close_until(&mut self, next: NodeId, out: &mut impl Sink) {
        while let Some(top) = self.open.last() {
            if next < top.subtree_end {
                break;
            }
            let element = top.element;
            self.in_scope.truncate(top.in_scope_len);
            self.rendered.truncate(top.rendered_len);
            self.open.pop();
            write_end_tag(element, out);
        }
    }

    fn run(&mut self, apex: Element<'d>, exclude: Option<NodeId>, out: &mut impl Sink) {
        let doc = apex.document();
        let excluded = exclude
            .and_then(|id| doc.element(id))
            .map(|e| (e.id(), e.subtree_end()));
        self.start_element(apex, out);
        let end = apex.subtree_end();
        let mut id = apex.id() + 1;
        while id < end {
            self.close_until(id, out);
            if let Some((skip_start, skip_end)) = excluded.filter(|(s, _)| *s == id) {
                id = skip_end.max(skip_start + 1);
                continue;
            }
            let Some(node) = doc.node_ref(id) else { break };
            match node.kind() {
                NodeKind::Element(element) => self.start_element(element, out),
                NodeKind::Text(text) => write_text(text, out),
                NodeKind::Comment(text) => {
                    if self.options.with_comments {
                        write_comment(text, out);
                    }
                }
                NodeKind::ProcessingInstruction { target, data } => write_pi(target, data, out),
                NodeKind::Document => {}
            }
            id += 1;
        }
        self.close_until(NodeId::MAX, out);
    }

    fn start_element(&mut self, element: Element<'d>, out: &mut impl Sink) {
        let in_scope_len = self.in_scope.len();
        let rendered_len = self.rendered.len();
        self.in_scope.extend(element.namespace_declarations());

        // Namespace declarations to write.
        let mut candidates = std::mem::take(&mut self.scratch_ns);
        candidates.clear();
        let element_prefix = element.prefix();
        // The `xml` prefix is bound without a declaration and never declared in the output.
        if element_prefix != "xml" {
            candidates.push((
                element_prefix,
                self.lookup_in_scope(element_prefix).unwrap_or(""),
            ));
        }
        for attr in element.attributes() {
            if !attr.prefix.is_empty() && attr.prefix != "xml" {
                candidates.push((attr.prefix, attr.namespace));
            }
        }
        for prefix in self.options.inclusive_prefixes {
            let prefix: &str = if *prefix == "#default" { "" } else { prefix };
            if prefix == "xml" {
                continue;
            }
            if let Some((p, uri)) = self
                .in_scope
                .iter()
                .rev()
                .find(|(p, _)| *p == prefix)
                .copied()
            {
                candidates.push((p, uri));
            }
        }
        candidates.sort_unstable();
        candidates.dedup_by(|a, b| a.0 == b.0);
        candidates.retain(|(prefix, uri)| match self.lookup_rendered(prefix) {
            Some(rendered) => rendered != *uri,
            // Nothing rendered yet: an empty default namespace is the initial state.
            None => !(prefix.is_empty() && uri.is_empty()),
        });
        self.rendered.extend(candidates.iter().copied());

        out.write(b"<");
        write_qname(element_prefix, element.local_name(), out);
        for (prefix, uri) in &candidates {
            if prefix.is_empty() {
                out.write(b" xmlns=\"");
            } else {
                out.write(b" xmlns:");
                out.write(prefix.as_bytes());
                out.write(b"=\"");
            }
            write_attr_value(uri, out);
            out.write(b"\"");
        }
        self.scratch_ns = candidates;

        let mut attrs = std::mem::take(&mut self.scratch_attrs);
        attrs.clear();
        attrs.extend(
            element
                .attributes()
                .map(|a| (a.namespace, a.local, a.prefix, a.value)),
        );
        attrs.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, local, prefix, value) in &attrs {
            out.write(b" ");
            write_qname(prefix, local, out);
            out.write(b"=\"");
            write_attr_value(value, out);
            out.write(b"\"");
        }
        self.scratch_attrs = attrs;
        out.write(b">");

        self.open.push(Open {
            element,
            subtree_end: element.subtree_end(),
            in_scope_len,
            rendered_len,
        });
    }
}

fn write_qname(prefix: &str, local: &str, out: &mut impl Sink) {
    if !prefix.is_empty() {
        out.write(prefix.as_bytes());
        out.write(b":");
    }
    out.write(local.as_bytes());
}

fn write_end_tag(element: Element<'_>, out: &mut impl Sink) {
    out.write(b"</");
    write_qname(element.prefix(), element.local_name(), out);
    out.write(b">");
}

fn write_comment(text: &str, out: &mut impl Sink) {
    out.write(b"<!--");
    out.write(text.as_bytes());
    out.write(b"-->");
}

fn write_pi(target: &str, data: &str, out: &mut impl Sink) {
    out.write(b"<?");
    out.write(target.as_bytes());
    if !data.is_empty() {
        out.write(b" ");
        out.write(data.as_bytes());
    }
    out.write(b"?>");
}

#[inline]
fn write_escaped(
    text: &str,
    out: &mut impl Sink,
    needs_escape: impl Fn(u8) -> bool,
    escape: impl Fn(u8) -> &'static [u8],
) {
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(found) = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .position(|&b| needs_escape(b))
    {
        let at = start + found;
        out.write(bytes.get(start..at).unwrap_or_default());
        out.write(escape(bytes.get(at).copied().unwrap_or_default()));
        start = at + 1;
    }
    out.write(bytes.get(start..).unwrap_or_default());
}

fn write_text(text: &str, out: &mut impl Sink) {
    write_escaped(
        text,
        out,
        |b| matches!(b, b'&' | b'<' | b'>' | b'\r'),
        |b| match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            _ => b"&#xD;",
        },
    );
}

fn write_attr_value(value: &str, out: &mut impl Sink) {
    write_escaped(
        value,
        out,
        |b| matches!(b, b'&' | b'<' | b'"' | b'\t' | b'\n' | b'\r'),
        |b| match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'"' => b"&quot;",
            b'\t' => b"&#x9;",
            b'\n' => b"&#xA;",
            _ => b"&#xD;",
        },
    );
}

/// Canonicalizes the whole document (used by tests and fuzzing).
pub(crate) fn canonicalize_document(doc: &Document, with_comments: bool) -> Vec<u8> {
    let options = Options {
        with_comments,
        inclusive_prefixes: &[],
    };
    canonicalize_to_vec(doc.document_node(), None, &options)
}

#[cfg(test)]
mod tests;

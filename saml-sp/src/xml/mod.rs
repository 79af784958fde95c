//! A small, immutable, namespace-resolved XML tree.
//!
//! [`Document::parse`] reads untrusted bytes (see [`reader`] for what is refused) into one arena:
//! every name, value and text lives in a single string buffer, and nodes refer to it by span.
//! Nodes are stored in document order, so the subtree of a node is a contiguous index range,
//! which makes "is this node inside the signed element" a pair of integer comparisons.
//!
//! Elements are matched by namespace URI and local name ([`Element::is`]); prefixes are kept only
//! for canonicalization.

mod limits;
mod reader;

use std::borrow::Cow;

pub use limits::{Limits, XmlLimit};
pub(crate) use reader::is_ncname;

use crate::error::XmlError;

/// Namespace URI of the `xml:` prefix.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Index of a node in a [`Document`].
pub(crate) type NodeId = u32;

/// Marks "no node" in the links of [`NodeData`].
const NONE: u32 = u32::MAX;

/// A range of [`Document::text`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    end: u32,
}

#[derive(Clone, Debug)]
enum Kind {
    /// The document node (always index 0).
    Document,
    Element(ElementData),
    Text(Span),
    Comment(Span),
    Pi {
        target: Span,
        data: Span,
    },
}

#[derive(Clone, Copy, Debug)]
struct ElementData {
    prefix: Span,
    local: Span,
    /// Index into `Document::namespaces`; 0 means "no namespace".
    ns: u32,
    /// Range of `Document::attrs`.
    attrs: (u32, u32),
    /// Range of `Document::decls`.
    decls: (u32, u32),
}

#[derive(Clone, Debug)]
struct NodeData {
    kind: Kind,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    /// One past the last node of this node's subtree.
    subtree_end: u32,
}

#[derive(Clone, Copy, Debug)]
struct AttrData {
    prefix: Span,
    local: Span,
    ns: u32,
    value: Span,
}

/// A namespace declaration (`xmlns` or `xmlns:p`) as written on an element.
#[derive(Clone, Copy, Debug)]
struct DeclData {
    /// Empty for the default namespace.
    prefix: Span,
    /// 0 for `xmlns=""`.
    ns: u32,
}

/// A parsed, immutable XML document.
#[derive(Clone, Debug)]
pub(crate) struct Document {
    text: String,
    nodes: Vec<NodeData>,
    attrs: Vec<AttrData>,
    decls: Vec<DeclData>,
    /// Interned namespace URIs; index 0 is "" (no namespace), index 1 the `xml:` namespace.
    namespaces: Vec<Span>,
    root: u32,
}

impl Document {
    /// Reads `input` (UTF-8, optionally with a BOM) under `limits`.
    pub(crate) fn parse(input: &[u8], limits: &Limits) -> Result<Self, XmlError> {
        reader::parse(input, limits)
    }

    fn str(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    fn node(&self, id: NodeId) -> Option<&NodeData> {
        self.nodes.get(id as usize)
    }

    fn ns_str(&self, ns: u32) -> &str {
        self.namespaces
            .get(ns as usize)
            .map_or("", |span| self.str(*span))
    }

    /// The root element.
    pub(crate) fn root(&self) -> Element<'_> {
        Element {
            doc: self,
            id: self.root,
        }
    }

    /// The document node, whose children are the root element and any comments or processing
    /// instructions around it.
    pub(crate) fn document_node(&self) -> NodeRef<'_> {
        NodeRef { doc: self, id: 0 }
    }

    /// Every element in document order.
    pub(crate) fn elements(&self) -> impl Iterator<Item = Element<'_>> {
        (0..self.nodes.len() as u32).filter_map(move |id| self.element(id))
    }

    /// The element with index `id`, if that node is an element.
    pub(crate) fn element(&self, id: NodeId) -> Option<Element<'_>> {
        match self.node(id)?.kind {
            Kind::Element(_) => Some(Element { doc: self, id }),
            _ => None,
        }
    }

    /// The node with index `id`.
    pub(crate) fn node_ref(&self, id: NodeId) -> Option<NodeRef<'_>> {
        self.node(id).map(|_| NodeRef { doc: self, id })
    }

    /// Every node in document order, the document node excepted.
    pub(crate) fn nodes(&self) -> impl Iterator<Item = NodeRef<'_>> {
        (1..self.nodes.len() as u32).map(move |id| NodeRef { doc: self, id })
    }
}

/// One node of a [`Document`], of any kind.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeRef<'d> {
    doc: &'d Document,
    id: NodeId,
}

/// What a [`NodeRef`] is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum NodeKind<'d> {
    /// The document node.
    Document,
    /// An element.
    Element(Element<'d>),
    /// Character data (text, CDATA sections and references, merged and unescaped).
    Text(&'d str),
    /// A comment's content.
    Comment(&'d str),
    /// A processing instruction.
    ProcessingInstruction {
        /// Its target.
        target: &'d str,
        /// Its data (may be empty).
        data: &'d str,
    },
}

impl<'d> NodeRef<'d> {
    /// What this node is.
    pub(crate) fn kind(self) -> NodeKind<'d> {
        let doc = self.doc;
        match doc.node(self.id).map(|n| &n.kind) {
            Some(Kind::Element(_)) => NodeKind::Element(Element { doc, id: self.id }),
            Some(Kind::Text(span)) => NodeKind::Text(doc.str(*span)),
            Some(Kind::Comment(span)) => NodeKind::Comment(doc.str(*span)),
            Some(Kind::Pi { target, data }) => NodeKind::ProcessingInstruction {
                target: doc.str(*target),
                data: doc.str(*data),
            },
            Some(Kind::Document) | None => NodeKind::Document,
        }
    }

    /// The children of this node, in order.
    pub(crate) fn children(self) -> Children<'d> {
        Children {
            doc: self.doc,
            next: self.doc.node(self.id).map_or(NONE, |n| n.first_child),
        }
    }
}

/// Iterator over the children of a node.
#[derive(Clone, Debug)]
pub(crate) struct Children<'d> {
    doc: &'d Document,
    next: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = NodeRef<'d>;

    fn next(&mut self) -> Option<Self::Item> {
        let node = self.doc.node(self.next)?;
        let id = self.next;
        self.next = node.next_sibling;
        Some(NodeRef { doc: self.doc, id })
    }
}

/// An attribute of an element, with its namespace resolved.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attribute<'d> {
    /// The prefix as written (empty when none).
    pub(crate) prefix: &'d str,
    /// The local name.
    pub(crate) local: &'d str,
    /// The namespace URI (empty when none).
    pub(crate) namespace: &'d str,
    /// The normalized, unescaped value.
    pub(crate) value: &'d str,
}

/// A handle to an element of a [`Document`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Element<'d> {
    doc: &'d Document,
    id: NodeId,
}

impl<'d> Element<'d> {
    fn parts(self) -> Option<ElementData> {
        match self.doc.node(self.id)?.kind {
            Kind::Element(data) => Some(data),
            _ => None,
        }
    }

    /// This element's index.
    pub(crate) fn id(self) -> NodeId {
        self.id
    }

    /// The document this element belongs to.
    pub(crate) fn document(self) -> &'d Document {
        self.doc
    }

    /// As a generic node.
    pub(crate) fn as_node(self) -> NodeRef<'d> {
        NodeRef {
            doc: self.doc,
            id: self.id,
        }
    }

    /// Namespace URI (empty when the element has none).
    pub(crate) fn namespace(self) -> &'d str {
        self.parts().map_or("", |p| self.doc.ns_str(p.ns))
    }

    /// Local name.
    pub(crate) fn local_name(self) -> &'d str {
        self.parts().map_or("", |p| self.doc.str(p.local))
    }

    /// Prefix as written (empty when none).
    pub(crate) fn prefix(self) -> &'d str {
        self.parts().map_or("", |p| self.doc.str(p.prefix))
    }

    /// Whether this element is `{namespace}local`.
    pub(crate) fn is(self, namespace: &str, local: &str) -> bool {
        self.local_name() == local && self.namespace() == namespace
    }

    /// The attributes, in document order.
    pub(crate) fn attributes(self) -> impl Iterator<Item = Attribute<'d>> + 'd {
        let doc = self.doc;
        let (start, end) = self.parts().map_or((0, 0), |p| p.attrs);
        doc.attrs
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .iter()
            .map(move |a| Attribute {
                prefix: doc.str(a.prefix),
                local: doc.str(a.local),
                namespace: doc.ns_str(a.ns),
                value: doc.str(a.value),
            })
    }

    fn attr_data(self) -> &'d [AttrData] {
        let (start, end) = self.parts().map_or((0, 0), |p| p.attrs);
        self.doc
            .attrs
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// The value of the attribute `local` in no namespace.
    pub(crate) fn attribute(self, local: &str) -> Option<&'d str> {
        let doc = self.doc;
        self.attr_data()
            .iter()
            .find(|a| a.ns == 0 && doc.str(a.local) == local)
            .map(|a| doc.str(a.value))
    }

    /// The value of the attribute `{namespace}local`.
    pub(crate) fn attribute_ns(self, namespace: &str, local: &str) -> Option<&'d str> {
        self.attributes()
            .find(|a| a.namespace == namespace && a.local == local)
            .map(|a| a.value)
    }

    /// The namespace declarations written on this element, as (prefix, URI); the default
    /// namespace has an empty prefix, and `xmlns=""` an empty URI.
    pub(crate) fn namespace_declarations(self) -> impl Iterator<Item = (&'d str, &'d str)> + 'd {
        let doc = self.doc;
        let (start, end) = self.parts().map_or((0, 0), |p| p.decls);
        doc.decls
            .get(start as usize..end as usize)
            .unwrap_or_default()
            .iter()
            .map(move |d| (doc.str(d.prefix), doc.ns_str(d.ns)))
    }

    /// The parent element, if any (the root element has none).
    pub(crate) fn parent(self) -> Option<Self> {
        let parent = self.doc.node(self.id)?.parent;
        self.doc.element(parent)
    }

    /// The child nodes.
    pub(crate) fn children(self) -> Children<'d> {
        self.as_node().children()
    }

    /// The child elements.
    pub(crate) fn child_elements(self) -> impl Iterator<Item = Self> + 'd {
        self.children().filter_map(|n| match n.kind() {
            NodeKind::Element(e) => Some(e),
            _ => None,
        })
    }

    /// The first child element that is `{namespace}local`.
    pub(crate) fn child(self, namespace: &str, local: &str) -> Option<Self> {
        self.child_elements().find(|e| e.is(namespace, local))
    }

    /// Whether this element has any child element.
    pub(crate) fn has_child_elements(self) -> bool {
        self.child_elements().next().is_some()
    }

    /// The text of this element: the concatenation of all its text children, comments and
    /// processing instructions skipped (so a comment never truncates a value).
    pub(crate) fn text(self) -> Cow<'d, str> {
        let mut texts = self.children().filter_map(|n| match n.kind() {
            NodeKind::Text(t) => Some(t),
            _ => None,
        });
        let Some(first) = texts.next() else {
            return Cow::Borrowed("");
        };
        match texts.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut all = String::with_capacity(first.len() + second.len());
                all.push_str(first);
                all.push_str(second);
                texts.for_each(|t| all.push_str(t));
                Cow::Owned(all)
            }
        }
    }

    /// One past the index of the last node of this element's subtree.
    pub(crate) fn subtree_end(self) -> NodeId {
        self.doc
            .node(self.id)
            .map_or(self.id + 1, |n| n.subtree_end)
    }

    /// Whether `node` lies inside this element's subtree (this element included).
    pub(crate) fn contains(self, node: NodeId) -> bool {
        let end = self.doc.node(self.id).map_or(self.id, |n| n.subtree_end);
        node >= self.id && node < end
    }

    /// Every node of this element's subtree after the element itself, in document order.
    pub(crate) fn descendants(self) -> impl Iterator<Item = NodeRef<'d>> + 'd {
        let doc = self.doc;
        let end = doc.node(self.id).map_or(self.id, |n| n.subtree_end);
        (self.id + 1..end).map(move |id| NodeRef { doc, id })
    }
}

#[cfg(test)]
mod tests;

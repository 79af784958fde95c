"""Small XML writer for SAML 2.0 test responses.

The vectors need exact control over prefixes, where namespaces are declared and
whitespace, so documents are written from a tiny element model instead of
being serialised by a library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NS_P = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_A = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_EC = "http://www.w3.org/2001/10/xml-exc-c14n#"
NS_XS = "http://www.w3.org/2001/XMLSchema"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_XENC = "http://www.w3.org/2001/04/xmlenc#"

ALG_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ALG_EXC_C14N_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
ALG_C14N10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ALG_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
ALG_XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
ALG_BASE64 = "http://www.w3.org/2000/09/xmldsig#base64"

RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
RSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
HMAC_SHA1 = "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"

DIG_SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
DIG_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
DIG_SHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
DIG_SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
DIG_MD5 = "http://www.w3.org/2001/04/xmldsig-more#md5"


@dataclass
class Raw:
    """Markup written verbatim (comments, processing instructions, CDATA)."""

    xml: str


@dataclass
class El:
    """An element: namespace URI, local name, attributes, children (El, str or Raw)."""

    ns: str | None
    local: str
    attrs: list[tuple[str, str]] = field(default_factory=list)
    children: list["El | str | Raw"] = field(default_factory=list)
    # Extra namespace declarations forced on this element: prefix -> uri.
    decl: dict[str, str] = field(default_factory=dict)
    # Override the prefix used for this element only.
    prefix: str | None = None

    def add(self, *kids: "El | str | Raw | None") -> "El":
        for kid in kids:
            if kid is not None:
                self.children.append(kid)
        return self

    def find(self, local: str) -> "El | None":
        for kid in self.children:
            if isinstance(kid, El) and kid.local == local:
                return kid
        return None

    def walk(self):
        yield self
        for kid in self.children:
            if isinstance(kid, El):
                yield from kid.walk()


@dataclass
class Writer:
    """Serialises El trees.

    prefixes maps namespace URI -> prefix ("" for the default namespace).
    mode: "root" declares every namespace on the root element; "inline" declares
    a namespace on the first element that needs it; "redundant" also repeats the
    declaration on every direct child of the root and of each Assertion, as Okta
    does.
    """

    prefixes: dict[str, str]
    mode: str = "inline"
    pretty: bool = False
    indent: str = "  "

    def prefix_of(self, el: El) -> str:
        if el.prefix is not None:
            return el.prefix
        if el.ns is None:
            return ""
        return self.prefixes[el.ns]

    def used_namespaces(self, root: El) -> dict[str, str]:
        used: dict[str, str] = {}
        for el in root.walk():
            if el.ns is not None:
                used.setdefault(self.prefix_of(el), el.ns)
            for name, _ in el.attrs:
                if ":" in name and not name.startswith("xmlns"):
                    pfx = name.split(":", 1)[0]
                    for uri, p in self.prefixes.items():
                        if p == pfx:
                            used.setdefault(pfx, uri)
        return used

    def write(self, root: El, xml_decl: bool = True) -> str:
        out: list[str] = []
        if xml_decl:
            out.append('<?xml version="1.0" encoding="UTF-8"?>')
            if self.pretty:
                out.append("\n")
        scope: dict[str, str | None] = {}
        if self.mode == "root":
            root = El(root.ns, root.local, root.attrs, root.children,
                      {**self.used_namespaces(root), **root.decl}, root.prefix)
        self._write(root, out, scope, 0, force_parent=True)
        return "".join(out)

    def _write(self, el: El, out: list[str], scope: dict, depth: int, force_parent: bool) -> None:
        pfx = self.prefix_of(el)
        qname = f"{pfx}:{el.local}" if pfx else el.local
        decls: dict[str, str] = {}
        for p, uri in el.decl.items():
            if scope.get(p) != uri or (self.mode == "redundant" and force_parent):
                decls[p] = uri
        needed = [(pfx, el.ns)]
        for name, _ in el.attrs:
            if ":" in name and not name.startswith("xmlns") and not name.startswith("xml:"):
                ap = name.split(":", 1)[0]
                for uri, p in self.prefixes.items():
                    if p == ap:
                        needed.append((ap, uri))
        for p, uri in needed:
            if uri is None:
                continue
            if p in decls:
                continue
            if scope.get(p) != uri or (self.mode == "redundant" and force_parent and p == pfx):
                decls[p] = uri
        attrs = []
        for p, uri in decls.items():
            attrs.append(("xmlns:" + p if p else "xmlns", uri))
        attrs.extend(el.attrs)
        new_scope = dict(scope)
        new_scope.update(decls)
        head = "<" + qname + "".join(f" {n}={quoteattr(v)}" for n, v in attrs)
        if not el.children:
            out.append(head + "/>")
            return
        out.append(head + ">")
        element_only = all(isinstance(k, El) for k in el.children)
        child_forced = el.local in ("Response", "Assertion") or force_parent and depth == 0
        for kid in el.children:
            if isinstance(kid, El):
                if self.pretty and element_only:
                    out.append("\n" + self.indent * (depth + 1))
                self._write(kid, out, new_scope, depth + 1, force_parent=child_forced)
            elif isinstance(kid, Raw):
                out.append(kid.xml)
            else:
                out.append(escape(kid))
        if self.pretty and element_only:
            out.append("\n" + self.indent * depth)
        out.append("</" + qname + ">")


def signature_template(
    ref_uri: str | None,
    sigalg: str = RSA_SHA256,
    digalg: str = DIG_SHA256,
    prefix_list: str | None = None,
    c14n: str = ALG_EXC_C14N,
    transforms: list[El] | None = None,
    extra_references: list[El] | None = None,
    keyinfo: bool = True,
    hmac_output_length: int | None = None,
) -> El:
    """A ds:Signature template for xmlsec1 --sign (empty DigestValue/SignatureValue)."""

    if transforms is None:
        transforms = default_transforms(prefix_list)
    sm = El(NS_DS, "SignatureMethod", [("Algorithm", sigalg)])
    if hmac_output_length is not None:
        sm.add(El(NS_DS, "HMACOutputLength", children=[str(hmac_output_length)]))
    refs = []
    ref_attrs = [] if ref_uri is None else [("URI", ref_uri)]
    refs.append(
        El(NS_DS, "Reference", ref_attrs, [
            El(NS_DS, "Transforms", children=list(transforms)),
            El(NS_DS, "DigestMethod", [("Algorithm", digalg)]),
            El(NS_DS, "DigestValue"),
        ])
    )
    refs.extend(extra_references or [])
    signed_info = El(NS_DS, "SignedInfo", children=[
        El(NS_DS, "CanonicalizationMethod", [("Algorithm", c14n)]),
        sm,
        *refs,
    ])
    sig = El(NS_DS, "Signature", children=[signed_info, El(NS_DS, "SignatureValue")])
    if keyinfo:
        sig.add(El(NS_DS, "KeyInfo", children=[
            El(NS_DS, "X509Data", children=[El(NS_DS, "X509Certificate")])
        ]))
    return sig


def default_transforms(prefix_list: str | None, c14n: str = ALG_EXC_C14N) -> list[El]:
    exc = El(NS_DS, "Transform", [("Algorithm", c14n)])
    if prefix_list is not None:
        exc.add(El(NS_EC, "InclusiveNamespaces", [("PrefixList", prefix_list)], decl={"ec": NS_EC},
                   prefix="ec"))
    return [El(NS_DS, "Transform", [("Algorithm", ALG_ENVELOPED)]), exc]


def reference(uri: str, digalg: str = DIG_SHA256, prefix_list: str | None = None) -> El:
    return El(NS_DS, "Reference", [("URI", uri)], [
        El(NS_DS, "Transforms", children=default_transforms(prefix_list)),
        El(NS_DS, "DigestMethod", [("Algorithm", digalg)]),
        El(NS_DS, "DigestValue"),
    ])

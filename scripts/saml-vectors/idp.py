"""Response builders in the shapes that real identity providers send.

Each style mirrors what the IdP is known to emit (prefixes, where namespaces
are declared, ID formats, claim names); see the README beside this file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from samlxml import (
    NS_A, NS_DS, NS_EC, NS_P, NS_XS, NS_XSI, DIG_SHA256, RSA_SHA256, El, Raw, Writer,
    signature_template,
)

SP_ENTITY_ID = "https://acme.example.com"
ACS_URL = "https://acme.example.com/okta/auth"
REQUEST_ID = "id-7c1f0e4a9b2d4c58a0f3e6d1b2c3a4f5"

ISSUERS = {
    "okta": "http://www.okta.com/exk5vect0rs0000h7x8",
    "entra": "https://sts.windows.net/4f1c2a3b-5d6e-4f70-8a9b-0c1d2e3f4a5b/",
    "adfs": "http://adfs.acme-corp.example/adfs/services/trust",
    "keycloak": "https://keycloak.example.com/realms/acme",
    "google": "https://accounts.google.com/o/saml2?idpid=C0vect0rs",
}

PREFIXES = {
    # protocol, assertion, dsig
    "okta": {NS_P: "saml2p", NS_A: "saml2", NS_DS: "ds", NS_XS: "xs", NS_XSI: "xsi", NS_EC: "ec"},
    "entra": {NS_P: "samlp", NS_A: "", NS_DS: "", NS_XS: "xs", NS_XSI: "xsi", NS_EC: "ec"},
    "adfs": {NS_P: "samlp", NS_A: "", NS_DS: "ds", NS_XS: "xs", NS_XSI: "xsi", NS_EC: "ec"},
    "keycloak": {NS_P: "samlp", NS_A: "saml", NS_DS: "dsig", NS_XS: "xs", NS_XSI: "xsi", NS_EC: "ec"},
    "google": {NS_P: "saml2p", NS_A: "saml2", NS_DS: "ds", NS_XS: "xs", NS_XSI: "xsi", NS_EC: "ec"},
}

STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
CM_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
ATTRNAME_UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"
ATTRNAME_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
ATTRNAME_BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
PASSWORD_PROTECTED = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def ids_for(name: str, style: str) -> tuple[str, str]:
    """Deterministic, unique Response and Assertion IDs in the IdP's own format."""

    h = hashlib.sha256(name.encode()).hexdigest()
    if style == "okta" or style == "google":
        digits = str(int(h[:24], 16))[:26]
        return "id" + digits + "1", "id" + digits + "2"
    if style in ("entra", "adfs"):
        g = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        g2 = f"{h[32:40]}-{h[40:44]}-{h[44:48]}-{h[48:52]}-{h[52:64]}"
        return "_" + g, "_" + g2
    g = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    g2 = f"{h[32:40]}-{h[40:44]}-{h[44:48]}-{h[48:52]}-{h[52:64]}"
    return "ID_" + g, "ID_" + g2


@dataclass
class Attr:
    name: str
    values: list[tuple[str | None, list]]  # (xsi:type or None, children)
    name_format: str | None = ATTRNAME_UNSPECIFIED
    friendly: str | None = None


@dataclass
class Times:
    issue: str = "2030-06-15T09:30:00.000Z"
    not_before: str | None = "2030-06-15T09:25:00.000Z"
    not_on_or_after: str | None = "2030-06-15T09:35:00.000Z"
    scd_not_on_or_after: str | None = "2030-06-15T09:35:00.000Z"
    authn: str = "2030-06-15T09:02:11.000Z"
    session_not_on_or_after: str | None = None
    now: str = "2030-06-15T09:31:00Z"


@dataclass
class Resp:
    """Everything a test response says. Builders turn it into an El tree."""

    name: str
    style: str = "okta"
    sign: tuple[str, ...] = ("response",)
    ns_mode: str = "redundant"
    pretty: bool = False
    prefixes: dict[str, str] | None = None
    rid: str = ""
    aid: str = ""
    issuer: str = ""
    response_issuer: str | None = "same"  # None = omitted
    assertion_issuer: str | None = "same"  # None = omitted
    destination: str | None = ACS_URL
    in_response_to: str | None = None
    scd_in_response_to: str | None = "same"
    recipient: str | None = ACS_URL
    audiences: list[list[str]] = field(default_factory=lambda: [[SP_ENTITY_ID]])
    status: list[str] = field(default_factory=lambda: [STATUS_SUCCESS])
    status_message: str | None = None
    sc_method: str = CM_BEARER
    scd: bool = True
    extra_confirmations: list[El] = field(default_factory=list)
    confirmation_first: bool = True
    name_id: list = field(default_factory=lambda: ["jane.doe@acme.example.com"])
    name_id_format: str | None = NAMEID_UNSPECIFIED
    session_index: str | None = "same-as-assertion"
    times: Times = field(default_factory=Times)
    attrs: list[Attr] | None = None
    sigalg: str = RSA_SHA256
    digalg: str = DIG_SHA256
    assertion_sigalg: str | None = None
    assertion_digalg: str | None = None
    prefix_list_response: str | None = None
    prefix_list_assertion: str | None = None
    assertion_xs_decl: bool = False

    def __post_init__(self) -> None:
        rid, aid = ids_for(self.name, self.style)
        self.rid = self.rid or rid
        self.aid = self.aid or aid
        self.issuer = self.issuer or ISSUERS[self.style]
        if self.prefixes is None:
            self.prefixes = dict(PREFIXES[self.style])
        if self.scd_in_response_to == "same":
            self.scd_in_response_to = self.in_response_to
        if self.session_index == "same-as-assertion":
            self.session_index = "_" + hashlib.sha256((self.name + "s").encode()).hexdigest()[:32]
        if self.attrs is None:
            self.attrs = default_attributes(self.style)

    def writer(self) -> Writer:
        return Writer(self.prefixes, self.ns_mode, self.pretty)


def xs_string(value: str) -> tuple[str | None, list]:
    return ("xs:string", [value])


def default_attributes(style: str) -> list[Attr]:
    if style == "okta":
        return [
            Attr("firstName", [xs_string("Jane")]),
            Attr("lastName", [xs_string("Doe")]),
            Attr("email", [xs_string("jane.doe@acme.example.com")]),
            Attr("groups", [xs_string("Everyone"), xs_string("Engineering"), xs_string("okta-admins")]),
        ]
    if style == "entra":
        base = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
        return [
            Attr("http://schemas.microsoft.com/identity/claims/tenantid",
                 [(None, ["4f1c2a3b-5d6e-4f70-8a9b-0c1d2e3f4a5b"])], None),
            Attr("http://schemas.microsoft.com/identity/claims/objectidentifier",
                 [(None, ["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"])], None),
            Attr(base + "name", [(None, ["jane.doe@acme.example.com"])], None),
            Attr(base + "givenname", [(None, ["Jane"])], None),
            Attr(base + "surname", [(None, ["Doe"])], None),
            Attr("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                 [(None, ["1b2c3d4e-0000-4000-8000-000000000001"]), (None, ["1b2c3d4e-0000-4000-8000-000000000002"])],
                 None),
        ]
    if style == "adfs":
        return [
            Attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", [(None, ["jane.doe@acme-corp.example"])],
                 None),
            Attr("http://schemas.xmlsoap.org/claims/Group", [(None, ["Domain Users"]), (None, ["SAML Admins"])],
                 None),
        ]
    if style == "keycloak":
        return [
            Attr("Role", [("xs:string", ["manage-account"]), ("xs:string", ["view-profile"])], ATTRNAME_BASIC),
            Attr("email", [("xs:string", ["jane.doe@acme.example.com"])], ATTRNAME_BASIC, "email"),
        ]
    if style == "google":
        return [
            Attr("department", [("xs:anyType", ["Engineering"])], None),
            Attr("phone", [], None),
        ]
    raise ValueError(style)


def text_of(children: list) -> str:
    """The verified text value: concatenation of text children (comments and PIs contribute nothing)."""

    out = []
    for kid in children:
        if isinstance(kid, str):
            out.append(kid)
        elif isinstance(kid, Raw):
            x = kid.xml
            if x.startswith("<![CDATA[") and x.endswith("]]>"):
                out.append(x[9:-3])
    return "".join(out)


def build(r: Resp) -> tuple[El, El]:
    """Returns (Response element, Assertion element) with Signature templates in place."""

    a_issuer = r.issuer if r.assertion_issuer == "same" else r.assertion_issuer
    p_issuer = r.issuer if r.response_issuer == "same" else r.response_issuer
    entity = [("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity")]
    if r.style in ("entra", "adfs", "keycloak", "google"):
        entity = []

    # Assertion
    a = El(NS_A, "Assertion", [("ID", r.aid), ("IssueInstant", r.times.issue), ("Version", "2.0")])
    if r.assertion_xs_decl:
        a.decl["xs"] = NS_XS
    if a_issuer is not None:
        a.add(El(NS_A, "Issuer", list(entity), [a_issuer]))
    if "assertion" in r.sign:
        a.add(signature_template("#" + r.aid, r.assertion_sigalg or r.sigalg, r.assertion_digalg or r.digalg,
                                 r.prefix_list_assertion))
    nid_attrs = [] if r.name_id_format is None else [("Format", r.name_id_format)]
    subject = El(NS_A, "Subject", children=[El(NS_A, "NameID", nid_attrs, list(r.name_id))])
    scd_attrs = []
    if r.scd_in_response_to is not None:
        scd_attrs.append(("InResponseTo", r.scd_in_response_to))
    if r.times.scd_not_on_or_after is not None:
        scd_attrs.append(("NotOnOrAfter", r.times.scd_not_on_or_after))
    if r.recipient is not None:
        scd_attrs.append(("Recipient", r.recipient))
    sc = El(NS_A, "SubjectConfirmation", [("Method", r.sc_method)])
    if r.scd:
        sc.add(El(NS_A, "SubjectConfirmationData", scd_attrs))
    if r.confirmation_first:
        subject.add(sc, *r.extra_confirmations)
    else:
        subject.add(*r.extra_confirmations, sc)
    a.add(subject)
    cond_attrs = []
    if r.times.not_before is not None:
        cond_attrs.append(("NotBefore", r.times.not_before))
    if r.times.not_on_or_after is not None:
        cond_attrs.append(("NotOnOrAfter", r.times.not_on_or_after))
    cond = El(NS_A, "Conditions", cond_attrs)
    for group in r.audiences:
        cond.add(El(NS_A, "AudienceRestriction", children=[El(NS_A, "Audience", children=[x]) for x in group]))
    a.add(cond)
    if r.attrs and r.style in ("entra", "adfs"):
        a.add(attribute_statement(r))
    authn_attrs = [("AuthnInstant", r.times.authn)]
    if r.session_index is not None:
        authn_attrs.append(("SessionIndex", r.session_index))
    if r.times.session_not_on_or_after is not None:
        authn_attrs.append(("SessionNotOnOrAfter", r.times.session_not_on_or_after))
    a.add(El(NS_A, "AuthnStatement", authn_attrs, [
        El(NS_A, "AuthnContext", children=[El(NS_A, "AuthnContextClassRef", children=[PASSWORD_PROTECTED])])
    ]))
    if r.attrs is not None and r.style not in ("entra", "adfs"):
        a.add(attribute_statement(r))

    # Response
    p_attrs = []
    if r.destination is not None:
        p_attrs.append(("Destination", r.destination))
    p_attrs.append(("ID", r.rid))
    if r.in_response_to is not None:
        p_attrs.append(("InResponseTo", r.in_response_to))
    p_attrs += [("IssueInstant", r.times.issue), ("Version", "2.0")]
    resp = El(NS_P, "Response", p_attrs)
    if p_issuer is not None:
        resp.add(El(NS_A, "Issuer", list(entity), [p_issuer]))
    if "response" in r.sign:
        resp.add(signature_template("#" + r.rid, r.sigalg, r.digalg, r.prefix_list_response))
    resp.add(status_element(r.status, r.status_message))
    resp.add(a)
    return resp, a


def status_element(codes: list[str], message: str | None) -> El:
    inner: El | None = None
    for code in reversed(codes):
        el = El(NS_P, "StatusCode", [("Value", code)])
        if inner is not None:
            el.add(inner)
        inner = el
    st = El(NS_P, "Status", children=[inner])
    if message is not None:
        st.add(El(NS_P, "StatusMessage", children=[message]))
    return st


def attribute_statement(r: Resp) -> El:
    st = El(NS_A, "AttributeStatement")
    for at in r.attrs or []:
        attrs = [("Name", at.name)]
        if at.name_format is not None:
            attrs.append(("NameFormat", at.name_format))
        if at.friendly is not None:
            attrs.insert(0, ("FriendlyName", at.friendly))
        el = El(NS_A, "Attribute", attrs)
        for xsi_type, kids in at.values:
            vattrs = []
            decl = {}
            if xsi_type is not None:
                vattrs.append(("xsi:type", xsi_type))
                decl = {"xs": NS_XS, "xsi": NS_XSI}
            el.add(El(NS_A, "AttributeValue", vattrs, list(kids), decl))
        st.add(el)
    return st


def expected_valid(r: Resp, name_id: str | None = None, attrs: dict | None = None) -> dict:
    exp_attrs: dict[str, list[str]] = {}
    for at in r.attrs or []:
        exp_attrs.setdefault(at.name, [])
        exp_attrs[at.name].extend(text_of(k) for _, k in at.values)
    return {
        "verdict": "valid",
        "issuer": r.issuer,
        "name_id": {"value": text_of(r.name_id) if name_id is None else name_id, "format": r.name_id_format},
        "session_index": r.session_index,
        "in_response_to": r.in_response_to,
        "attributes": exp_attrs if attrs is None else attrs,
    }

#!/usr/bin/env python3
"""Writes saml-sp's independently signed test vectors, attack matrix and c14n outputs.

Signing is done by the xmlsec1 command-line tool (libxmlsec1 + OpenSSL); canonical
forms come from lxml (libxml2). Nothing here shares code with the Rust verifier.
Run through ./run.sh, which prepares a private virtualenv with lxml.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))

from idp import (  # noqa: E402
    ACS_URL, CM_BEARER, ISSUERS, NAMEID_EMAIL, NAMEID_PERSISTENT,
    REQUEST_ID, SP_ENTITY_ID, Attr, Resp, Times, build, expected_valid,
)
from samlxml import (  # noqa: E402
    ALG_BASE64, ALG_C14N10, ALG_ENVELOPED, ALG_EXC_C14N, ALG_EXC_C14N_COMMENTS, ALG_XPATH, DIG_MD5,
    DIG_SHA1, DIG_SHA256, DIG_SHA384, DIG_SHA512, ECDSA_SHA256, ECDSA_SHA384, HMAC_SHA1, HMAC_SHA256, NS_A,
    NS_DS, NS_P, NS_XS, NS_XSI, RSA_SHA1, RSA_SHA256, RSA_SHA384, RSA_SHA512, El, Raw, Writer,
    default_transforms, reference, signature_template,
)
from lxml import etree  # noqa: E402

from tools import (  # noqa: E402
    XP_ASIG, XP_RSIG, Signer, b64_form, c14n, ensure_keys, env_xmlsec_version, lxml_version, parse, q,
    reflow_base64, serialize,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT = REPO / "saml-sp" / "tests" / "data" / "generated"
C14N_OUT = REPO / "saml-sp" / "tests" / "data" / "c14n"
KEYS = OUT / "keys"

IDP_CERT = "keys/idp-rsa2048.crt"


class Gen:
    def __init__(self, shared: Path | None):
        self.signer = Signer(KEYS)
        self.cases: list[dict] = []
        self.names: set[str] = set()
        self.shared = shared
        self.c14n_items: list[dict] = []
        self.c14n_documents: list[dict] = []
        # The shared bench vectors (digest inputs, SignedInfos), by content: an lxml output that is
        # byte-identical to one of them is not written (the tests read the shared file instead).
        self.shared_vectors: dict[bytes, str] = {}
        if shared is not None:
            for vector in sorted((shared / "bench" / "vectors").glob("*")):
                if vector.is_file():
                    self.shared_vectors.setdefault(vector.read_bytes(), f"bench/vectors/{vector.name}")
        self.skipped_c14n: list[str] = []

    # ------------------------------------------------------------------ helpers

    def sign_resp(self, r: Resp, key: str = "idp-rsa2048", mutate=None, b64: str | None = None,
                  steps: list[tuple[str, str]] | None = None, id_attrs=None, assertion_key: str | None = None,
                  standalone: bool = False, extra_id_nodes=None, encoding: str = "utf-8") -> str:
        resp, a = build(r)
        if mutate is not None:
            resp = mutate(resp, a) or resp
        root = a if standalone else resp
        xml = r.writer().write(root)
        if encoding != "utf-8":
            xml = xml.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"', 1)
        if steps is None:
            steps = []
            if "assertion" in r.sign:
                steps.append((XP_ASIG if not standalone else "/*/*[local-name()='Signature']",
                              assertion_key or key))
            if "response" in r.sign and not standalone:
                steps.append((XP_RSIG, key))
        if b64 is None:
            b64 = "lf64" if r.pretty else "single"
            if r.style == "keycloak":
                b64 = "crlf76"
        return self.signer.sign(xml, steps, id_attrs, lambda x: reflow_base64(x, b64),
                                extra_id_nodes, encoding) if steps else xml

    def settings(self, r: Resp | None = None, **over) -> dict:
        s = {
            "idp_certs": [IDP_CERT],
            "idp_issuer": ISSUERS[r.style] if r else ISSUERS["okta"],
            "sp_entity_id": SP_ENTITY_ID,
            "acs_url": ACS_URL,
            "now": r.times.now if r else Times().now,
            "request_id": None,
            "allow_unsolicited": True,
            "allow_sha1": False,
            "allow_rsa_1024": False,
            "standalone_assertion": False,
        }
        if r is not None and r.in_response_to is not None:
            s["request_id"] = r.in_response_to
            s["allow_unsolicited"] = False
        for k, v in over.items():
            if k not in s:
                raise KeyError(k)
            s[k] = v
        return s

    def add(self, name: str, data: str | bytes, *, category: str, description: str, classes: list[int],
            settings: dict, expect: dict, encoding: str = "xml", submissions: int = 1,
            xmlsec_id_attrs=None, idp_style: str | None = None, xmlsec_extra_id_nodes=None) -> None:
        if name in self.names:
            raise ValueError("duplicate case " + name)
        self.names.add(name)
        ext = "xml" if encoding == "xml" else "b64"
        rel = f"{category}/{name}.{ext}"
        path = OUT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path.write_bytes(raw)
        if encoding == "xml":
            xml_bytes = raw
        else:
            import base64
            import re
            try:
                xml_bytes = base64.b64decode(re.sub(rb"\s+", b"", raw), validate=True)
            except ValueError:
                xml_bytes = b""
            if xml_bytes.startswith(b"\xef\xbb\xbf"):
                xml_bytes = xml_bytes[3:]
        # DOCTYPE documents are not handed to xmlsec1 (it would resolve the entities).
        checked = bool(xml_bytes) and b"<!DOCTYPE" not in xml_bytes
        ok = checked and self.signer.verify_all(xml_bytes, settings["idp_certs"], xmlsec_id_attrs,
                                                xmlsec_extra_id_nodes)
        if expect["verdict"] == "valid" and not ok:
            raise RuntimeError(f"valid case {name} does not verify with xmlsec1")
        entry = {
            "name": name,
            "file": rel,
            "encoding": encoding,
            "category": category,
            "description": description,
            "classes": classes,
            "settings": settings,
            "submissions": submissions,
            "xmlsec1_checked": checked,
            "xmlsec1_ok": ok,
            "expect": expect,
        }
        if xmlsec_id_attrs or xmlsec_extra_id_nodes:
            # xmlsec1 was told about more ID attributes than SAML's ID on Response/Assertion.
            entry["xmlsec1_extra_ids"] = {"attributes": xmlsec_id_attrs or ["ID"],
                                          "elements": xmlsec_extra_id_nodes or []}
        if idp_style:
            entry["idp_style"] = idp_style
        self.cases.append(entry)

    def valid(self, r: Resp, description: str, classes=None, *, key="idp-rsa2048", settings=None,
              expect=None, encoding="xml", bom=False, mutate=None, assertion_key=None, **kw) -> str:
        xml = self.sign_resp(r, key=key, mutate=mutate, assertion_key=assertion_key, **kw)
        data: str | bytes = xml
        if encoding == "base64":
            data = b64_form(xml.encode("utf-8"), bom=bom)
        self.add(r.name, data, category="valid", description=description, classes=classes or [],
                 settings=settings or self.settings(r), expect=expect or expected_valid(r), encoding=encoding,
                 idp_style=r.style)
        return xml

    def reject(self, name: str, data: str | bytes, check: str, description: str, classes: list[int], *,
               settings: dict | None = None, r: Resp | None = None, **kw) -> None:
        self.add(name, data, category="attacks", description=description, classes=classes,
                 settings=settings or self.settings(r), expect={"verdict": "reject", "check": check},
                 idp_style=r.style if r else None, **kw)

    # ------------------------------------------------------------------ valid vectors

    def valid_vectors(self) -> None:
        irt = REQUEST_ID
        # Okta: saml2p/saml2 prefixes, namespaces re-declared on every child, PrefixList="xs".
        for sign in (("response",), ("assertion",), ("response", "assertion")):
            tag = "_".join(sign) if len(sign) == 1 else "both"
            self.valid(Resp(f"okta_{tag}_signed", "okta", sign, prefix_list_response="xs",
                            prefix_list_assertion="xs", assertion_xs_decl=True, in_response_to=irt),
                       f"Okta shape, {tag} signed, RSA-SHA256, InclusiveNamespaces PrefixList=\"xs\", "
                       "SP-initiated, namespaces declared inline on every child, single line")
        self.valid(Resp("okta_both_signed_idp_initiated_pretty", "okta", ("response", "assertion"), pretty=True,
                        prefix_list_assertion="xs", assertion_xs_decl=True),
                   "Okta shape, both signed, IdP-initiated (no InResponseTo, unsolicited allowed), pretty-printed, "
                   "base64 wrapped at 64 columns with LF")
        self.valid(Resp("okta_assertion_signed_root_ns_no_prefixlist", "okta", ("assertion",), ns_mode="root",
                        in_response_to=irt),
                   "Okta prefixes with every namespace declared once at the root; no InclusiveNamespaces "
                   "(xmlns:xs is then not part of the signed canonical form)")
        self.valid(Resp("okta_response_signed_root_ns_prefixlist_pretty", "okta", ("response",), ns_mode="root",
                        pretty=True, prefix_list_response="xs xsi"),
                   "Okta prefixes, namespaces at the root, PrefixList=\"xs xsi\" on the Response signature, "
                   "pretty-printed")
        for alg, dig, key, tag in (
            (RSA_SHA384, DIG_SHA384, "idp-rsa2048", "rsa_sha384"),
            (RSA_SHA512, DIG_SHA512, "idp-rsa2048", "rsa_sha512"),
            (ECDSA_SHA256, DIG_SHA256, "idp-p256", "ecdsa_p256_sha256"),
            (ECDSA_SHA384, DIG_SHA384, "idp-p384", "ecdsa_p384_sha384"),
        ):
            for sign in (("assertion",), ("response",)):
                r = Resp(f"okta_{sign[0]}_signed_{tag}", "okta", sign, sigalg=alg, digalg=dig, in_response_to=irt)
                self.valid(r, f"Okta shape, {sign[0]} signed with {tag.replace('_', '-').upper()} "
                              f"(digest {dig.rsplit('#', 1)[1]})",
                           key=key, settings=self.settings(r, idp_certs=[f"keys/{key}.crt"]))
        r = Resp("okta_both_signed_mixed_digests", "okta", ("response", "assertion"), sigalg=RSA_SHA512,
                 digalg=DIG_SHA512, assertion_sigalg=RSA_SHA256, assertion_digalg=DIG_SHA384, pretty=True)
        self.valid(r, "Both signed: Response RSA-SHA512/SHA-512 (DigestValue wrapped over two lines by xmlsec1), "
                      "Assertion RSA-SHA256/SHA-384")
        # Entra: default namespace Assertion and Signature, Assertion only, 7 fractional digits.
        t7 = Times(issue="2030-06-15T09:30:00.1234567Z", not_before="2030-06-15T09:25:00.1234567Z",
                   not_on_or_after="2030-06-15T10:30:00.1234567Z",
                   scd_not_on_or_after="2030-06-15T09:35:00.1234567Z", authn="2030-06-15T09:29:58.000Z")
        for sign in (("assertion",), ("response",), ("response", "assertion")):
            tag = "_".join(sign) if len(sign) == 1 else "both"
            self.valid(Resp(f"entra_{tag}_signed", "entra", sign, ns_mode="inline", times=t7,
                            name_id_format=NAMEID_EMAIL, in_response_to=irt if tag != "response" else None),
                       f"Entra ID shape: samlp: Response, default-namespace Assertion and Signature, {tag} signed, "
                       "claim URIs without NameFormat, 7-digit fractional seconds")
        # ADFS
        self.valid(Resp("adfs_assertion_signed", "adfs", ("assertion",), ns_mode="inline", pretty=True,
                        name_id_format=NAMEID_PERSISTENT, in_response_to=irt,
                        times=Times(issue="2030-06-15T09:30:00.321Z", not_before="2030-06-15T09:30:00.305Z",
                                    not_on_or_after="2030-06-15T10:30:00.305Z",
                                    scd_not_on_or_after="2030-06-15T09:35:00.321Z")),
                   "ADFS shape: samlp: Response, default namespace on the Assertion, ds: signature on the "
                   "Assertion only, pretty-printed")
        # Keycloak: saml:/samlp:, dsig: prefix, both signed, base64 wrapped at 76 with CRLF.
        self.valid(Resp("keycloak_both_signed", "keycloak", ("response", "assertion"), ns_mode="root",
                        in_response_to=irt, name_id=["jane.doe"],
                        times=Times(issue="2030-06-15T09:30:00.412Z", not_before="2030-06-15T09:29:58.412Z",
                                    not_on_or_after="2030-06-15T09:31:58.412Z",
                                    scd_not_on_or_after="2030-06-15T09:35:00.412Z",
                                    session_not_on_or_after="2030-06-15T19:30:00.412Z")),
                   "Keycloak shape: saml:/samlp:/dsig: prefixes declared at the root, Response and Assertion "
                   "signed, SignatureValue and X509Certificate wrapped at 76 columns with &#13; line ends, "
                   "SessionNotOnOrAfter")
        self.valid(Resp("keycloak_response_signed_idp_initiated", "keycloak", ("response",), ns_mode="inline",
                        name_id=["jane.doe"]),
                   "Keycloak default (\"Sign documents\" only), IdP-initiated")
        # Google: Response only, NameID without Format, attributes without NameFormat, empty attribute.
        self.valid(Resp("google_response_signed", "google", ("response",), name_id_format=None,
                        in_response_to=irt,
                        times=Times(issue="2030-06-15T09:30:00Z", not_before="2030-06-15T09:25:00Z",
                                    not_on_or_after="2030-06-15T09:35:00Z", scd_not_on_or_after="2030-06-15T09:35:00Z",
                                    authn="2030-06-15T09:29:00Z")),
                   "Google Workspace shape: Response signed only, NameID without Format, xs:anyType values, an "
                   "attribute with no AttributeValue, timestamps without fractional seconds")
        self.valid(Resp("google_assertion_signed_idp_initiated", "google", ("assertion",), name_id_format=None,
                        times=Times(issue="2030-06-15T09:30:00Z", not_before="2030-06-15T09:25:00Z",
                                    not_on_or_after="2030-06-15T09:35:00Z", scd_not_on_or_after="2030-06-15T09:35:00Z")),
                   "Google Workspace with \"Signed response\" unticked: Assertion signed, IdP-initiated")
        # Unusual but legitimate prefixes: matching must be by namespace URI.
        self.valid(Resp("odd_prefixes_both_signed", "okta", ("response", "assertion"),
                        prefixes={NS_P: "p", NS_A: "a", NS_DS: "sig", NS_XS: "xs", NS_XSI: "xsi",
                                  "http://www.w3.org/2001/10/xml-exc-c14n#": "ec"}, ns_mode="root"),
                   "Prefixes p:/a:/sig: declared at the root (class 20: namespace-aware matching)", [20])
        # Base64 form values.
        r = Resp("okta_response_signed_form_crlf", "okta", ("response",), in_response_to=irt)
        self.valid(r, "SAMLResponse form value: base64 wrapped at 76 columns with CRLF", encoding="base64")
        r = Resp("okta_assertion_signed_form_bom", "okta", ("assertion",), in_response_to=irt)
        self.valid(r, "SAMLResponse form value whose decoded XML starts with a UTF-8 BOM (class 36)",
                   [36], encoding="base64", bom=True)
        # Rollover: two configured certificates, signed by the second.
        r = Resp("rollover_second_cert", "okta", ("assertion",), in_response_to=irt)
        self.valid(r, "Two configured IdP certificates (rollover); the Assertion is signed by the second "
                      "(RSA-3072) (class 31)", [31], key="idp-rsa3072",
                   settings=self.settings(r, idp_certs=[IDP_CERT, "keys/idp-rsa3072.crt"]))
        # Legacy algorithms allowed through the danger options.
        r = Resp("sha1_allowed", "okta", ("response",), sigalg=RSA_SHA1, digalg=DIG_SHA1)
        self.valid(r, "RSA-SHA1 / SHA-1 digest accepted only because allow_sha1 is set (class 28)", [28],
                   settings=self.settings(r, allow_sha1=True))
        r = Resp("rsa1024_allowed", "okta", ("assertion",))
        self.valid(r, "RSA-1024 key accepted only because allow_rsa_1024 is set (class 28)", [28],
                   key="idp-rsa1024", settings=self.settings(r, idp_certs=["keys/idp-rsa1024.crt"],
                                                             allow_rsa_1024=True))
        # Standalone signed Assertion (document root is an Assertion).
        r = Resp("standalone_assertion", "okta", ("assertion",), in_response_to=irt)
        self.valid(r, "A document whose root is a signed Assertion, through the standalone-Assertion entry point",
                   standalone=True, settings=self.settings(r, standalone_assertion=True))
        # KeyInfo is never trusted: swapped, removed, RSAKeyValue only.
        r = Resp("keyinfo_cert_swapped_to_attacker", "okta", ("response",))
        attacker_b64 = "".join(l for l in (KEYS / "attacker-rsa2048.crt").read_text().splitlines()
                               if not l.startswith("-----"))
        xml = self.sign_resp(r)
        root = parse(xml)
        for el in root.iter(q(NS_DS, "X509Certificate")):
            el.text = attacker_b64
        self.add(r.name, serialize(root), category="valid", classes=[26], settings=self.settings(r),
                 description="Signed by the IdP, but KeyInfo carries the attacker's certificate: KeyInfo is not "
                             "signed and never used, so the document verifies with the configured key",
                 expect=expected_valid(r), idp_style="okta")
        r = Resp("keyinfo_removed", "okta", ("assertion",))
        root = parse(self.sign_resp(r))
        for el in list(root.iter(q(NS_DS, "KeyInfo"))):
            el.getparent().remove(el)
        self.add(r.name, serialize(root), category="valid", classes=[26], settings=self.settings(r),
                 description="No KeyInfo at all: the key comes from configuration", expect=expected_valid(r),
                 idp_style="okta")
        # Values: comment, CDATA, whitespace, xsi types, empty values.
        r = Resp("comment_in_signed_nameid", "okta", ("assertion",),
                 name_id=["user@evil.com", Raw("<!---->"), ".example.com"],
                 attrs=[Attr("email", [("xs:string", ["user@evil.com", Raw("<!-- x -->"), ".example.com"])])])
        self.valid(r, "Signed NameID and attribute value split by comments: the verified value is the "
                      "concatenation of all text children, never the first text node (class 22)", [22])
        r = Resp("comment_injected_after_signing", "okta", ("response",), name_id=["user@evil.com.example.com"])
        xml = self.sign_resp(r).replace("user@evil.com.example.com</saml2:NameID>",
                                        "user@evil.com<!-- c -->.example.com</saml2:NameID>")
        self.add(r.name, xml, category="valid", classes=[22], settings=self.settings(r),
                 description="crewjam/Duo comment injection: a comment inserted after signing leaves exc-c14n "
                             "(without comments) unchanged; the value must still be the full "
                             "user@evil.com.example.com", expect=expected_valid(r), idp_style="okta")
        r = Resp("cdata_in_signed_nameid", "okta", ("assertion",),
                 name_id=["test@acme.example.com", Raw("<![CDATA[.evil.com]]>")])
        self.valid(r, "Signed NameID with a CDATA section: CDATA is text, the value is the full string (class 23)",
                   [23])
        r = Resp("with_comments_c14n", "okta", ("assertion",), name_id=["jane", Raw("<!--note-->"), "@acme.example.com"])

        def with_comments(resp, a):
            sig = a.find("Signature")
            si = sig.find("SignedInfo")
            ref = si.find("Reference")
            tr = ref.find("Transforms")
            tr.children = default_transforms(None, ALG_EXC_C14N_COMMENTS)
            return resp

        self.valid(r, "Assertion signed with exc-c14n#WithComments as the Reference transform. A same-document "
                      "#ID reference yields its node-set without comments (XML-DSig 1.0 section 4.3.3.3), so the "
                      "comment in the NameID is not digested (libxmlsec1 signs and verifies it so); the NameID value "
                      "is the concatenation of its text (class 24)", [24], mutate=with_comments)
        r = Resp("nameid_surrounding_whitespace", "okta", ("response",), name_id=["\n  jane.doe@acme.example.com \n"])
        self.valid(r, "Signed NameID with leading/trailing whitespace: signed values are never trimmed (class 46)",
                   [46])
        r = Resp("attribute_types_and_empty_values", "okta", ("assertion",), attrs=[
            Attr("employeeNumber", [("xs:integer", ["4711"])]),
            Attr("isAdmin", [("xs:boolean", ["true"])]),
            Attr("nickname", [("xs:string", [])]),
            Attr("untyped", [(None, ["plain"])], None, "Untyped Friendly"),
            Attr("groups", [("xs:string", ["a"]), ("xs:anyType", ["b"]), (None, ["c"])]),
            Attr("noValues", []),
        ])
        self.valid(r, "Attributes with xs:integer, xs:boolean, no xsi:type, an empty <AttributeValue/>, an "
                      "attribute without values, multi-valued with mixed types (class 47)", [47])
        r = Resp("whitespace_and_references", "okta", ("response", "assertion"),
                 name_id=["o", Raw("&apos;"), "brien", Raw("&lt;&gt;&quot;&amp;"), "@acme.example.com"],
                 attrs=[Attr("dept\ncode", [("xs:string", ["R&D"])]),
                        Attr("tab here", [("xs:string", ["x"])]),
                        Attr("multiline", [("xs:string", ["line1\nline2"])]),
                        Attr("carriage", [("xs:string", [Raw("x&#13;y")])]),
                        Attr("spaces", [("xs:string", ["  padded  "])])])
        xml = self.sign_resp(r)
        # Parser normalization leaves the signed canonical form unchanged: CRLF in text becomes LF,
        # a literal tab in an attribute value becomes a space.
        xml = xml.replace("line1\nline2", "line1\r\nline2", 1).replace('Name="tab here"', 'Name="tab\there"', 1)
        self.add(r.name, xml, category="valid", classes=[25, 47], settings=self.settings(r), idp_style="okta",
                 description="Character and entity references and whitespace normalization in signed content: "
                             "NameID o&apos;brien&lt;&gt;&quot;&amp;@..., an attribute Name with &#10;, a literal "
                             "tab in a Name (normalized to a space), CRLF in a value (normalized to LF), &#13; in "
                             "a value (kept as CR), surrounding spaces kept",
                 expect=expected_valid(r, name_id="o'brien<>\"&@acme.example.com", attrs={
                     "dept\ncode": ["R&D"], "tab here": ["x"], "multiline": ["line1\nline2"],
                     "carriage": ["x\ry"], "spaces": ["  padded  "]}))
        r = Resp("two_confirmations_second_valid", "okta", ("assertion",), confirmation_first=False,
                 extra_confirmations=[El(NS_A, "SubjectConfirmation", [("Method", CM_BEARER)], [
                     El(NS_A, "SubjectConfirmationData", [("NotOnOrAfter", "2030-06-15T09:35:00.000Z"),
                                                          ("Recipient", "https://other.example.com/acs")])])])
        self.valid(r, "Two bearer SubjectConfirmations, the first for another Recipient, the second valid: "
                      "accepted because one is fully valid (class 44)", [44])
        r = Resp("two_audiences_one_ours", "okta", ("assertion",),
                 audiences=[["https://other.example.com", SP_ENTITY_ID]])
        self.valid(r, "One AudienceRestriction listing another SP and ours (class 38)", [38])
        r = Resp("no_destination", "okta", ("assertion",), destination=None)
        self.valid(r, "Response without Destination (optional when absent) (class 39)", [39])
        r = Resp("unsigned_extensions_ignored", "okta", ("assertion",))

        def add_ext(resp, a):
            ext = El(NS_P, "Extensions", children=[El("urn:example:ext", "Note", decl={"x": "urn:example:ext"},
                                                      prefix="x", children=["ignored"])])
            resp.children.insert(1, ext)
            return resp

        self.valid(r, "Unsigned Response Extensions with foreign content beside a signed Assertion: ignored "
                      "(class 45)", [45], mutate=add_ext)
        # Clock skew boundaries (default 3 minutes; NotOnOrAfter exclusive).
        r = Resp("within_skew_before_notbefore", "okta", ("assertion",),
                 times=Times(issue="2030-06-15T09:25:00.000Z", now="2030-06-15T09:22:01Z"))
        self.valid(r, "now = NotBefore - 179 s, IssueInstant = NotBefore (as Entra ID and ADFS send): both inside "
                      "the default 3-minute skew (class 41)", [41])
        r = Resp("timestamps_with_zero_offset", "okta", ("assertion",),
                 times=Times(issue="2030-06-15T09:30:00.000+00:00", not_before="2030-06-15T09:25:00.000+00:00",
                             not_on_or_after="2030-06-15T09:35:00.000+00:00",
                             scd_not_on_or_after="2030-06-15T09:35:00.000+00:00",
                             authn="2030-06-15T09:02:11.000+00:00"))
        self.valid(r, "Every timestamp written with the zero offset +00:00 instead of Z (as node-saml's test IdP "
                      "does): still UTC (class 41)", [41])
        r = Resp("within_skew_after_notonorafter", "okta", ("assertion",),
                 times=Times(now="2030-06-15T09:37:59Z"))
        self.valid(r, "now = NotOnOrAfter + 179 s: inside the default 3-minute skew (class 41)", [41])

    # ------------------------------------------------------------------ attack matrix

    def attacks(self) -> None:
        self.wrapping()
        self.dsig_attacks()
        self.parser_attacks()
        self.semantic_attacks()

    def base(self, name: str, sign=("assertion",), **kw) -> Resp:
        return Resp(name, "okta", sign, **kw)

    def evil_assertion(self, a_el, new_id: str, name_id: str = "admin@acme.example.com", strip_sig=True):
        evil = copy.deepcopy(a_el)
        evil.set("ID", new_id)
        if strip_sig:
            for s in evil.findall(q(NS_DS, "Signature")):
                evil.remove(s)
        for n in evil.iter(q(NS_A, "NameID")):
            n.text = name_id
        return evil

    def wrapping(self) -> None:
        # XSW1 / XSW2: Response signature.
        r = self.base("xsw1", ("response",))
        root = parse(self.sign_resp(r))
        sig = root.find(q(NS_DS, "Signature"))
        root.remove(sig)
        evil = copy.deepcopy(root)
        evil.set("ID", "_evil_response_1")
        a = evil.find(q(NS_A, "Assertion"))
        a.set("ID", "_evil_assertion_1")
        a.find(f"{q(NS_A, 'Subject')}/{q(NS_A, 'NameID')}").text = "admin@acme.example.com"
        sig.append(root)  # original (signed) Response inside the Signature of the new root
        evil.insert(1, sig)
        self.reject("xsw1", serialize(evil), "signature_reference",
                    "XSW1: new root Response (new ID, evil NameID) whose Signature holds the original signed "
                    "Response; the Reference points at the original, not at the root", [1], r=r)
        root = parse(self.sign_resp(r))
        sig = root.find(q(NS_DS, "Signature"))
        root.remove(sig)
        evil = copy.deepcopy(root)
        evil.set("ID", "_evil_response_2")
        a = evil.find(q(NS_A, "Assertion"))
        a.set("ID", "_evil_assertion_2")
        a.find(f"{q(NS_A, 'Subject')}/{q(NS_A, 'NameID')}").text = "admin@acme.example.com"
        evil.insert(1, root)
        evil.insert(2, sig)
        self.reject("xsw2", serialize(evil), "signature_reference",
                    "XSW2: new root Response; the original Response is a sibling before the detached Signature, "
                    "which references it", [2], r=r)
        # XSW3-8: Assertion signature.
        r = self.base("xsw3")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        root.insert(root.index(a), self.evil_assertion(a, "_evil_assertion_3"))
        self.reject("xsw3", serialize(root), "shape",
                    "XSW3: unsigned evil Assertion inserted before the signed one (two Assertions)", [3], r=r)
        r = self.base("xsw4")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        evil = self.evil_assertion(a, "_evil_assertion_4")
        root.replace(a, evil)
        evil.append(a)
        self.reject("xsw4", serialize(root), "unsigned",
                    "XSW4: the signed Assertion is nested inside an unsigned evil Assertion, which is the only "
                    "Assertion child of the Response", [4], r=r)
        r = self.base("xsw5")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        evil = self.evil_assertion(a, "_evil_assertion_5", strip_sig=False)
        sig = a.find(q(NS_DS, "Signature"))
        a.remove(sig)
        root.replace(a, evil)
        root.append(a)
        self.reject("xsw5", serialize(root), "shape",
                    "XSW5: the Signature is copied into an evil Assertion; the original Assertion, now unsigned, "
                    "is appended after it (two Assertions)", [5], r=r)
        r = self.base("xsw6")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        evil = self.evil_assertion(a, "_evil_assertion_6", strip_sig=False)
        sig = a.find(q(NS_DS, "Signature"))
        a.remove(sig)
        root.replace(a, evil)
        evil.find(q(NS_DS, "Signature")).append(a)
        self.reject("xsw6", serialize(root), "signature_reference",
                    "XSW6: evil Assertion carries the Signature; the original Assertion sits inside that "
                    "Signature and is what the Reference points at", [6], r=r)
        r = self.base("xsw7")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        evil = self.evil_assertion(a, a.get("ID"))
        ext = parse(f'<samlp:Extensions xmlns:samlp="{NS_P}"/>')
        root.replace(a, evil)
        ext.append(a)
        root.insert(root.index(evil), ext)
        self.reject("xsw7", serialize(root), "duplicate_id",
                    "XSW7: the signed Assertion is hidden in samlp:Extensions and an unsigned copy with the same "
                    "ID and an evil NameID takes its place", [7, 18], r=r)
        r = self.base("xsw7_distinct_ids")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        evil = self.evil_assertion(a, "_evil_assertion_7")
        ext = parse(f'<samlp:Extensions xmlns:samlp="{NS_P}"/>')
        root.replace(a, evil)
        ext.append(a)
        root.insert(root.index(evil), ext)
        self.reject("xsw7_distinct_ids", serialize(root), "shape",
                    "XSW7 variant without a duplicate ID: signed Assertion inside Extensions, unsigned evil "
                    "Assertion as the Response's child; an Assertion or Signature anywhere else is refused",
                    [7, 45], r=r)
        r = self.base("xsw8")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        evil = self.evil_assertion(a, a.get("ID"), strip_sig=False)
        sig = evil.find(q(NS_DS, "Signature"))
        obj = parse(f'<ds:Object xmlns:ds="{NS_DS}"/>')
        orig = copy.deepcopy(a)
        orig.remove(orig.find(q(NS_DS, "Signature")))
        obj.append(orig)
        sig.append(obj)
        root.replace(a, evil)
        self.reject("xsw8", serialize(root), "duplicate_id",
                    "XSW8: evil Assertion (same ID) keeps the Signature; the original Assertion without its "
                    "Signature sits in a ds:Object inside it", [8, 18], r=r)
        # Class 9: signed assertion concealed inside an unsigned outer Assertion.
        r = self.base("concealed_signed_assertion")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        outer = self.evil_assertion(a, "_outer_unsigned")
        sig = a.find(q(NS_DS, "Signature"))
        a.remove(sig)
        root.replace(a, outer)
        outer.insert(1, sig)
        outer.append(a)
        # the Signature still points at the nested (original) Assertion
        self.reject("concealed_signed_assertion", serialize(root), "signature_reference",
                    "CVE-2024-45409 shape: an unsigned outer Assertion (victim NameID) holds a valid Signature "
                    "whose Reference points at the signed Assertion nested inside it", [9], r=r)
        # Class 10: several assertions.
        r = self.base("second_assertion_unsigned")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        root.append(self.evil_assertion(a, "_evil_assertion_10", "admin@evil.com"))
        self.reject("second_assertion_unsigned", serialize(root), "shape",
                    "CVE-2022-41912: an unsigned copy of the Assertion (NameID admin@evil.com) appended after the "
                    "signed one", [10], r=r)
        r = self.base("two_assertions_response_signed", ("response",))

        def two_assertions(resp, a):
            evil = copy.deepcopy(a)
            evil.attrs = [("ID", "_second_assertion") if k == "ID" else (k, v) for k, v in evil.attrs]
            for el in evil.walk():
                if el.local == "NameID":
                    el.children = ["admin@evil.com"]
            resp.add(evil)
            return resp

        self.reject("two_assertions_response_signed", self.sign_resp(r, mutate=two_assertions), "shape",
                    "Two Assertions, both covered by a valid Response signature (re-signed): exactly one Assertion "
                    "is accepted", [10], r=r)
        r = self.base("two_assertions_both_signed")

        def two_signed(resp, a):
            evil = copy.deepcopy(a)
            evil.attrs = [("ID", "_second_signed") if k == "ID" else (k, v) for k, v in evil.attrs]
            sig = evil.find("Signature")
            sig.children[0].children[2].attrs = [("URI", "#_second_signed")]
            for el in evil.walk():
                if el.local == "NameID":
                    el.children = ["admin@evil.com"]
            resp.add(evil)
            return resp

        xml = self.sign_resp(r, mutate=two_signed, steps=[
            ("(//*[local-name()='Assertion']/*[local-name()='Signature'])[1]", "idp-rsa2048"),
            ("(//*[local-name()='Assertion']/*[local-name()='Signature'])[2]", "idp-rsa2048")])
        self.reject("two_assertions_both_signed", xml, "shape",
                    "Two Assertions, each validly signed by the IdP (re-signed)", [10], r=r)
        r = self.base("assertion_duplicated_same_id")
        root = parse(self.sign_resp(r))
        a = root.find(q(NS_A, "Assertion"))
        root.append(copy.deepcopy(a))
        self.reject("assertion_duplicated_same_id", serialize(root), "duplicate_id",
                    "The signed Assertion duplicated verbatim (same ID, both signatures valid)", [10, 18], r=r)
        # Class 15: ancestor smuggling.
        r = self.base("ancestor_wrapper", ("response",))
        root = parse(self.sign_resp(r))
        outer = parse('<x:Envelope xmlns:x="urn:example:attacker"><x:Issuer>https://attacker.evil.com</x:Issuer>'
                      '</x:Envelope>')
        outer.append(root)
        self.reject("ancestor_wrapper", serialize(outer), "shape",
                    "A valid signed Response embedded inside an attacker root element", [15], r=r)
        # Class 20: namespace tricks.
        r = self.base("fake_dsig_namespace")
        xml = self.sign_resp(r)
        xml = xml.replace('xmlns:ds="http://www.w3.org/2000/09/xmldsig#"',
                          'xmlns:ds="http://www.w3.org/2000/09/xmldsig#x"')
        self.reject("fake_dsig_namespace", xml, "unsigned",
                    "The only ds:Signature is bound to a fake namespace (…xmldsig#x): it is not a signature, so the "
                    "Assertion is unsigned", [20, 29], r=r)
        r = self.base("fake_assertion_namespace", ("response",))

        def fake_ns(resp, a):
            a.decl = {"saml2": "urn:oasis:names:tc:SAML:2.0:assertion-evil"}
            for el in a.walk():
                if el.ns == NS_A:
                    el.ns = "urn:oasis:names:tc:SAML:2.0:assertion-evil"
            return resp

        r.prefixes = dict(r.prefixes)
        r.prefixes["urn:oasis:names:tc:SAML:2.0:assertion-evil"] = "saml2"
        self.reject("fake_assertion_namespace", self.sign_resp(r, mutate=fake_ns), "shape",
                    "saml2:Assertion whose saml2 prefix is bound to another namespace (signed Response): there is "
                    "no SAML Assertion at all", [20], r=r)
        r = self.base("default_ns_assertion_beside_prefixed", ("response",))

        def beside(resp, a):
            evil = copy.deepcopy(a)
            evil.attrs = [("ID", "_default_ns_assertion") if k == "ID" else (k, v) for k, v in evil.attrs]
            for el in evil.walk():
                if el.ns == NS_A:
                    el.prefix = ""
                if el.local == "NameID":
                    el.children = ["admin@evil.com"]
            evil.decl = {"": NS_A}
            resp.children.insert(resp.children.index(a), evil)
            return resp

        self.reject("default_ns_assertion_beside_prefixed", self.sign_resp(r, mutate=beside), "shape",
                    "A default-namespace Assertion next to a saml2: one, both under a valid Response signature",
                    [20, 10], r=r)

        r = self.base("relative_namespace_uri", ("response",))
        xml = self.sign_resp(r).replace('xmlns:xs="http://www.w3.org/2001/XMLSchema"', 'xmlns:xs="XMLSchema"', 1)
        self.reject("relative_namespace_uri", xml, "xml_syntax",
                    "A relative namespace URI (xmlns:xs=\"XMLSchema\", on an AttributeValue where exc-c14n drops "
                    "it, so the digest is unchanged): Canonical XML 1.0 section 2.1 requires canonicalization to "
                    "fail on relative namespace URIs, and libxml2 does (found by the xmlsec differential fuzzer)",
                    [20], r=r)

    def dsig_attacks(self) -> None:
        # Class 11: Reference to an element that is not the Signature's parent.
        r = self.base("reference_to_assertion_from_response_sig", ("assertion",))

        def point_at_assertion(resp, a):
            sig = signature_template("#" + r.aid)
            resp.children.insert(1, sig)
            a.children = [k for k in a.children if not (isinstance(k, El) and k.local == "Signature")]
            return resp

        xml = self.sign_resp(r, mutate=point_at_assertion, steps=[(XP_RSIG, "idp-rsa2048")])
        self.reject("reference_to_assertion_from_response_sig", xml, "signature_reference",
                    "Reference outside the Signature's parent: the Response's Signature references the Assertion "
                    "ID (re-signed, xmlsec1 accepts it)", [11, 16], r=r)
        r = self.base("reference_to_extensions", ("response",))

        def point_at_ext(resp, a):
            ext = El(NS_P, "Extensions", [("ID", "_ext1")], [El("urn:example:ext", "Data", decl={"x": "urn:example:ext"},
                                                                 prefix="x", children=["x"])])
            resp.children.insert(2, ext)
            sig = resp.find("Signature")
            sig.children[0].children[2].attrs = [("URI", "#_ext1")]
            return resp

        ext_node = [f"{NS_P}:Extensions"]
        xml = self.sign_resp(r, mutate=point_at_ext, steps=[(XP_RSIG, "idp-rsa2048")], extra_id_nodes=ext_node)
        self.reject("reference_to_extensions", xml, "signature_reference",
                    "The Response's Signature references an Extensions element (not Response/Assertion) "
                    "(re-signed with xmlsec1 told that Extensions/@ID is an ID)", [11], r=r,
                    xmlsec_extra_id_nodes=ext_node)
        # Class 12: multiple signatures / references.
        r = self.base("two_response_signatures", ("response",))

        def two_sigs(resp, a):
            resp.children.insert(2, signature_template("#" + r.rid))
            return resp

        xml = self.sign_resp(r, mutate=two_sigs, steps=[
            ("(/*/*[local-name()='Signature'])[2]", "idp-rsa2048"),
            ("(/*/*[local-name()='Signature'])[1]", "idp-rsa2048")])
        self.reject("two_response_signatures", xml, "shape",
                    "Two Signatures on the Response, both valid (re-signed)", [12], r=r)
        r = self.base("extra_reference", ("response",))

        def extra_ref(resp, a):
            sig = resp.find("Signature")
            sig.children[0].children.append(reference("#" + r.aid))
            return resp

        xml = self.sign_resp(r, mutate=extra_ref)
        self.reject("extra_reference", xml, "signature_reference",
                    "A second Reference (to the Assertion) in the Response's SignedInfo (re-signed)", [12], r=r)
        # Class 13: two SignedInfo / wrapped SignedInfo.
        r = self.base("two_signed_info", ("assertion",))
        root = parse(self.sign_resp(r))
        sig = root.find(f"{q(NS_A, 'Assertion')}/{q(NS_DS, 'Signature')}")
        si = sig.find(q(NS_DS, "SignedInfo"))
        evil_si = copy.deepcopy(si)
        evil_si.find(q(NS_DS, "Reference")).set("URI", "#_evil")
        sig.insert(1, evil_si)
        self.reject("two_signed_info", serialize(root), "shape",
                    "Two SignedInfo elements in one Signature (CVE-2025-29774); the second references another ID",
                    [13], r=r)
        r = self.base("wrapped_signed_info", ("assertion",))
        root = parse(self.sign_resp(r))
        sig = root.find(f"{q(NS_A, 'Assertion')}/{q(NS_DS, 'Signature')}")
        si = sig.find(q(NS_DS, "SignedInfo"))
        wrapper = parse(f'<ds:Object xmlns:ds="{NS_DS}"/>')
        sig.replace(si, wrapper)
        wrapper.append(si)
        self.reject("wrapped_signed_info", serialize(root), "shape",
                    "The real SignedInfo wrapped in an extra element, so the Signature has no SignedInfo child",
                    [13], r=r)
        # Class 14: comments in DigestValue / SignatureValue.
        for name, where, desc in (
            ("digest_value_comment_prefix", "digest_pre", "<DigestValue><!--x-->REAL</DigestValue>"),
            ("digest_value_comment_split", "digest_mid", "DigestValue split by an empty comment"),
            ("signature_value_comment", "sigval", "SignatureValue split by a comment"),
        ):
            r = self.base(name, ("assertion",))
            root = parse(self.sign_resp(r))
            sig = root.find(f"{q(NS_A, 'Assertion')}/{q(NS_DS, 'Signature')}")
            target = sig.find(f".//{q(NS_DS, 'DigestValue')}") if where.startswith("digest") else sig.find(
                q(NS_DS, "SignatureValue"))
            text = target.text
            target.text = None
            com = etree.Comment("x")
            if where == "digest_pre":
                target.append(com)
                com.tail = text
            else:
                target.text = text[:10]
                target.append(com)
                com.tail = text[10:]
            self.reject(name, serialize(root), "shape",
                        f"SAMLStorm (CVE-2025-29775): {desc}; libxmlsec1 reads all text and accepts it, we refuse "
                        "any non-text child", [14], r=r)
        # Class 16: Reference URI forms (re-signed where xmlsec1 can).
        for name, uri, desc in (
            ("reference_uri_empty", "", 'URI="" (the whole document)'),
            ("reference_uri_xpointer_root", "#xpointer(/)", "URI=\"#xpointer(/)\""),
            ("reference_uri_xpointer_id", None, "URI=\"#xpointer(id('ID'))\""),
            ("reference_uri_external", "http://attacker.example/doc.xml", "an external http:// URI"),
            ("reference_uri_missing", "<none>", "a Reference without a URI attribute"),
        ):
            r = self.base(name, ("response",))
            target = uri if uri is not None else f"#xpointer(id('{r.rid}'))"

            def set_uri(resp, a, target=target):
                ref = resp.find("Signature").children[0].children[2]
                ref.attrs = [] if target == "<none>" else [("URI", target)]
                return resp

            try:
                xml = self.sign_resp(r, mutate=set_uri)
                note = "re-signed"
            except RuntimeError:
                # xmlsec1 cannot sign it (no network, no such node): keep the original signature.
                xml = self.sign_resp(r)
                ref_old = f'URI="#{r.rid}"'
                xml = xml.replace(ref_old, "" if target == "<none>" else f'URI="{target}"', 1)
                note = "original signature kept"
            self.reject(name, xml, "signature_reference",
                        f"Response Signature with {desc} ({note}); only #ID of the parent is accepted", [16], r=r)
        # Class 17: transforms beyond the allow-list.
        for name, transforms, desc in (
            ("transform_xpath_added",
             default_transforms(None) + [El(NS_DS, "Transform", [("Algorithm", ALG_XPATH)], [
                 El(NS_DS, "XPath", children=["not(ancestor-or-self::*[local-name()='NameID'])"])])],
             "an extra XPath transform that removes the NameID from the digest"),
            ("transform_enveloped_missing", [El(NS_DS, "Transform", [("Algorithm", ALG_EXC_C14N)])],
             "only exc-c14n (enveloped-signature dropped)"),
            ("transform_order_swapped", list(reversed(default_transforms(None))),
             "exc-c14n before enveloped-signature"),
            ("transform_inclusive_c14n", [El(NS_DS, "Transform", [("Algorithm", ALG_ENVELOPED)]),
                                          El(NS_DS, "Transform", [("Algorithm", ALG_C14N10)])],
             "inclusive C14N 1.0 instead of exclusive"),
            ("transform_base64", default_transforms(None) + [El(NS_DS, "Transform", [("Algorithm", ALG_BASE64)])],
             "an extra Base64 transform"),
        ):
            r = self.base(name, ("assertion",))

            def set_tr(resp, a, transforms=transforms):
                ref = a.find("Signature").children[0].children[2]
                ref.children[0].children = copy.deepcopy(transforms)
                return resp

            try:
                xml = self.sign_resp(r, mutate=set_tr)
                note = "re-signed"
            except RuntimeError:
                xml = self.sign_resp(r)
                note = "xmlsec1 cannot sign it; transforms edited after signing"
                root = parse(xml)
                trs = root.find(f".//{q(NS_DS, 'Transforms')}")
                for k in list(trs):
                    trs.remove(k)
                w = Writer({NS_DS: "ds"}, "inline")
                for t in transforms:
                    trs.append(parse(w.write(t, xml_decl=False)))
                xml = serialize(root)
            self.reject(name, xml, "signature_transform", f"Assertion Reference with {desc} ({note})", [17], r=r)
        # Class 18: duplicate IDs outside the signed element / 19: ID attribute name confusion.
        for name, before in (("duplicate_id_before", True), ("duplicate_id_after", False)):
            r = self.base(name, ("response",))

            def dup(resp, a, before=before):
                ext = El(NS_P, "Extensions")
                decoy = El("urn:example:ext", "Decoy", [("ID", r.aid)], ["decoy"], decl={"x": "urn:example:ext"},
                           prefix="x")
                ext.add(decoy)
                idx = resp.children.index(a)
                resp.children.insert(idx if before else idx + 1, ext)
                return resp

            self.reject(name, self.sign_resp(r, mutate=dup), "duplicate_id",
                        f"An element with ID equal to the Assertion's ID {'before' if before else 'after'} it "
                        "(inside a validly re-signed Response)", [18], r=r)
        for name, attr in (("id_attribute_name_Id", "Id"), ("id_attribute_name_AssertionID", "AssertionID")):
            r = self.base(name, ("assertion",))

            def alt(resp, a, attr=attr):
                a.attrs.append((attr, "_alt_id"))
                a.find("Signature").children[0].children[2].attrs = [("URI", "#_alt_id")]
                return resp

            xml = self.sign_resp(r, mutate=alt, id_attrs=[attr])
            self.reject(name, xml, "signature_reference",
                        f"The Assertion also carries {attr}=\"_alt_id\" and its Signature references #_alt_id "
                        f"(re-signed with xmlsec1 told that {attr} is an ID): only the ID attribute counts",
                        [19], r=r, xmlsec_id_attrs=[attr])
        # Class 21: processing instructions in signed content.
        r = self.base("pi_in_signed_nameid", ("assertion",), name_id=["admin", Raw("<?x y?>"), "@acme.example.com"])
        self.reject("pi_in_signed_nameid", self.sign_resp(r), "processing_instruction",
                    "A processing instruction inside the signed NameID (admin<?x y?>@acme.example.com)", [21], r=r)
        r = self.base("pi_in_signed_attribute", ("response",),
                      attrs=[Attr("role", [("xs:string", ["user", Raw("<?evil?>"), "admin"])])])
        self.reject("pi_in_signed_attribute", self.sign_resp(r), "processing_instruction",
                    "A processing instruction inside a signed AttributeValue", [21], r=r)
        # Class 23/24/25: content changed after signing.
        r = self.base("cdata_injected_after_signing", ("assertion",))
        xml = self.sign_resp(r).replace("jane.doe@acme.example.com</saml2:NameID>",
                                        "jane.doe@acme.example.com<![CDATA[.evil.com]]></saml2:NameID>")
        self.reject("cdata_injected_after_signing", xml, "signature",
                    "CDATA appended to the NameID after signing: CDATA is text, so the digest no longer matches",
                    [23], r=r)
        r = self.base("with_comments_switched_after_signing", ("assertion",),
                      name_id=["jane", Raw("<!--c-->"), ".doe@acme.example.com"])
        xml = self.sign_resp(r)
        xml = xml.replace(f'Algorithm="{ALG_EXC_C14N}"/></ds:Transforms>',
                          f'Algorithm="{ALG_EXC_C14N_COMMENTS}"/></ds:Transforms>')
        self.reject("with_comments_switched_after_signing", xml, "signature",
                    "Transform switched to exc-c14n#WithComments after signing: SignedInfo changed, the "
                    "signature value no longer matches", [24], r=r)
        r = self.base("newline_inserted_in_nameid", ("assertion",))
        xml = self.sign_resp(r).replace("jane.doe@acme.example.com</saml2:NameID>",
                                        "jane.doe@acme.example.com\n</saml2:NameID>")
        self.reject("newline_inserted_in_nameid", xml, "signature",
                    "A newline added inside the signed NameID after signing", [25], r=r)
        r = self.base("nameid_changed_after_signing", ("response", "assertion"))
        xml = self.sign_resp(r).replace("jane.doe@acme.example.com</saml2:NameID>", "admin@acme.example.com</saml2:NameID>")
        self.reject("nameid_changed_after_signing", xml, "signature",
                    "NameID edited after signing (both signatures break)", [25], r=r)
        r = self.base("response_sig_broken_assertion_sig_valid", ("response", "assertion"))
        xml = self.sign_resp(r)
        root = parse(xml)
        st = root.find(f"{q(NS_P, 'Status')}/{q(NS_P, 'StatusCode')}")
        root.find(q(NS_P, "Status")).append(parse(f'<saml2p:StatusMessage xmlns:saml2p="{NS_P}">x</saml2p:StatusMessage>'))
        assert st is not None
        self.reject("response_sig_broken_assertion_sig_valid", serialize(root), "signature",
                    "Response signature broken (Status changed after signing) beside a valid Assertion signature: "
                    "every signature present must verify", [25], r=r)
        # Class 26: attacker key.
        r = self.base("signed_by_attacker_key", ("response",))
        self.reject("signed_by_attacker_key", self.sign_resp(r, key="attacker-rsa2048"), "signature",
                    "Re-signed with the attacker's key, attacker's certificate in KeyInfo (certificate faking)",
                    [26], r=r)
        r = self.base("assertion_signed_by_attacker_response_by_idp", ("response", "assertion"))
        self.reject("assertion_signed_by_attacker_response_by_idp",
                    self.sign_resp(r, assertion_key="attacker-rsa2048"), "signature",
                    "Valid IdP Response signature, Assertion signature by the attacker's key", [26], r=r)
        r = self.base("signed_by_unconfigured_rollover_key", ("assertion",))
        self.reject("signed_by_unconfigured_rollover_key", self.sign_resp(r, key="idp-rsa3072"), "signature",
                    "Signed by a real IdP key that is not (or no longer) configured", [31], r=r)
        r = self.base("ecdsa_signature_rsa_cert", ("assertion",), sigalg=ECDSA_SHA256)
        self.reject("ecdsa_signature_rsa_cert", self.sign_resp(r, key="idp-p256"), "signature_key",
                    "ECDSA-SHA256 signature while the configured certificate holds an RSA key", [26], r=r)
        # Class 27: HMAC.
        for name, alg, length in (("hmac_sha256_with_cert_as_key", HMAC_SHA256, None),
                                  ("hmac_sha1_truncated", HMAC_SHA1, 80)):
            r = self.base(name, ("response",))

            def hmac(resp, a, alg=alg, length=length):
                i = next(i for i, k in enumerate(resp.children) if isinstance(k, El) and k.local == "Signature")
                resp.children[i] = signature_template("#" + r.rid, alg, DIG_SHA256, keyinfo=False,
                                                      hmac_output_length=length)
                return resp

            xml = self.sign_resp(r, mutate=hmac, steps=[(XP_RSIG, "hmac:idp-rsa2048.crt.der")])
            self.reject(name, xml, "signature_algorithm",
                        f"{alg.rsplit('#', 1)[1]} keyed with the IdP certificate's DER bytes (key confusion)"
                        + (f", HMACOutputLength {length}" if length else "") + "; xmlsec1 verifies it with "
                        "--hmackey, never with the certificate", [27], r=r)
        # Class 28: weak algorithms.
        r = self.base("rsa_sha1_not_allowed", ("assertion",), sigalg=RSA_SHA1, digalg=DIG_SHA1)
        self.reject("rsa_sha1_not_allowed", self.sign_resp(r), "signature_algorithm",
                    "RSA-SHA1 with a SHA-1 digest, allow_sha1 not set", [28], r=r)
        r = self.base("sha1_digest_downgrade", ("assertion",), sigalg=RSA_SHA256, digalg=DIG_SHA1)
        self.reject("sha1_digest_downgrade", self.sign_resp(r), "signature_algorithm",
                    "RSA-SHA256 signature over a SHA-1 Reference digest, allow_sha1 not set", [28], r=r)
        r = self.base("md5_digest", ("assertion",), sigalg=RSA_SHA256, digalg=DIG_MD5)
        try:
            xml = self.sign_resp(r)
        except RuntimeError:
            xml = self.sign_resp(self.base("md5_digest", ("assertion",))).replace(DIG_SHA256, DIG_MD5)
        self.reject("md5_digest", xml, "signature_algorithm", "MD5 Reference digest", [28], r=r,
                    settings=self.settings(r, allow_sha1=True))
        r = self.base("rsa1024_not_allowed", ("assertion",))
        self.reject("rsa1024_not_allowed", self.sign_resp(r, key="idp-rsa1024"), "signature_key",
                    "Signed with the configured RSA-1024 key, allow_rsa_1024 not set", [28], r=r,
                    settings=self.settings(r, idp_certs=["keys/idp-rsa1024.crt"]))
        # Class 29: signature exclusion.
        for name, sign in (("signature_removed_response", ("response",)),
                           ("signature_removed_assertion", ("assertion",)),
                           ("signature_removed_both", ("response", "assertion"))):
            r = self.base(name, sign)
            root = parse(self.sign_resp(r))
            for s in list(root.iter(q(NS_DS, "Signature"))):
                s.getparent().remove(s)
            self.reject(name, serialize(root), "unsigned", f"Every ds:Signature removed from a {'+'.join(sign)} "
                                                             "signed response", [29], r=r)
        r = self.base("assertion_unsigned_response_signature_removed", ("response", "assertion"))
        root = parse(self.sign_resp(r))
        root.remove(root.find(q(NS_DS, "Signature")))
        a = root.find(q(NS_A, "Assertion"))
        a.remove(a.find(q(NS_DS, "Signature")))
        a.find(f"{q(NS_A, 'Subject')}/{q(NS_A, 'NameID')}").text = "admin@acme.example.com"
        self.reject("assertion_unsigned_response_signature_removed", serialize(root), "unsigned",
                    "Both signatures stripped and the NameID changed", [29], r=r)
        r = self.base("signature_moved_into_assertion", ("response",))
        # The Response's Signature moved into the Assertion: it references an element that is not its parent.
        root = parse(self.sign_resp(r))
        sig = root.find(q(NS_DS, "Signature"))
        root.remove(sig)
        a = root.find(q(NS_A, "Assertion"))
        a.insert(1, sig)
        self.reject("signature_moved_into_assertion", serialize(root), "signature_reference",
                    "Signature moved: the Response's Signature (referencing the Response ID) moved into the "
                    "Assertion", [5, 29], r=r)
        # Class 32: encrypted assertion.
        # An Assertion signed by the IdP, then encrypted by xmlsec1 for the SP's key (Okta's
        # "EncryptedSignedAssertion"), inside a signed or an unsigned Response.
        inner = self.base("encrypted_assertion_plaintext", ("assertion",))
        signed_inner = parse(self.sign_resp(inner)).find(q(NS_A, "Assertion"))
        encrypted = self.signer.encrypt(etree.tostring(signed_inner).decode(), "sp-encryption-rsa2048")
        for name, sign in (("encrypted_assertion", ("response",)), ("encrypted_assertion_response_unsigned", ())):
            r = self.base(name, sign)

            def swap(resp, a):
                i = resp.children.index(a)
                resp.children[i] = Raw(f'<saml2:EncryptedAssertion xmlns:saml2="{NS_A}">{encrypted}'
                                       '</saml2:EncryptedAssertion>')
                return resp

            xml = self.sign_resp(r, mutate=swap)
            self.reject(name, xml, "encrypted_assertion",
                        f"A {'signed' if sign else 'unsigned'} Response carrying an EncryptedAssertion (a signed "
                        "Assertion encrypted by xmlsec1: AES-256-CBC, RSA-OAEP-MGF1P to "
                        "keys/sp-encryption-rsa2048.crt): typed \"not supported yet\" error", [32], r=r)
            self.cases[-1]["decryption"] = {"key": "keys/sp-encryption-rsa2048.key",
                                            "plaintext": expected_valid(inner)}

    def parser_attacks(self) -> None:
        r = self.base("xxe_doctype", ("response",))
        xml = self.sign_resp(r)
        body = xml.split("?>", 1)[1]
        xxe = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               + body.replace("jane.doe@acme.example.com</saml2:NameID>", "&x;</saml2:NameID>", 1))
        self.reject("xxe_doctype", xxe, "xml_doctype", "DOCTYPE with an external entity used in the NameID", [33],
                    r=r)
        lol = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;'
               '&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'
               '&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
               + body.replace("jane.doe@acme.example.com</saml2:NameID>", "&lol3;</saml2:NameID>", 1))
        self.reject("billion_laughs", lol, "xml_doctype", "Nested internal entities (billion laughs)", [34], r=r)
        self.reject("doctype_only", '<?xml version="1.0"?>\n<!DOCTYPE Response>' + body, "xml_doctype",
                    "A bare DOCTYPE without entities, in front of a valid signed Response", [33], r=r)
        self.reject("undefined_entity_reference", xml.replace("jane.doe@acme.example.com</saml2:NameID>",
                                                              "&ent;</saml2:NameID>"), "xml_syntax",
                    "A reference to an undeclared entity (not one of the five predefined)", [33], r=r)
        # Class 20/36: encodings and namespace well-formedness (parser differentials).
        r = self.base("latin1_encoding_declared", ("response",), name_id=["jos\u00e9@acme.example.com"])
        latin = self.sign_resp(r, encoding="iso-8859-1")
        self.reject("latin1_encoding_declared", latin.encode("iso-8859-1"), "xml_syntax",
                    "Signed by xmlsec1 as an ISO-8859-1 document (NameID jos\u00e9@... as one byte 0xE9): only "
                    "UTF-8 is accepted, a parser reading the bytes differently would see another value", [20, 36],
                    r=r)
        utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
        self.reject("utf16_document", b"\xff\xfe" + utf16.encode("utf-16-le"), "xml_syntax",
                    "The signed response re-encoded as UTF-16 (libxmlsec1 still verifies it): only UTF-8 is "
                    "accepted", [20, 36], r=r)
        self.reject("empty_prefix_undeclaration", xml.replace(
            'xmlns:xs="http://www.w3.org/2001/XMLSchema"', 'xmlns:xs=""', 1), "xml_syntax",
                    "xmlns:xs=\"\" (undeclaring a prefix is not allowed in XML 1.0 namespaces) where exc-c14n "
                    "would drop it", [20], r=r)
        self.reject("duplicate_expanded_attribute", xml.replace(
            "<saml2:NameID ", '<saml2:NameID xmlns:a="urn:x" xmlns:b="urn:x" a:k="1" b:k="2" ', 1), "xml_syntax",
                    "Two attributes with the same expanded name through two prefixes bound to one namespace "
                    "(class 20 b)", [20], r=r)
        self.reject("undeclared_prefix", xml.replace("<saml2:NameID ", "<u:x/><saml2:NameID ", 1), "xml_syntax",
                    "An element with an undeclared prefix", [20, 36], r=r)
        self.reject("nul_character_reference", xml.replace("jane.doe@acme.example.com</saml2:NameID>",
                                                           "jane.doe&#0;@acme.example.com</saml2:NameID>", 1),
                    "xml_syntax", "&#0; (not an XML character) inside the NameID", [36], r=r)
        self.reject("invalid_utf8", xml.encode().replace(b"jane.doe@acme.example.com</saml2:NameID>",
                                                         b"jane.doe\xff@acme.example.com</saml2:NameID>", 1),
                    "xml_syntax", "A byte that is not UTF-8 inside the NameID", [36], r=r)
        # Found by the xmlsec differential fuzzer: well-formedness errors a lenient reader may let by.
        self.reject("xml_declaration_unknown_pseudo_attribute", xml.replace(
            '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encodig="UTF-8"?>', 1), "xml_syntax",
                    "XML declaration with a misspelled pseudo-attribute (encodig=): not well-formed, libxml2 "
                    "refuses it", [36], r=r)
        self.reject("attributes_without_whitespace", xml.replace('" Destination="', '"Destination="', 1),
                    "xml_syntax", "No whitespace between two attributes of the signed Response (the canonical form "
                    "is unchanged): not well-formed, libxml2 refuses it", [20, 36], r=r)
        # Class 35: size and depth.
        pad = "A" * (1 << 20)
        big = xml.replace("jane.doe@acme.example.com</saml2:NameID>",
                          "jane.doe@acme.example.com</saml2:NameID><!--" + pad + "-->", 1)
        self.reject("huge_input", big, "input_size", "A 1 MiB comment makes the document exceed the input size "
                                                     "limit", [35], r=r)
        deep = ("<a>" * 5000) + ("</a>" * 5000)
        self.reject("deeply_nested", xml.replace("jane.doe@acme.example.com</saml2:NameID>",
                                                 "jane.doe@acme.example.com</saml2:NameID>" + deep.replace(
                                                     "<a>", '<x:a xmlns:x="urn:x">').replace("</a>", "</x:a>"), 1)
                    .replace('<x:a xmlns:x="urn:x">', "<x:a>", 4999)
                    .replace("<x:a>", '<x:a xmlns:x="urn:x">', 1), "xml_limits",
                    "5,000 nested elements inside the Assertion (depth limit)", [35], r=r)
        many = " ".join(f'a{i}="{i}"' for i in range(5000))
        self.reject("many_attributes", xml.replace("<saml2:NameID ", f"<saml2:NameID {many} ", 1), "xml_limits",
                    "5,000 attributes on one element (attributes-per-element limit)", [35], r=r)
        self.reject("many_elements", xml.replace("jane.doe@acme.example.com</saml2:NameID>",
                                                 "jane.doe@acme.example.com</saml2:NameID>"
                                                 + '<x:e xmlns:x="urn:x"/>' * 20000, 1), "xml_limits",
                    "20,000 sibling elements (element-count limit)", [35], r=r)
        # Class 36: malformed documents.
        self.reject("trailing_element", xml + "<x/>", "xml_syntax", "A second root element after the Response", [36],
                    r=r)
        self.reject("leading_junk", b64_form(("junk" + xml).encode()), "xml_syntax",
                    "Form value whose decoded XML has text before the XML declaration", [36], r=r, encoding="base64")
        self.reject("leading_junk_raw", "junk" + xml, "xml_syntax", "Raw XML input with text before the XML "
                                                                   "declaration", [36], r=r)
        self.reject("truncated", xml[:-20], "xml_syntax", "Document cut short", [36], r=r)
        self.reject("not_base64", "PHNhbWxwOlJlc3BvbnNl***not-base64***", "base64",
                    "A form value that is not base64", [36], r=r, encoding="base64")
        self.reject("root_not_response", xml.replace("saml2p:Response", "saml2p:LogoutResponse"), "shape",
                    "Root element LogoutResponse instead of Response", [36], r=r)

    def semantic_attacks(self) -> None:
        irt = REQUEST_ID

        def sem(name, check, desc, classes, settings_over=None, **kw):
            sign = kw.pop("sign", ("response", "assertion"))
            r = Resp(name, "okta", sign, **kw)
            self.reject(name, self.sign_resp(r), check, desc + " (re-signed, so only this check can fail)", classes,
                        r=r, settings=self.settings(r, **(settings_over or {})))
            return r

        # Class 37: replay.
        r = Resp("replay", "okta", ("assertion",), in_response_to=None)
        self.reject("replay", self.sign_resp(r), "replay",
                    "The same valid response submitted twice to one verifier: the first is accepted, the second "
                    "refused", [37], r=r, submissions=2)
        self.cases[-1]["first_submission"] = expected_valid(r)
        # Class 38: audience.
        sem("wrong_audience", "audience", "Audience of another SP", [38], audiences=[["https://other.example.com"]])
        sem("second_audience_restriction_excludes_us", "audience",
            "Two AudienceRestrictions, the second without our entity ID", [38],
            audiences=[[SP_ENTITY_ID], ["https://other.example.com"]])
        sem("audience_case_variant", "audience", "Audience differs from our entity ID only by case", [38],
            audiences=[["https://ACME.example.com"]])
        # Class 39: recipient / destination.
        sem("wrong_recipient", "recipient", "SubjectConfirmationData Recipient is another ACS", [39],
            recipient="https://other.example.com/okta/auth")
        sem("recipient_trailing_slash", "recipient", "Recipient with a trailing slash", [39],
            recipient=ACS_URL + "/")
        sem("wrong_destination", "destination", "Response Destination is another ACS", [39],
            destination="https://other.example.com/okta/auth")
        sem("destination_case_variant", "destination", "Destination differs only by case", [39],
            destination=ACS_URL.replace("acme", "ACME"))
        # Class 40: InResponseTo.
        sem("in_response_to_mismatch", "in_response_to", "InResponseTo of another request", [40],
            in_response_to="id-0000000000000000000000000000beef", settings_over={"request_id": irt})
        sem("in_response_to_missing_when_expected", "in_response_to",
            "SP-initiated sign-in (request ID expected) but the response has no InResponseTo", [40],
            settings_over={"request_id": irt, "allow_unsolicited": False})
        sem("in_response_to_unexpected", "in_response_to",
            "IdP-initiated allowed, no request outstanding, but the response carries an InResponseTo", [40],
            in_response_to=irt, settings_over={"request_id": None, "allow_unsolicited": True})
        sem("scd_in_response_to_mismatch", "in_response_to",
            "Response InResponseTo matches, SubjectConfirmationData InResponseTo names another request", [40],
            in_response_to=irt, scd_in_response_to="id-0000000000000000000000000000beef")
        sem("unsolicited_not_allowed", "unsolicited",
            "IdP-initiated response (no InResponseTo) while unsolicited responses are not enabled (login CSRF "
            "guard)", [49], settings_over={"allow_unsolicited": False})
        # Class 41: time.
        sem("not_yet_valid", "not_yet_valid", "now = NotBefore - 181 s (beyond the 3-minute skew)", [41],
            times=Times(now="2030-06-15T09:21:59Z", scd_not_on_or_after="2030-06-15T09:35:00.000Z"))
        sem("expired", "expired", "now = Conditions NotOnOrAfter + 181 s", [41],
            times=Times(now="2030-06-15T09:38:01Z", scd_not_on_or_after="2030-06-15T10:35:00.000Z"))
        sem("expired_exactly_at_skew_boundary", "expired",
            "now = Conditions NotOnOrAfter + 180 s exactly: NotOnOrAfter is exclusive", [41],
            times=Times(now="2030-06-15T09:38:00Z", scd_not_on_or_after="2030-06-15T10:35:00.000Z"))
        sem("subject_confirmation_expired", "subject_confirmation",
            "Conditions valid, SubjectConfirmationData NotOnOrAfter long past", [41, 44],
            times=Times(not_on_or_after="2030-06-15T10:35:00.000Z", scd_not_on_or_after="2030-06-15T09:20:00.000Z"))
        sem("expired_fractional", "expired", "Expiry with fractional seconds: now = NotOnOrAfter(.500) + 180.5 s",
            [41], times=Times(not_on_or_after="2030-06-15T09:35:00.500Z", now="2030-06-15T09:38:01Z",
                              scd_not_on_or_after="2030-06-15T10:35:00.000Z"))
        sem("issue_instant_in_future", "issue_instant",
            "Assertion and Response IssueInstant 181 s after now, Conditions valid (NotBefore backdated)", [41],
            times=Times(issue="2030-06-15T09:34:01.000Z"))

        def response_issued_later(resp, a):
            resp.attrs = [(k, "2030-06-15T09:40:00.000Z" if k == "IssueInstant" else v) for k, v in resp.attrs]
            return resp

        r = Resp("response_issue_instant_in_future", "okta", ("assertion",))
        self.reject("response_issue_instant_in_future", self.sign_resp(r, mutate=response_issued_later),
                    "issue_instant", "Unsigned Response IssueInstant 9 minutes after now; the signed Assertion is "
                    "valid", [41], r=r)
        sem("timestamp_without_zone", "timestamp_zone",
            "Conditions NotOnOrAfter without a time zone (a local time; SAML core 1.3.3 requires UTC)", [41],
            times=Times(not_on_or_after="2030-06-15T09:35:00.000"))
        sem("timestamp_non_utc_offset", "timestamp_zone",
            "Every timestamp written with the offset +02:00 (the right instants, not in UTC)", [41],
            times=Times(issue="2030-06-15T11:30:00.000+02:00", not_before="2030-06-15T11:25:00.000+02:00",
                        not_on_or_after="2030-06-15T11:35:00.000+02:00",
                        scd_not_on_or_after="2030-06-15T11:35:00.000+02:00", authn="2030-06-15T11:02:11.000+02:00"))
        sem("lifetime_until_year_9999", "lifetime",
            "Conditions and SubjectConfirmationData NotOnOrAfter 9999-12-31: a replay-cache entry kept for ever "
            "(longer than the 24-hour default maximum lifetime)", [37, 41],
            times=Times(not_on_or_after="9999-12-31T23:59:59.000Z", scd_not_on_or_after="9999-12-31T23:59:59.000Z"))
        sem("no_audience_restriction", "audience",
            "Conditions without AudienceRestriction (required by the Web SSO profile; accepted only through a "
            "dangerous option)", [38], audiences=[])
        # Conditions and Version: what the assertion says it is.

        def add_condition(*conditions):
            def mutate(resp, a):
                cond = a.find("Conditions")
                cond.add(*conditions)
                return resp
            return mutate

        r = Resp("unknown_condition_typed", "okta", ("response", "assertion"))
        self.reject("unknown_condition_typed", self.sign_resp(r, mutate=add_condition(
            El(NS_A, "Condition", [("xsi:type", "ex:OfficeHoursOnly")],
               decl={"xsi": NS_XSI, "ex": "urn:example:conditions"}))), "condition",
            "A saml:Condition of a type we do not know (SAML core 2.5.1.1: the assertion is Indeterminate)", [],
            r=r)
        r = Resp("unknown_condition_foreign", "okta", ("response", "assertion"))
        self.reject("unknown_condition_foreign", self.sign_resp(r, mutate=add_condition(
            El("urn:example:conditions", "Custom", decl={"x": "urn:example:conditions"}, prefix="x"))),
            "condition", "A condition element of another namespace", [], r=r)
        r = Resp("one_time_use_and_proxy_restriction", "okta", ("assertion",))
        self.valid(r, "OneTimeUse (the replay cache enforces it for every assertion) and ProxyRestriction (limits "
                      "assertions we never issue) are accepted", [],
                   mutate=add_condition(El(NS_A, "OneTimeUse"), El(NS_A, "ProxyRestriction", [("Count", "0")])))

        def version(element, value):
            def mutate(resp, a):
                target = resp if element == "Response" else a
                target.attrs = [(k, value if k == "Version" else v) for k, v in target.attrs]
                return resp
            return mutate

        r = Resp("assertion_version_2_1", "okta", ("response", "assertion"))
        self.reject("assertion_version_2_1", self.sign_resp(r, mutate=version("Assertion", "2.1")), "version",
                    "Assertion Version 2.1 (only 2.0 is understood)", [], r=r)
        r = Resp("response_version_1_1", "okta", ("response", "assertion"))
        self.reject("response_version_1_1", self.sign_resp(r, mutate=version("Response", "1.1")), "version",
                    "Response Version 1.1", [], r=r)
        # Class 42: issuer.
        sem("wrong_assertion_issuer", "issuer", "Assertion Issuer is another IdP (tenant confusion)", [42],
            assertion_issuer="http://www.okta.com/exkOTHERTENANT000h7")
        sem("wrong_response_issuer", "issuer", "Response Issuer is another IdP", [42],
            response_issuer="http://www.okta.com/exkOTHERTENANT000h7")
        sem("missing_assertion_issuer", "issuer", "Assertion without Issuer", [42],
            assertion_issuer=None,
            sign=("response",))
        # Class 43: status.
        sem("status_responder", "status", "Top-level StatusCode Responder with a nested AuthnFailed", [43],
            status=["urn:oasis:names:tc:SAML:2.0:status:Responder", "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"],
            status_message="Authentication failed", sign=("response",))
        sem("status_requester", "status", "StatusCode Requester / RequestDenied", [43],
            status=["urn:oasis:names:tc:SAML:2.0:status:Requester",
                    "urn:oasis:names:tc:SAML:2.0:status:RequestDenied"], sign=("response", "assertion"))
        # Class 44: subject confirmation.
        sem("confirmation_holder_of_key", "subject_confirmation", "SubjectConfirmation Method holder-of-key only",
            [44], sc_method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
        sem("confirmation_without_data", "subject_confirmation", "Bearer SubjectConfirmation without "
                                                                 "SubjectConfirmationData", [44], scd=False)
        # Class 45: Advice holding an assertion.
        r = Resp("advice_with_assertion", "okta", ("assertion",))

        def advice(resp, a):
            inner = copy.deepcopy(a)
            inner.children = [k for k in inner.children if not (isinstance(k, El) and k.local == "Signature")]
            inner.attrs = [("ID", "_advice_assertion") if k == "ID" else (k, v) for k, v in inner.attrs]
            for el in inner.walk():
                if el.local == "NameID":
                    el.children = ["admin@acme.example.com"]
            idx = next(i for i, k in enumerate(a.children) if isinstance(k, El) and k.local == "Conditions")
            a.children.insert(idx + 1, El(NS_A, "Advice", children=[inner]))
            return resp

        self.reject("advice_with_assertion", self.sign_resp(r, mutate=advice), "shape",
                    "A signed Assertion whose Advice holds another Assertion (admin NameID)", [45], r=r)

    # ------------------------------------------------------------------ c14n outputs

    def write_c14n(self, out: str, data: bytes) -> bool:
        """Writes one lxml output under tests/data/c14n, unless it is byte-identical to a shared
        bench vector: those stay in the shared fixtures folder and are never copied into the
        repository. Returns whether the file was written (and belongs in the manifest)."""

        same = self.shared_vectors.get(data)
        if same is not None:
            print(f"skipped c14n/{out}: byte-identical to the shared {same}")
            self.skipped_c14n.append(out)
            return False
        path = C14N_OUT / out
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return True

    def c14n_outputs(self) -> None:
        if C14N_OUT.exists():
            shutil.rmtree(C14N_OUT)
        C14N_OUT.mkdir(parents=True)
        sources: list[tuple[str, str, bytes]] = []
        for case in self.cases:
            if case["encoding"] == "xml" and (case["category"] == "valid" or case["name"] in C14N_ATTACK_SOURCES):
                sources.append(("generated", case["file"], (OUT / case["file"]).read_bytes()))
        if self.shared is not None:
            import base64
            import re
            for rel in SHARED_C14N_FILES:
                p = self.shared / rel
                if not p.exists():
                    print(f"warning: shared fixture {p} missing; skipped", file=sys.stderr)
                    continue
                data = p.read_bytes()
                if rel.endswith(".b64") or rel.endswith(".base64"):
                    data = base64.b64decode(re.sub(rb"\s+", b"", data))
                    if data.startswith(b"\xef\xbb\xbf"):
                        data = data[3:]
                sources.append(("shared", rel, data))
        for origin, rel, data in sources:
            root = parse(data)
            self.document_c14n(origin, rel, data)
            seen: dict[str, int] = {}
            for el in [root] + list(root.iter(q(NS_A, "Assertion"))):
                if el.tag not in (q(NS_P, "Response"), q(NS_A, "Assertion")):
                    continue
                sig = el.find(q(NS_DS, "Signature"))
                prefix_list = None
                if sig is not None:
                    inc = sig.find(".//{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces")
                    if inc is not None and inc.get("PrefixList") is not None:
                        prefix_list = inc.get("PrefixList").split()
                local = el.tag.split("}")[1].lower()
                seen[local] = seen.get(local, 0) + 1
                if seen[local] > 1:
                    local += str(seen[local])
                stem = (rel.replace("/", "__").rsplit(".", 1)[0] if origin == "shared"
                        else Path(rel).stem) + "." + local
                # enveloped-signature: drop the element's own Signature, on a private copy of the tree
                doc = parse(data)
                path = pos_path(el)
                target = doc.getroottree().xpath(path)[0]
                own = target.find(q(NS_DS, "Signature"))
                if own is not None:
                    remove_keep_tail(own)
                item = {"source": origin, "file": rel, "element": local, "xpath": path, "id": el.get("ID"),
                        "enveloped_signature_removed": own is not None, "prefix_list": prefix_list or [],
                        "outputs": {}}
                variants = [("exc", False, None), ("exc_comments", True, None)]
                if prefix_list:
                    variants += [("exc_prefixlist", False, prefix_list), ("exc_comments_prefixlist", True, prefix_list)]
                for tag, comments, pl in variants:
                    out = f"{origin}/{stem}.{tag}.c14n"
                    if self.write_c14n(out, c14n(target, comments, pl)):
                        item["outputs"][tag] = out
                # the SignedInfo, canonicalised on its own (what the signature value covers)
                if sig is not None:
                    si_doc = parse(data)
                    si = si_doc.getroottree().xpath(pos_path(sig.find(q(NS_DS, "SignedInfo"))))[0]
                    out = f"{origin}/{stem}.signedinfo.c14n"
                    if self.write_c14n(out, c14n(si, False, None)):
                        item["outputs"]["signedinfo"] = out
                    item["signedinfo_xpath"] = pos_path(sig.find(q(NS_DS, "SignedInfo")))
                self.c14n_items.append(item)
        manifest = {
            "about": "Exclusive XML Canonicalization 1.0 of signed elements, computed by lxml (libxml2) "
                     "independently of saml-sp. 'xpath' locates the element in the source document; when "
                     "'enveloped_signature_removed' is true the element's own ds:Signature child was removed first "
                     "(the enveloped-signature transform). Outputs: exc (without comments), exc_comments (with "
                     "comments), *_prefixlist (InclusiveNamespaces PrefixList applied), signedinfo (the element's "
                     "SignedInfo, exc-c14n without comments, no PrefixList).",
            "generator": "scripts/saml-vectors/generate.py",
            "lxml": lxml_version(),
            "documents_about": "Per source document: document_exc / document_exc_comments are the exclusive c14n "
                               "of the whole document; every_subtree is the concatenation, in document order, "
                               "of the exclusive c14n of every element taken as the apex (without comments), "
                               "and every_subtree_prefixlist the same with the union of the document's "
                               "InclusiveNamespaces PrefixLists.",
            "documents": self.c14n_documents,
            "items": self.c14n_items,
        }
        (C14N_OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    def document_c14n(self, origin: str, rel: str, data: bytes) -> None:
        """Whole-document forms, and every element taken as the apex in turn (concatenated in
        document order), with and without the document's PrefixList."""

        stem = rel.replace("/", "__").rsplit(".", 1)[0] if origin == "shared" else Path(rel).stem
        root = parse(data)
        prefix_list: list[str] = []
        for inc in root.iter("{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces"):
            for p in (inc.get("PrefixList") or "").split():
                if p not in prefix_list:
                    prefix_list.append(p)
        item = {"file": rel, "source": origin, "prefix_list": prefix_list, "outputs": {}}
        tree = root.getroottree()
        forms = {
            "document_exc": etree.tostring(tree, method="c14n", exclusive=True, with_comments=False),
            "document_exc_comments": etree.tostring(tree, method="c14n", exclusive=True, with_comments=True),
            "every_subtree": b"".join(c14n(el, False, None) for el in root.iter() if isinstance(el.tag, str)),
        }
        if prefix_list:
            forms["every_subtree_prefixlist"] = b"".join(
                c14n(el, False, prefix_list) for el in root.iter() if isinstance(el.tag, str))
        for tag, out_bytes in forms.items():
            out = f"{origin}/{stem}.{tag}.c14n"
            if self.write_c14n(out, out_bytes):
                item["outputs"][tag] = out
        self.c14n_documents.append(item)

    # ------------------------------------------------------------------ outputs

    def write_manifest(self) -> None:
        manifest = {
            "about": "saml-sp test vectors signed by xmlsec1 (independent of saml-sp), and an attack matrix made "
                     "by mutation. See README.md. 'xmlsec1_ok' is true when every ds:Signature in the document "
                     "verifies with `xmlsec1 --verify` against one of the configured certificates (KeyInfo "
                     "ignored).",
            "generator": "scripts/saml-vectors/generate.py",
            "xmlsec1": env_xmlsec_version(),
            "defaults": {"clock_skew_seconds": 180},
            "classes_not_applicable": NOT_APPLICABLE,
            "cases": self.cases,
        }
        (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")

    def write_readme(self) -> None:
        lines = [
            "# Generated SAML test vectors",
            "",
            "Written by `scripts/saml-vectors/generate.py` (run it through `scripts/saml-vectors/run.sh`; see the "
            "README there). Every signature here was made by the `xmlsec1` command-line tool (libxmlsec1 + "
            "OpenSSL), never by saml-sp, and every valid vector was checked with `xmlsec1 --verify` by the "
            "generator. `manifest.json` describes each case: input file, verification settings, whether "
            "`xmlsec1 --verify` accepts every signature in it (`xmlsec1_ok`), and the expected outcome (the "
            "verified values, or the name of the check that must fail). `tests/generated_vectors.rs` runs them "
            "all.",
            "",
            "`keys/` holds throw-away keys made for these tests only (RSA-2048 IdP, RSA-3072 rollover, ECDSA "
            "P-256 and P-384, RSA-1024 for the legacy option, an attacker key, the SP's encryption key for the "
            "EncryptedAssertion cases). They protect nothing; never use them elsewhere.",
            "",
            "Common settings unless the table says otherwise: SP entity ID `" + SP_ENTITY_ID + "`, ACS URL `"
            + ACS_URL + "`, certificate `keys/idp-rsa2048.crt`, issuer of the IdP style, now "
            "`2030-06-15T09:31:00Z`, default clock skew 3 minutes. Reference class numbers are those of the SAML "
            "research notes, section 2 (attack classes).",
            "",
            "| case | classes | xmlsec1 | expected | description |",
            "|---|---|---|---|---|",
        ]
        for c in self.cases:
            exp = c["expect"]
            outcome = ("valid: `" + exp["name_id"]["value"].replace("\n", "\\n") + "`") if exp["verdict"] == "valid" \
                else "reject `" + exp["check"] + "`"
            if c.get("submissions", 1) > 1:
                outcome += f" (submission {c['submissions']})"
            classes = ", ".join(str(x) for x in c["classes"]) or "-"
            lines.append(f"| `{c['name']}` | {classes} | {'OK' if c['xmlsec1_ok'] else 'fails'} | {outcome} | "
                         f"{c['description'].replace('|', '/')} |")
        lines += ["", "## Reference classes that do not apply to verifying a POSTed Response", ""]
        for k, v in NOT_APPLICABLE.items():
            lines.append(f"- **{k}**: {v}")
        lines += ["", "## Cases per reference class", "", "| class | cases |", "|---|---|"]
        for n in range(1, 50):
            names = [c["name"] for c in self.cases if n in c["classes"]]
            na = [v for k, v in NOT_APPLICABLE.items() if k.split(" ")[0].split("(")[0] == str(n)]
            cell = ", ".join(f"`{x}`" for x in names) if names else ("not applicable, see above" if na else "-")
            lines.append(f"| {n} | {cell} |")
        lines.append("")
        (OUT / "README.md").write_text("\n".join(lines))
        (KEYS / "README.md").write_text(
            "# Test-only keys\n\nThrow-away keys and self-signed certificates made with openssl by "
            "`scripts/saml-vectors/generate.py` for the generated SAML vectors only. The private keys are "
            "public on purpose and protect nothing: never trust them anywhere else.\n\n"
            "| file | use |\n|---|---|\n"
            "| `idp-rsa2048` | the IdP signing key of most vectors |\n"
            "| `idp-rsa3072` | a second IdP key (certificate rollover) |\n"
            "| `idp-p256`, `idp-p384` | ECDSA-SHA256 / ECDSA-SHA384 vectors |\n"
            "| `idp-rsa1024` | the legacy RSA-1024 option |\n"
            "| `attacker-rsa2048` | re-signing attacks |\n"
            "| `sp-encryption-rsa2048` | the SP key EncryptedAssertions are encrypted to |\n"
            "| `idp-rsa2048.crt.der` | the IdP certificate as DER, used as an HMAC secret in the key-confusion "
            "cases |\n")


def remove_keep_tail(el) -> None:
    """Removes an element node only (as the enveloped-signature transform does): lxml keeps the
    text that follows an element in its .tail, which must stay in the document."""

    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def pos_path(el) -> str:
    """Positional path (/*[1]/*[3]...) counting element children only."""

    steps = []
    while el is not None:
        parent = el.getparent()
        if parent is None:
            steps.append("/*[1]")
        else:
            kids = [k for k in parent if isinstance(k.tag, str)]
            steps.append(f"/*[{kids.index(el) + 1}]")
        el = parent
    return "".join(reversed(steps))


C14N_ATTACK_SOURCES = {"xsw1", "xsw8", "concealed_signed_assertion", "digest_value_comment_split",
                       "cdata_injected_after_signing", "ancestor_wrapper", "fake_assertion_namespace",
                       "default_ns_assertion_beside_prefixed"}

SHARED_C14N_FILES = [
    "bench/response_assertion_signed.xml",
    "bench/response_response_signed.xml",
    "bench/response_both_signed.xml",
    "bench/response_large_both_signed.xml",
    "saml/xml-crypto/signature_with_inclusivenamespaces.xml",
    "saml/xml-crypto/valid_saml.xml",
    "saml/xml-crypto/valid_saml_withcomments.xml",
    "saml/ruby-saml/inclusive_namespaces.xml",
    "saml/ruby-saml/adfs_response_sha256.xml",
    "saml/samael/response_signed.xml",
    "saml/samael/response_signed_assertion.xml",
    "saml/node-saml/valid_response.root-signed.assertion-signed.xml",
    "saml/crewjam-saml/TestSPRealWorldAssertionSignedNotResponse_response.xml",
    "saml/crewjam-saml/DERIVED_okta_decrypted_signed_assertion_bothsigned.xml",
    "saml/crewjam-saml/TestSPCanHandlePlaintextResponse_response.b64",
    "saml/python3-saml/double_signed_response.xml.base64",
]

NOT_APPLICABLE = {
    "30 (fail-open without a certificate)": "not a document: the verifier cannot be built without an IdP "
                                            "certificate; tests/generated_vectors.rs checks that building one fails "
                                            "with the `config` check.",
    "32 (padding oracles, RSA-1.5 key transport, decryption yielding two assertions)":
        "saml-sp does not decrypt yet; an EncryptedAssertion is refused with `encrypted_assertion` "
        "(case `encrypted_assertion`).",
    "48 (RelayState open redirect)": "RelayState is not part of the signed Response; it is validated by the "
                                     "application layer (okta-integration).",
    "49 (login CSRF through IdP-initiated sign-in)": "a policy, covered here only by `unsolicited_not_allowed` "
                                                     "(unsolicited responses are refused unless enabled).",
    "20(b) (same attribute through two prefixes)": "`ID` and `foo:ID` are different attributes by namespace; only "
                                                   "the unprefixed `ID` is an ID (see the class 19 cases).",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared-fixtures", help="shared fixtures folder (default: $SHARED_FIXTURES_DIR or "
                                              "<repo>/../shared/fixtures)")
    ap.add_argument("--new-keys", action="store_true", help="regenerate the test keys (changes every vector)")
    args = ap.parse_args()
    import os
    shared = Path(args.shared_fixtures or os.environ.get("SHARED_FIXTURES_DIR") or REPO.parent / "shared" / "fixtures")
    if not shared.exists():
        print(f"warning: {shared} not found; c14n outputs of shared fixtures are skipped", file=sys.stderr)
        shared = None
    ensure_keys(KEYS, args.new_keys)
    for sub in ("valid", "attacks"):
        if (OUT / sub).exists():
            shutil.rmtree(OUT / sub)
    g = Gen(shared)
    g.valid_vectors()
    g.attacks()
    g.write_manifest()
    g.write_readme()
    g.c14n_outputs()
    n_valid = sum(1 for c in g.cases if c["category"] == "valid")
    print(f"{len(g.cases)} cases ({n_valid} valid, {len(g.cases) - n_valid} attacks), "
          f"{len(g.c14n_items)} c14n items, {len(g.skipped_c14n)} c14n outputs skipped as copies of shared "
          f"vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main())

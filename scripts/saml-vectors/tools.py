"""Key generation, xmlsec1 signing/verification and lxml helpers."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
from pathlib import Path

from lxml import etree

from samlxml import NS_A, NS_DS, NS_P

XP_ASIG = f"//*[local-name()='Assertion' and namespace-uri()='{NS_A}']/*[local-name()='Signature' and namespace-uri()='{NS_DS}']"
XP_RSIG = f"/*[local-name()='Response' and namespace-uri()='{NS_P}']/*[local-name()='Signature' and namespace-uri()='{NS_DS}']"

ID_ATTRS = [
    f"{NS_P}:Response",
    f"{NS_A}:Assertion",
]

# name -> openssl arguments for the private key
KEY_SPECS = {
    "idp-rsa2048": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    "idp-rsa3072": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
    "idp-p256": ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    "idp-p384": ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
    "idp-rsa1024": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    "attacker-rsa2048": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
    # The SP's encryption key (EncryptedAssertion vectors).
    "sp-encryption-rsa2048": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
}

ENCRYPTED_DATA_TEMPLATE = (
    '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" '
    'Type="http://www.w3.org/2001/04/xmlenc#Element">'
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>'
    '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>'
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/>'
    '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>'
    '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>'
)


def run(cmd: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=check, capture_output=True, **kw)


def ensure_keys(keys_dir: Path, regenerate: bool) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True)
    for name, spec in KEY_SPECS.items():
        key = keys_dir / f"{name}.key"
        crt = keys_dir / f"{name}.crt"
        if key.exists() and crt.exists() and not regenerate:
            continue
        run(["openssl", *spec, "-out", str(key)])
        cn = "Attacker" if name.startswith("attacker") else "Vectors IdP " + name
        run(["openssl", "req", "-x509", "-new", "-key", str(key), "-out", str(crt), "-days", "36500",
             "-sha256", "-subj", f"/O=saml-sp test vectors/CN={cn}"])
    # HMAC "key confusion": the IdP certificate's DER bytes used as an HMAC secret.
    der = run(["openssl", "x509", "-in", str(keys_dir / "idp-rsa2048.crt"), "-outform", "DER"]).stdout
    (keys_dir / "idp-rsa2048.crt.der").write_bytes(der)


class Signer:
    def __init__(self, keys_dir: Path):
        self.keys_dir = keys_dir

    def sign(self, xml: str, steps: list[tuple[str, str]], id_attrs: list[str] | None = None,
             after_each=None, extra_id_nodes: list[str] | None = None, encoding: str = "utf-8") -> str:
        """Signs the Signature templates selected by each XPath, in order, with xmlsec1.

        after_each rewrites the document after every step (only parts no later digest has covered yet
        may change, which holds for base64 reflowing of the signature just made)."""

        with tempfile.TemporaryDirectory() as tmp:
            cur = Path(tmp) / "in.xml"
            cur.write_text(xml, encoding=encoding)
            for i, (xpath, key) in enumerate(steps):
                out = Path(tmp) / f"out{i}.xml"
                cmd = ["xmlsec1", "--sign"]
                if key.startswith("hmac:"):
                    cmd += ["--hmackey", str(self.keys_dir / key[5:])]
                else:
                    cmd += ["--privkey-pem", f"{self.keys_dir / (key + '.key')},{self.keys_dir / (key + '.crt')}"]
                for attr in (id_attrs or ["ID"]):
                    for node in ID_ATTRS + (extra_id_nodes or []):
                        cmd += [f"--id-attr:{attr}", node]
                cmd += ["--node-xpath", xpath, "--output", str(out), str(cur)]
                res = run(cmd, check=False)
                if res.returncode != 0:
                    raise RuntimeError(f"xmlsec1 --sign failed ({xpath}): {res.stderr.decode()[-2000:]}")
                if after_each is not None:
                    out.write_text(after_each(out.read_text(encoding=encoding)), encoding=encoding)
                cur = out
            return cur.read_text(encoding=encoding)

    def encrypt(self, element_xml: str, cert: str) -> str:
        """Encrypts an XML element (AES-256-CBC, key transport RSA-OAEP-MGF1P to cert) with xmlsec1,
        checks that xmlsec1 decrypts it back, and returns the xenc:EncryptedData element."""

        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data.xml"
            data.write_text(element_xml, encoding="utf-8")
            tmpl = Path(tmp) / "tmpl.xml"
            tmpl.write_text(ENCRYPTED_DATA_TEMPLATE, encoding="utf-8")
            out = Path(tmp) / "enc.xml"
            run(["xmlsec1", "--encrypt", "--pubkey-cert-pem", str(self.keys_dir / (cert + ".crt")),
                 "--session-key", "aes-256", "--xml-data", str(data), "--node-xpath", "/*",
                 "--output", str(out), str(tmpl)])
            dec = run(["xmlsec1", "--decrypt", "--privkey-pem", str(self.keys_dir / (cert + ".key")), str(out)])
            if etree.tostring(etree.fromstring(dec.stdout), method="c14n") != etree.tostring(
                    etree.fromstring(element_xml.encode()), method="c14n"):
                raise RuntimeError("xmlsec1 --decrypt does not give the plaintext back")
            text = out.read_text(encoding="utf-8")
            return text.split("?>", 1)[1].strip() if text.startswith("<?xml") else text

    def verify_all(self, data: bytes, certs: list[str], id_attrs: list[str] | None = None,
                   extra_id_nodes: list[str] | None = None) -> bool:
        """True when the document has at least one ds:Signature and every one of them verifies
        with xmlsec1 against one of the given certificates (KeyInfo ignored)."""

        try:
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
            count = len(root.getroottree().findall(f".//{{{NS_DS}}}Signature")) + (
                1 if root.tag == f"{{{NS_DS}}}Signature" else 0)
        except etree.XMLSyntaxError:
            # lxml is stricter than xmlsec1 about namespace errors; let xmlsec1 decide.
            count = len(re.findall(rb"<(?:[A-Za-z_][\w.-]*:)?Signature[\s/>]", data))
        if count == 0:
            return False
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "doc.xml"
            path.write_bytes(data)
            for i in range(1, count + 1):
                xpath = f"(//*[local-name()='Signature' and namespace-uri()='{NS_DS}'])[{i}]"
                ok = False
                for cert in certs:
                    cmd = ["xmlsec1", "--verify", "--enabled-key-data", "key-name",
                           "--enabled-reference-uris", "empty,same-doc",
                           "--pubkey-cert-pem", str(self.keys_dir.parent / cert)]
                    for attr in (id_attrs or ["ID"]):
                        for node in ID_ATTRS + (extra_id_nodes or []):
                            cmd += [f"--id-attr:{attr}", node]
                    cmd += ["--node-xpath", xpath, str(path)]
                    if run(cmd, check=False).returncode == 0:
                        ok = True
                        break
                if not ok:
                    return False
        return True


B64_RE = re.compile(r"(<(?:[A-Za-z0-9_]+:)?(?:SignatureValue|X509Certificate)(?:\s[^>]*)?>)([^<]*)(</)")


def reflow_base64(xml: str, mode: str) -> str:
    """Rewrites SignatureValue/X509Certificate text (not covered by any digest).

    mode: "single" (no whitespace), "crlf76" (76 columns, CR as &#13; then LF, as Keycloak),
    "lf64" (leave xmlsec1's own 64-column LF wrapping)."""

    def fix(m: re.Match) -> str:
        b64 = re.sub(r"(?:\s|&#13;|&#xD;)+", "", m.group(2))
        if mode == "single":
            body = b64
        elif mode == "crlf76":
            body = "&#13;\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
        else:
            return m.group(0)
        return m.group(1) + body + m.group(3)

    return B64_RE.sub(fix, xml)


def parse(xml: str | bytes):
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    return etree.fromstring(xml, etree.XMLParser(remove_blank_text=False, resolve_entities=False))


def serialize(root) -> str:
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8").decode("utf-8")


def q(ns: str, local: str) -> str:
    return f"{{{ns}}}{local}"


def b64_form(xml: bytes, wrap: int | None = 76, crlf: bool = True, bom: bool = False) -> str:
    data = (b"\xef\xbb\xbf" if bom else b"") + xml
    s = base64.b64encode(data).decode("ascii")
    if wrap:
        sep = "\r\n" if crlf else "\n"
        s = sep.join(s[i:i + wrap] for i in range(0, len(s), wrap)) + sep
    return s


def c14n(element, with_comments: bool, prefix_list: list[str] | None) -> bytes:
    """lxml's (libxml2's) exclusive c14n of one element subtree."""

    return etree.tostring(element, method="c14n", exclusive=True, with_comments=with_comments,
                          inclusive_ns_prefixes=prefix_list)


def env_xmlsec_version() -> str:
    return run(["xmlsec1", "--version"]).stdout.decode().strip()


def lxml_version() -> str:
    return ".".join(str(x) for x in etree.LXML_VERSION) + " (libxml2 " + ".".join(
        str(x) for x in etree.LIBXML_VERSION) + ")"


os.environ.setdefault("LC_ALL", "C")

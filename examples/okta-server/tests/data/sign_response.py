#!/usr/bin/env python3
"""Prints a fresh, signed, IdP-initiated SAML Response (base64) in Okta's shape.

usage: sign_response.py ORG_URL NAME_ID ISSUER KEY.pem

The assertion (valid from a minute ago for five minutes) is signed by xmlsec1 (Debian package
`xmlsec1`), an implementation independent of the server's verifier, with enveloped signature,
exclusive c14n and RSA-SHA256. Audience is ORG_URL, Recipient and Destination ORG_URL/okta/auth.
"""

import base64
import datetime
import os
import subprocess
import sys
import tempfile
import uuid
from xml.sax.saxutils import escape


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    org_url, name_id, issuer, key = sys.argv[1:]
    now = datetime.datetime.now(datetime.timezone.utc)

    def stamp(delta_minutes: int) -> str:
        return (now + datetime.timedelta(minutes=delta_minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    response_id = "_r" + uuid.uuid4().hex
    assertion_id = "_a" + uuid.uuid4().hex
    acs = escape(org_url + "/okta/auth", {'"': "&quot;"})
    audience = escape(org_url)
    issuer = escape(issuer)
    name_id = escape(name_id)
    xml = (
        f'<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" Destination="{acs}"'
        f' ID="{response_id}" IssueInstant="{stamp(0)}" Version="2.0">'
        f'<saml2:Issuer xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">{issuer}</saml2:Issuer>'
        '<saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>'
        f'<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="{assertion_id}"'
        f' IssueInstant="{stamp(0)}" Version="2.0"><saml2:Issuer>{issuer}</saml2:Issuer>'
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        f'<ds:Reference URI="#{assertion_id}"><ds:Transforms>'
        '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        '<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>'
        '<ds:SignatureValue></ds:SignatureValue></ds:Signature>'
        '<saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">'
        f'{name_id}</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml2:SubjectConfirmationData NotOnOrAfter="{stamp(5)}" Recipient="{acs}"/>'
        '</saml2:SubjectConfirmation></saml2:Subject>'
        f'<saml2:Conditions NotBefore="{stamp(-1)}" NotOnOrAfter="{stamp(5)}"><saml2:AudienceRestriction>'
        f'<saml2:Audience>{audience}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>'
        f'<saml2:AuthnStatement AuthnInstant="{stamp(0)}" SessionIndex="{assertion_id}">'
        '<saml2:AuthnContext><saml2:AuthnContextClassRef>'
        'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'
        '</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>'
        '</saml2:Assertion></saml2p:Response>'
    )
    with tempfile.TemporaryDirectory() as tmp:
        template = os.path.join(tmp, "response.xml")
        with open(template, "w", encoding="utf-8") as f:
            f.write(xml)
        signed = subprocess.run(
            [
                "xmlsec1", "--sign", "--privkey-pem", key,
                "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                template,
            ],
            capture_output=True,
            check=True,
        ).stdout
    print(base64.b64encode(signed).decode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

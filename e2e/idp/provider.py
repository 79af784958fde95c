"""The identity provider: pysaml2's `saml2.server.Server` configured for one service provider.

It answers the way Okta does: NameID in the emailAddress format (the user's email), the
response posted to the SP's Assertion Consumer Service, signed by xmlsec1 with RSA-SHA256 on
the assertion, on the response, or on both.
"""

from __future__ import annotations

import base64
import shutil
from dataclasses import dataclass
from typing import Literal, Optional

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import AUTHN_PASSWORD_PROTECTED, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from .keys import KeyPair

SignMode = Literal["assertion", "response", "both"]
#: Every way the IdP can sign a response.
SIGN_MODES: tuple[SignMode, ...] = ("assertion", "response", "both")


@dataclass(frozen=True)
class AuthnRequestInfo:
    """What the IdP read from an AuthnRequest."""

    request_id: str
    sp_entity_id: str
    acs_url: str


def xmlsec1_path() -> str:
    """The `xmlsec1` binary (Debian package `xmlsec1`)."""
    path = shutil.which("xmlsec1")
    if path is None:
        raise RuntimeError("xmlsec1 not found: install the Debian package xmlsec1")
    return path


class IdentityProvider:
    """A SAML 2.0 IdP that trusts one SP, given by its metadata XML."""

    def __init__(self, entity_id: str, sso_url: str, keys: KeyPair, sp_metadata_xml: str) -> None:
        self.entity_id = entity_id
        self.sso_url = sso_url
        self.keys = keys
        config = IdPConfig()
        config.load(
            {
                "entityid": entity_id,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (sso_url, BINDING_HTTP_REDIRECT),
                                (sso_url, BINDING_HTTP_POST),
                            ],
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                            },
                        },
                    },
                },
                "key_file": str(keys.key_file),
                "cert_file": str(keys.cert_file),
                "metadata": {"inline": [sp_metadata_xml]},
                "crypto_backend": "xmlsec1",
                "xmlsec_binary": xmlsec1_path(),
                "accepted_time_diff": 60,
            }
        )
        self.server = Server(config=config)

    # --- reading what the SP sent -----------------------------------------------------------

    def sp_entity_id(self) -> str:
        """The one SP of the loaded metadata."""
        (entity_id,) = self.server.metadata.with_descriptor("spsso").keys()
        return entity_id

    def acs_url(self, sp_entity_id: Optional[str] = None) -> str:
        """The SP's HTTP-POST Assertion Consumer Service."""
        sp = sp_entity_id or self.sp_entity_id()
        (url,) = self.server.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)
        return url["location"]

    def parse_authn_request(self, saml_request: str) -> AuthnRequestInfo:
        """Reads an AuthnRequest of the HTTP-Redirect binding (the `SAMLRequest` parameter)."""
        request = self.server.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT)
        message = request.message
        args = self.server.response_args(message, [BINDING_HTTP_POST])
        return AuthnRequestInfo(
            request_id=message.id,
            sp_entity_id=message.issuer.text,
            acs_url=args["destination"],
        )

    # --- answering --------------------------------------------------------------------------

    def response_xml(
        self,
        email: str,
        sign: SignMode,
        in_response_to: Optional[str] = None,
        sp_entity_id: Optional[str] = None,
        acs_url: Optional[str] = None,
    ) -> str:
        """A signed `<samlp:Response>` for `email`; IdP-initiated when `in_response_to` is None."""
        sp = sp_entity_id or self.sp_entity_id()
        response = self.server.create_authn_response(
            identity={},
            in_response_to=in_response_to,
            destination=acs_url or self.acs_url(sp),
            sp_entity_id=sp,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": AUTHN_PASSWORD_PROTECTED},
            sign_response=sign in ("response", "both"),
            sign_assertion=sign in ("assertion", "both"),
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return str(response)

    def answer(self, saml_request: str, email: str, sign: SignMode = "both") -> tuple[AuthnRequestInfo, str]:
        """An SP-initiated answer: the request read, and the response XML with InResponseTo."""
        info = self.parse_authn_request(saml_request)
        xml = self.response_xml(
            email,
            sign,
            in_response_to=info.request_id,
            sp_entity_id=info.sp_entity_id,
            acs_url=info.acs_url,
        )
        return info, xml


def encode_response(xml: str) -> str:
    """The `SAMLResponse` form value of the HTTP-POST binding."""
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")

"""A test identity provider built on pysaml2's IdP API (`saml2.server.Server`).

It is independent of the server under test: responses are built by pysaml2 and signed by
Debian's `xmlsec1` binary, with a key pair made at test time by `openssl`.
"""

import warnings

# pysaml2 imports a cipher mode that `cryptography` has moved; the IdP does not use it.
warnings.filterwarnings("ignore", message="CFB has been moved")

from .keys import KeyPair, generate_key_pair
from .provider import SIGN_MODES, IdentityProvider, SignMode

__all__ = ["KeyPair", "generate_key_pair", "IdentityProvider", "SignMode", "SIGN_MODES"]

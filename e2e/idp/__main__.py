"""Command line of the test IdP (run from the `e2e` folder: `python -m idp ...`).

    python -m idp keys DIR
        Writes DIR/idp-key.pem and DIR/idp-cert.pem (openssl, RSA 2048, self-signed).
    python -m idp response --metadata SRC --keys DIR --issuer ID --email EMAIL
                           [--sign assertion|response|both] [--login-url URL] [--xml]
        Prints a signed SAMLResponse (base64, as posted; XML with --xml). IdP-initiated, or with
        --login-url (the Location of the SP's /okta/login redirect) the answer to its
        AuthnRequest, with InResponseTo; its RelayState goes to standard error.
    python -m idp serve --metadata SRC --keys DIR --issuer ID --email EMAIL [--port N]
        Serves GET /sso on 127.0.0.1, posting each answer to the SP from a self-submitting page.

SRC is a metadata file or an http URL of the SP's /okta/metadata; for `ORG.localhost` URLs,
which Python cannot resolve, pass --connect 127.0.0.1:PORT to connect there with the URL's Host.
"""

from __future__ import annotations

import argparse
import http.client
import sys
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import parse_qs, urlsplit

from .keys import KeyPair, generate_key_pair
from .provider import SIGN_MODES, IdentityProvider, encode_response
from .web import SSO_PATH, IdpHttpServer, IdpState

FETCH_TIMEOUT_S = 30.0


def read_metadata(source: str, connect: Optional[str]) -> str:
    if not source.startswith(("http://", "https://")):
        return Path(source).read_text(encoding="utf-8")
    url = urlsplit(source)
    if url.scheme != "http":
        raise SystemExit("only http metadata URLs are supported")
    host, _, port = (connect or url.netloc).partition(":")
    conn = http.client.HTTPConnection(host, int(port or 80), timeout=FETCH_TIMEOUT_S)
    try:
        conn.request("GET", url.path or "/", headers={"Host": url.netloc})
        response = conn.getresponse()
        body = response.read().decode("utf-8")
    finally:
        conn.close()
    if response.status != 200:
        raise SystemExit(f"GET {source} answered {response.status}")
    return body


def key_pair(directory: str) -> KeyPair:
    pair = KeyPair(Path(directory) / "idp-key.pem", Path(directory) / "idp-cert.pem")
    if not pair.key_file.is_file() or not pair.cert_file.is_file():
        raise SystemExit(f"no idp-key.pem/idp-cert.pem in {directory}: run `python -m idp keys`")
    return pair


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m idp", description="pysaml2 test IdP")
    commands = top.add_subparsers(dest="command", required=True)

    keys = commands.add_parser("keys", help="make the IdP key pair")
    keys.add_argument("dir")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--metadata", required=True, help="SP metadata file or URL")
        sub.add_argument("--connect", help="HOST:PORT to fetch a metadata URL from")
        sub.add_argument("--keys", required=True, help="folder of idp-key.pem and idp-cert.pem")
        sub.add_argument("--issuer", required=True, help="IdP entity ID")
        sub.add_argument("--email", required=True, help="NameID (emailAddress) of the user")
        sub.add_argument("--sign", choices=SIGN_MODES, default="both")

    response = commands.add_parser("response", help="print a signed SAMLResponse")
    common(response)
    response.add_argument("--sso-url", default=f"http://127.0.0.1:9{SSO_PATH}")
    response.add_argument("--login-url", help="Location of the SP's /okta/login redirect")
    response.add_argument("--xml", action="store_true", help="print XML, not base64")

    serve = commands.add_parser("serve", help="serve the IdP over HTTP on 127.0.0.1")
    common(serve)
    serve.add_argument("--port", type=int, default=0)
    return top


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "keys":
        pair = generate_key_pair(Path(args.dir))
        print(pair.cert_file)
        return 0

    metadata = read_metadata(args.metadata, args.connect)
    keys = key_pair(args.keys)
    if args.command == "response":
        sso_url = args.sso_url
        saml_request = relay_state = None
        if args.login_url:
            login = urlsplit(args.login_url)
            sso_url = f"{login.scheme}://{login.netloc}{login.path}"
            query = parse_qs(login.query)
            saml_request = query["SAMLRequest"][0]
            relay_state = query.get("RelayState", [None])[0]
        idp = IdentityProvider(args.issuer, sso_url, keys, metadata)
        if saml_request is not None:
            _, xml = idp.answer(saml_request, args.email, args.sign)
            if relay_state is not None:
                print(f"RelayState: {relay_state}", file=sys.stderr)
        else:
            xml = idp.response_xml(args.email, args.sign)
        print(xml if args.xml else encode_response(xml))
        return 0

    state = IdpState(user_email=args.email, sign=args.sign)
    server = IdpHttpServer(state, args.port)
    state.provider = IdentityProvider(args.issuer, server.sso_url, keys, metadata)
    print(f"sso-url: {server.sso_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

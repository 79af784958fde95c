"""The IdP as a tiny HTTP server on 127.0.0.1, for a browser to sign in through.

`GET /sso?SAMLRequest=...&RelayState=...` (the HTTP-Redirect binding of the SP's `/okta/login`)
answers with a page whose form posts the signed `SAMLResponse` and the `RelayState` back to the
SP's Assertion Consumer Service, submitted by a script as soon as it loads (as Okta's does),
for the one user "signed in at the IdP". The server runs in a thread; `close()` stops it.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional
from urllib.parse import parse_qs, urlsplit

from .provider import IdentityProvider, SignMode, encode_response

SSO_PATH = "/sso"


@dataclass
class IdpState:
    """What the HTTP IdP answers with, and what it saw."""

    user_email: str
    sign: SignMode = "both"
    provider: Optional[IdentityProvider] = None
    answered_requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def auto_post_page(acs_url: str, saml_response: str, relay_state: Optional[str], user: str) -> str:
    relay = (
        f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
        if relay_state is not None
        else ""
    )
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Test IdP: signing in</title></head>"
        "<body onload=\"document.forms[0].submit()\">"
        f"<h1>Test IdP</h1><p>Signing in {html.escape(user)}…</p>"
        f"<form method=\"post\" action=\"{html.escape(acs_url)}\">"
        f"<input type=\"hidden\" name=\"SAMLResponse\" value=\"{saml_response}\">{relay}"
        "<noscript><button type=\"submit\">Continue</button></noscript>"
        "</form></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    server: "IdpHttpServer"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        return

    def _send(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        state = self.server.state
        url = urlsplit(self.path)
        if url.path != SSO_PATH:
            self._send(404, "<p>not found</p>")
            return
        query = parse_qs(url.query)
        saml_request = query.get("SAMLRequest", [None])[0]
        relay_state = query.get("RelayState", [None])[0]
        if saml_request is None or state.provider is None:
            state.errors.append(f"unusable request {self.path}")
            self._send(400, "<p>no SAMLRequest</p>")
            return
        try:
            info, xml = state.provider.answer(saml_request, state.user_email, state.sign)
        except Exception as error:  # reported to the test through `errors`
            state.errors.append(f"{type(error).__name__}: {error}")
            self._send(400, f"<p>{html.escape(str(error))}</p>")
            return
        state.answered_requests.append(info.request_id)
        self._send(200, auto_post_page(info.acs_url, encode_response(xml), relay_state, state.user_email))


class IdpHttpServer(ThreadingHTTPServer):
    """`ThreadingHTTPServer` on 127.0.0.1 with the IdP's state."""

    daemon_threads = True

    def __init__(self, state: IdpState, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = state
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def sso_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{SSO_PATH}"

    def start(self) -> "IdpHttpServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=10)

"""A small HTTP/1.1 client for the tests: connects to 127.0.0.1 and sets the organization's Host.

Python does not resolve `*.localhost`, so every request goes to the listening address with
`Host: ORG.localhost:PORT`. Redirects are never followed (the tests assert them), and cookies
are kept per client, as one browser would keep them for one host.
"""

from __future__ import annotations

import http.client
import json as jsonlib
from dataclasses import dataclass
from email.message import Message
from typing import Any, Mapping, Optional
from urllib.parse import urlencode

#: Bound on every request (connect + answer).
REQUEST_TIMEOUT_S = 30.0


@dataclass
class Response:
    """A response as received."""

    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name)

    @property
    def location(self) -> Optional[str]:
        return self.headers.get("Location")

    def set_cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


def cookie_pair(set_cookie: str) -> tuple[str, str]:
    """`name=value` of a Set-Cookie header (attributes dropped)."""
    pair = set_cookie.split(";", 1)[0]
    name, _, value = pair.partition("=")
    return name.strip(), value.strip()


def cookie_attributes(set_cookie: str) -> dict[str, str]:
    """Attributes of a Set-Cookie header, names lower-cased (`httponly` maps to "")."""
    attributes: dict[str, str] = {}
    for part in set_cookie.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


class OrgClient:
    """Requests to one organization of one server, with a cookie jar."""

    def __init__(self, address: str, port: int, host: str) -> None:
        self.address = address
        self.port = port
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Optional[bytes] = None,
        json: Any = None,
        form: Optional[Mapping[str, str]] = None,
        headers: Optional[Mapping[str, str]] = None,
        bearer: Optional[str] = None,
        send_cookies: bool = True,
    ) -> Response:
        """Sends one request on a fresh connection and records the cookies it sets."""
        all_headers: dict[str, str] = {"Host": self.host}
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers["Content-Type"] = "application/scim+json"
        elif form is not None:
            body = urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if bearer is not None:
            all_headers["Authorization"] = f"Bearer {bearer}"
        if send_cookies and self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers.update(headers or {})
        conn = http.client.HTTPConnection(self.address, self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            raw = conn.getresponse()
            response = Response(raw.status, raw.headers, raw.read())
        finally:
            conn.close()
        for set_cookie in response.set_cookies():
            name, value = cookie_pair(set_cookie)
            expired = cookie_attributes(set_cookie).get("max-age") == "0"
            if expired or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

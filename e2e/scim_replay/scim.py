"""A SCIM client over one keep-alive HTTP/1.1 connection to the listening address, and the
operator step that issues an organization's SCIM token (`okta-server okta setup`)."""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import re
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any, Mapping, Optional
from urllib.parse import quote

from idp.keys import generate_key_pair
from support.server import OktaServer

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCIM_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCIM_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_PREFIX = "/okta/scim"

#: Bound on every request.
REQUEST_TIMEOUT_S = 30.0

IDP_SSO_URL = "https://example.okta.com/app/example/sso/saml"
IDP_ISSUER = "http://www.okta.com/exk-e2e-scim"


def shared_fixture(relative: str) -> Path:
    """A file of the shared fixtures: `$SHARED_FIXTURES_DIR/relative`, by default
    `<repository>/../shared/fixtures/relative`. Fails naming the path and the variable."""
    root = os.environ.get("SHARED_FIXTURES_DIR")
    base = Path(root) if root else Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
    path = base / relative
    if not path.is_file():
        raise AssertionError(
            f"fixture {path} is missing: set SHARED_FIXTURES_DIR to the shared fixtures folder"
        )
    return path


def issue_token(server: OktaServer, org: str, workdir: Path) -> str:
    """Runs `okta setup ORG` with a freshly generated RSA-2048 certificate; returns the token."""
    keys = generate_key_pair(workdir / f"idp-{org}")
    printed = server.cli(
        "okta", "setup", org, "--sso-url", IDP_SSO_URL, "--issuer", IDP_ISSUER,
        "--cert", str(keys.cert_file),
    )
    token = printed.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-]{40,}", token) or "\n" in token:
        raise AssertionError(f"okta setup printed {printed!r}, not only a token")
    return token


def filter_query(expression: str, **params: Any) -> str:
    """`?filter=...&k=v`, percent-encoded as Okta sends it (`%20`, `%22`, `%40`)."""
    parts = [f"filter={quote(expression, safe='')}"]
    parts += [f"{k}={quote(str(v), safe='')}" for k, v in params.items()]
    return "?" + "&".join(parts)


@dataclass
class Answer:
    """One SCIM response."""

    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def __repr__(self) -> str:
        return f"Answer({self.status}, {self.body[:1500]!r})"


class ScimClient:
    """Requests under `/okta/scim` of one organization, with its bearer token."""

    def __init__(self, port: int, host: str, token: Optional[str], address: str = "127.0.0.1") -> None:
        self.address = address
        self.port = port
        self.host = host
        self.token = token
        self._conn: Optional[http.client.HTTPConnection] = None

    @classmethod
    def for_org(cls, server: OktaServer, org: str, token: Optional[str]) -> "ScimClient":
        return cls(server.port, server.org_host(org), token)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def raw(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Answer:
        """Sends `path` (relative to /okta/scim unless absolute-from-root with `//`) as is."""
        all_headers = {"Host": self.host, "Accept": "application/scim+json"}
        if self.token is not None:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            all_headers["Content-Type"] = "application/scim+json; charset=utf-8"
        all_headers.update(headers or {})
        url = SCIM_PREFIX + path
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.address, self.port, timeout=REQUEST_TIMEOUT_S)
            try:
                try:
                    self._conn.request(method, url, body=body, headers=all_headers)
                except (BrokenPipeError, ConnectionResetError):
                    # The server may answer (413 for an oversized body) and close before the
                    # whole body is sent: its answer is still readable below.
                    pass
                raw = self._conn.getresponse()
                answer = Answer(raw.status, raw.headers, raw.read())
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: retry once on a new one.
                self.close()
                if attempt == 2:
                    raise
                continue
            if raw.will_close:
                self.close()
            return answer
        raise AssertionError("unreachable")

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Answer:
        body = None if json is None else jsonlib.dumps(json).encode()
        return self.raw(method, path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any, **kwargs: Any) -> Answer:
        return self.request("POST", path, json, **kwargs)

    def put(self, path: str, json: Any, **kwargs: Any) -> Answer:
        return self.request("PUT", path, json, **kwargs)

    def patch(self, path: str, operations: list[dict[str, Any]], **kwargs: Any) -> Answer:
        return self.request("PATCH", path, {"schemas": [SCIM_PATCH], "Operations": operations}, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.request("DELETE", path, **kwargs)


def expect_status(answer: Answer, status: int) -> Answer:
    assert answer.status == status, f"expected {status}, got {answer!r}"
    return answer


def expect_error(answer: Answer, status: int, scim_type: Optional[str] = None) -> dict[str, Any]:
    """A SCIM Error body with `status` as a string, a non-empty `detail` and the scimType."""
    expect_status(answer, status)
    assert answer.content_type.startswith("application/scim+json"), answer.content_type
    body = answer.json()
    assert body["schemas"] == [SCIM_ERROR], body
    assert body["status"] == str(status), body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    if scim_type is None:
        assert "scimType" not in body, body
    else:
        assert body.get("scimType") == scim_type, body
    return body

"""Headless Chromium (Debian's `chromium`, driven by playwright-core) clicks through the admin
Set Up flow and a member's sign-in through the test IdP: `browser/flow.mjs`, run against a fresh
server and the IdP served on 127.0.0.1. Screenshots go to `$E2E_SCREENSHOTS`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from idp import IdentityProvider, generate_key_pair
from idp.web import IdpHttpServer, IdpState
from support.server import OktaServer

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
FLOW_TIMEOUT_S = 170.0
USER = "browser.member@example.com"
IDP_ISSUER = "http://idp.e2e.test/exk1browser"


def screenshot_dir() -> Path:
    explicit = os.environ.get("E2E_SCREENSHOTS")
    if explicit:
        return Path(explicit)
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else Path(__file__).resolve().parents[1] / "target"
    return base / "e2e-screenshots"


def test_admin_set_up_and_member_sign_in_in_chromium(
    start_okta_server, tmp_path: Path
) -> None:
    node = shutil.which("node")
    assert node is not None, "node not found (Debian package nodejs)"
    assert (BROWSER_DIR / "node_modules" / "playwright-core").is_dir(), (
        "playwright-core is not installed: run ./scripts/e2e (or `npm ci` in e2e/browser)"
    )
    server: OktaServer = start_okta_server()
    keys = generate_key_pair(tmp_path / "idp")
    metadata = server.client("test-org").get("/okta/metadata")
    assert metadata.status == 200

    state = IdpState(user_email=USER, sign="both")
    idp_server = IdpHttpServer(state).start()
    try:
        state.provider = IdentityProvider(IDP_ISSUER, idp_server.sso_url, keys, metadata.text)
        shots = screenshot_dir()
        if shots.exists():
            shutil.rmtree(shots)
        env = {
            **os.environ,
            "SIGN_IN_URL": server.sign_in_url("test-org"),
            "SERVER_ADDRESS": server.listening_url,
            "IDP_SSO_URL": idp_server.sso_url,
            "IDP_ISSUER": IDP_ISSUER,
            "IDP_CERT_FILE": str(keys.cert_file),
            "USER_EMAIL": USER,
            "SCREENSHOT_DIR": str(shots),
        }
        done = subprocess.run(
            [node, str(BROWSER_DIR / "flow.mjs")],
            cwd=BROWSER_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=FLOW_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    finally:
        idp_server.close()

    assert done.returncode == 0, (
        f"flow.mjs failed ({done.returncode}):\n{done.stderr}\n{done.stdout}\n"
        f"IdP errors: {state.errors}\nserver log: {server.log_tail()}"
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert state.errors == []
    assert len(state.answered_requests) == 1
    names = [Path(p).name for p in summary["screenshots"]]
    assert names == [
        "01-one-time-sign-in.png",
        "02-owner-home.png",
        "03-okta-integration-not-set-up.png",
        "04-set-up-form-filled.png",
        "05-scim-token.png",
        "06-okta-integration-connected.png",
        "07-provisioned-users.png",
        "08-sign-in-page.png",
        "09-idp-auto-post.png",
        "10-connect-github.png",
        "11-member-home.png",
    ]
    for path in summary["screenshots"]:
        assert Path(path).stat().st_size > 1000, path
    org = server.org_url("test-org")
    visited: list[str] = summary["visited"]
    assert visited[0] == server.sign_in_url("test-org")
    assert any(url.startswith(f"{idp_server.sso_url}?SAMLRequest=") for url in visited)
    assert visited[-2:] == [f"{org}/welcome/github", f"{org}/"]

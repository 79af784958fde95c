"""The server process itself: its start records, the sign-in page, a graceful stop."""

from __future__ import annotations

import re

from support.server import OktaServer


def test_serve_prints_records_and_stops_gracefully(start_okta_server) -> None:
    server: OktaServer = start_okta_server()
    assert server.listening_url == f"http://127.0.0.1:{server.port}"
    assert server.base_url == f"http://localhost:{server.port}"
    assert server.records is not None
    assert server.records.organizations == {"test-org": f"http://test-org.localhost:{server.port}"}
    assert re.fullmatch(
        rf"http://test-org\.localhost:{server.port}/signin/one-time\?token=[0-9a-f]{{64}}",
        server.sign_in_url(),
    )

    page = server.client("test-org").get("/signin")
    assert page.status == 200
    assert "Sign in with Okta" in page.text
    # Not set up yet: the button is there but leads nowhere.
    assert "Sign-in with Okta is not set up for this organization yet." in page.text
    assert 'href="/okta/login"' not in page.text

    assert server.stop() == 0
    assert server.printed_after_ready() == ["stopped"]

"""Microsoft's Entra SCIM Postman collection (fixture) run with newman against okta-server.

Excluded requests and why: `scim_replay/entra_postman.py` (EXCLUDED), listed in the README.
"""

from __future__ import annotations

import json
from pathlib import Path

from scim_replay import entra_postman
from scim_replay.scim import issue_token, shared_fixture
from support.server import OktaServer

COLLECTION = "scim/entra/SCIMReferenceCode-PostmanCollection.json"


def test_entra_postman_collection(start_okta_server, tmp_path: Path) -> None:
    collection = shared_fixture(COLLECTION)
    # A fresh server: the collection counts the users it created ("Results have 2 users").
    server: OktaServer = start_okta_server()
    token = issue_token(server, "test-org", tmp_path)
    runnable = entra_postman.prepare(collection, tmp_path, server.port, token)
    result = entra_postman.run(runnable, tmp_path)
    assert result.failures == [], "\n".join(result.failures) + "\n" + result.output[-6000:]
    assert result.returncode == 0, result.output[-6000:]
    total = len(entra_postman.requests_of(json.loads(collection.read_text(encoding="utf-8"))["item"]))
    assert result.requests == total - len(entra_postman.EXCLUDED) == 77, result.output[-3000:]
    assert result.assertions == 105, result.output[-3000:]


def test_newman_run_can_fail(start_okta_server, tmp_path: Path) -> None:
    """With a wrong token, the collection's status assertions fail and the run says so."""
    server: OktaServer = start_okta_server()
    runnable = entra_postman.prepare(shared_fixture(COLLECTION), tmp_path, server.port, "wrong-token")
    result = entra_postman.run(runnable, tmp_path, "--folder", "Endpoint tests")
    assert result.returncode == 1
    assert result.requests == 4
    assert len(result.failures) >= 4, result.failures
    assert all("401" in f or "expected" in f.lower() or "Cannot read" in f for f in result.failures), result.failures

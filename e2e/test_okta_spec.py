"""Okta's own "SCIM 2.0 SPEC Test" suite, replayed from the fixture file with its assertions
against a running okta-server (`scim_replay/okta_spec.py`; its pauses are skipped)."""

from __future__ import annotations

import random
from pathlib import Path

from scim_replay.okta_spec import http_sender, load_suite, okta_variables, run_suite
from scim_replay.scim import SCIM_USER, ScimClient, expect_status, issue_token, shared_fixture
from support.server import OktaServer

SUITE = "scim/okta/Okta-SCIM-20-SPEC-Test.json"
ORG = "spec-org"


def test_okta_spec_suite(start_okta_server, tmp_path: Path) -> None:
    suite = load_suite(shared_fixture(SUITE))
    server: OktaServer = start_okta_server()
    server.cli("org", "create", ORG)
    token = issue_token(server, ORG, tmp_path)
    # The suite's first step reads an existing user (Okta's docs: create one in the app first).
    seed = ScimClient.for_org(server, ORG, token)
    expect_status(
        seed.post("/Users", {
            "schemas": [SCIM_USER],
            "userName": "existing.user@atko.com",
            "name": {"givenName": "Existing", "familyName": "User"},
            "emails": [{"primary": True, "value": "existing.user@atko.com", "type": "work"}],
            "active": True,
        }),
        201,
    )
    seed.close()

    results = run_suite(
        suite,
        http_sender("127.0.0.1", server.port, server.org_host(ORG)),
        "/okta/scim",
        f"Bearer {token}",
        okta_variables(random.Random(7)),
    )
    report = "\n".join(str(r) for r in results)
    requests = [s for s in suite["steps"] if s.get("step_type") == "request"]
    assert len(results) == len(requests) == 12, report
    assert all(r.passed for r in results), report
    # The replay did what the suite says: one user created, the duplicate refused.
    assert [r.status for r in results] == [200, 200, 200, 404, 200, 201, 200, 409, 200, 200, 401, 404], report


def test_replayer_reports_failures(start_okta_server, tmp_path: Path) -> None:
    """The replayer itself can fail: against an organization with no user, step 1's
    `Resources` assertions fail, and with a wrong token every authorised step fails."""
    suite = load_suite(shared_fixture(SUITE))
    server: OktaServer = start_okta_server()
    token = issue_token(server, "test-org", tmp_path)
    send = http_sender("127.0.0.1", server.port, None)
    empty = run_suite(suite, send, "/okta/scim", f"Bearer {token}", okta_variables(random.Random(1)))
    assert any("Resources" in f for f in empty[0].failures), empty[0]
    assert empty[1].status == 0 and empty[1].failures == ["variable {{ISVUserid}} is not set"], empty[1]
    assert sum(not r.passed for r in empty) == 2, "\n".join(map(str, empty))
    wrong = run_suite(suite, send, "/okta/scim", "Bearer wrong", okta_variables(random.Random(2)))
    assert [r.status for r in wrong] == [401, 0, 401, 401, 401, 401, 0, 401, 401, 401, 401, 401]
    # Only the step that expects 401 passes.
    assert [r.passed for r in wrong] == [False] * 10 + [True, False]

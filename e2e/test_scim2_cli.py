"""The PyPI `scim2-cli` compliance checks (`scim2 --url ... -h "Authorization: Bearer ..." test`,
which runs scim2-tester) against a running okta-server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from scim_replay.scim import issue_token
from support.server import OktaServer

SCIM2_TIMEOUT_S = 600.0

#: Checks that fail today, with the reason; an empty dict once the server passes them all.
#: The test fails when this list is not exactly what fails, so a fix must empty it.
KNOWN_FAILURES: dict[str, str] = {}

RESULT_LINE = re.compile(r"^(SUCCESS|COMPLIANT|ACCEPTABLE|DEVIATION|ERROR|CRITICAL|SKIPPED) (\w+)$")


def scim2_binary() -> Path:
    path = Path(sys.executable).parent / "scim2"
    assert path.is_file(), f"scim2 not found next to {sys.executable}: pip install -r e2e/requirements.txt"
    return path


def test_scim2_cli_checks(start_okta_server, tmp_path: Path) -> None:
    server: OktaServer = start_okta_server()
    token = issue_token(server, "test-org", tmp_path)
    done = subprocess.run(
        [
            str(scim2_binary()),
            "--url", f"{server.listening_url}/okta/scim",
            "-h", f"Authorization: Bearer {token}",
            "test",
        ],
        capture_output=True,
        text=True,
        timeout=SCIM2_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if not k.startswith("SCIM_CLI_")},
    )
    output = done.stdout + done.stderr
    assert output.startswith("Performing a SCIM compliance check on"), output[-4000:]
    results = [m.groups() for m in map(RESULT_LINE.match, output.splitlines()) if m]
    assert len(results) >= 100, output[-4000:]
    failing = {name for status, name in results if status != "SUCCESS"}
    report = "\n".join(line for line in output.splitlines() if not line.startswith("SUCCESS"))
    assert failing == set(KNOWN_FAILURES), report[-6000:]
    assert done.returncode == (1 if KNOWN_FAILURES else 0), report[-4000:]

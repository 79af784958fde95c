"""Runs Microsoft's Entra SCIM Postman collection (the SCIMReferenceCode tests) with newman
against a SCIM server.

The collection is read from the fixture file; a copy with the collection variables set
(`Protocol`, `Server`, `Port`, `Api`, `token`) and the excluded requests left out is written
to a scratch folder and run by `newman` from `e2e/newman/node_modules` (installed by
`npm ci` there). The JSON report tells which assertions failed.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NEWMAN_DIR = Path(__file__).resolve().parents[1] / "newman"
NEWMAN_TIMEOUT_S = 300.0

#: Requests left out, as (folder, request name), with the reason.
EXCLUDED: dict[tuple[str, str], str] = {
    ("Get Token", "Get Token"): (
        "GET /Token with the body \"SecureLogin\" fetches a bearer token from Microsoft's "
        "reference server; RFC 7644 has no such route and our token comes from `okta setup`"
    ),
    ("Endpoint tests", "Get ServiceProviderConfig"): (
        "GET /serviceConfiguration is the reference code's own path; RFC 7644 §4 names it "
        "/ServiceProviderConfig (tested by the Okta and scim2-cli suites)"
    ),
}


@dataclass
class NewmanRun:
    """What newman reported."""

    returncode: int
    requests: int
    assertions: int
    failures: list[str]
    output: str


def requests_of(items: list[dict[str, Any]], folder: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in items:
        if "item" in item:
            out += requests_of(item["item"], item["name"])
        else:
            out.append((folder, item["name"]))
    return out


def without_excluded(items: list[dict[str, Any]], folder: str = "") -> list[dict[str, Any]]:
    kept = []
    for item in items:
        if "item" in item:
            inner = without_excluded(item["item"], item["name"])
            if inner:
                kept.append(dict(item, item=inner))
        elif (folder, item["name"]) not in EXCLUDED:
            kept.append(item)
    return kept


def prepare(collection_file: Path, out_dir: Path, port: int, token: str, server: str = "127.0.0.1") -> Path:
    """Writes the runnable copy of the collection; fails when an exclusion matches nothing."""
    collection = json.loads(collection_file.read_text(encoding="utf-8"))
    present = set(requests_of(collection["item"]))
    missing = set(EXCLUDED) - present
    if missing:
        raise AssertionError(f"excluded requests not in the collection: {sorted(missing)}")
    collection["item"] = without_excluded(collection["item"])
    collection["variable"] = [
        {"key": key, "value": value, "type": "string"}
        for key, value in {
            "Protocol": "http",
            "Server": server,
            "Port": f":{port}",
            "Api": "okta/scim",
            "token": token,
        }.items()
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "entra-collection.json"
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def run(collection: Path, out_dir: Path, *extra: str) -> NewmanRun:
    """`npx newman run` from the installed e2e/newman folder, with a JSON report."""
    if not (NEWMAN_DIR / "node_modules" / ".bin" / "newman").exists():
        raise AssertionError(f"newman is not installed: run `npm ci` in {NEWMAN_DIR} (scripts/e2e does)")
    report = out_dir / "newman-report.json"
    done = subprocess.run(
        [
            "npx", "--no-install", "newman", "run", str(collection),
            "--reporters", "cli,json", "--reporter-json-export", str(report),
            "--timeout-request", "30000", "--color", "off", "--disable-unicode", *extra,
        ],
        cwd=NEWMAN_DIR,
        capture_output=True,
        text=True,
        timeout=NEWMAN_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )
    output = done.stdout + done.stderr
    if not report.is_file():
        raise AssertionError(f"newman wrote no report (exit {done.returncode}):\n{output[-4000:]}")
    run_report = json.loads(report.read_text(encoding="utf-8"))["run"]
    failures = [
        f"{f['source']['name']}: {f['error'].get('test', '')} {f['error']['message']}"
        for f in run_report["failures"]
    ]
    stats = run_report["stats"]
    return NewmanRun(
        done.returncode, stats["requests"]["total"], stats["assertions"]["total"], failures, output
    )

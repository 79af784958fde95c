"""Hand-run load and crash checks of okta-server (not part of the test suite):

    python3 -m load.run provision [--users 10000] [--connections 16]
    python3 -m load.run kill9 [--users 10000] [--connections 16]
    python3 -m load.run filter [--users 100000] [--duration 10] [--runs 3]

Each starts the binary named by OKTA_SERVER_BIN (the release build, from the scripts) on a
fresh data directory in a scratch folder, prints its figures and the load average, and stops
every server it started, also on failure. Only the standard library is used, plus `wrk` for
`filter` and, for `provision` and the users `filter` stores, the Rust load client named by
OKTA_LOAD_BIN (`cargo build --release -p okta-server --example scim_load`; by default next to
the server binary, in `examples/`). A Python client costs about as much CPU per create as the
server itself, so on a 2-core machine it would measure itself; the Rust one costs a few
microseconds per request. `kill9` keeps the Python client, which reports each answer as it comes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import quote

from load.scim_load import (
    Outcome,
    applied_change_ids,
    create_users,
    load_email,
    member_emails,
    queue_change_ids,
    state,
    wait_until_applied,
)
from support.server import OktaServer, default_binary

ORG = "test-org"
APPLY_TIMEOUT_S = 600.0
LUA = Path(__file__).resolve().parent / "filter.lua"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@contextmanager
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="okta-load-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def running(servers: list[OktaServer]) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.kill()


def load_binary(server_binary: Path) -> Path:
    explicit = os.environ.get("OKTA_LOAD_BIN")
    if explicit:
        return Path(explicit)
    return server_binary.parent / "examples" / "scim_load"


@dataclass
class LoadSummary:
    """What the Rust load client printed."""

    requests: int
    seconds: float
    statuses: dict[int, int]
    errors: int
    first_failure: Optional[str]

    def non_201(self) -> int:
        return self.requests - self.statuses.get(201, 0)


def create_users_fast(load_bin: Path, server: OktaServer, token: str, prefix: str, users: int,
                      connections: int) -> LoadSummary:
    """Creates users `{prefix}{i:06d}@load.example.com` (the emails of `load_email`) with the
    Rust load client."""
    done = subprocess.run(
        [str(load_bin), "--addr", f"127.0.0.1:{server.port}", "--host", server.org_host(ORG),
         "--prefix", prefix, "--users", str(users), "--connections", str(connections)],
        capture_output=True, text=True, timeout=APPLY_TIMEOUT_S, stdin=subprocess.DEVNULL,
        env=dict(os.environ, SCIM_TOKEN=token),
    )
    if done.returncode != 0:
        raise RuntimeError(f"load client failed ({done.returncode}): {done.stderr.strip()}")
    out = json.loads(done.stdout)
    return LoadSummary(out["requests"], out["seconds"], {int(k): v for k, v in out["statuses"].items()},
                       out["errors"], out["first_failure"])


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a running process, from /proc (0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def issue_token(server: OktaServer, folder: Path) -> str:
    key, cert = folder / "idp-key.pem", folder / "idp-cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=load-idp"],
        check=True, capture_output=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    return server.cli(
        "okta", "setup", ORG, "--sso-url", "https://example.okta.com/sso", "--issuer",
        "http://www.okta.com/load", "--cert", str(cert),
    ).strip()


def start(binary: Path, data: Path, servers: list[OktaServer]) -> OktaServer:
    server = OktaServer(binary, data, ("--log", "warn"))
    servers.append(server)
    return server.start()


def provision(args: argparse.Namespace, binary: Path) -> int:
    load_bin = load_binary(binary)
    if not load_bin.is_file():
        print(f"load client not found at {load_bin}; set OKTA_LOAD_BIN", file=sys.stderr)
        return 2
    with scratch() as folder, running(servers := []):
        server = start(binary, folder / "data", servers)
        token = issue_token(server, folder)
        pid = server.process.pid if server.process is not None else 0
        print(f"load average before: {load_average()}")
        cpu_before = process_cpu_seconds(pid)
        started = time.monotonic()
        summary = create_users_fast(load_bin, server, token, "push", args.users, args.connections)
        answered = time.monotonic() - started
        final = wait_until_applied(server.data_dir, ORG, APPLY_TIMEOUT_S, poll=0.02)
        applied = time.monotonic() - started
        cpu = process_cpu_seconds(pid) - cpu_before
        print(f"users: {args.users}, connections: {args.connections}, non-201: {summary.non_201()}"
              f", connection errors: {summary.errors}")
        if summary.first_failure:
            print(f"first failure: {summary.first_failure}")
        print(f"all answered after {answered:.2f} s ({args.users / answered:.0f} creates/s)")
        print(f"all applied to the members table after {applied:.2f} s")
        print(f"server CPU: {cpu:.2f} s ({cpu * 1e6 / max(args.users, 1):.0f} µs per create)")
        print(f"state: {final}")
        print(f"load average after: {load_average()}")
        ok = summary.non_201() == 0 and final.members == args.users and final.failed == 0
        return 0 if ok else 1


def kill9(args: argparse.Namespace, binary: Path) -> int:
    with scratch() as folder, running(servers := []):
        data = folder / "data"
        server = start(binary, data, servers)
        token = issue_token(server, folder)
        emails = [load_email("crash", i) for i in range(args.users)]
        killed = threading.Event()
        at_kill: dict[str, object] = {}
        lock = threading.Lock()
        created = [0]

        def on_outcome(outcome: Outcome) -> None:
            with lock:
                created[0] += outcome.status == 201
                count = created[0]
            if not killed.is_set() and args.users // 4 <= count <= args.users * 3 // 4:
                now = state(data, ORG)
                if now.pending > 0:
                    with lock:
                        if killed.is_set():
                            return
                        killed.set()
                    at_kill["state"] = now
                    at_kill["created"] = count
                    server.kill()

        print(f"load average before: {load_average()}")
        started = time.monotonic()
        first = create_users(
            server.port, server.org_host(ORG), token, emails, args.connections, on_outcome, stop=killed
        )
        if not killed.is_set():
            print("FAIL: the worker never had queued changes between 25% and 75% of the creates")
            return 1
        ok_first = {o.email for o in first if o.status == 201}
        broken = {o.email for o in first if o.status is None}
        print(f"killed with SIGKILL after {at_kill['created']} answered creates; queue then: {at_kill['state']}")
        print(f"before the kill: {len(ok_first)} × 201, {len(broken)} in flight without an answer, "
              f"{len(emails) - len(first)} not sent")
        restarted = start(binary, data, servers)
        rest = [e for e in emails if e not in ok_first]
        second = create_users(restarted.port, restarted.org_host(ORG), token, rest, args.connections)
        statuses = {o.email: o.status for o in second}
        committed_before_kill = sum(1 for e, s in statuses.items() if s == 409 and e in broken)
        final = wait_until_applied(data, ORG, APPLY_TIMEOUT_S)
        elapsed = time.monotonic() - started
        queued = queue_change_ids(data, ORG)
        applied = applied_change_ids(data, ORG)
        members = member_emails(data, ORG)
        print(f"after the restart: {len(rest)} sent again, {committed_before_kill} had committed before the kill (409)")
        print(f"final: {final}; {elapsed:.1f} s in all")
        checks = {
            "every user stored": final.resources == args.users,
            "every user in the members table": sorted(members) == sorted(emails),
            "no failed change": final.failed == 0,
            "applied ids = queued ids": sorted(applied, key=int) == queued,
            "no change id applied twice": len(applied) == len(set(applied)),
            "retries only 201, or 409 for creates that had committed": all(
                s == 201 or (s == 409 and e in broken) for e, s in statuses.items()
            ),
        }
        for name, passed in checks.items():
            print(f"{'ok  ' if passed else 'FAIL'} {name}")
        print(f"load average after: {load_average()}")
        return 0 if all(checks.values()) else 1


WRK_LINE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def seconds(value: str, unit: str) -> float:
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def filter_bench(args: argparse.Namespace, binary: Path) -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian package wrk)", file=sys.stderr)
        return 2
    load_bin = load_binary(binary)
    if not load_bin.is_file():
        print(f"load client not found at {load_bin}; set OKTA_LOAD_BIN", file=sys.stderr)
        return 2
    with scratch() as folder, running(servers := []):
        server = start(binary, folder / "data", servers)
        token = issue_token(server, folder)
        emails = [load_email("filter", i) for i in range(args.users)]
        started = time.monotonic()
        summary = create_users_fast(load_bin, server, token, "filter", args.users, args.connections)
        if summary.non_201():
            print(f"FAIL: {summary.non_201()} creates did not answer 201, e.g. {summary.first_failure}")
            return 1
        wait_until_applied(server.data_dir, ORG, APPLY_TIMEOUT_S)
        print(f"{args.users} users stored in {time.monotonic() - started:.1f} s")
        # One correct lookup checked by hand before the benchmark.
        probe = emails[len(emails) // 2]
        path = "/okta/scim/Users?filter=" + quote(f'userName eq "{probe}"', safe="")
        print(f"example request: GET {path}")
        env = dict(
            os.environ,
            FILTER_HOST=server.org_host(ORG),
            FILTER_TOKEN=token,
            FILTER_USERS=str(args.users),
            FILTER_PREFIX="filter",
        )
        rates, p99s = [], []
        for run in range(args.runs):
            load = load_average()
            done = subprocess.run(
                ["wrk", "-t", str(args.threads), "-c", str(args.wrk_connections), "-d", f"{args.duration}s",
                 "--latency", "-s", str(LUA), f"{server.listening_url}/okta/scim/Users"],
                capture_output=True, text=True, timeout=args.duration + 60, env=env,
            )
            out = done.stdout + done.stderr
            rate, p99 = WRK_LINE.search(out), WRK_P99.search(out)
            if done.returncode != 0 or rate is None or p99 is None or "Non-2xx" in out or "unexpected answer" in out:
                print(f"FAIL: wrk run {run + 1}:\n{out}")
                return 1
            rates.append(float(rate.group(1)))
            p99s.append(seconds(p99.group(1), p99.group(2)))
            print(f"run {run + 1}: {rates[-1]:.0f} req/s, p99 {p99s[-1] * 1000:.2f} ms (load average before: {load})")
        print(f"median of {args.runs}: {statistics.median(rates):.0f} req/s, p99 {statistics.median(p99s) * 1000:.2f} ms")
        print(f"load average after: {load_average()}")
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 -m load.run")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("provision", help="push users and time until all are applied")
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--connections", type=int, default=16)
    k = sub.add_parser("kill9", help="SIGKILL the server during provisioning, restart, verify")
    k.add_argument("--users", type=int, default=10_000)
    k.add_argument("--connections", type=int, default=16)
    f = sub.add_parser("filter", help="userName eq lookups with wrk over many stored users")
    f.add_argument("--users", type=int, default=100_000)
    f.add_argument("--connections", type=int, default=16, help="connections used to store the users")
    f.add_argument("--wrk-connections", type=int, default=32)
    f.add_argument("--threads", type=int, default=2)
    f.add_argument("--duration", type=int, default=10)
    f.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binary = default_binary()
    if not binary.is_file():
        print(f"okta-server not found at {binary}; set OKTA_SERVER_BIN", file=sys.stderr)
        return 2
    print(f"binary: {binary.name}, {os.cpu_count()} CPUs")
    return {"provision": provision, "kill9": kill9, "filter": filter_bench}[args.command](args, binary)


if __name__ == "__main__":
    raise SystemExit(main())

"""Bulk SCIM provisioning against a running okta-server, and read-only views of its databases.

Used by `test_reliability.py` and by the hand-run scripts `scripts/load-provision`,
`scripts/kill9-test` and `scripts/load-filter`. Requests go to the listening address with the
organization's Host header, each worker thread on its own keep-alive connection.
"""

from __future__ import annotations

import http.client
import json
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
REQUEST_TIMEOUT_S = 30.0


def user_body(email: str, index: int) -> bytes:
    """An Okta-style create body."""
    return json.dumps(
        {
            "schemas": [SCIM_USER],
            "userName": email,
            "name": {"givenName": f"Load{index}", "familyName": "Tester"},
            "emails": [{"primary": True, "value": email, "type": "work"}],
            "displayName": f"Load{index} Tester",
            "externalId": f"00u{index:017d}",
            "active": True,
        },
        separators=(",", ":"),
    ).encode()


def load_email(prefix: str, index: int) -> str:
    return f"{prefix}{index:06d}@load.example.com"


@dataclass
class Outcome:
    """How one create ended: an HTTP status, or the connection error that ended it."""

    email: str
    status: Optional[int]
    body: bytes = b""
    error: Optional[str] = None


class Connection:
    """One keep-alive connection to the server."""

    def __init__(self, port: int, host: str, token: str, address: str = "127.0.0.1") -> None:
        self.address, self.port = address, port
        self.headers = {
            "Host": host,
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/scim+json",
            "Accept": "application/scim+json",
        }
        self.conn: Optional[http.client.HTTPConnection] = None

    def send(self, method: str, path: str, body: Optional[bytes] = None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.address, self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            self.conn.request(method, path, body=body, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def create_users(
    port: int,
    host: str,
    token: str,
    emails: list[str],
    concurrency: int,
    on_outcome: Optional[Callable[[Outcome], None]] = None,
    stop: Optional[threading.Event] = None,
) -> list[Outcome]:
    """POSTs one user per email over `concurrency` connections; returns every outcome (a
    connection error, e.g. from a killed server, is an outcome too). When `stop` is set,
    emails not yet sent are left out."""
    work: "queue.Queue[tuple[int, str]]" = queue.Queue()
    for index, email in enumerate(emails):
        work.put((index, email))
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = Connection(port, host, token)
        try:
            while stop is None or not stop.is_set():
                try:
                    index, email = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    status, data = conn.send("POST", "/okta/scim/Users", user_body(email, index))
                    outcome = Outcome(email, status, data)
                except (OSError, http.client.HTTPException) as error:
                    outcome = Outcome(email, None, error=f"{type(error).__name__}: {error}")
                with lock:
                    outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT_S * (len(emails) + 1))
    return outcomes


# --- the databases, read-only --------------------------------------------------------------


def read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


@dataclass(frozen=True)
class State:
    """The provisioning queue of an organization (okta.sqlite3) and what the application
    applied (app.sqlite3)."""

    resources: int  # SCIM users stored
    pending: int
    applied: int
    failed: int
    members: int  # rows of the application's members table with a SCIM id
    applied_ids: int  # rows of applied_changes
    distinct_applied_ids: int


def state(data_dir: Path, org: str) -> State:
    with read_only(data_dir / "okta.sqlite3") as okta:
        (org_id,) = okta.execute("SELECT id FROM organizations WHERE slug = ?", (org,)).fetchone()
        (resources,) = okta.execute(
            "SELECT count(*) FROM resources WHERE org_id = ? AND lower(rtype) = 'user'", (org_id,)
        ).fetchone()
        counts = dict(
            okta.execute("SELECT state, count(*) FROM changes WHERE org_id = ? GROUP BY state", (org_id,))
        )
    with read_only(data_dir / "app.sqlite3") as app:
        (members,) = app.execute(
            "SELECT count(*) FROM members WHERE org = ? AND scim_id IS NOT NULL", (org,)
        ).fetchone()
        applied_ids, distinct_ids = app.execute(
            "SELECT count(*), count(DISTINCT change_id) FROM applied_changes WHERE org = ?", (org,)
        ).fetchone()
    return State(resources, counts.get(0, 0), counts.get(1, 0), counts.get(2, 0), members, applied_ids, distinct_ids)


def queue_change_ids(data_dir: Path, org: str) -> list[str]:
    with read_only(data_dir / "okta.sqlite3") as okta:
        return [
            str(row[0])
            for row in okta.execute(
                "SELECT c.change_id FROM changes c JOIN organizations o ON o.id = c.org_id "
                "WHERE o.slug = ? ORDER BY c.change_id",
                (org,),
            )
        ]


def applied_change_ids(data_dir: Path, org: str) -> list[str]:
    with read_only(data_dir / "app.sqlite3") as app:
        return [row[0] for row in app.execute("SELECT change_id FROM applied_changes WHERE org = ?", (org,))]


def member_emails(data_dir: Path, org: str) -> list[str]:
    with read_only(data_dir / "app.sqlite3") as app:
        return [row[0] for row in app.execute("SELECT email FROM members WHERE org = ? AND scim_id IS NOT NULL", (org,))]


def wait_until_applied(data_dir: Path, org: str, timeout: float, poll: float = 0.05) -> State:
    """Polls until nothing of `org` is pending; raises with the last state after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        now = state(data_dir, org)
        if now.pending == 0:
            return now
        if time.monotonic() > deadline:
            raise TimeoutError(f"still pending after {timeout}s: {now}")
        time.sleep(poll)

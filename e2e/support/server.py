"""Runs the already-built `okta-server` binary and reads its standard output records.

`serve` prints one `KEY: VALUE` record per line (`listening:`, `base-url:`, `organization:`,
`sign-in-url:`) and then `ready` once it accepts requests; `stopped` after a graceful shutdown.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Optional
from urllib.parse import urlsplit

from .http import OrgClient

#: How long `serve` may take to print `ready`.
START_TIMEOUT_S = 30.0
#: How long a graceful stop may take before the process is killed.
STOP_TIMEOUT_S = 15.0
#: How long an operator subcommand (`okta setup`, `org create`, ...) may take.
CLI_TIMEOUT_S = 30.0


def default_binary() -> Path:
    """The binary named by `OKTA_SERVER_BIN`, else `$CARGO_TARGET_DIR/debug/okta-server`."""
    explicit = os.environ.get("OKTA_SERVER_BIN")
    if explicit:
        return Path(explicit)
    target = os.environ.get("CARGO_TARGET_DIR")
    if target:
        return Path(target) / "debug" / "okta-server"
    return Path(__file__).resolve().parents[2] / "target" / "debug" / "okta-server"


class ServerError(RuntimeError):
    """The server did not start, or a subcommand failed."""


@dataclass
class ServeRecords:
    """What `serve` printed before `ready`."""

    listening: str
    base_url: str
    organizations: dict[str, str] = field(default_factory=dict)
    sign_in_urls: dict[str, str] = field(default_factory=dict)


def parse_record(line: str) -> tuple[str, str]:
    """Splits a `KEY: VALUE` record; `ready` and `stopped` have an empty value."""
    key, sep, value = line.partition(":")
    if not sep:
        return line.strip(), ""
    return key.strip(), value.strip()


class OktaServer:
    """One `okta-server serve` process on `127.0.0.1:0` over a data directory."""

    def __init__(self, binary: Path, data_dir: Path, extra_args: tuple[str, ...] = ()) -> None:
        self.binary = binary
        self.data_dir = data_dir
        self.extra_args = extra_args
        self.log_path = data_dir.parent / f"{data_dir.name}-serve.log"
        self.process: Optional[subprocess.Popen[str]] = None
        self.records: Optional[ServeRecords] = None
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self._log: Optional[IO[str]] = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> "OktaServer":
        """Starts `serve` and returns once it printed `ready` (or raises with its log)."""
        if not self.binary.is_file():
            raise ServerError(
                f"okta-server binary not found at {self.binary}: build it with "
                "`cargo build -p okta-server` or set OKTA_SERVER_BIN"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Only the flags decide: a base URL or data directory from the caller's environment
        # would change what the tests expect.
        env = {k: v for k, v in os.environ.items() if not k.startswith("OKTA_SERVER_")}
        self._log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--data",
                str(self.data_dir),
                *self.extra_args,
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
            bufsize=1,
        )
        threading.Thread(target=self._read_stdout, daemon=True).start()
        try:
            self.records = self._await_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def _read_stdout(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def _next_line(self, deadline: float) -> str:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ServerError(f"okta-server printed no `ready` in time; log: {self.log_tail()}")
        try:
            line = self._lines.get(timeout=remaining)
        except queue.Empty:
            raise ServerError(
                f"okta-server printed no `ready` in time; log: {self.log_tail()}"
            ) from None
        if line is None:
            raise ServerError(f"okta-server exited before `ready`; log: {self.log_tail()}")
        return line

    def _await_ready(self) -> ServeRecords:
        deadline = time.monotonic() + START_TIMEOUT_S
        listening = base_url = None
        organizations: dict[str, str] = {}
        sign_in_urls: dict[str, str] = {}
        while True:
            key, value = parse_record(self._next_line(deadline))
            if key == "ready":
                break
            if key == "listening":
                listening = value
            elif key == "base-url":
                base_url = value
            elif key == "organization":
                org, _, url = value.partition(" ")
                organizations[org] = url
            elif key == "sign-in-url":
                org, _, url = value.partition(" ")
                sign_in_urls[org] = url
        if listening is None or base_url is None:
            raise ServerError(f"`ready` came before `listening:`/`base-url:`; log: {self.log_tail()}")
        return ServeRecords(listening, base_url, organizations, sign_in_urls)

    def stop(self) -> Optional[int]:
        """SIGTERM, then waits for the exit (killing after a timeout); returns the exit status."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
        self._close_log()
        return self.process.returncode

    def printed_after_ready(self, timeout: float = STOP_TIMEOUT_S) -> list[str]:
        """The lines printed after `ready` until standard output closed (call after `stop`)."""
        lines: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            lines.append(line)
        return lines

    def kill(self) -> None:
        """SIGKILL (as a crash would), and waits for the process to be gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's standard error."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    # --- what it printed -------------------------------------------------------------------

    def _require_records(self) -> ServeRecords:
        if self.records is None:
            raise ServerError("the server is not started")
        return self.records

    @property
    def port(self) -> int:
        """The port actually bound."""
        port = urlsplit(self._require_records().listening).port
        if port is None:
            raise ServerError("`listening:` has no port")
        return port

    @property
    def listening_url(self) -> str:
        """`http://127.0.0.1:PORT`: where to connect."""
        return self._require_records().listening

    @property
    def base_url(self) -> str:
        """The public base URL (`http://localhost:PORT` unless `--base-url` was given)."""
        return self._require_records().base_url

    def org_host(self, org: str) -> str:
        """The Host of an organization: `ORG.localhost:PORT`."""
        base = urlsplit(self.base_url)
        return f"{org}.{base.netloc}"

    def org_url(self, org: str) -> str:
        """The public URL of an organization, e.g. `http://test-org.localhost:PORT`."""
        return f"{urlsplit(self.base_url).scheme}://{self.org_host(org)}"

    def sign_in_url(self, org: str = "test-org") -> str:
        """The one-time Owner sign-in URL printed at the first start."""
        try:
            return self._require_records().sign_in_urls[org]
        except KeyError:
            raise ServerError(f"serve printed no sign-in-url for {org}") from None

    def client(self, org: str = "test-org") -> OrgClient:
        """A fresh HTTP client (own cookie jar) for `org`, connecting to the listening address."""
        return OrgClient("127.0.0.1", self.port, self.org_host(org))

    # --- operator subcommands --------------------------------------------------------------

    def cli(self, *args: str) -> str:
        """Runs `okta-server ARGS... --data DIR` and returns its standard output."""
        return run_cli(self.binary, self.data_dir, *args, base_url=self.base_url)


def run_cli(binary: Path, data_dir: Path, *args: str, base_url: Optional[str] = None) -> str:
    """Runs an operator subcommand on `data_dir`; raises with its stderr when it fails."""
    env = dict(os.environ)
    if base_url is not None:
        env["OKTA_SERVER_BASE_URL"] = base_url
    done = subprocess.run(
        [str(binary), *args, "--data", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    if done.returncode != 0:
        raise ServerError(
            f"okta-server {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}"
        )
    return done.stdout

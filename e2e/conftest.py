"""Fixtures of the end-to-end tests.

Nothing is built here: the tests start the already-built `okta-server` binary, from
`OKTA_SERVER_BIN` or `$CARGO_TARGET_DIR/debug/okta-server` (`scripts/e2e` builds it first).
Every server a fixture starts is stopped at teardown, also when the test failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Optional

import pytest

from support.server import OktaServer, default_binary


@pytest.fixture(scope="session")
def okta_server_bin() -> Path:
    """Path of the built `okta-server` binary (fails clearly when it is missing)."""
    binary = default_binary()
    if not binary.is_file():
        pytest.fail(
            f"okta-server binary not found at {binary}: run `cargo build -p okta-server` "
            "(or ./scripts/e2e), or set OKTA_SERVER_BIN"
        )
    return binary


StartServer = Callable[..., OktaServer]


@pytest.fixture
def start_okta_server(
    okta_server_bin: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartServer]:
    """A factory: `start_okta_server(data_dir=None, *extra_args)` starts `serve` on a free
    loopback port over a fresh (or the given) data directory and returns it once `ready`.
    Every server it started is stopped (SIGTERM, then SIGKILL) when the test ends."""
    started: list[OktaServer] = []

    def start(data_dir: Optional[Path] = None, *extra_args: str) -> OktaServer:
        data = data_dir or tmp_path_factory.mktemp("okta-data") / "data"
        server = OktaServer(okta_server_bin, data, tuple(extra_args))
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def okta_server(
    okta_server_bin: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OktaServer]:
    """One server per test module, on a fresh data directory (so `test-org` exists and
    `okta_server.sign_in_url()` is its Owner's one-time sign-in URL)."""
    data = tmp_path_factory.mktemp("okta-data") / "data"
    server = OktaServer(okta_server_bin, data).start()
    try:
        yield server
    finally:
        server.stop()

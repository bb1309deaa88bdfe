"""Fixtures shared by every test folder: real kubecommit servers reached over real channels."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import grpc
import pytest

from server.config import Settings
from tests.support.postgres import PostgresServer, binaries
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., EmbeddedServer]]:
    """Starts servers on free ports with their own data directories; stops them at the end."""
    started: list[EmbeddedServer] = []

    def start(**overrides: Any) -> EmbeddedServer:
        overrides.setdefault("data_dir", tmp_path_factory.mktemp("data"))
        overrides.setdefault("listen", "127.0.0.1:0")
        overrides.setdefault("log_format", "text")
        # Jobs (drift recorder, samplers, ...) would change what other tests observe: tests/jobs
        # turns them on for its own servers.
        overrides.setdefault("jobs_enabled", False)
        # So would the watch cache's informers (lists and watches to every cluster): tests/labels
        # turns it on for its own servers.
        overrides.setdefault("watch_cache_enabled", False)
        embedded = EmbeddedServer(Settings.load(env={}, overrides=overrides)).start()
        started.append(embedded)
        return embedded

    yield start
    for embedded in started:
        embedded.stop()


@pytest.fixture(scope="session")
def kc_server(server_factory: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return server_factory()


@pytest.fixture()
def channel(kc_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    """A channel to `kc_server` whose calls carry the admin token it made on first start."""
    with grpc.insecure_channel(kc_server.address) as ch:
        yield with_token(ch, admin_token(kc_server.settings.data_dir))


@pytest.fixture()
def anonymous_channel(kc_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    """A channel to `kc_server` without credentials: health and reflection only."""
    with grpc.insecure_channel(kc_server.address) as ch:
        yield ch

pytest_plugins = ["tests.support.clusters"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session (`make postgres` installs Debian's packages)."""
    found = binaries()
    if found is None:
        pytest.skip("PostgreSQL is not installed (/usr/lib/postgresql/*/bin): run `make postgres`")
    server = PostgresServer(found).start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test against both state backends: "" (SQLite files) and a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return ""
    return request.getfixturevalue("postgres").new_database()

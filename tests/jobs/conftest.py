"""Servers with their jobs on (short schedules) and the session's simulator registered, each with
its own data directory; a local webhook receiver (aiohttp on 127.0.0.1) that records deliveries."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import grpc
import pytest
from aiohttp import web

from kubecommit.v1 import operations_pb2_grpc, yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster

QUIET = {"jobs_enabled": True, "jobs_tick_seconds": 0.1, "drift_recorder_schedule": "every 1h",
         "backup_schedule": "", "sample_schedule": "every 1h", "health_schedule": "every 1h"}


@pytest.fixture()
def jobs_server(server_factory: Callable[..., EmbeddedServer], sim: Simulator
                ) -> Iterator[Callable[..., tuple[EmbeddedServer, str]]]:
    """A server with jobs on (every schedule an hour unless overridden) and the simulator
    registered under a fresh cluster id; returns (server, cluster id). Stopped after the test, so
    its jobs do not keep running beside later tests."""
    started: list[EmbeddedServer] = []

    def start(**overrides: Any) -> tuple[EmbeddedServer, str]:
        server = server_factory(**{**QUIET, **overrides})
        started.append(server)
        cluster = f"j{uuid.uuid4().hex[:6]}"
        register_cluster(server, cluster, sim.kubeconfig_text("demo"))
        return server, cluster
    yield start
    for server in started:
        server.stop()


def stub(server: EmbeddedServer, factory: Callable[[grpc.Channel], Any]) -> Any:
    channel = grpc.insecure_channel(server.address)
    return factory(with_token(channel, admin_token(server.settings.data_dir)))


def versions_stub(server: EmbeddedServer) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    return stub(server, yaml_versions_pb2_grpc.YamlVersionsServiceStub)


@pytest.fixture(scope="module")
def kubeconfig(sim: Simulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kube") / "config"
    path.write_text(sim.kubeconfig_text("demo"))
    return path


PATH_HEADER = "X-Received-Path"


class Receiver:
    """A webhook receiver on a loopback port: every POST recorded as (headers, body)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.attempts: dict[bytes, int] = {}
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        # The path with its query names the channel a test made (`?for=...`): a sender left over
        # from another test or process that retries to this recycled port can be told apart.
        self.received.append(({**request.headers, PATH_HEADER: request.path_qs}, await request.read()))
        return web.Response(status=204)

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        app.router.add_post("/flaky", self._flaky)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/hook"

    async def _flaky(self, request: web.Request) -> web.Response:
        """Fails the first two attempts at each delivery (500, 503), then accepts. A retry sends
        the same body, so attempts are counted per body: other alerts (the seed's own quotas fire
        too) cannot use up the failures meant for the one under test."""
        body = await request.read()
        self.received.append((dict(request.headers), body))
        self.attempts[body] = self.attempts.get(body, 0) + 1
        return web.Response(status={1: 500, 2: 503}.get(self.attempts[body], 200))

    def start(self) -> "Receiver":
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def operations_stub(server: EmbeddedServer, token: str | None = None) -> operations_pb2_grpc.OperationsServiceStub:
    channel = grpc.insecure_channel(server.address)
    return operations_pb2_grpc.OperationsServiceStub(
        with_token(channel, token or admin_token(server.settings.data_dir)))


def wait_for(check: Callable[[], Any], timeout: float = 20.0, interval: float = 0.2) -> Any:
    """Polls `check` until it returns something truthy (returned) or the timeout passes (None)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result or None
        time.sleep(interval)

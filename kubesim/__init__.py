"""kubesim: a Kubernetes API server simulator on loopback, for tests and the demo.

    from kubesim import Simulator
    with Simulator(seed=True) as sim:          # starts on 127.0.0.1, any free port
        sim.write_kubeconfig("/tmp/kubeconfig")

All cluster state lives on the simulator's event loop; the synchronous methods below marshal onto
it, so they are safe to call from any thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ssl
import threading
from pathlib import Path
from typing import Any, Callable, TypeVar

from aiohttp import web

from kubesim.app import Api
from kubesim.cluster import Cluster
from kubesim.controllers import Controllers
from kubesim.kubeconfig import kubeconfig_text, write_kubeconfig
from kubesim.seed import seed as seed_cluster

__all__ = ["Simulator"]
T = TypeVar("T")


class Simulator:
    def __init__(self, seed: bool = True, token: str | None = None, log_interval: float | None = 1.0,
                 tls_cert: str | Path | None = None, tls_key: str | Path | None = None,
                 log_lines: int = 10000) -> None:
        self.token = token
        self.log_interval = log_interval
        self.tls_cert = Path(tls_cert) if tls_cert else None
        self.tls_key = Path(tls_key) if tls_key else None
        self.log_lines = log_lines
        self.host = "127.0.0.1"
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task | None = None
        self._reconcile_pending = False
        self._wake: asyncio.TimerHandle | None = None
        self.cluster, self.controllers = self._build(seed)
        self.api = Api(self.cluster, self.controllers, token)

    # -- state -----------------------------------------------------------------------------
    def _build(self, seed: bool) -> tuple[Cluster, Controllers]:
        cluster = Cluster(log_lines=self.log_lines)
        controllers = Controllers(cluster)
        seed_cluster(cluster, seed)
        controllers.reconcile()
        cluster.on_change = self._schedule_reconcile
        return cluster, controllers

    def _schedule_reconcile(self) -> None:
        """Coalesce reconciles: one pass after the current request finishes."""
        if self._reconcile_pending or self._loop is None:
            return
        self._reconcile_pending = True
        self._loop.call_soon(self._reconcile)

    def _reconcile(self) -> None:
        self._reconcile_pending = False
        self.controllers.reconcile()
        if self._wake is not None:
            self._wake.cancel()
            self._wake = None
        if self.controllers.wake_in is not None and self._loop is not None:
            self._wake = self._loop.call_later(self.controllers.wake_in + 0.01, self._schedule_reconcile)

    def _on_loop(self, fn: Callable[[], T]) -> T:
        """Run fn on the simulator's loop thread (or directly when not started / already there)."""
        loop = self._loop
        if loop is None or not loop.is_running() or threading.current_thread() is self._thread:
            return fn()
        try:
            if asyncio.get_running_loop() is loop:
                return fn()
        except RuntimeError:
            pass

        async def call() -> T:
            return fn()
        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=30)

    def reset(self, seed: bool = True) -> None:
        """Fresh cluster state (closing open watches and log follows); the server keeps running."""
        def swap() -> None:
            self.cluster.store.close_watchers()
            self.cluster.logs.clear()
            self.cluster.on_change = lambda: None
            self.cluster, self.controllers = self._build(seed)
            self.api.cluster, self.api.controllers = self.cluster, self.controllers
        self._on_loop(swap)

    def append_log(self, namespace: str, pod: str, container: str, lines: list[str],
                   final_newline: bool = True) -> None:
        """Append lines to a container's log (creating the buffer if the pod has not started yet);
        `final_newline=False` writes the last one without its newline, as a log may end."""
        self._on_loop(lambda: self.cluster.logs.ensure((namespace, pod, container)).append(
            lines, final_newline=final_newline))

    def set_log_rate(self, namespace: str, pod: str, container: str, lines_per_tick: int) -> None:
        """Make one container noisier (or quiet with 0): lines written per ticker interval."""
        def set_rate() -> None:
            self.cluster.logs.ensure((namespace, pod, container)).lines_per_tick = lines_per_tick
        self._on_loop(set_rate)

    @property
    def open_follows(self) -> int:
        """Log follow requests being served now (`follow=true` connections still open)."""
        return self._on_loop(lambda: self.api.open_follows)

    @property
    def request_paths(self) -> list[str]:
        """The newest request paths (with their query strings), oldest first, as clients sent them."""
        return self._on_loop(lambda: list(self.api.paths))

    def compact(self) -> None:
        """Drop watch history so older resourceVersions get 410 Expired (as after etcd compaction)."""
        self._on_loop(self.cluster.store.compact)

    def expire_watches(self, meanwhile: Callable[[Cluster], object] | None = None) -> None:
        """End every open watch with its resourceVersion compacted away: resuming it gets 410
        Expired (the client has to list again), as after etcd compaction on a real cluster.
        `meanwhile(cluster)` runs while no watch is open, in the same step: changes a resumed
        watch can only learn of by listing again."""
        self._on_loop(lambda: self.cluster.store.expire_watches(
            None if meanwhile is None else lambda: meanwhile(self.cluster)))

    def call(self, fn: Callable[[Cluster], T]) -> T:
        """Run fn(cluster) on the loop thread: direct state access for tests and tools."""
        return self._on_loop(lambda: fn(self.cluster))

    # -- serving ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls_cert:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.tls_cert, self.tls_key)
        return ctx

    async def start_async(self, host: str = "127.0.0.1", port: int = 0) -> "Simulator":
        """Serve on the running event loop (e.g. next to a grpc.aio server)."""
        self._loop = asyncio.get_running_loop()
        self._runner = web.AppRunner(self.api.build(), handle_signals=False, access_log=None,
                                     shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, ssl_context=self._ssl_context())
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]
        if self.log_interval:
            self._ticker = asyncio.create_task(self._tick())
        return self

    async def _tick(self) -> None:
        assert self.log_interval
        while True:
            await asyncio.sleep(self.log_interval)
            self.cluster.logs.tick(self.controllers.running_containers())

    async def stop_async(self) -> None:
        if self._ticker:
            self._ticker.cancel()
        if self._wake is not None:
            self._wake.cancel()
        self.cluster.store.close_watchers()
        self.cluster.logs.clear()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "Simulator":
        """Serve from a daemon thread with its own event loop; returns once listening."""
        loop = asyncio.new_event_loop()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start_async(host, port))
            except BaseException as e:  # report bind errors etc. to the caller
                ready.set_exception(e)
                return
            ready.set_result(None)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="kubesim", daemon=True)
        self._thread.start()
        ready.result(timeout=30)
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop_async(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = None

    def __enter__(self) -> "Simulator":
        return self.start() if self._loop is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- kubeconfig ------------------------------------------------------------------------
    def kubeconfig_text(self, name: str = "kubesim") -> str:
        ca = self.tls_cert.read_bytes() if self.tls_cert else None
        return kubeconfig_text(self.url, name, self.token, ca)

    def write_kubeconfig(self, path: str | Path, name: str = "kubesim") -> Path:
        return write_kubeconfig(path, self.kubeconfig_text(name))

"""Builds and runs the grpc.aio server: services, health, reflection, interceptors, limits,
and a graceful shutdown that reports NOT_SERVING before it stops accepting calls."""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import ipaddress
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from server.config import Settings
from server.errors import FailedPrecondition, InvalidArgument
from server.interceptors import forward
from server.interceptors.auth import AuthInterceptor
from server.interceptors.request import RequestChecks, RequestInterceptor
from server.mcpbridge.http import McpHttp
from server.observability.metrics import MetricsInterceptor
from server.observability.tracing import TracingInterceptor
from server.replication.ha import LEADER_HEALTH, LeadershipInterceptor
from server.replication.mirror import HEALTH_SERVICE as MIRROR_HEALTH
from server.runtime import Runtime
from server.security.limits import CallerLimits
from server.services import NEEDS_LEADER, SERVICES

log = logging.getLogger("kubecommit.server")
# The exit code of a shutdown cut short by a second SIGTERM/SIGINT, or by its own time limit.
FORCED_EXIT = 1

# Whether this process's start-up heap has been moved out of the collector's sight (once a process:
# tests start many servers, and a second freeze would pin what earlier ones left behind).
_heap_frozen = False
# Middle-generation collections between two full ones (CPython's default is 10); see _freeze_start_up_heap.
FULL_COLLECTION_EVERY = 100

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def is_loopback(listen: str) -> bool:
    host = listen.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read_setting(path: Path, setting: str) -> bytes:
    """A file a setting names; a missing or unreadable one stops the start naming the setting."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidArgument.field(setting, f"cannot read {path}: {error.strerror}") from None


class KubecommitServer:
    """One server instance; several can run side by side (tests start many on port 0)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime: Runtime | None = None
        self.health = HealthServicer()
        self._server: grpc.aio.Server | None = None
        self.address = ""
        # MCP over streamable HTTP next to the gRPC server, when `mcp_http_listen` is set.
        self.mcp_http: McpHttp | None = None
        self.metrics_address = ""
        # With replicas: forwards calls that need the leader to it (closed when the server stops).
        self.forwarding: forward.ForwardingInterceptor | None = None

    async def start(self) -> str:
        credentials = self._credentials()
        self.runtime = await Runtime.create(self.settings)
        try:
            # Writes a killed process made to clusters without committing them, before any call;
            # with replicas, by the replica that takes the lease over (server/replication/ha.py).
            if self.runtime.replication is None:
                await self.runtime.domains.versions.recovery.recover()
            address = await self._serve(self.runtime, credentials)
            await self._serve_mcp(self.runtime, credentials)
        except BaseException:
            # Nothing half-started stays behind: the server, store, databases and pools close again.
            if self._server is not None:
                await self._server.stop(0)
                self._server = None
            await self.runtime.close()
            self.runtime = None
            raise
        assert self.runtime.operations is not None
        self.runtime.operations.start()  # jobs begin once the server answers
        self.runtime.start_watch_cache()
        _freeze_start_up_heap()
        return address

    async def _serve(self, runtime: Runtime, credentials: grpc.ServerCredentials | None) -> str:
        settings = self.settings
        limits = CallerLimits(settings.rate_limit_per_second, settings.rate_limit_burst,
                              settings.max_streams_per_caller)
        # With replicas: writes only on the leader, answered once on the git remote; on a follower
        # they are forwarded to the leader, before anything else happens here (the leader
        # authenticates, limits and audits them).
        leadership = [LeadershipInterceptor(runtime.replication)] if runtime.replication else []
        if runtime.replication and settings.forward_to_leader:
            self.forwarding = forward.for_replication(runtime.replication, settings, NEEDS_LEADER, runtime.metrics)
        forwarding = [self.forwarding] if self.forwarding else []
        server = grpc.aio.server(
            # Outermost first: the trace span and call counts; forwarding to the leader; context, errors, audit and the
            # per-RPC metrics; then who is calling; then leadership; then the request.
            interceptors=[TracingInterceptor(), MetricsInterceptor(runtime.metrics), *forwarding,
                          RequestInterceptor(observers=[runtime.audit.observe, runtime.metrics.observe]),
                          AuthInterceptor(runtime.auth, limits), *leadership,
                          RequestChecks()],
            options=[
                ("grpc.max_receive_message_length", settings.max_receive_message_bytes),
                ("grpc.max_send_message_length", settings.max_send_message_bytes),
                ("grpc.so_reuseport", 0),
            ],
        )
        for entry in SERVICES:
            entry.register(runtime, server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        names = [e.full_name for e in SERVICES]
        if settings.reflection:
            reflection.enable_server_reflection(
                names + [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                         reflection.SERVICE_NAME],
                server,
            )
        try:  # grpc raises RuntimeError on a busy or unknown address (older versions return 0)
            port = server.add_insecure_port(settings.listen) if credentials is None else \
                server.add_secure_port(settings.listen, credentials)
        except RuntimeError:
            port = 0
        if port == 0:
            raise FailedPrecondition(f"cannot bind {settings.listen}", "BIND_FAILED")
        if settings.metrics_listen:
            self.metrics_address = runtime.metrics.serve(settings.metrics_listen)
        await server.start()
        self._server = server
        for name in ["", *names]:
            await self.health.set(name, SERVING)
        if runtime.mirror is not None:
            await self.health.set(MIRROR_HEALTH, SERVING)
            runtime.mirror.reports.append(self._report_mirror)
        if runtime.replication is not None:  # the leader starts the mirror once it has caught up
            await self.health.set(LEADER_HEALTH, NOT_SERVING)
            runtime.replication.start(self._report_leader, runtime.domains.versions.recovery.recover)
        elif runtime.mirror is not None:
            runtime.mirror.start()
        self.address = f"{settings.listen.rsplit(':', 1)[0]}:{port}"
        log.info("serving", extra={"address": self.address, "tls": credentials is not None,
                                   "data_dir": str(settings.data_dir)})
        return self.address

    async def _serve_mcp(self, runtime: Runtime, credentials: grpc.ServerCredentials | None) -> None:
        listen = self.settings.mcp_http_listen
        if not listen:
            return
        if credentials is not None:
            raise FailedPrecondition("mcp_http_listen serves plain HTTP and calls the gRPC server over plaintext "
                                     "loopback; with TLS, run `kubecommit mcp` (stdio) instead", "MCP_HTTP_TLS")
        if not is_loopback(listen) and not self.settings.insecure:
            raise FailedPrecondition(f"refusing to serve MCP over plain HTTP on non-loopback address {listen}: "
                                     "pass --insecure to accept the risk", "PLAINTEXT_REFUSED")
        self.mcp_http = McpHttp(self.address, listen, runtime.auth)
        await self.mcp_http.start()

    async def _report_mirror(self, operation: str, healthy: bool, detail: str) -> None:
        await self.health.set(MIRROR_HEALTH, SERVING if healthy else NOT_SERVING)

    async def _report_leader(self, leading: bool) -> None:
        await self.health.set(LEADER_HEALTH, SERVING if leading else NOT_SERVING)

    def _credentials(self) -> grpc.ServerCredentials | None:
        s = self.settings
        if s.tls_cert is None and s.tls_key is None:
            if not is_loopback(s.listen) and not s.insecure:
                raise FailedPrecondition(
                    f"refusing to serve plaintext on non-loopback address {s.listen}: "
                    "configure --tls-cert/--tls-key, or pass --insecure to accept the risk",
                    "PLAINTEXT_REFUSED",
                )
            return None
        if s.tls_cert is None or s.tls_key is None:
            raise FailedPrecondition("TLS needs both --tls-cert and --tls-key", "TLS_INCOMPLETE")
        client_ca = _read_setting(s.tls_client_ca, "tls_client_ca") if s.tls_client_ca else None
        return grpc.ssl_server_credentials(
            [(_read_setting(s.tls_key, "tls_key"), _read_setting(s.tls_cert, "tls_cert"))],
            root_certificates=client_ca,
            require_client_auth=client_ca is not None,
        )

    async def stop(self, grace: float | None = None) -> None:
        """Drain: report NOT_SERVING, let calls in flight finish within the grace period."""
        if self._server is None:
            return
        await self.health.enter_graceful_shutdown()
        if self.mcp_http is not None:
            await self.mcp_http.stop()
            self.mcp_http = None
        grace = self.settings.shutdown_grace_seconds if grace is None else grace
        await self._server.stop(grace)
        self._server = None
        if self.forwarding is not None:
            await self.forwarding.close()
            self.forwarding = None
        if self.runtime is not None:
            await self.runtime.close()
        log.info("stopped", extra={"address": self.address})

    async def wait(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()


def _freeze_start_up_heap() -> None:
    """Moves the objects that exist once the server answers (modules, descriptors, the runtime) into
    the collector's permanent generation. A full collection walks every tracked object; with the
    start-up heap in it, each one took tens to hundreds of ms while busy follow streams promoted
    their queued data into the old generation, and every stream's latency stalled meanwhile
    (docs/containers.md, "Latency"). Frozen objects are still freed by reference counting.

    With the old generation frozen, CPython's rule that a full collection waits until a quarter of
    the old generation is new always holds, so one ran every 10 young collections (21 of 100-230 ms
    in a latency run); waiting for 100 made it 4, 0.5 s of stalls instead of 2 s. Cyclic garbage
    that reached the old generation lives that much longer; objects without cycles are unaffected."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


def _exit_if_stuck(loop: asyncio.AbstractEventLoop, seconds: float) -> None:
    """A stop still running `seconds` after the signal (something awaited or joined that never
    answers) prints the stacks of every asyncio task and thread, which name what it waits for,
    and exits: a daemon thread's timer, so it fires wherever the stop is stuck, at the
    interpreter's exit too."""

    def stuck() -> None:
        try:
            log.error("shutdown still running after %.0f s: exiting; the stacks follow on stderr", seconds)
            tasks: list[asyncio.Task[Any]] = []
            for _ in range(3):  # the loop's thread may change the set of tasks meanwhile
                try:
                    tasks = list(asyncio.all_tasks(loop))
                    break
                except RuntimeError:
                    continue
            for task in tasks:
                # Not Task.print_stack: it fails on frames of compiled code (grpc's have no line).
                print(f"Stack for {task!r}:", file=sys.stderr)
                for frame in task.get_stack():
                    code = frame.f_code
                    print(f"  {code.co_filename}:{frame.f_lineno} in {code.co_name}", file=sys.stderr)
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
            logging.shutdown()
        finally:
            os._exit(FORCED_EXIT)

    timer = threading.Timer(seconds, stuck)
    timer.daemon = True
    timer.start()


async def serve(settings: Settings, on_started: "asyncio.Future[str] | None" = None) -> None:
    """Runs until SIGTERM or SIGINT, then shuts down gracefully."""
    server = KubecommitServer(settings)
    address = await server.start()
    print(f"kubecommit listening on {address}", flush=True)
    if on_started is not None:
        on_started.set_result(address)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def signalled() -> None:
        # The first signal drains (calls in flight get the grace period); a second one, from a
        # person who will not wait for a long follow or exec to end, exits at once.
        if stopping.is_set():
            log.warning("second signal: exiting now, calls in flight are cut off")
            logging.shutdown()
            os._exit(FORCED_EXIT)
        stopping.set()
        _exit_if_stuck(loop, settings.shutdown_timeout_seconds or settings.shutdown_grace_seconds + 20)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, signalled)
    try:
        await stopping.wait()
        log.info("shutting down", extra={"grace_seconds": settings.shutdown_grace_seconds})
        await server.stop()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)

"""Prometheus metrics of one server: per-RPC counts, latency and errors, open streams, store
commits, the git mirror, cluster reachability, served over HTTP on a port of its own.

Each server has its own registry (tests run several servers in one process), so nothing goes into
prometheus_client's global one.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, Iterable
from wsgiref.simple_server import WSGIServer

import grpc
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from server import context as call_context
from server.errors import FailedPrecondition
from server.interceptors.wrapping import WrappingInterceptor

log = logging.getLogger("kubecommit.metrics")

# gRPC Python on loopback answers in ~1 ms; cluster calls take up to the cluster timeout.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def _split(method: str) -> tuple[str, str]:
    """`/pkg.Service/Method` -> (`pkg.Service`, `Method`)."""
    service, _, name = method.lstrip("/").partition("/")
    return service, name


class _StateCollector(Collector):
    """Values read when scraped (cluster states), so no code path has to remember to set them."""

    def __init__(self, name: str, documentation: str, label: str,
                 read: Callable[[], Iterable[tuple[str, float]]]) -> None:
        self.name, self.documentation, self.label, self.read = name, documentation, label, read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=[self.label])
        try:
            for value, count in self.read():
                family.add_metric([value], count)
        except Exception:  # a closed database at shutdown must not fail the whole scrape
            log.debug("reading %s failed", self.name, exc_info=True)
        yield family


class _CacheCollector(Collector):
    """Per cluster and kind: objects held by the watch cache and whether it is synced."""

    def __init__(self, status: Callable[[], Iterable[Any]]) -> None:
        self.status = status

    def collect(self) -> Iterable[GaugeMetricFamily]:
        objects = GaugeMetricFamily("kubecommit_watch_cache_objects", "Objects held by the watch cache.",
                                    labels=["cluster", "resource"])
        synced = GaugeMetricFamily("kubecommit_watch_cache_synced",
                                   "1 while the watch cache of a kind is synced (readers use it), else 0.",
                                   labels=["cluster", "resource"])
        for kind in self.status():
            objects.add_metric([kind.cluster, kind.resource], kind.objects)
            synced.add_metric([kind.cluster, kind.resource], 1.0 if kind.synced else 0.0)
        yield objects
        yield synced


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.rpc_started = Counter("kubecommit_rpc_started", "RPCs started.",
                                   ["grpc_service", "grpc_method"], registry=r)
        self.rpc_handled = Counter("kubecommit_rpc_handled", "RPCs finished, by status code.",
                                   ["grpc_service", "grpc_method", "grpc_code"], registry=r)
        self.rpc_errors = Counter("kubecommit_rpc_errors", "RPCs that ended with a status other than OK.",
                                  ["grpc_service", "grpc_method", "grpc_code"], registry=r)
        self.rpc_latency = Histogram("kubecommit_rpc_duration_seconds", "RPC duration, streams included.",
                                     ["grpc_service", "grpc_method"], buckets=LATENCY_BUCKETS, registry=r)
        self.open_streams = Gauge("kubecommit_open_streams", "Streaming RPCs open now.",
                                  ["grpc_service", "grpc_method"], registry=r)
        self.store_commits = Counter("kubecommit_store_commits", "Commits written to the store.",
                                     ["operation"], registry=r)
        self.mirror_pushes = Counter("kubecommit_mirror_pushes", "Pushes to the git remote, by result.",
                                     ["result"], registry=r)
        self.mirror_fetches = Counter("kubecommit_mirror_fetches", "A follower's fetches from the git remote, "
                                      "by result.", ["result"], registry=r)
        self.mirror_lag = Gauge("kubecommit_mirror_lag_seconds",
                                "Age of the oldest store change not yet on the git remote (0 when in sync).",
                                registry=r)
        self.mirror_last_success = Gauge("kubecommit_mirror_last_success_timestamp_seconds",
                                         "When a push to the git remote last succeeded.", registry=r)
        self.mirror_last_fetch = Gauge("kubecommit_mirror_last_fetch_timestamp_seconds",
                                       "When a follower's fetch from the git remote last succeeded.", registry=r)
        self.job_runs = Counter("kubecommit_job_runs", "Job runs finished, by outcome.", ["job", "outcome"],
                                registry=r)
        self.job_duration = Histogram("kubecommit_job_duration_seconds", "Job run duration.", ["job"],
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.leader = Gauge("kubecommit_leader", "1 while this replica is the leader that writes.", registry=r)
        self.rpc_forwarded = Counter("kubecommit_rpc_forwarded", "Calls this follower forwarded to the leader, "
                                     "by the status they ended with.",
                                     ["grpc_service", "grpc_method", "grpc_code"], registry=r)
        self._http: WSGIServer | None = None
        self._http_thread: threading.Thread | None = None

    def watch_clusters(self, states: Callable[[], Iterable[tuple[str, float]]]) -> None:
        """`states()` yields (state, number of clusters in it): connected, disconnected, error."""
        self.registry.register(_StateCollector(
            "kubecommit_clusters", "Registered clusters by reachability state.", "state", states))

    def watch_cache(self, status: Callable[[], Iterable[Any]]) -> None:
        """`status()` yields the watch cache's informers (server/kube/cache.py KindStatus)."""
        self.registry.register(_CacheCollector(status))

    def count_change(self, operation: str) -> None:
        """A store listener: counts new commits (`ref` is a tag or branch change, no commit)."""
        if operation != "ref":
            self.store_commits.labels(operation).inc()

    def count_job(self, job: str, outcome: str, seconds: float) -> None:
        """The job runner's observer of finished runs."""
        self.job_runs.labels(job, outcome).inc()
        self.job_duration.labels(job).observe(seconds)

    def observe(self, call: call_context.CallContext, code: grpc.StatusCode, seconds: float) -> None:
        """A completion observer of the request interceptor."""
        service, method = _split(call.method)
        self.rpc_handled.labels(service, method, code.name).inc()
        self.rpc_latency.labels(service, method).observe(seconds)
        if code is not grpc.StatusCode.OK:
            self.rpc_errors.labels(service, method, code.name).inc()

    def count_forwarded(self, method: str, code: grpc.StatusCode) -> None:
        """A forwarded call ended (the leader counts it as handled; the follower counts it here)."""
        self.rpc_forwarded.labels(*_split(method), code.name).inc()

    def serve(self, listen: str) -> str:
        """Serves /metrics on `listen` (HOST:PORT, port 0 picks one); returns the bound address."""
        host, _, port = listen.rpartition(":")
        host = host.strip("[]")
        try:
            self._http, self._http_thread = start_http_server(int(port), addr=host, registry=self.registry)
        except (OSError, ValueError) as error:
            raise FailedPrecondition(f"cannot serve metrics on {listen}: {error}", "BIND_FAILED") from None
        bound = f"{host}:{self._http.server_port}"
        log.info("serving metrics", extra={"address": bound})
        return bound

    def close(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None


class _Hooks:
    def __init__(self, metrics: Metrics, method: str, streaming: bool) -> None:
        self.metrics = metrics
        self.labels = _split(method)
        self.streaming = streaming

    def on_request(self, message: Any) -> None:
        """Counted per call, not per message."""

    @asynccontextmanager
    async def session(self, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        self.metrics.rpc_started.labels(*self.labels).inc()
        if not self.streaming:
            yield
            return
        gauge = self.metrics.open_streams.labels(*self.labels)
        gauge.inc()
        try:
            yield
        finally:
            gauge.dec()


class MetricsInterceptor(WrappingInterceptor):
    """Counts calls as they start and streams while they are open; the request interceptor's
    completion observer (`Metrics.observe`) counts them as they end, with their status."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def hooks_for(self, details: grpc.HandlerCallDetails, handler: grpc.RpcMethodHandler) -> _Hooks:
        return _Hooks(self.metrics, details.method, handler.request_streaming or handler.response_streaming)

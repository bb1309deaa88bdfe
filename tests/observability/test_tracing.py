"""W3C trace context: a caller's `traceparent` reaches the server's log lines (through a real
channel) and goes on to the clusters the call reaches (through the cluster-access layer)."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import grpc
import pytest
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc
from server.kube import parse_kubeconfig
from server.kube.connection import ClusterConnection
from server.observability.tracing import TraceLogFilter, TracingInterceptor

TRACE_ID = uuid.uuid4().hex
PARENT_SPAN = uuid.uuid4().hex[:16]
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN}-01"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(TraceLogFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture()
def rpc_log() -> Iterator[_Records]:
    handler = _Records()
    logger = logging.getLogger("kubecommit.rpc")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_callers_trace_id_is_in_the_request_log_line(channel: grpc.Channel, rpc_log: _Records) -> None:
    stub = clusters_pb2_grpc.ClustersServiceStub(channel)
    request_id = uuid.uuid4().hex
    stub.ListClusters(clusters_pb2.ListClustersRequest(),
                      metadata=(("traceparent", TRACEPARENT), ("x-request-id", request_id)))
    stub.ListClusters(clusters_pb2.ListClustersRequest(), metadata=(("x-request-id", request_id + "b"),))
    deadline = time.monotonic() + 5  # the line is written as the call ends, maybe after the reply
    while (lines := {getattr(r, "request_id", None): r for r in rpc_log.records}).keys() \
            < {request_id, request_id + "b"}:
        assert time.monotonic() < deadline, "no request log lines"
        time.sleep(0.02)
    traced, untraced = lines[request_id], lines[request_id + "b"]
    assert traced.trace_id == TRACE_ID
    assert traced.span_id != PARENT_SPAN  # the call's own span, a child of the caller's
    # Without a traceparent the call starts a trace of its own.
    assert len(untraced.trace_id) == 32 and untraced.trace_id != TRACE_ID


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        _Recorder.seen.append(dict(self.headers))
        body = json.dumps({"kind": "APIVersions", "versions": ["v1"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


async def test_cluster_calls_carry_the_traceparent_on(tmp_path: Path) -> None:
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    kubeconfig = parse_kubeconfig(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{http.server_port}"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}]}))
    executor = ThreadPoolExecutor(2)
    connection = ClusterConnection("traced", kubeconfig, executor=executor, timeout=5, cache_dir=tmp_path)
    tracer = TracingInterceptor().tracer
    try:
        parent = TraceContextTextMapPropagator().extract({"traceparent": TRACEPARENT})
        with tracer.start_as_current_span("rpc", context=parent) as span:
            await connection.request("GET", "/api")
            own = format(span.get_span_context().span_id, "016x")
    finally:
        connection.close()
        executor.shutdown()
        http.shutdown()
        http.server_close()
    sent = {k.lower(): v for k, v in _Recorder.seen[-1].items()}
    assert sent["traceparent"] == f"00-{TRACE_ID}-{own}-01"

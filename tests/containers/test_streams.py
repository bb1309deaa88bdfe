"""StreamLogs: a selector followed across pods that come and go, filter changes, pause/resume,
and cancellation that closes every upstream connection."""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from typing import Iterator

import grpc
import pytest
from kubernetes import client

from kubecommit.v1 import containers_pb2 as pb
from kubesim import Simulator
from kubesim.testing import wait_for
from tests.containers.conftest import ticker_pods


def chunk_lines(chunk: pb.LogChunk) -> list[str]:
    """A LogChunk's lines, decoded for comparison (the newline, and a `\\r` before it, removed)."""
    lines = chunk.data.decode().split("\n")
    if not lines[-1]:
        lines.pop()
    assert len(lines) == chunk.line_count
    return [line.rstrip("\r") for line in lines]


class Follow:
    """A StreamLogs call driven from a test: send control messages, collect responses in the background."""

    def __init__(self, stub, query: pb.LogQuery) -> None:
        self.outbox: queue.Queue[pb.StreamLogsRequest | None] = queue.Queue()
        self.outbox.put(pb.StreamLogsRequest(query=query))
        self.responses: list[pb.StreamLogsResponse] = []
        self.call = stub.StreamLogs(self._requests())
        self.error: grpc.RpcError | None = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _requests(self) -> Iterator[pb.StreamLogsRequest]:
        while (item := self.outbox.get()) is not None:
            yield item

    def _read(self) -> None:
        try:
            for response in self.call:
                self.responses.append(response)
        except grpc.RpcError as error:
            self.error = error

    def send(self, **control: object) -> None:
        self.outbox.put(pb.StreamLogsRequest(**control))

    def raws(self) -> list[str]:
        """Lines of every view: LogEntry.raw, or chunks (RAW, `chunked`) split at their newlines."""
        return [line for r in list(self.responses) for line in
                [e.raw for e in r.entries] + [text for c in r.chunks for text in chunk_lines(c)]]

    def joined(self) -> set[str]:
        return {k for r in list(self.responses) for k in r.joined}

    def cancel(self) -> None:
        self.call.cancel()
        self.outbox.put(None)
        self.thread.join(5)


# How lines travel, as LogQuery fields: entries (FULL by default, BASIC), or chunks (RAW, or FULL
# `chunked` with per-line values).
VIEWS = [{"view": pb.LOG_VIEW_UNSPECIFIED}, {"view": pb.LOG_VIEW_BASIC}, {"view": pb.LOG_VIEW_RAW},
         {"view": pb.LOG_VIEW_FULL, "chunked": True}]


@pytest.mark.parametrize("view", VIEWS)
def test_selector_follow_join_filter_pause_cancel(stub, kube, sim: Simulator, namespace: str, view: dict) -> None:
    first = wait_for(lambda: len(ticker_pods(kube, namespace)) == 3 and ticker_pods(kube, namespace))
    baseline_follows = sim.open_follows
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/demo/namespaces/{namespace}", label_selector="app=ticker",
                                      tail_lines=1, **view))
    wait_for(lambda: follow.joined() == {f"{p}/app" for p in first})
    assert sim.open_follows == baseline_follows + 3
    threads = threading.active_count()  # with this test's reader thread: none may be left after cancel

    for pod in first:
        sim.append_log(namespace, pod, "app", [f"hello from {pod}"])
    wait_for(lambda: all(f"hello from {p}" in follow.raws() for p in first))

    # A fourth pod starts: its stream joins the merged one.
    client.AppsV1Api(kube).patch_namespaced_deployment_scale("ticker", namespace, {"spec": {"replicas": 4}})
    fourth = wait_for(lambda: set(ticker_pods(kube, namespace)) - set(first))
    (new_pod,) = fourth
    wait_for(lambda: f"{new_pod}/app" in follow.joined())
    sim.append_log(namespace, new_pod, "app", ["newcomer says hi"])
    wait_for(lambda: "newcomer says hi" in follow.raws())
    assert any(e.pod == new_pod for r in follow.responses for e in [*r.entries, *r.chunks])

    # Change the filter mid-stream: only lines with "keep" pass from now on.
    follow.send(filter=pb.LogFilter(contains="keep"))
    time.sleep(0.3)
    seen = len(follow.raws())
    sim.append_log(namespace, first[0], "app", ["drop me", "keep me"])
    wait_for(lambda: "keep me" in follow.raws())
    assert "drop me" not in follow.raws()[seen:]

    # Pause: nothing is delivered; resume: what was held arrives.
    follow.send(pause=True)
    time.sleep(0.3)
    paused_at = len(follow.raws())
    sim.append_log(namespace, first[1], "app", ["keep while paused"])
    time.sleep(0.5)
    assert len(follow.raws()) == paused_at
    follow.send(resume=True)
    wait_for(lambda: "keep while paused" in follow.raws())

    # A pod that goes away leaves the stream.
    client.CoreV1Api(kube).delete_namespaced_pod(first[2], namespace)
    wait_for(lambda: f"{first[2]}/app" in {k for r in follow.responses for k in r.left})

    follow.cancel()
    wait_for(lambda: sim.open_follows == baseline_follows, timeout=5)
    wait_for(lambda: threading.active_count() <= threads, timeout=5)
    assert follow.error is not None and follow.error.code() == grpc.StatusCode.CANCELLED


def test_selector_matching_nothing_stays_open(stub, kube, sim: Simulator, namespace: str) -> None:
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/demo/namespaces/{namespace}", label_selector="app=later"))
    time.sleep(0.5)
    assert follow.error is None and follow.thread.is_alive() and follow.raws() == []
    follow.cancel()


def test_first_message_must_be_a_valid_query(stub) -> None:
    with pytest.raises(grpc.RpcError) as error:
        list(stub.StreamLogs(iter([pb.StreamLogsRequest(pause=True)])))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = pb.LogQuery(parent="clusters/demo/namespaces/web", label_selector="app=frontend",
                      filter=pb.LogFilter(exclude_pattern="[x"))
    with pytest.raises(grpc.RpcError) as error:
        list(stub.StreamLogs(iter([pb.StreamLogsRequest(query=bad)])))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as error:
        list(stub.StreamLogs(iter([pb.StreamLogsRequest(query=pb.LogQuery(
            parent="clusters/demo/namespaces/web", pod="missing"))])))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


class _Errors(logging.Handler):
    """Error records of any logger (OpenTelemetry's "Failed to detach context", asyncio's report of a
    failed task), with their exceptions."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.messages.append(f"{record.getMessage()} {error!r}")


def test_cancelling_busy_streams_logs_no_context_error(stub, kube, sim: Simulator, namespace: str) -> None:
    """Clients cancel streams while the server is busy sending: each call's trace span and request
    context end in the call's own task. (A handler left suspended at a `yield` by grpc.aio was closed
    later by the event loop's finalizer in another task, logging "Failed to detach context" and
    "created in a different Context".)"""
    pod = wait_for(lambda: ticker_pods(kube, namespace))[0]
    for start in range(0, 60_000, 10_000):
        sim.append_log(namespace, pod, "app", [f"line {i} of a backlog read in part" for i in range(start, start + 10_000)])
    query = pb.LogQuery(parent=f"clusters/demo/namespaces/{namespace}", pod=pod, container="app", tail_lines=60_000)
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        def follow_then_cancel(messages: int) -> None:
            stop = threading.Event()

            def requests() -> Iterator[pb.StreamLogsRequest]:
                yield pb.StreamLogsRequest(query=query)
                stop.wait()

            call = stub.StreamLogs(requests())
            for count, _ in enumerate(call):
                if count >= messages:
                    break
            call.cancel()
            stop.set()

        threads = [threading.Thread(target=follow_then_cancel, args=(2 + n % 5,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        time.sleep(1.0)
        gc.collect()  # a handler dropped by grpc.aio would be finalized (and closed) by now
        time.sleep(1.0)
    finally:
        logging.getLogger().removeHandler(errors)
    assert not [m for m in errors.messages if "detach" in m or "different Context" in m], errors.messages

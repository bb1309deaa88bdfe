"""The two sides of the StreamLogs rate rows, run in the benchmark's client process
(bench/containers/child.py `ClientProcess`): a gRPC client of kubecommit and the `kubernetes`
client reading the same logs directly."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from kubernetes import client

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc

NS = "bench"


def stream_rate(stub: containers_pb2_grpc.ContainersServiceStub, query: pb.LogQuery, expected: int) -> float:
    """Lines/s delivered by StreamLogs following `query` from the start of a full backlog."""
    stop = threading.Event()

    def requests() -> Iterator[pb.StreamLogsRequest]:
        yield pb.StreamLogsRequest(query=query)
        stop.wait()

    started = time.perf_counter()
    call = stub.StreamLogs(requests())
    got = 0
    for response in call:
        got += len(response.entries) + sum(chunk.line_count for chunk in response.chunks)
        if got >= expected:
            break
    elapsed = time.perf_counter() - started
    call.cancel()
    stop.set()
    return got / elapsed


def direct_rate(core: client.CoreV1Api, pods: list[str], expected: int, timestamps: bool = True) -> float:
    """Lines/s read with the kubernetes client (follow, one thread per container), lines split only;
    with the kubelet's timestamps when the compared view reads them."""
    per = expected // len(pods)

    def read(pod: str) -> int:
        response = core.read_namespaced_pod_log(pod, NS, container="app", follow=True, timestamps=timestamps,
                                                tail_lines=per, _preload_content=False)
        count, pending = 0, b""
        for chunk in response.stream(64 * 1024):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            count += len(lines)
            if count >= per:
                break
        response.release_conn()
        return count

    started = time.perf_counter()
    with ThreadPoolExecutor(len(pods)) as pool:
        total = sum(pool.map(read, pods))
    return total / (time.perf_counter() - started)

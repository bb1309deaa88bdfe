"""kubesim in a child process for the containers benchmark."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kubesim import Simulator


def _serve(conn: Connection, log_lines: int) -> None:
    """The child process: a simulator answering `(method, args)` calls from the parent."""
    sim = Simulator(seed=False, log_interval=None, log_lines=log_lines).start()
    while (request := conn.recv()) is not None:
        method, args = request
        value = getattr(sim, method)
        conn.send(value(*args) if callable(value) else value)
    sim.stop()


class ChildSimulator:
    """The few Simulator calls the benchmark makes, forwarded to a simulator in a child process, so
    that rendering log lines (~2 µs a line in kubesim) competes with kubecommit only for CPUs, not
    for one GIL, as a real API server would."""

    def __init__(self, log_lines: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, log_lines), daemon=True)
        self.process.start()

    def _call(self, method: str, *args: Any) -> Any:
        self.conn.send((method, args))
        return self.conn.recv()

    def kubeconfig_text(self, name: str) -> str:
        return self._call("kubeconfig_text", name)

    def write_kubeconfig(self, path: Path, name: str) -> Path:
        return self._call("write_kubeconfig", path, name)

    def append_log(self, namespace: str, pod: str, container: str, lines: list[str]) -> None:
        self._call("append_log", namespace, pod, container, lines)

    @property
    def open_follows(self) -> int:
        return self._call("open_follows")

    def stop(self) -> None:
        self.conn.send(None)
        self.process.join(30)


def _follow_backlogs(address: str, token: str, query: bytes, expected: int, streams: int) -> None:
    """The child process of `BusyClients`: `streams` threads, each following `query` (serialized
    LogQuery) once until `expected` lines have arrived."""
    import threading

    import grpc

    from kubecommit.v1 import containers_pb2 as pb
    from kubecommit.v1 import containers_pb2_grpc
    from tests.support.auth import with_token

    stub = containers_pb2_grpc.ContainersServiceStub(with_token(grpc.insecure_channel(address), token))

    def follow() -> None:
        stop = threading.Event()

        def requests():  # type: ignore[no-untyped-def]
            yield pb.StreamLogsRequest(query=pb.LogQuery.FromString(query))
            stop.wait()
        got, call = 0, stub.StreamLogs(requests())
        for response in call:
            got += len(response.entries) + sum(chunk.line_count for chunk in response.chunks)
            if got >= expected:
                break
        call.cancel()
        stop.set()

    threads = [threading.Thread(target=follow) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class BusyClients:
    """gRPC clients in a child process keeping the server busy (their own GIL, as real clients'
    processes would be), following a query's backlog once each."""

    def __init__(self, address: str, token: str, query: bytes, expected: int, streams: int) -> None:
        self.process = multiprocessing.get_context("spawn").Process(
            target=_follow_backlogs, args=(address, token, query, expected, streams), daemon=True)
        self.process.start()

    def busy(self) -> bool:
        return self.process.is_alive()

    def join(self) -> None:
        self.process.join(120)


def _read_rates(conn: Connection, address: str, token: str, kubeconfig: Path) -> None:
    """The child process of `ClientProcess`: answers ("ours", LogQuery bytes, expected) and
    ("direct", pods, expected, timestamps) with lines/s."""
    import grpc
    from kubernetes import client

    from bench.containers.rates import direct_rate, stream_rate
    from kubecommit.v1 import containers_pb2 as pb
    from kubecommit.v1 import containers_pb2_grpc
    from kubesim.testing import api_client_from
    from tests.support.auth import with_token

    stub = containers_pb2_grpc.ContainersServiceStub(with_token(grpc.insecure_channel(address), token))
    core = client.CoreV1Api(api_client_from(kubeconfig))
    while (request := conn.recv()) is not None:
        side, *args = request
        conn.send(stream_rate(stub, pb.LogQuery.FromString(args[0]), args[1]) if side == "ours"
                  else direct_rate(core, *args))


class ClientProcess:
    """The readers of the rate rows in a process of their own, as a user's client is: the gRPC
    client does not share the server's GIL, and the direct client reads from the same place."""

    def __init__(self, address: str, token: str, kubeconfig: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_read_rates, args=(child, address, token, kubeconfig), daemon=True)
        self.process.start()

    def ours(self, query: bytes, expected: int) -> float:
        self.conn.send(("ours", query, expected))
        return self.conn.recv()

    def direct(self, pods: list[str], expected: int, timestamps: bool) -> float:
        self.conn.send(("direct", pods, expected, timestamps))
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send(None)
        self.process.join(30)

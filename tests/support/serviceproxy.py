"""What a Kubernetes Service with readiness probes does, on loopback: a TCP proxy that hands each
new connection to the next ready backend, round robin, where ready means the gRPC health
service answers SERVING for the whole server (the pods' readiness probe, `python -m
server.probe`). A backend that stops answering leaves the rotation at the next probe; the
connections it had break, as they would when a pod dies."""

from __future__ import annotations

import itertools
import socket
import threading

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

PROBE_PERIOD = 0.25


class ServiceProxy:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.ready: set[str] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._listener.getsockname()[1]}"
        self._next = itertools.count()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._probe, daemon=True),
                         threading.Thread(target=self._accept, daemon=True)]

    def start(self) -> "ServiceProxy":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()

    def _probe(self) -> None:
        channels = {b: grpc.insecure_channel(b) for b in self.backends}
        while not self._stopping.is_set():
            for backend, channel in channels.items():
                try:
                    status = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(service=""), timeout=1).status
                    ok = status == health_pb2.HealthCheckResponse.SERVING
                except grpc.RpcError:
                    ok = False
                (self.ready.add if ok else self.ready.discard)(backend)
            self._stopping.wait(PROBE_PERIOD)
        for channel in channels.values():
            channel.close()

    def _pick(self) -> str | None:
        ready = [b for b in self.backends if b in self.ready]
        return ready[next(self._next) % len(ready)] if ready else None

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            backend = self._pick()
            try:
                if backend is None:
                    raise OSError("no ready backend")
                host, port = backend.rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)), timeout=1)
                upstream.settimeout(None)
            except OSError:
                client.close()  # a Service without ready endpoints refuses the connection
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

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

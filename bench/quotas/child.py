"""kubesim and its latency proxy in a child process for the quotas benchmark: they compete with
kubecommit for CPUs, not for one GIL, as real API servers would."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection


def _serve(conn: Connection, namespaces: int, delay: float) -> None:
    from bench.quotas.__main__ import SlowProxy, add_quotas
    from kubesim import Simulator

    sim = Simulator(seed=True, log_interval=None).start()
    add_quotas(sim, namespaces)
    proxy = SlowProxy(sim.url, delay).start()
    conn.send(sim.kubeconfig_text("demo").replace(sim.url.rstrip("/"), proxy.url))
    conn.recv()  # until the parent is done
    proxy.stop()
    sim.stop()


class ChildClusters:
    def __init__(self, namespaces: int, delay: float) -> None:
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, namespaces, delay), daemon=True)
        self.process.start()
        self.kubeconfig: str = self.conn.recv()

    def stop(self) -> None:
        self.conn.send(None)
        self.process.join(10)

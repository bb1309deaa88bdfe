"""Fixtures for tests that need a cluster: a seeded kubesim reached only through a kubeconfig,
and a kubecommit server with it registered as `clusters/demo`."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from kubesim import Simulator
from server.registry import ClusterRecord, now
from server.embedded import EmbeddedServer
from server.kube import parse_kubeconfig


def register_cluster(embedded: EmbeddedServer, cluster_id: str, kubeconfig_text: str) -> ClusterRecord:
    """Registers a cluster straight into a server's registry (the ClustersService tests cover
    registration through the API; other services just need a cluster to exist)."""
    runtime = embedded.server.runtime
    assert runtime is not None
    kubeconfig = parse_kubeconfig(kubeconfig_text)
    record = ClusterRecord(id=cluster_id, server=kubeconfig.server, context=kubeconfig.context,
                           create_time=now(), update_time=now(), state="connected")
    return embedded.run(runtime.clusters.create(record, kubeconfig))


@pytest.fixture(scope="session")
def sim() -> Iterator[Simulator]:
    """A seeded simulator for the whole session; call `sim.reset()` where a test needs fresh state."""
    simulator = Simulator(seed=True, log_interval=0.5).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def demo_server(server_factory: Callable[..., EmbeddedServer], sim: Simulator) -> EmbeddedServer:
    """A kubecommit server with the session's simulator registered as `clusters/demo`."""
    embedded = server_factory()
    register_cluster(embedded, "demo", sim.kubeconfig_text("demo"))
    return embedded

"""Fixtures for the ClustersService tests: a server and simulated clusters per module (their own
inventory and objects), and stubs that authenticate as admin."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from kubecommit.v1 import clusters_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.clusters.helpers import stub_for


@pytest.fixture(scope="module")
def cserver(server_factory: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    """A server of its own per module; cluster calls bounded at 3 s so failures are quick."""
    return server_factory(cluster_timeout_seconds=3)


@pytest.fixture(scope="module")
def stub(cserver: EmbeddedServer) -> clusters_pb2_grpc.ClustersServiceStub:
    return stub_for(cserver)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A seeded cluster per module (shadowing the session-wide one): these tests count objects
    exactly, so they must not see what other folders' tests create."""
    simulator = Simulator(seed=True, log_interval=None).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="module")
def sim2() -> Iterator[Simulator]:
    """A second simulated cluster this module may change freely."""
    simulator = Simulator(seed=True, log_interval=None).start()
    yield simulator
    simulator.stop()

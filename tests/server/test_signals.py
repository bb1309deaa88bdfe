"""`kubecommit serve` and its signals: the first SIGTERM drains (a call in flight keeps its grace
period), a second one exits at once, as a person at a terminal pressing Ctrl-C twice expects; a
stop that overruns `shutdown_timeout_seconds` exits anyway, printing what it was waiting for."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import clusters_pb2_grpc
from kubesim import Simulator
from server.app import FORCED_EXIT
from tests.support.auth import admin_token
from tests.support.served import Served


def _watching(served: Served, sim: Simulator, data: Path) -> Any:
    """A watch left open (while the caller holds it): a call in flight that the drain waits for."""
    stub = clusters_pb2_grpc.ClustersServiceStub(served.as_token(admin_token(data)))
    stub.CreateCluster(pb.CreateClusterRequest(
        cluster_id="demo", cluster=pb.Cluster(kubeconfig=sim.kubeconfig_text("demo"))), timeout=30)
    watch = stub.WatchResources(pb.WatchResourcesRequest(parent="clusters/demo", resource_type="namespaces"),
                                timeout=600)
    assert next(watch).resource.object_name
    return watch


def test_a_second_signal_cuts_the_drain_short(tmp_path: Path) -> None:
    with Simulator(seed=False, log_interval=None) as sim:
        data = tmp_path / "data"
        served = Served(data, {"KUBECOMMIT_SHUTDOWN_GRACE_SECONDS": "300"})
        try:
            watch = _watching(served, sim, data)
            served.process.send_signal(signal.SIGTERM)
            with pytest.raises(subprocess.TimeoutExpired):
                served.process.wait(3)  # draining: the watch keeps its grace period
            served.process.send_signal(signal.SIGTERM)
            assert served.process.wait(30) == FORCED_EXIT
            watch.cancel()
        finally:
            served.stop()


def test_a_stop_past_its_time_limit_exits_with_the_stacks_of_what_it_waited_for(tmp_path: Path) -> None:
    with Simulator(seed=False, log_interval=None) as sim:
        data = tmp_path / "data"
        served = Served(data, {"KUBECOMMIT_SHUTDOWN_GRACE_SECONDS": "300", "KUBECOMMIT_SHUTDOWN_TIMEOUT_SECONDS": "3"})
        try:
            watch = _watching(served, sim, data)
            served.process.send_signal(signal.SIGTERM)
            _, served.stderr = served.process.communicate(timeout=60)
            assert served.process.returncode == FORCED_EXIT  # the drain would have waited 300 s
            watch.cancel()
        finally:
            served.stop()
    assert "shutdown still running after 3 s" in served.stderr
    assert "Stack for <Task" in served.stderr and "Thread 0x" in served.stderr  # tasks', then threads'
    assert "WatchResources" in served.stderr  # the call the drain waited for

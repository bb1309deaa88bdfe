"""`kubecommit serve` and its signals: the first SIGTERM drains (a call in flight keeps its grace
period), a second one exits at once, as a person at a terminal pressing Ctrl-C twice expects."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import clusters_pb2_grpc
from kubesim import Simulator
from server.app import FORCED_EXIT
from tests.support.auth import admin_token
from tests.support.served import Served


def test_a_second_signal_cuts_the_drain_short(tmp_path: Path) -> None:
    with Simulator(seed=False, log_interval=None) as sim:
        data = tmp_path / "data"
        served = Served(data, {"KUBECOMMIT_SHUTDOWN_GRACE_SECONDS": "300"})
        try:
            stub = clusters_pb2_grpc.ClustersServiceStub(served.as_token(admin_token(data)))
            stub.CreateCluster(pb.CreateClusterRequest(
                cluster_id="demo", cluster=pb.Cluster(kubeconfig=sim.kubeconfig_text("demo"))), timeout=30)
            watch = stub.WatchResources(pb.WatchResourcesRequest(
                parent="clusters/demo", resource_type="namespaces"), timeout=600)
            assert next(watch).resource.object_name  # the watch is open: a call in flight
            served.process.send_signal(signal.SIGTERM)
            with pytest.raises(subprocess.TimeoutExpired):
                served.process.wait(3)  # draining: the watch keeps its grace period
            served.process.send_signal(signal.SIGTERM)
            assert served.process.wait(30) == FORCED_EXIT
        finally:
            served.stop()

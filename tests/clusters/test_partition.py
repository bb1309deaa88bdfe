"""A cluster behind a network partition (tests/support/partition.py: its sockets stay open and
nothing answers): calls about it answer within their timeout, naming it unreachable, a watch of it
ends UNAVAILABLE instead of going quiet for good, and the server still exits on SIGTERM. The client's discovery passed no timeout: each look at such a
cluster's kinds lost a thread of the pool for good, and the process never exited, its shutdown
waiting for them."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import grpc
import pytest
from kubernetes import client
from kubernetes import config as kube_config

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import clusters_pb2_grpc
from kubesim import Simulator
from tests.support.auth import admin_token
from tests.support.partition import Partition
from tests.support.served import Served


def test_a_partitioned_cluster_hangs_neither_calls_nor_the_shutdown(tmp_path: Path) -> None:
    with Simulator(seed=False, log_interval=None) as sim, ExitStack() as cleanup:
        partition = Partition(sim).start()
        cleanup.callback(partition.stop)
        data = tmp_path / "data"
        served = Served(data)
        cleanup.callback(served.stop)
        stub = clusters_pb2_grpc.ClustersServiceStub(served.as_token(admin_token(data)))
        stub.CreateCluster(pb.CreateClusterRequest(
            cluster_id="cut", cluster=pb.Cluster(kubeconfig=partition.kubeconfig_text("cut"))), timeout=30)
        reached = stub.ListResources(pb.ListResourcesRequest(parent="clusters/cut", resource_type="namespaces"),
                                     timeout=30)
        assert reached.resources and not reached.unreachable
        partition.cut()
        # Kinds the cluster does not serve: each is looked up in the cluster's discovery again.
        for kind in ("widgets", "gadgets", "gizmos"):
            page = stub.ListResources(pb.ListResourcesRequest(parent="clusters/cut", resource_type=kind),
                                      timeout=30)
            assert "clusters/cut" in page.unreachable, page
        assert served.stop(timeout=30) == 0


def test_a_watch_of_a_partitioned_cluster_ends_instead_of_going_quiet(tmp_path: Path) -> None:
    """Watches are reopened as the API server ends them (a change after several is still seen);
    one that stays silent past its timeout is a partition and ends the stream UNAVAILABLE."""
    with Simulator(seed=False, log_interval=None) as sim, ExitStack() as cleanup:
        partition = Partition(sim).start()
        cleanup.callback(partition.stop)
        data = tmp_path / "data"
        served = Served(data, {"KUBECOMMIT_CLUSTER_WATCH_TIMEOUT_SECONDS": "1"})
        cleanup.callback(served.stop)
        stub = clusters_pb2_grpc.ClustersServiceStub(served.as_token(admin_token(data)))
        stub.CreateCluster(pb.CreateClusterRequest(
            cluster_id="cut", cluster=pb.Cluster(kubeconfig=partition.kubeconfig_text("cut"))), timeout=30)
        stream = stub.WatchResources(pb.WatchResourcesRequest(
            parent="clusters/cut", resource_type="configmaps", namespace="default"), timeout=120)
        time.sleep(5)  # the API server ended the first watches meanwhile
        with kube_config.new_client_from_config(str(sim.write_kubeconfig(tmp_path / "direct"))) as api:
            client.CoreV1Api(api).create_namespaced_config_map("default", {"metadata": {"name": "later"}})
        assert any(event.resource.object_name == "later" for event in stream)
        partition.cut()
        with pytest.raises(grpc.RpcError) as ended:
            for _ in stream:
                pass
        assert ended.value.code() is grpc.StatusCode.UNAVAILABLE, ended.value
        assert served.stop(timeout=30) == 0

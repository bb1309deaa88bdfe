"""A cluster behind a network partition (tests/support/partition.py: its sockets stay open and
nothing answers): calls about it answer within their timeout, naming it unreachable, and the
server still exits on SIGTERM. The client's discovery passed no timeout: each look at such a
cluster's kinds lost a thread of the pool for good, and the process never exited, its shutdown
waiting for them."""

from __future__ import annotations

from pathlib import Path

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import clusters_pb2_grpc
from kubesim import Simulator
from tests.support.auth import admin_token
from tests.support.partition import Partition
from tests.support.served import Served


def test_a_partitioned_cluster_hangs_neither_calls_nor_the_shutdown(tmp_path: Path) -> None:
    with Simulator(seed=False, log_interval=None) as sim:
        partition = Partition(sim).start()
        try:
            data = tmp_path / "data"
            served = Served(data)
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
        finally:
            partition.stop()

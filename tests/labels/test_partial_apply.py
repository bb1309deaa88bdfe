"""A write that applies and then fails to remove keys (an admission webhook down between the two
calls) still commits what reached the cluster: no cluster change without its commit."""

from __future__ import annotations

from typing import Callable, Iterator

import grpc
import pytest
from kubernetes.client import AppsV1Api

from kubecommit.v1 import labels_pb2 as pb, labels_pb2_grpc, yaml_versions_pb2 as vpb, yaml_versions_pb2_grpc
from kubesim import Simulator
from kubesim.testing import api_client_from, run_kubectl
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster
from tests.support.status import details
from tests.support.faults import FaultyCluster

NAME = "clusters/faulty/namespaces/web/deployments.apps/frontend"


@pytest.fixture(scope="module")
def faulty() -> Iterator[FaultyCluster]:
    sim = Simulator(seed=True, log_interval=None).start()
    proxy = FaultyCluster(sim, lambda r: r.method == "PATCH"
                          and r.content_type == "application/merge-patch+json").start()
    yield proxy
    proxy.stop()
    sim.stop()


@pytest.fixture(scope="module")
def channel(server_factory: Callable[..., EmbeddedServer], faulty: FaultyCluster) -> Iterator[grpc.Channel]:
    embedded = server_factory()
    register_cluster(embedded, "faulty", faulty.kubeconfig_text("faulty"))
    with grpc.insecure_channel(embedded.address) as plain:
        yield with_token(plain, admin_token(embedded.settings.data_dir))


def test_a_failed_removal_after_the_apply_commits_what_the_cluster_holds(channel, faulty, tmp_path) -> None:
    kubeconfig = faulty.sim.write_kubeconfig(tmp_path / "kubeconfig", "direct")
    run_kubectl(kubeconfig, "label", "deployment", "frontend", "-n", "web", "owner=ops")  # kubectl's own key
    labels = labels_pb2_grpc.LabelsServiceStub(channel)
    versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)
    with pytest.raises(grpc.RpcError) as refused:
        labels.UpdateLabels(pb.UpdateLabelsRequest(labels=pb.Labels(name=f"{NAME}/labels", labels={"team": "shop"}),
                                                   remove_labels=["owner"]))
    assert "failed calling webhook" in refused.value.details()
    committed = details(refused.value).metadata["commit"]
    assert faulty.refused == 1
    direct = AppsV1Api(api_client_from(kubeconfig))
    live = direct.read_namespaced_deployment("frontend", "web").metadata.labels
    assert live["team"] == "shop" and live["owner"] == "ops"  # the apply went through, the removal did not
    current = next(v for v in versions.ListVersions(vpb.ListVersionsRequest(parent=NAME)).versions if v.current)
    head = versions.GetVersion(vpb.GetVersionRequest(name=current.name))
    assert "team: shop" in head.yaml and "owner: ops" in head.yaml
    assert head.commit == committed


def test_a_merge_whose_removal_fails_commits_what_the_cluster_holds(channel, faulty) -> None:
    labels = labels_pb2_grpc.LabelsServiceStub(channel)
    versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)
    staged = labels.BatchUpdateLabels(pb.BatchUpdateLabelsRequest(
        parent="clusters/faulty", names=[NAME], branch="branches/drop-owner",
        patch=pb.LabelPatch(set_labels={"tier": "fe"}, remove_labels=["owner"])))
    assert [r.status for r in staged.results] == [pb.LABEL_UPDATE_STATUS_UPDATED]
    refused = faulty.refused
    merged = versions.MergeBranch(vpb.MergeBranchRequest(source="branches/drop-owner"))
    assert faulty.refused == refused + 1
    assert [r.outcome for r in merged.resources] == [vpb.MERGE_OUTCOME_FAILED]
    assert "failed calling webhook" in merged.resources[0].error_status.message
    live = labels.GetLabels(pb.GetLabelsRequest(name=f"{NAME}/labels")).labels
    assert live["tier"] == "fe" and live["owner"] == "ops"  # applied, not removed
    current = next(v for v in versions.ListVersions(vpb.ListVersionsRequest(parent=NAME)).versions if v.current)
    assert current.commit == merged.commit
    head = versions.GetVersion(vpb.GetVersionRequest(name=current.name))
    assert "tier: fe" in head.yaml and "owner: ops" in head.yaml

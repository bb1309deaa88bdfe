"""Placement rules of workloads through a real channel: typed reads of every workload kind,
update_mask and etag on writes, dry runs with the cluster's verdict, one commit per change."""

from __future__ import annotations

import uuid

import grpc
import pytest

from kubecommit.v1 import affinity_pb2 as pb, affinity_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as vpb, yaml_versions_pb2_grpc
from kubesim import Simulator
from tests.support.status import details

CLUSTER = "clusters/aff-rules"
ZONE = "topology.kubernetes.io/zone"
IN = pb.NODE_SELECTOR_OPERATOR_IN


@pytest.fixture(scope="module")
def workload(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub, aff_sim: Simulator) -> str:
    ns = f"rules-{uuid.uuid4().hex[:6]}"
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster=CLUSTER, message="setup", manifest=f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {ns}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      nodeSelector: {{disktype: ssd}}
      tolerations: [{{key: maintenance, operator: Exists, effect: NoExecute, tolerationSeconds: 60}}]
      containers: [{{name: c, image: nginx}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly, namespace: {ns}}}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          nodeSelector: {{disktype: ssd}}
          containers: [{{name: c, image: busybox}}]
"""))
    return f"{CLUSTER}/namespaces/{ns}/deployments.apps/web"


def zone_rule(*zones: str) -> pb.NodeSelector:
    return pb.NodeSelector(node_selector_terms=[pb.NodeSelectorTerm(match_expressions=[
        pb.NodeSelectorRequirement(key=ZONE, operator=IN, values=list(zones))])])


def test_typed_reads(affinity: affinity_pb2_grpc.AffinityServiceStub, workload: str) -> None:
    na = affinity.GetNodeAffinity(pb.GetNodeAffinityRequest(name=f"{workload}/nodeAffinity"))
    assert dict(na.node_selector) == {"disktype": "ssd"} and not na.HasField("required") and na.etag
    tol = affinity.GetTolerations(pb.GetTolerationsRequest(name=f"{workload}/tolerations")).tolerations
    assert [(t.key, t.operator, t.effect, t.toleration_seconds) for t in tol] == [
        ("maintenance", pb.TOLERATION_OPERATOR_EXISTS, 3, 60)]
    cron = workload.replace("deployments.apps/web", "cronjobs.batch/nightly")
    assert dict(affinity.GetNodeAffinity(pb.GetNodeAffinityRequest(name=f"{cron}/nodeAffinity")).node_selector) == {
        "disktype": "ssd"}
    pod = f"{CLUSTER}/namespaces/ml/pods/notebook"
    notebook = affinity.GetPodAffinity(pb.GetPodAffinityRequest(name=f"{pod}/podAffinity"))
    assert [(t.topology_key, dict(t.label_selector.match_labels)) for t in notebook.affinity.required] == [
        (ZONE, {"app": "trainer"})]
    preferred = affinity.GetNodeAffinity(pb.GetNodeAffinityRequest(name=f"{pod}/nodeAffinity")).preferred
    assert [(p.weight, p.preference.match_expressions[0].values) for p in preferred] == [(50, ["ssd"])]


def test_update_mask_changes_only_what_it_names(affinity: affinity_pb2_grpc.AffinityServiceStub,
                                                versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub,
                                                workload: str) -> None:
    name = f"{workload}/nodeAffinity"
    before = len(versions.ListVersions(vpb.ListVersionsRequest(parent=workload)).versions)
    dry = affinity.SetNodeAffinity(pb.SetNodeAffinityRequest(
        node_affinity=pb.NodeAffinity(name=name, required=zone_rule("eu-west-1b", "eu-west-1c")),
        update_mask={"paths": ["required"]}, validate_only=True))
    assert dry.validate_only and not dry.commit and "eu-west-1b" in dry.diff.unified_diff
    assert dict(dry.node_affinity.node_selector) == {"disktype": "ssd"}  # not in the mask: kept
    done = affinity.SetNodeAffinity(pb.SetNodeAffinityRequest(
        node_affinity=pb.NodeAffinity(name=name, required=zone_rule("eu-west-1b", "eu-west-1c")),
        update_mask={"paths": ["required"]}, message="zones b and c"))
    assert done.commit and done.workload == workload
    now = affinity.GetNodeAffinity(pb.GetNodeAffinityRequest(name=name))
    assert now.required == zone_rule("eu-west-1b", "eu-west-1c") and dict(now.node_selector) == {"disktype": "ssd"}
    after = versions.ListVersions(vpb.ListVersionsRequest(parent=workload)).versions
    assert len(after) == before + 1 and [v.message for v in after if v.commit == done.commit] == ["zones b and c"]

    # an empty value in the mask removes the rule; the rest stays
    cleared = affinity.SetNodeAffinity(pb.SetNodeAffinityRequest(
        node_affinity=pb.NodeAffinity(name=name, etag=now.etag), update_mask={"paths": ["node_selector"]}))
    assert not cleared.node_affinity.node_selector and cleared.node_affinity.required == now.required
    # the toleration set earlier by the manifest survived both writes
    assert len(affinity.GetTolerations(pb.GetTolerationsRequest(name=f"{workload}/tolerations")).tolerations) == 1


def test_stale_etag_is_aborted(affinity: affinity_pb2_grpc.AffinityServiceStub, workload: str) -> None:
    fresh = affinity.GetTolerations(pb.GetTolerationsRequest(name=f"{workload}/tolerations"))
    affinity.SetTolerations(pb.SetTolerationsRequest(tolerations=pb.Tolerations(
        name=fresh.name, etag=fresh.etag, tolerations=[pb.Toleration(key="a", operator=pb.TOLERATION_OPERATOR_EXISTS)])))
    with pytest.raises(grpc.RpcError) as failure:  # the write above moved the resourceVersion
        affinity.SetTolerations(pb.SetTolerationsRequest(tolerations=pb.Tolerations(
            name=fresh.name, etag=fresh.etag, tolerations=[])))
    got = details(failure.value)
    assert got.code == grpc.StatusCode.ABORTED and got.reason == "ETAG_MISMATCH"


def test_pod_anti_affinity_round_trip(affinity: affinity_pb2_grpc.AffinityServiceStub, workload: str) -> None:
    term = pb.PodAffinityTerm(label_selector=pb.LabelSelector(match_labels={"app": "web"}), topology_key=ZONE,
                              namespaces=["web"], namespace_selector=pb.LabelSelector(match_labels={"team": "a"}),
                              match_label_keys=["pod-template-hash"])
    rule = pb.PodAffinity(name=f"{workload}/podAffinity", anti_affinity=pb.PodAffinityRules(
        required=[term], preferred=[pb.WeightedPodAffinityTerm(weight=20, pod_affinity_term=term)]))
    set_ = affinity.SetPodAffinity(pb.SetPodAffinityRequest(pod_affinity=rule, update_mask={"paths": ["anti_affinity"]}))
    assert set_.pod_affinity.anti_affinity == rule.anti_affinity
    assert affinity.GetPodAffinity(pb.GetPodAffinityRequest(name=rule.name)).anti_affinity == rule.anti_affinity
    removed = affinity.SetPodAffinity(pb.SetPodAffinityRequest(pod_affinity=pb.PodAffinity(name=rule.name)))
    assert not removed.pod_affinity.anti_affinity.required and removed.commit
    # node affinity set earlier is untouched by pod affinity writes
    assert affinity.GetNodeAffinity(pb.GetNodeAffinityRequest(name=f"{workload}/nodeAffinity")).HasField("required")


def test_not_a_workload(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as failure:
        affinity.GetTolerations(pb.GetTolerationsRequest(
            name=f"{CLUSTER}/namespaces/web/configmaps/frontend-config/tolerations"))
    got = details(failure.value)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT and got.reason == "NOT_A_WORKLOAD"

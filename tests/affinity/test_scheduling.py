"""ValidateScheduling and SuggestPlacement through a real channel against kubesim: the seeded GPU
pod is explained per node in the scheduler's words, agreeing with kubesim's own FailedScheduling
event; the suggested toleration, applied through SetTolerations, gets it scheduled."""

from __future__ import annotations

import time

import grpc
import pytest
from google.protobuf import json_format, struct_pb2

from kubecommit.v1 import affinity_pb2 as pb, affinity_pb2_grpc, clusters_pb2, clusters_pb2_grpc
from kubecommit.v1 import yaml_versions_pb2 as vpb, yaml_versions_pb2_grpc
from kubesim import Simulator

CLUSTER = "clusters/aff-scheduling"
INFERENCE = f"{CLUSTER}/namespaces/ml/pods/inference"
GPU_NODE = f"{CLUSTER}/nodes/node-gpu-1"


def failed_scheduling(sim: Simulator, pod: str) -> str:
    """kubesim's own FailedScheduling event for the pod (its scheduler's message)."""
    events = [e for e in sim.cluster.store.iter(sim.cluster.kind_type("Event", "").key)
              if e.get("reason") == "FailedScheduling" and e["involvedObject"]["name"] == pod]
    assert events, "kubesim recorded no FailedScheduling event"
    return events[-1]["message"]


def test_gpu_pod_is_explained_per_node_and_agrees_with_kubesim(affinity: affinity_pb2_grpc.AffinityServiceStub,
                                                                aff_sim: Simulator) -> None:
    got = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(parent=CLUSTER, workload=INFERENCE))
    assert got.summary == failed_scheduling(aff_sim, "inference")
    assert got.summary == ("0/4 nodes are available: 1 node(s) had untolerated taint {gpu: true}, "
                           "3 node(s) didn't match Pod's node affinity/selector.")
    by_node = {n.node: n for n in got.nodes}
    gpu = by_node[GPU_NODE]
    assert not gpu.schedulable
    assert [(f.type, f.detail, f.filter) for f in gpu.failures] == [
        (pb.SCHEDULING_FAILURE_TYPE_UNTOLERATED_TAINT, "gpu=true:NoSchedule", "TaintToleration")]
    for name in ("node-1", "node-2", "node-3"):
        failures = by_node[f"{CLUSTER}/nodes/{name}"].failures
        assert [(f.type, f.detail) for f in failures] == [
            (pb.SCHEDULING_FAILURE_TYPE_NODE_SELECTOR_MISMATCH, "accelerator=nvidia-tesla-t4")]
    assert got.schedulable_count == 0 and got.node_count == 4 and not got.chosen_node
    assert got.pod_requests["cpu"] == "0.5"


def test_a_manifest_not_applied_yet_is_checked_and_scored(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    spec = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: cruncher, namespace: ml}
spec:
  selector: {matchLabels: {app: cruncher}}
  template:
    metadata: {labels: {app: cruncher}}
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 40
            preference: {matchExpressions: [{key: disktype, operator: In, values: [ssd]}]}
      containers:
      - name: c
        image: x
        resources: {requests: {cpu: "5"}}
"""
    got = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(parent=CLUSTER, pod_spec_yaml=spec))
    by_node = {n.node.rpartition("/")[2]: n for n in got.nodes}
    # only node-3 has 8 cores; the others have 4
    assert [f.message for f in by_node["node-1"].failures] == ["Insufficient cpu"]
    assert by_node["node-3"].schedulable and by_node["node-3"].preference_score == 40
    assert got.chosen_node == f"{CLUSTER}/nodes/node-3" and got.summary == ""
    ignoring = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(parent=CLUSTER, pod_spec_yaml=spec,
                                                                        ignore_resources=True))
    assert ignoring.schedulable_count == 3  # the GPU node's taint still keeps it out


def test_suggestion_adds_the_toleration_and_applying_it_schedules_the_pod(
        affinity: affinity_pb2_grpc.AffinityServiceStub, channel_aff: grpc.Channel, aff_sim: Simulator) -> None:
    found = affinity.SuggestPlacement(pb.SuggestPlacementRequest(parent=CLUSTER, workload=INFERENCE))
    assert not found.schedulable and found.summary.startswith("0/4 nodes are available")
    first = found.suggestions[0]
    assert first.change == pb.PLACEMENT_CHANGE_ADD_TOLERATIONS
    assert list(first.nodes) == [GPU_NODE] and "gpu=true:NoSchedule" in first.reason
    assert [(t.key, t.operator, t.value, t.effect) for t in first.tolerations] == [
        ("gpu", pb.TOLERATION_OPERATOR_EQUAL, "true", 1)]
    # the relaxed rule (dropping the nodeSelector) is offered too, ranked after keeping the rules
    assert any(s.change == pb.PLACEMENT_CHANGE_RELAX_RULE and s.rule == "nodeSelector.accelerator"
               for s in found.suggestions[1:])

    current = affinity.GetTolerations(pb.GetTolerationsRequest(name=f"{INFERENCE}/tolerations"))
    dry = affinity.SetTolerations(pb.SetTolerationsRequest(tolerations=pb.Tolerations(
        name=current.name, etag=current.etag, tolerations=list(current.tolerations) + list(first.tolerations)),
        validate_only=True))
    assert dry.validate_only and not dry.commit and "gpu" in dry.diff.unified_diff
    done = affinity.SetTolerations(pb.SetTolerationsRequest(tolerations=pb.Tolerations(
        name=current.name, etag=current.etag, tolerations=list(current.tolerations) + list(first.tolerations)),
        message="let inference onto the GPU node"))
    assert done.commit and [t.key for t in done.tolerations.tolerations if t.key == "gpu"] == ["gpu"]

    clusters = clusters_pb2_grpc.ClustersServiceStub(channel_aff)
    deadline = time.monotonic() + 10
    while True:
        pod = clusters.GetResource(clusters_pb2.GetResourceRequest(name=INFERENCE))
        node = json_format.MessageToDict(pod.object).get("spec", {}).get("nodeName")
        if node or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert node == "node-gpu-1"
    versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel_aff).ListVersions(
        vpb.ListVersionsRequest(parent=INFERENCE)).versions
    mine = [v for v in versions if v.commit == done.commit]
    assert len(mine) == 1 and mine[0].message.startswith("let inference onto the GPU node")


def test_a_pod_spec_structure_is_checked_too(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    spec = struct_pb2.Struct()
    spec.update({"containers": [{"name": "c", "image": "x"}],
                 "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                     {"weight": 30, "preference": {"matchExpressions": [
                         {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1b"]}]}}]}}})
    got = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(parent=CLUSTER, pod_spec=spec, namespace="web"))
    assert got.chosen_node == f"{CLUSTER}/nodes/node-2"


@pytest.mark.parametrize("name", ["node-1"])
def test_nodes_limit_the_check(affinity: affinity_pb2_grpc.AffinityServiceStub, name: str) -> None:
    got = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(parent=CLUSTER, workload=INFERENCE, nodes=[name]))
    assert [n.node for n in got.nodes] == [f"{CLUSTER}/nodes/{name}"]


def test_suggested_selectors_separate_the_nodes_with_room(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    big = "containers: [{name: c, image: x, resources: {requests: {cpu: '6'}}}]"
    found = affinity.SuggestPlacement(pb.SuggestPlacementRequest(parent=CLUSTER, pod_spec_yaml=big, namespace="ml"))
    assert found.schedulable  # node-3 has 8 cores
    pins = {(k, v) for s in found.suggestions if s.change == pb.PLACEMENT_CHANGE_NODE_SELECTOR
            for k, v in s.node_selector.items()}
    # labels only node-3 carries among all nodes; the shared region and the hostname are not offered
    assert ("node.kubernetes.io/instance-type", "m5.2xlarge") in pins and ("disktype", "ssd") not in pins
    assert all(list(s.nodes) == [f"{CLUSTER}/nodes/node-3"] for s in found.suggestions
               if s.change == pb.PLACEMENT_CHANGE_NODE_SELECTOR)
    assert not any(k == "kubernetes.io/hostname" or k == "topology.kubernetes.io/region" for k, _ in pins)


def test_no_node_has_the_resources(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    """The only GPU is taken by the trainer: no toleration or selector helps, and the answer says so."""
    gpu = """
containers: [{name: c, image: x, resources: {requests: {cpu: '1'}, limits: {nvidia.com/gpu: '1'}}}]
tolerations: [{key: gpu, operator: Exists}]
"""
    found = affinity.SuggestPlacement(pb.SuggestPlacementRequest(parent=CLUSTER, pod_spec_yaml=gpu, namespace="ml"))
    assert not found.schedulable and "Insufficient nvidia.com/gpu" in found.summary
    assert [s.change for s in found.suggestions] == [pb.PLACEMENT_CHANGE_NONE]
    assert found.suggestions[0].reason.startswith("no node has the resources: one pod requests cpu 1, nvidia.com/gpu 1")
    assert all(f"{n}: cpu " in found.suggestions[0].reason for n in ("node-1", "node-3", "node-gpu-1"))
    assert found.suggestions[0].reason.endswith("nvidia.com/gpu 0")


def test_node_labels_shared_by_candidates(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    got = affinity.SuggestNodeSelectors(pb.SuggestNodeSelectorsRequest(parent=CLUSTER, node_label_selector="disktype=ssd"))
    assert got.candidate_count == 2
    ssd = next(s for s in got.suggestions if s.key == "disktype")
    assert (ssd.value, ssd.candidate_count, ssd.other_count, ssd.exact) == ("ssd", 2, 0, True)
    region = next(s for s in got.suggestions if s.key == "topology.kubernetes.io/region")
    assert (region.candidate_count, region.other_count, region.exact) == (2, 2, False)


def test_topology_domains_by_key_and_paged(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    every = affinity.ListTopologyDomains(pb.ListTopologyDomainsRequest(parent=CLUSTER))
    keys = {(d.topology_key, d.value): list(d.nodes) for d in every.topology_domains}
    assert keys[("topology.kubernetes.io/zone", "eu-west-1a")] == [f"{CLUSTER}/nodes/node-1", GPU_NODE]
    assert keys[("topology.kubernetes.io/region", "eu-west-1")] and keys[("kubernetes.io/hostname", "node-3")]
    assert len(every.topology_domains) == 1 + 3 + 4 and not every.skews
    custom = affinity.ListTopologyDomains(pb.ListTopologyDomainsRequest(parent=CLUSTER, topology_keys=["disktype"]))
    assert [(d.value, len(d.nodes), d.ready_node_count) for d in custom.topology_domains] == [("ssd", 2, 2)]
    first = affinity.ListTopologyDomains(pb.ListTopologyDomainsRequest(parent=CLUSTER, page_size=5))
    rest = affinity.ListTopologyDomains(pb.ListTopologyDomainsRequest(parent=CLUSTER, page_size=5,
                                                                      page_token=first.next_page_token))
    assert len(first.topology_domains) == 5 and len(rest.topology_domains) == 3 and not rest.next_page_token
    assert list(first.topology_domains) + list(rest.topology_domains) == list(every.topology_domains)

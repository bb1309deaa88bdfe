"""Bad placement input is INVALID_ARGUMENT naming the field, before anything reaches the cluster
or the store (the workload's version history does not move)."""

from __future__ import annotations

from typing import Any, Callable

import grpc
import pytest

from kubecommit.v1 import affinity_pb2 as pb, affinity_pb2_grpc, common_pb2
from kubecommit.v1 import yaml_versions_pb2 as vpb, yaml_versions_pb2_grpc
from kubesim import Simulator
from tests.support.status import details

CLUSTER = "clusters/aff-bad"
TRAINER = f"{CLUSTER}/namespaces/ml/pods/trainer"
ZONE = "topology.kubernetes.io/zone"
NODE_OPS = pb.NodeSelectorOperator
LABEL_OPS = pb.LabelSelectorOperator


def anti(term: pb.PodAffinityTerm) -> pb.SetPodAffinityRequest:
    return pb.SetPodAffinityRequest(pod_affinity=pb.PodAffinity(
        name=f"{TRAINER}/podAffinity", anti_affinity=pb.PodAffinityRules(required=[term])))


def node_affinity(**fields: Any) -> pb.SetNodeAffinityRequest:
    return pb.SetNodeAffinityRequest(node_affinity=pb.NodeAffinity(name=f"{TRAINER}/nodeAffinity", **fields))


def term(*requirements: pb.NodeSelectorRequirement) -> pb.NodeSelectorTerm:
    return pb.NodeSelectorTerm(match_expressions=list(requirements))


def tolerations(*items: pb.Toleration) -> pb.SetTolerationsRequest:
    return pb.SetTolerationsRequest(tolerations=pb.Tolerations(name=f"{TRAINER}/tolerations", tolerations=list(items)))


CASES: dict[str, tuple[str, Any, str]] = {
    "topologyKey not a label key": ("SetPodAffinity", anti(pb.PodAffinityTerm(
        label_selector=pb.LabelSelector(match_labels={"app": "x"}), topology_key="not a key!")),
        "pod_affinity.anti_affinity.required[0].topology_key"),
    "empty topologyKey": ("SetPodAffinity", anti(pb.PodAffinityTerm(topology_key="")),
                          "pod_affinity.anti_affinity.required[0].topology_key"),
    "weight above 100": ("SetNodeAffinity", node_affinity(preferred=[pb.PreferredSchedulingTerm(
        weight=101, preference=term(pb.NodeSelectorRequirement(key="disktype", operator=NODE_OPS.Value(
            "NODE_SELECTOR_OPERATOR_EXISTS"))))]), "node_affinity.preferred[0].weight"),
    "weight 0": ("SetPodAffinity", pb.SetPodAffinityRequest(pod_affinity=pb.PodAffinity(
        name=f"{TRAINER}/podAffinity", affinity=pb.PodAffinityRules(preferred=[pb.WeightedPodAffinityTerm(
            weight=0, pod_affinity_term=pb.PodAffinityTerm(topology_key=ZONE))]))),
        "pod_affinity.affinity.preferred[0].weight"),
    "In without values": ("SetNodeAffinity", node_affinity(required=pb.NodeSelector(node_selector_terms=[term(
        pb.NodeSelectorRequirement(key=ZONE, operator=NODE_OPS.Value("NODE_SELECTOR_OPERATOR_IN")))])),
        "node_affinity.required.node_selector_terms[0].match_expressions[0].values"),
    "Exists with values": ("SetPodAffinity", anti(pb.PodAffinityTerm(topology_key=ZONE, label_selector=pb.LabelSelector(
        match_expressions=[pb.LabelSelectorRequirement(key="app", operator=LABEL_OPS.Value(
            "LABEL_SELECTOR_OPERATOR_EXISTS"), values=["x"])]))),
        "pod_affinity.anti_affinity.required[0].label_selector.match_expressions[0].values"),
    "Gt with a word": ("SetNodeAffinity", node_affinity(required=pb.NodeSelector(node_selector_terms=[term(
        pb.NodeSelectorRequirement(key="cores", operator=NODE_OPS.Value("NODE_SELECTOR_OPERATOR_GT"),
                                   values=["many"]))])),
        "node_affinity.required.node_selector_terms[0].match_expressions[0].values"),
    "no operator": ("SetNodeAffinity", node_affinity(required=pb.NodeSelector(node_selector_terms=[term(
        pb.NodeSelectorRequirement(key=ZONE, values=["a"]))])),
        "node_affinity.required.node_selector_terms[0].match_expressions[0].operator"),
    "Equal toleration without a key": ("SetTolerations", tolerations(pb.Toleration(
        operator=pb.TOLERATION_OPERATOR_EQUAL, value="true")), "tolerations.tolerations[0].key"),
    "tolerationSeconds on NoSchedule": ("SetTolerations", tolerations(pb.Toleration(
        key="gpu", operator=pb.TOLERATION_OPERATOR_EXISTS, effect=common_pb2.TAINT_EFFECT_NO_SCHEDULE,
        toleration_seconds=30)), "tolerations.tolerations[0].toleration_seconds"),
    "unknown toleration effect": ("SetTolerations", tolerations(pb.Toleration(key="gpu", effect=7)),
                                  "tolerations.tolerations[0].effect"),
    "unknown taint effect": ("AddNodeTaints", pb.AddNodeTaintsRequest(
        name=f"{CLUSTER}/nodes/node-1", taints=[pb.NodeTaint(key="k", effect=9)]), "taints[0].effect"),
    "taint without an effect": ("AddNodeTaints", pb.AddNodeTaintsRequest(
        name=f"{CLUSTER}/nodes/node-1", taints=[pb.NodeTaint(key="k")]), "taints[0].effect"),
    "taint key not a label key": ("AddNodeTaints", pb.AddNodeTaintsRequest(
        name=f"{CLUSTER}/nodes/node-1", taints=[pb.NodeTaint(key="a b", effect=1)]), "taints[0].key"),
    "taints by selector without one": ("AddNodeTaints", pb.AddNodeTaintsRequest(
        name=f"{CLUSTER}/nodes/-", taints=[pb.NodeTaint(key="k", effect=1)]), "node_selector"),
    "drain of a missing node": ("DrainNode", pb.DrainNodeRequest(name=f"{CLUSTER}/nodes/node-9"), "name"),
    "cordon of a missing node": ("CordonNode", pb.CordonNodeRequest(name=f"{CLUSTER}/nodes/node-9"), "name"),
    "unknown mask path": ("SetNodeAffinity", pb.SetNodeAffinityRequest(
        node_affinity=pb.NodeAffinity(name=f"{TRAINER}/nodeAffinity"), update_mask={"paths": ["affinity"]}),
        "update_mask.paths[0]"),
    "a pod spec with a bad operator": ("ValidateScheduling", pb.ValidateSchedulingRequest(
        parent=CLUSTER, pod_spec_yaml="""
containers: [{name: c, image: x}]
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: Near, values: [a]}]}]
"""), "pod_spec_yaml.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
     ".nodeSelectorTerms[0].matchExpressions[0].operator"),
    "topology key of the view": ("ListTopologyDomains", pb.ListTopologyDomainsRequest(
        parent=CLUSTER, topology_keys=["-bad-"]), "topology_keys[0]"),
}


@pytest.fixture(scope="module")
def history(channel_aff: grpc.Channel) -> Callable[[], list[str]]:
    versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel_aff)
    return lambda: [c.id for c in versions.ListCommits(vpb.ListCommitsRequest(prefix=CLUSTER, page_size=1000)).commits]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_the_field_and_commits_nothing(affinity: affinity_pb2_grpc.AffinityServiceStub,
                                                       aff_sim: Simulator, history: Callable[[], list[str]],
                                                       case: str) -> None:
    method, request, field = CASES[case]
    before = history()
    with pytest.raises(grpc.RpcError) as failure:
        answer = getattr(affinity, method)(request)
        if method == "DrainNode":
            list(answer)
    got = details(failure.value)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT, got.message
    assert field in got.violations, (got.violations, got.message)
    assert history() == before
    trainer = aff_sim.cluster.store.get(aff_sim.cluster.kind_type("Pod", "").key, "ml", "trainer")
    assert "affinity" not in trainer["spec"]

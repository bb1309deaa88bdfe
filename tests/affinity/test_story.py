"""The issue's "Done when", through a real channel against kubesim: an anti-affinity rule spreads
a Deployment across zones (validated, committed, seen in the topology view); a NoExecute taint
added by selector evicts the pods its dry run named; a drain stops at a PodDisruptionBudget and
says so; the affinity graph's SVG shows the workload, the GPU node and the blocking edge."""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from typing import Callable

import pytest

from kubecommit.v1 import affinity_pb2 as pb, affinity_pb2_grpc, common_pb2
from kubecommit.v1 import yaml_versions_pb2 as vpb, yaml_versions_pb2_grpc
from kubesim import Simulator

CLUSTER = "clusters/aff-story"
ZONE = "topology.kubernetes.io/zone"
SVG = "{http://www.w3.org/2000/svg}"


def eventually(check: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


def running(sim: Simulator, namespace: str) -> dict[str, str]:
    """Pod name -> node of the namespace's running pods (read from the simulator directly, as
    kubectl would see them)."""
    pods = sim.cluster.store.list(sim.cluster.kind_type("Pod", "").key, namespace)
    return {p["metadata"]["name"]: p["spec"].get("nodeName", "") for p in pods
            if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")}


def deploy(versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub, ns: str, name: str, replicas: int,
           extra: str = "") -> None:
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster=CLUSTER, message=f"{name} in {ns}", manifest=f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {ns}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: c, image: nginx, resources: {{requests: {{cpu: 100m}}}}}}]
{extra}"""))


def test_graph_svg_shows_the_gpu_workload_blocked_by_the_taint(affinity: affinity_pb2_grpc.AffinityServiceStub) -> None:
    got = affinity.GetAffinityGraph(pb.GetAffinityGraphRequest(name=f"{CLUSTER}/affinityGraph", namespaces=["ml"],
                                                               include_svg=True, include_placements=True))
    workload, gpu = f"{CLUSTER}/namespaces/ml/pods/inference", f"{CLUSTER}/nodes/node-gpu-1"
    blocking = [e for e in got.edges if e.type == pb.AFFINITY_EDGE_TYPE_TAINT_BLOCKS]
    # the taint keeps out every ml workload the GPU node would otherwise admit, not the trainer
    assert {(e.source, e.target, e.detail) for e in blocking} == {
        (gpu, workload, "gpu=true:NoSchedule"), (gpu, f"{CLUSTER}/namespaces/ml/pods/notebook", "gpu=true:NoSchedule")}
    tolerating = {(e.source, e.target) for e in got.edges if e.type == pb.AFFINITY_EDGE_TYPE_TOLERATION}
    assert (f"{CLUSTER}/namespaces/ml/pods/trainer", gpu) in tolerating
    assert "digraph" in got.dot and workload in got.dot

    svg = ET.fromstring(got.svg)
    titles = {g.get("class"): [] for g in svg.iter(f"{SVG}g")}
    for g in svg.iter(f"{SVG}g"):
        title = g.find(f"{SVG}title")
        if title is not None and g.get("class") in ("node", "edge"):
            titles[g.get("class")].append(title.text)
    assert workload in titles["node"] and gpu in titles["node"]
    assert f"{gpu}->{workload}" in titles["edge"]
    edge = next(g for g in svg.iter(f"{SVG}g") if g.get("class") == "edge"
                and g.find(f"{SVG}title").text == f"{gpu}->{workload}")
    assert "taint blocks" in "".join(edge.itertext())


def test_anti_affinity_spreads_a_deployment_across_zones(affinity: affinity_pb2_grpc.AffinityServiceStub,
                                                         versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub,
                                                         aff_sim: Simulator) -> None:
    ns = f"spread-{uuid.uuid4().hex[:6]}"
    deploy(versions, ns, "api", 3)
    name = f"{CLUSTER}/namespaces/{ns}/deployments.apps/api"
    eventually(lambda: len(running(aff_sim, ns)) == 3)
    rule = pb.PodAffinity(name=f"{name}/podAffinity", anti_affinity=pb.PodAffinityRules(required=[pb.PodAffinityTerm(
        label_selector=pb.LabelSelector(match_labels={"app": "api"}), topology_key=ZONE)]))

    dry = affinity.SetPodAffinity(pb.SetPodAffinityRequest(pod_affinity=rule, validate_only=True))
    assert dry.validate_only and not dry.commit and "podAntiAffinity" in dry.diff.unified_diff
    assert [t.topology_key for t in dry.pod_affinity.anti_affinity.required] == [ZONE]
    # validated against the cluster before it is applied: three zones take one pod each
    check = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(
        parent=CLUSTER, namespace=ns, pod_spec_yaml=f"""
metadata: {{labels: {{app: other}}}}
spec:
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {{matchLabels: {{app: api}}}}
        topologyKey: {ZONE}
  containers: [{{name: c, image: nginx}}]
"""))
    assert check.schedulable_count == 0  # every zone already holds an api pod

    done = affinity.SetPodAffinity(pb.SetPodAffinityRequest(pod_affinity=rule, message="one api pod per zone"))
    assert done.commit and done.pod_affinity.etag
    log = versions.ListVersions(vpb.ListVersionsRequest(parent=name)).versions
    assert [v.message for v in log if v.commit == done.commit] == ["one api pod per zone"]
    assert affinity.GetPodAffinity(pb.GetPodAffinityRequest(name=f"{name}/podAffinity")).anti_affinity == \
        rule.anti_affinity

    def one_per_zone() -> bool:
        view = affinity.ListTopologyDomains(pb.ListTopologyDomainsRequest(parent=CLUSTER, topology_keys=[ZONE],
                                                                          workload=name))
        counts = {d.value: d.pod_count for d in view.topology_domains}
        return counts == {"eu-west-1a": 1, "eu-west-1b": 1, "eu-west-1c": 1} and view.skews[0].skew == 0
    eventually(one_per_zone, 30)
    view = affinity.ListTopologyDomains(pb.ListTopologyDomainsRequest(parent=CLUSTER, topology_keys=[ZONE],
                                                                      workload=name))
    assert all(len(d.pods) == 1 and d.pods[0].startswith(f"{CLUSTER}/namespaces/{ns}/pods/api-")
               for d in view.topology_domains)
    # a fourth replica has nowhere to go, and the check says why
    fourth = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(parent=CLUSTER, workload=name))
    assert "3 node(s) didn't satisfy existing pods anti-affinity rules" in fourth.summary


def test_drain_stops_at_a_disruption_budget(affinity: affinity_pb2_grpc.AffinityServiceStub,
                                            versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub,
                                            aff_sim: Simulator) -> None:
    ns = f"drain-{uuid.uuid4().hex[:6]}"
    deploy(versions, ns, "db", 2, extra="      nodeSelector: {kubernetes.io/hostname: node-3}\n")
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster=CLUSTER, message="budget", manifest=f"""
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: db-budget, namespace: {ns}}}
spec:
  minAvailable: 2
  selector: {{matchLabels: {{app: db}}}}
"""))
    eventually(lambda: len(running(aff_sim, ns)) == 2)
    node = f"{CLUSTER}/nodes/node-3"
    budget = f"{CLUSTER}/namespaces/{ns}/poddisruptionbudgets.policy/db-budget"

    def pdb_ready() -> bool:
        pdb = aff_sim.cluster.store.list(aff_sim.cluster.kind_type("PodDisruptionBudget", "policy").key, ns)
        return bool(pdb) and (pdb[0].get("status") or {}).get("currentHealthy") == 2
    eventually(pdb_ready)

    plan = list(affinity.DrainNode(pb.DrainNodeRequest(name=node, validate_only=True)))
    blocked = [e for e in plan if e.action == pb.DrainNodeResponse.ACTION_BLOCKED and not e.done]
    assert {e.pod.rpartition("/")[2].rsplit("-", 2)[0] for e in blocked} == {"db"} and len(blocked) == 2
    assert all(e.disruption_budget == budget and "needs 2 healthy pods and has 2 currently" in e.message
               for e in blocked)
    moving = {e.pod for e in plan if e.action == pb.DrainNodeResponse.ACTION_WOULD_EVICT and not e.done}
    on_node = {f"{CLUSTER}/namespaces/{p['metadata']['namespace']}/pods/{p['metadata']['name']}"
               for p in aff_sim.cluster.store.iter(aff_sim.cluster.kind_type("Pod", "").key)
               if p["spec"].get("nodeName") == "node-3" and not p["metadata"].get("deletionTimestamp")}
    assert moving | {e.pod for e in blocked} == on_node and not moving & {e.pod for e in blocked}
    assert plan[-1].done and not plan[-1].complete
    assert not aff_sim.cluster.store.get(aff_sim.cluster.kind_type("Node", "").key, "", "node-3")["spec"] \
        .get("unschedulable"), "validate_only cordoned the node"

    events = list(affinity.DrainNode(pb.DrainNodeRequest(name=node, timeout_seconds=1, message="drain node-3")))
    assert events[0].action == pb.DrainNodeResponse.ACTION_CORDONED and events[0].commit
    last = events[-1]
    assert last.done and not last.complete and last.action == pb.DrainNodeResponse.ACTION_BLOCKED
    assert last.disruption_budget == budget and "drain stopped" in last.message
    assert "db-budget needs 2 healthy pods" in last.message
    assert len(running(aff_sim, ns)) == 2  # the budget kept both
    evicted = [e.pod for e in events if e.action == pb.DrainNodeResponse.ACTION_EVICTED and not e.done]
    assert all(f"/namespaces/{ns}/" not in p for p in evicted)
    cordoned = affinity.ValidateScheduling(pb.ValidateSchedulingRequest(
        parent=CLUSTER, pod_spec_yaml="containers: [{name: c, image: x}]", nodes=["node-3"]))
    assert [f.type for f in cordoned.nodes[0].failures] == [pb.SCHEDULING_FAILURE_TYPE_NODE_UNSCHEDULABLE]
    back = affinity.UncordonNode(pb.UncordonNodeRequest(name=node))
    assert back.commit and not back.unschedulable


def test_noexecute_taint_by_selector_evicts_what_the_dry_run_named(
        affinity: affinity_pb2_grpc.AffinityServiceStub, versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub,
        aff_sim: Simulator) -> None:
    taint = pb.NodeTaint(key="maintenance", value="now", effect=common_pb2.TAINT_EFFECT_NO_EXECUTE)
    request = pb.AddNodeTaintsRequest(name=f"{CLUSTER}/nodes/-", node_selector="disktype=ssd", taints=[taint],
                                      validate_only=True)
    dry = affinity.AddNodeTaints(request)
    assert [n.node.rpartition("/")[2] for n in dry.nodes] == ["node-2", "node-3"] and not dry.commit
    named = {p.pod for p in dry.evicted_pods}
    on_ssd = {f"{CLUSTER}/namespaces/{p['metadata']['namespace']}/pods/{p['metadata']['name']}"
              for p in aff_sim.cluster.store.iter(aff_sim.cluster.kind_type("Pod", "").key)
              if p["spec"].get("nodeName") in ("node-2", "node-3") and not p["metadata"].get("deletionTimestamp")
              and p["status"].get("phase") not in ("Succeeded", "Failed")}
    assert named and named == on_ssd
    assert all("does not tolerate maintenance=now:NoExecute" in p.reason for p in dry.evicted_pods)
    assert not affinity.ListNodeTaints(pb.ListNodeTaintsRequest(parent=f"{CLUSTER}/nodes/-", key="maintenance")).taints

    request.validate_only = False
    done = affinity.AddNodeTaints(request)
    assert done.commit and {p.pod for p in done.evicted_pods} == named
    for node in ("node-2", "node-3"):  # one commit for the cluster holds both nodes
        log = versions.ListVersions(vpb.ListVersionsRequest(parent=f"{CLUSTER}/nodes/{node}")).versions
        assert [v.commit for v in log if v.commit == done.commit] == [done.commit]
    listed = affinity.ListNodeTaints(pb.ListNodeTaintsRequest(parent="clusters/-/nodes/-", key="maintenance"))
    assert sorted(t.node for t in listed.taints) == [f"{CLUSTER}/nodes/node-2", f"{CLUSTER}/nodes/node-3"]
    assert all(t.time_added.seconds > 0 for t in listed.taints)

    def gone() -> bool:
        pods = {f"{CLUSTER}/namespaces/{p['metadata']['namespace']}/pods/{p['metadata']['name']}"
                for p in aff_sim.cluster.store.iter(aff_sim.cluster.kind_type("Pod", "").key)
                if not p["metadata"].get("deletionTimestamp")}
        return not (named & pods)
    eventually(gone)
    removed = affinity.RemoveNodeTaints(pb.RemoveNodeTaintsRequest(
        name=f"{CLUSTER}/nodes/-", node_selector="disktype=ssd", taints=[pb.NodeTaint(key="maintenance")]))
    assert removed.commit and all(not n.taints for n in removed.nodes)


@pytest.mark.parametrize("node", ["node-gpu-1"])
def test_cordon_is_a_commit(affinity: affinity_pb2_grpc.AffinityServiceStub,
                            versions: yaml_versions_pb2_grpc.YamlVersionsServiceStub, node: str) -> None:
    name = f"{CLUSTER}/nodes/{node}"
    dry = affinity.CordonNode(pb.CordonNodeRequest(name=name, validate_only=True))
    assert dry.unschedulable and not dry.commit
    done = affinity.CordonNode(pb.CordonNodeRequest(name=name, message="hardware check"))
    assert done.commit
    assert [v.message for v in versions.ListVersions(vpb.ListVersionsRequest(parent=name)).versions
            if v.commit == done.commit] == ["hardware check"]
    assert not affinity.CordonNode(pb.CordonNodeRequest(name=name)).commit  # already cordoned: nothing to do
    assert affinity.UncordonNode(pb.UncordonNodeRequest(name=name)).commit

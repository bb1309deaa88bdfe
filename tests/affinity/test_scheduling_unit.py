"""server/affinity/scheduling.py against kubesim's scheduler on the same inputs: the node chosen
and the FailedScheduling message must agree (the server has its own implementation; this table
keeps them honest), plus what only the server reports (every failing filter, scores)."""

from __future__ import annotations

import copy

import pytest

from kubesim import scheduler as sim
from kubesim.seed import node
from server.affinity import scheduling

ZONE = "topology.kubernetes.io/zone"
GPU_TAINT = {"key": "gpu", "value": "true", "effect": "NoSchedule"}


def nodes() -> list[dict]:
    return [
        node("node-1", "eu-west-1a", "m5.xlarge", "4", 16, "10.0.1.10"),
        node("node-2", "eu-west-1b", "m5.xlarge", "4", 16, "10.0.2.10", labels={"disktype": "ssd"}),
        node("node-3", "eu-west-1c", "m5.2xlarge", "8", 32, "10.0.3.10", labels={"disktype": "ssd"}),
        node("node-gpu-1", "eu-west-1a", "g4dn.xlarge", "4", 16, "10.0.1.20", taints=[GPU_TAINT],
             labels={"accelerator": "nvidia-tesla-t4"}, extra={"nvidia.com/gpu": "1"}),
    ]


def pod(name: str, labels: dict | None = None, ns: str = "ml", cpu: str = "100m", on: str = "", **spec) -> dict:
    body = {"containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}],
            **spec}
    if on:
        body["nodeName"] = on
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}", "labels": labels or {}},
            "spec": body, "status": {"phase": "Running" if on else "Pending"}}


def anti(app: str, key: str = ZONE) -> dict:
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key}]}}


def web(i: int, on: str) -> dict:
    return pod(f"web-{i}", {"app": "web"}, on=on, affinity=anti("web"))


CASES: dict[str, tuple[dict, list[dict], list[dict]]] = {
    # the seeded inference pod: needs the GPU node, does not tolerate its taint
    "inference": (pod("inference", {"app": "inference"}, nodeSelector={"accelerator": "nvidia-tesla-t4"}), [], []),
    "tolerated": (pod("inference", nodeSelector={"accelerator": "nvidia-tesla-t4"},
                      tolerations=[{"key": "gpu", "operator": "Exists"}]), [], []),
    "plain": (pod("p"), [], []),
    "fewest pods": (pod("p"), [pod("a", on="node-1"), pod("b", on="node-2")], []),
    "too much cpu": (pod("big", cpu="6"), [], []),
    "too much cpu anywhere": (pod("huge", cpu="64"), [], []),
    "gpu request": (pod("g", tolerations=[{"key": "gpu", "operator": "Equal", "value": "true"}],
                        containers=[{"name": "c", "image": "x", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]),
                    [], []),
    "required zone": (pod("z", affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE, "operator": "In", "values": ["eu-west-1c"]}]}]}}}),
        [], []),
    "no zone matches": (pod("z", affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE, "operator": "In", "values": ["mars-1a"]}]}]}}}),
        [], []),
    "preferred ssd": (pod("s", affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": {"matchExpressions": [{"key": "disktype", "operator": "In", "values": ["ssd"]}]}},
        {"weight": 20, "preference": {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node-2"]}]}},
    ]}}), [], []),
    "anti-affinity by zone": (web(3, ""), [web(0, "node-1"), web(1, "node-2")], []),
    "anti-affinity full": (web(4, ""), [web(0, "node-1"), web(1, "node-2"), web(2, "node-3")], []),
    "existing anti-affinity": (pod("x", {"app": "web"}), [web(0, "node-1"), web(1, "node-2"), web(2, "node-3")], []),
    "pod affinity": (pod("nb", affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "trainer"}}, "topologyKey": ZONE}]}}),
        [pod("trainer", {"app": "trainer"}, on="node-gpu-1")], []),
    "pod affinity, nobody there": (pod("nb", affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "trainer"}}, "topologyKey": ZONE}]}}), [], []),
    "spread": (pod("s3", {"app": "s"}, topologySpreadConstraints=[
        {"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"app": "s"}}}]),
        [pod("s1", {"app": "s"}, on="node-1"), pod("s2", {"app": "s"}, on="node-3")], []),
    "spread on a missing label": (pod("s", {"app": "s"}, topologySpreadConstraints=[
        {"maxSkew": 1, "topologyKey": "rack", "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"app": "s"}}}]), [], []),
    "preferred anti-affinity": (pod("w", {"app": "w"}, affinity={"podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": {
            "labelSelector": {"matchLabels": {"app": "w"}}, "topologyKey": ZONE}}]}}),
        [pod("w1", {"app": "w"}, on="node-2")], []),
    "cordoned": (pod("c"), [], [{"node-1": "cordon", "node-2": "cordon", "node-3": "cordon"}]),
    "too many pods": (pod("m"), [pod(f"f{i}", on="node-3") for i in range(2)],
                      [{"node-1": "cordon", "node-2": "cordon", "node-3": {"pods": "2"}}]),
}


def _apply(cluster_nodes: list[dict], changes: list[dict]) -> list[dict]:
    out = copy.deepcopy(cluster_nodes)
    for change in changes:
        for n in out:
            what = change.get(n["metadata"]["name"])
            if what == "cordon":
                n["spec"]["unschedulable"] = True
            elif isinstance(what, dict):
                n["status"]["allocatable"].update(what)
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_agrees_with_kubesim(case: str) -> None:
    incoming, running, changes = CASES[case]
    cluster_nodes = _apply(nodes(), changes)
    by_name = {n["metadata"]["name"]: n for n in cluster_nodes}
    expected = sim.schedule(incoming, cluster_nodes, [(p, by_name[p["spec"]["nodeName"]]) for p in running])
    got = scheduling.check(incoming, scheduling.Cluster(cluster_nodes, running, {"ml": {}}))
    assert (got.chosen or None, got.summary) == (expected.node, expected.message)


def test_inference_explained_per_node() -> None:
    incoming = CASES["inference"][0]
    got = scheduling.check(incoming, scheduling.Cluster(nodes(), []))
    by_node = {v.node: v for v in got.nodes}
    assert got.summary == ("0/4 nodes are available: 1 node(s) had untolerated taint {gpu: true}, "
                           "3 node(s) didn't match Pod's node affinity/selector.")
    gpu = by_node["node-gpu-1"].failures
    assert [(f.type, f.detail) for f in gpu] == [(scheduling.FailureType.UNTOLERATED_TAINT, "gpu=true:NoSchedule")]
    assert [(f.type, f.detail) for f in by_node["node-1"].failures] == [
        (scheduling.FailureType.NODE_SELECTOR_MISMATCH, "accelerator=nvidia-tesla-t4")]


def test_every_failing_filter_is_reported_but_only_the_first_counts() -> None:
    incoming = pod("huge", cpu="64", nodeSelector={"accelerator": "nvidia-tesla-t4"})
    got = scheduling.check(incoming, scheduling.Cluster(nodes(), []))
    gpu = next(v for v in got.nodes if v.node == "node-gpu-1")
    assert [f.message for f in gpu.failures] == ["node(s) had untolerated taint {gpu: true}", "Insufficient cpu"]
    assert "Insufficient cpu" not in got.summary
    assert scheduling.check(incoming, scheduling.Cluster(nodes(), []), ignore_resources=True).nodes[3].failures[-1] \
        .message == "node(s) had untolerated taint {gpu: true}"


def test_scores_follow_preferred_rules() -> None:
    got = scheduling.check(CASES["preferred ssd"][0], scheduling.Cluster(nodes(), []))
    assert {v.node: v.score for v in got.nodes if v.schedulable} == {"node-1": 0, "node-2": 70, "node-3": 50}


def test_namespace_selector_selects_by_namespace_labels() -> None:
    term = {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": ZONE,
            "namespaceSelector": {"matchLabels": {"team": "data"}}}
    incoming = pod("client", affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}})
    db = pod("db", {"app": "db"}, ns="data", on="node-3")
    labelled = scheduling.Cluster(nodes(), [db], {"ml": {}, "data": {"team": "data"}})
    assert labelled.nodes and scheduling.check(incoming, labelled).chosen == "node-3"
    unlabelled = scheduling.Cluster(nodes(), [db], {"ml": {}, "data": {}})
    assert "didn't match pod affinity rules" in scheduling.check(incoming, unlabelled).summary

"""Suggestions and rule edits as pure functions: each suggestion is verified by the check itself."""

from __future__ import annotations

import pytest

from server.affinity import rules, scheduling, suggest
from server.errors import InvalidArgument
from tests.affinity.test_scheduling_unit import ZONE, nodes, pod


def state(*running: dict, cordon: tuple[str, ...] = ()) -> scheduling.Cluster:
    cluster_nodes = nodes()
    for n in cluster_nodes:
        if n["metadata"]["name"] in cordon:
            n["spec"]["unschedulable"] = True
    return scheduling.Cluster(cluster_nodes, list(running))


def test_uncordon_is_suggested_for_nodes_cordoned_alone() -> None:
    got = suggest.suggest("c", pod("p", nodeSelector={"disktype": "ssd"}), state(cordon=("node-2", "node-3")), 10)
    assert not got.schedulable
    assert [(s.change, s.nodes) for s in got.suggestions if s.change == "uncordon"] == [
        ("uncordon", ["node-2", "node-3"])]
    relaxed = next(s for s in got.suggestions if s.change == "relax_rule")
    assert relaxed.rule == "nodeSelector.disktype" and relaxed.nodes == ["node-1"]
    assert "nodeSelector" not in relaxed.pod_spec


def test_spread_relaxed_to_schedule_anyway() -> None:
    spread = [{"maxSkew": 1, "topologyKey": "rack", "whenUnsatisfiable": "DoNotSchedule",
               "labelSelector": {"matchLabels": {"app": "s"}}}]
    got = suggest.suggest("c", pod("s", {"app": "s"}, topologySpreadConstraints=spread), state(), 10)
    assert [s.rule for s in got.suggestions] == ["topologySpreadConstraints (DoNotSchedule)"]
    assert got.suggestions[0].pod_spec["topologySpreadConstraints"][0]["whenUnsatisfiable"] == "ScheduleAnyway"
    assert scheduling.check({"metadata": {"namespace": "ml", "labels": {"app": "s"}},
                             "spec": got.suggestions[0].pod_spec}, state()).chosen


def test_a_fitting_pod_gets_selectors_only_when_they_narrow() -> None:
    assert suggest.suggest("c", pod("p"), state(), 10).suggestions == []  # every node has room


def test_separating_labels_rank_most_candidates_then_fewest_others() -> None:
    ns = nodes()
    found = suggest.separating_labels(ns[1:3], [ns[0], ns[3]])
    assert (found[0].key, found[0].value, found[0].candidates, found[0].others) == ("disktype", "ssd", 2, 0)
    assert all(s.key != "kubernetes.io/hostname" for s in found)
    assert any(s.key == "kubernetes.io/hostname" for s in suggest.separating_labels(ns[1:3], [], unique=True))


def test_replacing_nulls_what_the_new_value_lacks_and_merged_applies_it() -> None:
    current = {"nodeAffinity": {"required": {"a": 1}, "preferred": [1]}, "podAffinity": {"x": 1}}
    config = rules.replacing(current, {"nodeAffinity": {"preferred": [2]}})
    assert config == {"nodeAffinity": {"preferred": [2], "required": None}, "podAffinity": None}
    assert rules.merged(current, config) == {"nodeAffinity": {"preferred": [2]}}


@pytest.mark.parametrize(("key", "ok"), [("zone", True), ("topology.kubernetes.io/zone", True), ("a/b/c", False),
                                         ("", False), ("/zone", False), ("x" * 64, False), ("UPPER.case/zone", False)])
def test_label_keys(key: str, ok: bool) -> None:
    assert (rules.label_key_problem(key) == "") is ok


def test_pod_spec_fields_are_named_in_kubernetes_spelling() -> None:
    with pytest.raises(InvalidArgument) as failure:
        rules.check_pod_spec({"affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": ZONE, "labelSelector": {"matchExpressions": [{"key": "app", "operator": "In"}]}}]}}},
            "pod_spec")
    assert [v.field for v in failure.value.violations] == [
        "pod_spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
        ".labelSelector.matchExpressions[0].values"]

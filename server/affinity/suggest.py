"""What would place a pod: candidate changes derived from each node's failures, each checked by
running the scheduling check again on the changed pod (a suggestion is kept only if the pod then
fits somewhere), ranked smallest change first.

- tolerations for the taints of nodes that fail on taints alone;
- uncordoning nodes that fail only because they are cordoned;
- a nodeSelector on labels that separate the nodes with room for the pod from the others;
- dropping one required rule (a nodeSelector entry, required node affinity, a pod (anti-)affinity
  direction, the DoNotSchedule spread constraints);
- and when no node has the resources whatever the rules, saying so.
"""

from __future__ import annotations

import copy
from collections import Counter
from decimal import Decimal
from typing import Any

from server.affinity import scheduling
from server.affinity.model import LabelSuggestion, Suggestion, Suggestions
from server.affinity.rules import REQUIRED
from server.affinity.scheduling import Cluster, FailureType, labels_of, name_of
from server.kube.quantity import value_of

# Order among changes of equal size: keep the rules, then narrow, then change the cluster, then relax.
_ORDER = {"add_tolerations": 0, "node_selector": 1, "uncordon": 2, "relax_rule": 3}
# Labels every node carries or that name one node: useless to separate nodes.
_UNIQUE_KEYS = ("kubernetes.io/hostname",)


def _with(pod: dict[str, Any], **spec: Any) -> dict[str, Any]:
    out = copy.deepcopy(pod)
    for k, v in spec.items():
        if v is None:
            out["spec"].pop(k, None)
        else:
            out["spec"][k] = v
    return out


def _fits(pod: dict[str, Any], state: Cluster) -> list[str]:
    return [v.node for v in scheduling.check(pod, state).nodes if v.schedulable]


def _toleration(taint: dict[str, Any]) -> dict[str, Any]:
    t = {"key": taint["key"], "operator": "Equal" if taint.get("value") else "Exists", "effect": taint["effect"]}
    if taint.get("value"):
        t["value"] = taint["value"]
    return t


def _tolerations(pod: dict, verdict: scheduling.Verdict, state: Cluster) -> list[Suggestion]:
    groups: dict[tuple, list[str]] = {}
    for v in verdict.nodes:
        if v.failures and all(f.type is FailureType.UNTOLERATED_TAINT for f in v.failures):
            taints = tuple(sorted({f.detail for f in v.failures}))
            groups.setdefault(taints, []).append(v.node)
    out = []
    for taints, nodes in groups.items():
        node = state.by_name[nodes[0]]
        adding = [_toleration(t) for t in scheduling.untolerated_taints(pod, node)]
        changed = _with(pod, tolerations=(pod["spec"].get("tolerations") or []) + adding)
        fits = _fits(changed, state)
        if fits:
            out.append(Suggestion("add_tolerations", f"tolerate {', '.join(taints)}: {', '.join(nodes)} "
                                  "fit(s) the pod except for this taint", fits, changed["spec"], tolerations=adding))
    return out


def _uncordon(pod: dict, verdict: scheduling.Verdict, state: Cluster) -> list[Suggestion]:
    nodes = [v.node for v in verdict.nodes
             if v.failures and all(f.type is FailureType.NODE_UNSCHEDULABLE for f in v.failures)]
    if not nodes:
        return []
    return [Suggestion("uncordon", f"uncordon {', '.join(nodes)}: cordoned, but the pod fits there otherwise",
                       nodes, pod["spec"])]


def _relaxations(pod: dict) -> list[tuple[str, dict[str, Any]]]:
    """(the rule dropped, the pod without it) for each required rule of the pod."""
    spec = pod["spec"]
    out = []
    for key in spec.get("nodeSelector") or {}:
        out.append((f"nodeSelector.{key}", _with(pod, nodeSelector={k: v for k, v in spec["nodeSelector"].items()
                                                                    if k != key} or None)))
    affinity = spec.get("affinity") or {}
    for kind in ("nodeAffinity", "podAffinity", "podAntiAffinity"):
        if (affinity.get(kind) or {}).get(REQUIRED):
            rules = {**affinity, kind: {k: v for k, v in affinity[kind].items() if k != REQUIRED}}
            out.append((f"affinity.{kind}.{REQUIRED}", _with(pod, affinity=rules)))
    hard = [c for c in spec.get("topologySpreadConstraints") or [] if c.get("whenUnsatisfiable", "DoNotSchedule")
            == "DoNotSchedule"]
    if hard:
        out.append(("topologySpreadConstraints (DoNotSchedule)", _with(pod, topologySpreadConstraints=[
            {**c, "whenUnsatisfiable": "ScheduleAnyway"} for c in spec["topologySpreadConstraints"]])))
    return out


def _relax(pod: dict, state: Cluster) -> list[Suggestion]:
    out = []
    for rule, changed in _relaxations(pod):
        fits = _fits(changed, state)
        if fits:
            out.append(Suggestion("relax_rule", f"drop {rule}: the pod then fits {', '.join(fits)}", fits,
                                  changed["spec"], rule=rule))
    return out


def separating_labels(candidates: list[dict], others: list[dict], unique: bool = False) -> list[LabelSuggestion]:
    """Labels of candidate nodes, with how many candidates and other nodes carry each: most
    candidates first, then fewest others (per-node labels such as the hostname only if `unique`)."""
    inside = Counter((k, v) for n in candidates for k, v in labels_of(n).items() if unique or k not in _UNIQUE_KEYS)
    outside = Counter((k, v) for n in others for k, v in labels_of(n).items())
    found = [LabelSuggestion(k, v, count, outside[(k, v)]) for (k, v), count in inside.items()]
    return sorted(found, key=lambda s: (-s.candidates, s.others, s.key, s.value))


def _selectors(pod: dict, state: Cluster) -> list[Suggestion]:
    """Pin the pod to nodes with room for it: a label only they carry (plus tolerations for
    their taints)."""
    roomy = scheduling.check(_with(pod, nodeSelector=None, affinity=None, tolerations=None), state)
    with_room = [state.by_name[v.node] for v in roomy.nodes
                 if not any(f.type is FailureType.INSUFFICIENT_RESOURCES for f in v.failures)]
    if not with_room or len(with_room) == len(state.nodes):
        return []
    rest = [n for n in state.nodes if n not in with_room]
    out = []
    for label in separating_labels(with_room, rest):
        if label.others:
            continue
        nodes = [n for n in with_room if labels_of(n).get(label.key) == label.value]
        adding = [_toleration(t) for t in {scheduling.taint_text(t): t for n in nodes
                                           for t in scheduling.untolerated_taints(pod, n)}.values()]
        changed = _with(pod, nodeSelector={label.key: label.value},
                        tolerations=(pod["spec"].get("tolerations") or []) + adding or None)
        fits = _fits(changed, state)
        if fits:
            why = (f"{label.key}={label.value} is carried by {label.candidates} of the {len(with_room)} node(s) "
                   "with room for the pod and by no other node")
            if adding:
                why += "; adds tolerations for " + ", ".join(f"{t['key']}:{t['effect']}" for t in adding)
            out.append(Suggestion("node_selector", why, fits, changed["spec"], tolerations=adding,
                                  node_selector={label.key: label.value}))
    return out


def _no_room(verdict: scheduling.Verdict, state: Cluster) -> Suggestion:
    need = ", ".join(f"{r} {v.normalize():f}" for r, v in sorted(verdict.requests.items()) if v) or "nothing"
    free = []
    for n in state.nodes:
        alloc = (n.get("status") or {}).get("allocatable") or {}
        left = {r: value_of(alloc.get(r, "0")) - state.used[name_of(n)].get(r, Decimal(0))
                for r in verdict.requests}
        free.append(f"{name_of(n)}: " + ", ".join(f"{r} {v.normalize():f}" for r, v in sorted(left.items())))
    return Suggestion("none", f"no node has the resources: one pod requests {need}; free: {'; '.join(free)}",
                      [], {})


def suggest(cluster: str, pod: dict[str, Any], state: Cluster, limit: int) -> Suggestions:
    verdict = scheduling.check(pod, state)
    # a pod that fits gets only the selectors that would pin it; the rest is for pods that do not
    found = _selectors(pod, state) if verdict.chosen else [
        *_tolerations(pod, verdict, state), *_selectors(pod, state), *_uncordon(pod, verdict, state),
        *_relax(pod, state)]

    def size(s: Suggestion) -> int:
        return len(s.tolerations) + len(s.node_selector) + (1 if s.rule or s.change == "uncordon" else 0)

    found.sort(key=lambda s: (size(s), _ORDER[s.change], -len(s.nodes)))
    if not found and not verdict.chosen:
        ignoring = scheduling.check(pod, state, ignore_resources=True)
        if ignoring.chosen or all(any(f.type is FailureType.INSUFFICIENT_RESOURCES for f in v.failures)
                                  for v in verdict.nodes):
            found = [_no_room(verdict, state)]
    return Suggestions(cluster, bool(verdict.chosen), verdict.summary, found[:limit])

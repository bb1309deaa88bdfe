"""AffinityService messages <-> the affinity domain's values (Kubernetes-shaped dicts and the
dataclasses of server/affinity/model.py). The only module of the domain that knows protobuf."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from kubecommit.v1 import affinity_pb2 as pb, common_pb2
from server import messages
from server.affinity import model, rules, scheduling
from server.affinity.placement import parse_pod_yaml

_NODE_OPS = {pb.NODE_SELECTOR_OPERATOR_IN: "In", pb.NODE_SELECTOR_OPERATOR_NOT_IN: "NotIn",
             pb.NODE_SELECTOR_OPERATOR_EXISTS: "Exists", pb.NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST: "DoesNotExist",
             pb.NODE_SELECTOR_OPERATOR_GT: "Gt", pb.NODE_SELECTOR_OPERATOR_LT: "Lt"}
_LABEL_OPS = {pb.LABEL_SELECTOR_OPERATOR_IN: "In", pb.LABEL_SELECTOR_OPERATOR_NOT_IN: "NotIn",
              pb.LABEL_SELECTOR_OPERATOR_EXISTS: "Exists", pb.LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST: "DoesNotExist"}
_TOLERATION_OPS = {pb.TOLERATION_OPERATOR_EQUAL: "Equal", pb.TOLERATION_OPERATOR_EXISTS: "Exists"}
_EFFECTS = {common_pb2.TAINT_EFFECT_NO_SCHEDULE: "NoSchedule", common_pb2.TAINT_EFFECT_PREFER_NO_SCHEDULE:
            "PreferNoSchedule", common_pb2.TAINT_EFFECT_NO_EXECUTE: "NoExecute"}
_FAILURES = {scheduling.FailureType.NODE_SELECTOR_MISMATCH: pb.SCHEDULING_FAILURE_TYPE_NODE_SELECTOR_MISMATCH,
             scheduling.FailureType.NODE_AFFINITY_MISMATCH: pb.SCHEDULING_FAILURE_TYPE_NODE_AFFINITY_MISMATCH,
             scheduling.FailureType.UNTOLERATED_TAINT: pb.SCHEDULING_FAILURE_TYPE_UNTOLERATED_TAINT,
             scheduling.FailureType.POD_AFFINITY: pb.SCHEDULING_FAILURE_TYPE_POD_AFFINITY,
             scheduling.FailureType.POD_ANTI_AFFINITY: pb.SCHEDULING_FAILURE_TYPE_POD_ANTI_AFFINITY,
             scheduling.FailureType.INSUFFICIENT_RESOURCES: pb.SCHEDULING_FAILURE_TYPE_INSUFFICIENT_RESOURCES,
             scheduling.FailureType.NODE_UNSCHEDULABLE: pb.SCHEDULING_FAILURE_TYPE_NODE_UNSCHEDULABLE,
             scheduling.FailureType.TOPOLOGY_SPREAD: pb.SCHEDULING_FAILURE_TYPE_TOPOLOGY_SPREAD}
_CHANGES = {"add_tolerations": pb.PLACEMENT_CHANGE_ADD_TOLERATIONS, "node_selector": pb.PLACEMENT_CHANGE_NODE_SELECTOR,
            "relax_rule": pb.PLACEMENT_CHANGE_RELAX_RULE, "uncordon": pb.PLACEMENT_CHANGE_UNCORDON,
            "none": pb.PLACEMENT_CHANGE_NONE}
_DRAIN = {model.DrainAction.WOULD_EVICT: pb.DrainNodeResponse.ACTION_WOULD_EVICT,
          model.DrainAction.EVICTED: pb.DrainNodeResponse.ACTION_EVICTED,
          model.DrainAction.BLOCKED: pb.DrainNodeResponse.ACTION_BLOCKED,
          model.DrainAction.SKIPPED: pb.DrainNodeResponse.ACTION_SKIPPED,
          model.DrainAction.CORDONED: pb.DrainNodeResponse.ACTION_CORDONED}
_VERTICES = {"workload": pb.AFFINITY_GRAPH_NODE_TYPE_WORKLOAD, "node": pb.AFFINITY_GRAPH_NODE_TYPE_NODE,
             "domain": pb.AFFINITY_GRAPH_NODE_TYPE_TOPOLOGY_DOMAIN}
_EDGES = {"node_affinity": pb.AFFINITY_EDGE_TYPE_NODE_AFFINITY, "node_selector": pb.AFFINITY_EDGE_TYPE_NODE_SELECTOR,
          "pod_affinity": pb.AFFINITY_EDGE_TYPE_POD_AFFINITY, "pod_anti_affinity": pb.AFFINITY_EDGE_TYPE_POD_ANTI_AFFINITY,
          "toleration": pb.AFFINITY_EDGE_TYPE_TOLERATION, "placement": pb.AFFINITY_EDGE_TYPE_PLACEMENT,
          "taint_blocks": pb.AFFINITY_EDGE_TYPE_TAINT_BLOCKS, "in_domain": pb.AFFINITY_EDGE_TYPE_IN_DOMAIN}


def _name(table: dict[int, str], number: int) -> str:
    """An enum as Kubernetes spells it; unspecified is "" and an unknown number stays visible, so
    the domain's check names the field."""
    return table.get(number, "" if number == 0 else f"unknown({number})")


def _number(table: dict[int, str], text: str) -> int:
    return next((n for n, s in table.items() if s == text), 0)


# -- requests -> Kubernetes dicts -----------------------------------------------------------------

def _requirement(ops: dict[int, str], r: Any) -> dict[str, Any]:
    """A node selector or label selector requirement as Kubernetes writes it (`values` only when given)."""
    return {"key": r.key, "operator": _name(ops, r.operator), **({"values": list(r.values)} if r.values else {})}


def _node_requirements(items: Any) -> list[dict[str, Any]]:
    return [_requirement(_NODE_OPS, r) for r in items]


def _node_term(term: pb.NodeSelectorTerm) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if term.match_expressions:
        out["matchExpressions"] = _node_requirements(term.match_expressions)
    if term.match_fields:
        out["matchFields"] = _node_requirements(term.match_fields)
    return out


def node_affinity_values(msg: pb.NodeAffinity) -> dict[str, Any]:
    return {
        rules.REQUIRED: {"nodeSelectorTerms": [_node_term(t) for t in msg.required.node_selector_terms]}
        if msg.HasField("required") else None,
        rules.PREFERRED: [{"weight": p.weight, "preference": _node_term(p.preference)} for p in msg.preferred],
        "nodeSelector": dict(msg.node_selector),
    }


def _label_selector(msg: pb.LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if msg.match_labels:
        out["matchLabels"] = dict(msg.match_labels)
    if msg.match_expressions:
        out["matchExpressions"] = [_requirement(_LABEL_OPS, e) for e in msg.match_expressions]
    return out


def _pod_term(term: pb.PodAffinityTerm) -> dict[str, Any]:
    out: dict[str, Any] = {"topologyKey": term.topology_key}
    if term.HasField("label_selector"):
        out["labelSelector"] = _label_selector(term.label_selector)
    if term.namespaces:
        out["namespaces"] = list(term.namespaces)
    if term.HasField("namespace_selector"):
        out["namespaceSelector"] = _label_selector(term.namespace_selector)
    if term.match_label_keys:
        out["matchLabelKeys"] = list(term.match_label_keys)
    if term.mismatch_label_keys:
        out["mismatchLabelKeys"] = list(term.mismatch_label_keys)
    return out


def _pod_rules(msg: pb.PodAffinityRules) -> dict[str, Any]:
    return {rules.REQUIRED: [_pod_term(t) for t in msg.required],
            rules.PREFERRED: [{"weight": w.weight, "podAffinityTerm": _pod_term(w.pod_affinity_term)}
                              for w in msg.preferred]}


def pod_affinity_values(msg: pb.PodAffinity) -> dict[str, Any]:
    return {"podAffinity": _pod_rules(msg.affinity), "podAntiAffinity": _pod_rules(msg.anti_affinity)}


def toleration_values(items: Any) -> list[dict[str, Any]]:
    out = []
    for t in items:
        item: dict[str, Any] = {"key": t.key} if t.key else {}
        item["operator"] = _name(_TOLERATION_OPS, t.operator) or "Equal"
        if t.value:
            item["value"] = t.value
        if t.effect:
            item["effect"] = _name(_EFFECTS, t.effect)
        if t.HasField("toleration_seconds"):
            item["tolerationSeconds"] = t.toleration_seconds
        out.append(item)
    return out


def taint_values(items: Any) -> list[dict[str, Any]]:
    return [{"key": t.key, **({"value": t.value} if t.value else {}),
             **({"effect": _name(_EFFECTS, t.effect)} if t.effect else {})} for t in items]


def effect_value(number: int) -> str:
    return _name(_EFFECTS, number)


def _ints(value: Any) -> Any:
    """A Struct carries every number as a double: whole ones back to ints (weights, maxSkew)."""
    if isinstance(value, dict):
        return {k: _ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_ints(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def target(request: pb.ValidateSchedulingRequest | pb.SuggestPlacementRequest) -> model.PodTarget:
    which = request.WhichOneof("target")
    if which == "workload":
        return model.PodTarget(workload=request.workload)
    if which == "pod_spec":
        return model.PodTarget(pod=_ints(json_format.MessageToDict(request.pod_spec)), field="pod_spec")
    if which == "pod_spec_yaml":
        return model.PodTarget(pod=parse_pod_yaml(request.pod_spec_yaml, "pod_spec_yaml"), field="pod_spec_yaml")
    return model.PodTarget()


# -- domain values -> messages --------------------------------------------------------------------

def _node_term_msg(term: dict[str, Any]) -> pb.NodeSelectorTerm:
    def reqs(items: list[dict]) -> list[pb.NodeSelectorRequirement]:
        return [pb.NodeSelectorRequirement(key=e.get("key", ""), operator=_number(_NODE_OPS, e.get("operator", "")),
                                           values=e.get("values") or []) for e in items]
    return pb.NodeSelectorTerm(match_expressions=reqs(term.get("matchExpressions") or []),
                               match_fields=reqs(term.get("matchFields") or []))


def node_affinity(r: model.Rules) -> pb.NodeAffinity:
    na = (r.spec.get("affinity") or {}).get("nodeAffinity") or {}
    msg = pb.NodeAffinity(name=f"{r.workload}/nodeAffinity", node_selector=r.spec.get("nodeSelector") or {},
                          etag=r.etag, preferred=[pb.PreferredSchedulingTerm(
                              weight=p.get("weight", 0), preference=_node_term_msg(p.get("preference") or {}))
                              for p in na.get(rules.PREFERRED) or []])
    if na.get(rules.REQUIRED):
        msg.required.CopyFrom(pb.NodeSelector(node_selector_terms=[
            _node_term_msg(t) for t in na[rules.REQUIRED].get("nodeSelectorTerms") or []]))
    return msg


def _label_selector_msg(sel: dict[str, Any]) -> pb.LabelSelector:
    return pb.LabelSelector(match_labels=sel.get("matchLabels") or {}, match_expressions=[
        pb.LabelSelectorRequirement(key=e.get("key", ""), operator=_number(_LABEL_OPS, e.get("operator", "")),
                                    values=e.get("values") or []) for e in sel.get("matchExpressions") or []])


def _pod_term_msg(t: dict[str, Any]) -> pb.PodAffinityTerm:
    msg = pb.PodAffinityTerm(namespaces=t.get("namespaces") or [], topology_key=t.get("topologyKey", ""),
                             match_label_keys=t.get("matchLabelKeys") or [],
                             mismatch_label_keys=t.get("mismatchLabelKeys") or [])
    if t.get("labelSelector") is not None:
        msg.label_selector.CopyFrom(_label_selector_msg(t["labelSelector"]))
    if t.get("namespaceSelector") is not None:
        msg.namespace_selector.CopyFrom(_label_selector_msg(t["namespaceSelector"]))
    return msg


def _pod_rules_msg(r: dict[str, Any]) -> pb.PodAffinityRules:
    return pb.PodAffinityRules(required=[_pod_term_msg(t) for t in r.get(rules.REQUIRED) or []], preferred=[
        pb.WeightedPodAffinityTerm(weight=w.get("weight", 0), pod_affinity_term=_pod_term_msg(w.get("podAffinityTerm") or {}))
        for w in r.get(rules.PREFERRED) or []])


def pod_affinity(r: model.Rules) -> pb.PodAffinity:
    aff = r.spec.get("affinity") or {}
    return pb.PodAffinity(name=f"{r.workload}/podAffinity", etag=r.etag,
                          affinity=_pod_rules_msg(aff.get("podAffinity") or {}),
                          anti_affinity=_pod_rules_msg(aff.get("podAntiAffinity") or {}))


def toleration(t: dict[str, Any]) -> pb.Toleration:
    msg = pb.Toleration(key=t.get("key", ""), operator=_number(_TOLERATION_OPS, t.get("operator", "Equal")),
                        value=t.get("value", ""), effect=_number(_EFFECTS, t.get("effect", "")))
    if t.get("tolerationSeconds") is not None:
        msg.toleration_seconds = int(t["tolerationSeconds"])
    return msg


def tolerations(r: model.Rules) -> pb.Tolerations:
    return pb.Tolerations(name=f"{r.workload}/tolerations", etag=r.etag,
                          tolerations=[toleration(t) for t in r.spec.get("tolerations") or []])


def _pod_name(cluster: str, ref: str) -> str:
    ns, _, name = ref.partition("/")
    return f"clusters/{cluster}/namespaces/{ns}/pods/{name}"


def validation(v: model.Validation) -> pb.ValidateSchedulingResponse:
    verdict = v.verdict
    return pb.ValidateSchedulingResponse(
        nodes=[pb.NodeSchedulingResult(
            node=f"clusters/{v.cluster}/nodes/{n.node}", schedulable=n.schedulable, preference_score=n.score,
            failures=[pb.SchedulingFailure(type=_FAILURES[f.type], message=f.message, detail=f.detail,
                                           filter=f.filter.value) for f in n.failures]) for n in verdict.nodes],
        schedulable_count=verdict.schedulable_count, node_count=len(verdict.nodes),
        pod_requests={r: f"{q.normalize():f}" for r, q in verdict.requests.items()},
        summary=verdict.summary, chosen_node=f"clusters/{v.cluster}/nodes/{verdict.chosen}" if verdict.chosen else "")


def suggestions(s: model.Suggestions) -> pb.SuggestPlacementResponse:
    return pb.SuggestPlacementResponse(schedulable=s.schedulable, summary=s.summary, suggestions=[
        pb.PlacementSuggestion(change=_CHANGES[x.change], reason=x.reason, rule=x.rule,
                               nodes=[f"clusters/{s.cluster}/nodes/{n}" for n in x.nodes],
                               tolerations=[toleration(t) for t in x.tolerations], node_selector=x.node_selector,
                               pod_spec=messages.struct(x.pod_spec) if x.pod_spec else None)
        for x in s.suggestions])


def node_taint(cluster: str, node: str, t: dict[str, Any]) -> pb.NodeTaint:
    msg = pb.NodeTaint(node=f"clusters/{cluster}/nodes/{node}", key=t.get("key", ""), value=t.get("value", ""),
                       effect=_number(_EFFECTS, t.get("effect", "")))
    if t.get("timeAdded"):
        msg.time_added.FromJsonString(t["timeAdded"])
    return msg


def label_suggestions(count: int, found: list[model.LabelSuggestion]) -> pb.SuggestNodeSelectorsResponse:
    return pb.SuggestNodeSelectorsResponse(candidate_count=count, suggestions=[
        pb.NodeLabelSuggestion(key=s.key, value=s.value, candidate_count=s.candidates, other_count=s.others,
                               exact=s.exact and s.candidates == count) for s in found])


def node_taints(n: model.NodeTaints) -> pb.NodeTaints:
    return pb.NodeTaints(node=f"clusters/{n.cluster}/nodes/{n.node}", etag=n.etag,
                         taints=[node_taint(n.cluster, n.node, t) for t in n.taints])


def affected(p: model.AffectedPod) -> pb.AffectedPod:
    return pb.AffectedPod(pod=_pod_name(p.cluster, f"{p.namespace}/{p.name}"),
                          node=f"clusters/{p.cluster}/nodes/{p.node}", reason=p.reason)


def drain_event(e: model.DrainEvent) -> pb.DrainNodeResponse:
    subject = f"clusters/{e.cluster}/nodes/{e.subject}" if "/" not in e.subject and e.subject else \
        (_pod_name(e.cluster, e.subject) if e.subject else "")
    budget = ""
    if e.budget:
        ns, _, name = e.budget.partition("/")
        budget = f"clusters/{e.cluster}/namespaces/{ns}/poddisruptionbudgets.policy/{name}"
    return pb.DrainNodeResponse(pod=subject, action=_DRAIN[e.action], message=e.message, disruption_budget=budget,
                                done=e.done, complete=e.complete, commit=e.commit)


def topology(t: model.Topology, token: str) -> pb.ListTopologyDomainsResponse:
    return pb.ListTopologyDomainsResponse(next_page_token=token, topology_domains=[
        pb.TopologyDomain(topology_key=d.topology_key, value=d.value, ready_node_count=d.ready_nodes,
                          nodes=[f"clusters/{t.cluster}/nodes/{n}" for n in d.nodes], pod_count=d.pod_count,
                          pods=[_pod_name(t.cluster, p) for p in d.pods]) for d in t.domains],
        skews=[pb.TopologySkew(topology_key=s.topology_key, skew=s.skew, max_skew=s.max_skew, satisfied=s.satisfied)
               for s in t.skews])


def graph(g: model.Graph) -> pb.AffinityGraph:
    return pb.AffinityGraph(
        name=g.name, dot=g.dot, svg=g.svg, generate_time=messages.timestamp(g.generated),
        nodes=[pb.AffinityGraphNode(id=v.id, type=_VERTICES[v.type], kind=v.kind, namespace=v.namespace,
                                    display_name=v.label, labels=v.labels) for v in g.vertices],
        edges=[pb.AffinityGraphEdge(source=e.source, target=e.target, type=_EDGES[e.type], required=e.required,
                                    weight=e.weight, detail=e.detail) for e in g.edges])


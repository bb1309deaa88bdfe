"""The affinity graph of a cluster: workloads, nodes and zones as vertices; edges for what admits,
attracts, repels and blocks. Rendered as DOT and laid out as SVG by Graphviz (`dot`)."""

from __future__ import annotations

from typing import Any

import graphviz

from server.affinity import rules, scheduling
from server.affinity.model import GraphEdge, GraphVertex
from server.affinity.scheduling import Cluster, labels_of, name_of, namespace_of, spec_of

ZONE = "topology.kubernetes.io/zone"
WORKLOAD_KINDS = ("deployments.apps", "statefulsets.apps", "daemonsets.apps", "jobs.batch", "cronjobs.batch", "pods")
_STYLE = {  # edge type -> (color, style)
    "node_affinity": ("#1f77b4", "solid"), "node_selector": ("#1f77b4", "solid"),
    "pod_affinity": ("#2ca02c", "solid"), "pod_anti_affinity": ("#d62728", "dashed"),
    "toleration": ("#9467bd", "solid"), "placement": ("#7f7f7f", "dotted"),
    "taint_blocks": ("#d62728", "bold"), "in_domain": ("#bbbbbb", "solid"),
}


def workload_id(cluster: str, obj: dict[str, Any], resource: str) -> str:
    return f"clusters/{cluster}/namespaces/{namespace_of(obj)}/{resource}/{name_of(obj)}"


def _owned(obj: dict[str, Any]) -> bool:
    return any(o.get("controller") for o in (obj.get("metadata") or {}).get("ownerReferences") or [])


def build(cluster: str, workloads: list[tuple[str, dict[str, Any]]], state: Cluster,
          include_placements: bool) -> tuple[list[GraphVertex], list[GraphEdge]]:
    """`workloads`: (resource type, object); objects owned by a controller (a Deployment's
    ReplicaSets and pods, a CronJob's Jobs) are left to their owner."""
    vertices: list[GraphVertex] = []
    edges: list[GraphEdge] = []
    node_ids = {name_of(n): f"clusters/{cluster}/nodes/{name_of(n)}" for n in state.nodes}
    domains: set[str] = set()
    for n in state.nodes:
        vertices.append(GraphVertex(node_ids[name_of(n)], "node", "Node", "", name_of(n), labels_of(n)))
        if ZONE in labels_of(n):
            zone = labels_of(n)[ZONE]
            domains.add(zone)
            edges.append(GraphEdge(node_ids[name_of(n)], f"clusters/{cluster}/topology/{ZONE}={zone}", "in_domain",
                                   detail=ZONE))
    for zone in sorted(domains):
        vertices.append(GraphVertex(f"clusters/{cluster}/topology/{ZONE}={zone}", "domain", "TopologyDomain", "",
                                    f"{ZONE}={zone}"))
    templates = []
    for resource, obj in workloads:
        if _owned(obj):
            continue
        wid = workload_id(cluster, obj, resource)
        pod = rules.pod_template(obj, "name")
        templates.append((wid, obj, pod))
        vertices.append(GraphVertex(wid, "workload", obj.get("kind", ""), namespace_of(obj),
                                    f"{obj.get('kind')} {namespace_of(obj)}/{name_of(obj)}", labels_of(pod)))
    for wid, obj, pod in templates:
        edges.extend(_node_edges(wid, pod, state, node_ids))
        edges.extend(_pod_edges(wid, pod, templates, state))
        if include_placements:
            edges.extend(_placements(wid, obj, pod, state, node_ids))
    return vertices, edges


def _node_edges(wid: str, pod: dict, state: Cluster, node_ids: dict[str, str]) -> list[GraphEdge]:
    spec = spec_of(pod)
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(rules.REQUIRED)
    preferred = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(rules.PREFERRED) or []
    out = []
    for n in state.nodes:
        nid = node_ids[name_of(n)]
        admitted = not scheduling.node_selector_failures(pod, n)
        if admitted and spec.get("nodeSelector"):
            out.append(GraphEdge(wid, nid, "node_selector",
                                 detail=", ".join(f"{k}={v}" for k, v in spec["nodeSelector"].items())))
        if admitted and required:
            out.append(GraphEdge(wid, nid, "node_affinity", detail="required"))
        for p in preferred:
            if scheduling.node_term_matches(p.get("preference") or {}, n):
                out.append(GraphEdge(wid, nid, "node_affinity", required=False, weight=int(p.get("weight", 0)),
                                     detail="preferred"))
        taints = [t for t in spec_of(n).get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute")]
        if not taints or not admitted:
            continue
        blocking = scheduling.untolerated_taints(pod, n)
        if blocking:
            out.append(GraphEdge(nid, wid, "taint_blocks", detail=", ".join(scheduling.taint_text(t) for t in blocking)))
        else:
            out.append(GraphEdge(wid, nid, "toleration", detail=", ".join(scheduling.taint_text(t) for t in taints)))
    return out


def _pod_edges(wid: str, pod: dict, templates: list[tuple[str, dict, dict]], state: Cluster) -> list[GraphEdge]:
    out = []
    for kind, edge in (("podAffinity", "pod_affinity"), ("podAntiAffinity", "pod_anti_affinity")):
        rules_ = (spec_of(pod).get("affinity") or {}).get(kind) or {}
        terms = [(t, True, 0) for t in rules_.get(rules.REQUIRED) or []] + [
            (w.get("podAffinityTerm") or {}, False, int(w.get("weight", 0))) for w in rules_.get(rules.PREFERRED) or []]
        for term, required, weight in terms:
            for other_id, _, other in templates:
                if scheduling.term_selects(term, pod, other, state):
                    out.append(GraphEdge(wid, other_id, edge, required, weight, term.get("topologyKey", "")))
    return out


def _placements(wid: str, obj: dict, pod: dict, state: Cluster, node_ids: dict[str, str]) -> list[GraphEdge]:
    counts: dict[str, int] = {}
    selector = spec_of(obj).get("selector") if obj.get("kind") != "Pod" else None
    for p, n in state.placed:
        if namespace_of(p) != namespace_of(obj):
            continue
        mine = name_of(p) == name_of(obj) if obj.get("kind") == "Pod" else scheduling.label_selector_matches(
            selector if isinstance(selector, dict) and ("matchLabels" in selector or "matchExpressions" in selector)
            else {"matchLabels": labels_of(pod)}, labels_of(p))
        if mine:
            counts[name_of(n)] = counts.get(name_of(n), 0) + 1
    return [GraphEdge(wid, node_ids[n], "placement", detail=f"{c} pod(s)") for n, c in sorted(counts.items())]


def dot(name: str, vertices: list[GraphVertex], edges: list[GraphEdge]) -> graphviz.Digraph:
    g = graphviz.Digraph(name=name, graph_attr={"rankdir": "LR", "fontname": "Helvetica"},
                         node_attr={"fontname": "Helvetica", "fontsize": "10"},
                         edge_attr={"fontname": "Helvetica", "fontsize": "8"})
    shapes = {"workload": ("box", "#e8f0fe"), "node": ("ellipse", "#fef7e0"), "domain": ("folder", "#eeeeee")}
    for v in vertices:
        shape, fill = shapes[v.type]
        g.node(v.id, label=v.label, shape=shape, style="filled", fillcolor=fill, tooltip=v.id)
    for e in edges:
        color, style = _STYLE[e.type]
        label = e.type.replace("_", " ") + (f" ({e.weight})" if e.weight else "") + (f"\n{e.detail}" if e.detail else "")
        g.edge(e.source, e.target, label=label, color=color, style=style, tooltip=e.type)
    return g


def render_svg(graph: graphviz.Digraph) -> str:
    """Laid out by Graphviz `dot` (a system binary: `make setup` installs it)."""
    return graph.pipe(format="svg", encoding="utf-8")

"""Resources and cost rules: requests against observed usage (metrics.k8s.io and the samplers'
history), over-committed nodes, and what capacity costs (OpenCost's allocation model)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Iterator

from server.kube.quantity import value_of as quantity
from server.mcp.scanners.base import (Category, Finding, HOURS_PER_MONTH, Severity, Snapshot, WORKLOAD_KINDS,
                                      containers_of, meta_of, namespace_of, rule, selector_matches, template_patch,
                                      workloads)

def _pod_usage(snap: Snapshot, obj: dict[str, Any]) -> list[dict[str, dict[str, Decimal]]]:
    """Usage of the running pods of a workload (or of the bare pod itself)."""
    assert snap.usage is not None
    if obj["kind"] == "Pod":
        pods = [obj]
    else:
        selector = (obj.get("spec") or {}).get("selector")
        pods = [p for p in snap.of("Pod") if namespace_of(p) == namespace_of(obj) and selector_matches(selector, meta_of(p).get("labels") or {})]
    return [u for p in pods if (u := snap.usage.get(f"{namespace_of(p)}/{meta_of(p).get('name')}"))]


@rule("request-usage", Category.RESOURCES, "requests far above or below observed usage")
def requests_vs_usage(snap: Snapshot) -> Iterator[Finding]:
    if snap.usage is None:
        return
    for obj in workloads(snap):
        samples = _pod_usage(snap, obj)
        if not samples:
            continue
        for c in containers_of(obj):
            requests = (c.get("resources") or {}).get("requests") or {}
            for res in ("cpu", "memory"):
                used = [s[c["name"]][res] for s in samples if c["name"] in s]
                req = quantity(requests.get(res))
                if not used or not req:
                    continue
                peak = max(used)
                if peak > req * Decimal("1.2") or peak * 4 < req:
                    suggest = max(peak * Decimal("1.3"), Decimal("0.01") if res == "cpu" else Decimal(16 * 2**20))
                    text = f"{int(suggest * 1000)}m" if res == "cpu" else f"{int(suggest // 2**20)}Mi"
                    over = peak * 4 < req
                    unit = (req - suggest) / (2**30 if res == "memory" else 1) if over else Decimal(0)
                    saving = snap.prices.monthly(float(unit) if res == "cpu" else 0, float(unit) if res == "memory" else 0)
                    yield Finding("request-usage", Category.RESOURCES, Severity.LOW if over else Severity.MEDIUM,
                                  snap.name(obj),
                                  f"container {c['name']} requests {requests.get(res)} {res} and uses at most "
                                  f"{_show(peak, res)} ({'over' if over else 'under'}-requested)",
                                  {"container": f"{c['name']}:{res}", "requested": str(requests.get(res)),
                                   "peak_usage": _show(peak, res), "monthly_saving": f"{saving:.2f}" if over else "0"},
                                  f"Request {text} {res} (observed peak plus 30%).",
                                  template_patch(obj, {"containers": [{"name": c["name"],
                                                                        "resources": {"requests": {res: text}}}]}))


def _show(value: Decimal, resource: str) -> str:
    return f"{round(value * 1000)}m" if resource == "cpu" else f"{round(value / 2**20)}Mi"


def _requested(pods: list[dict[str, Any]]) -> tuple[float, float]:
    cpu = memory = Decimal(0)
    for pod in pods:
        for c in containers_of(pod):
            requests = (c.get("resources") or {}).get("requests") or {}
            cpu += quantity(requests.get("cpu"))
            memory += quantity(requests.get("memory"))
    return float(cpu), float(memory) / 2**30


@rule("node-overcommit", Category.RESOURCES, "nodes whose pods' limits exceed what they can allocate")
def overcommitted_nodes(snap: Snapshot) -> Iterator[Finding]:
    for node in snap.of("Node"):
        name = meta_of(node).get("name")
        pods = [p for p in snap.of("Pod") if (p.get("spec") or {}).get("nodeName") == name]
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        for res in ("cpu", "memory"):
            limits = sum((quantity(((c.get("resources") or {}).get("limits") or {}).get(res))
                          for p in pods for c in containers_of(p)), Decimal(0))
            cap = quantity(allocatable.get(res))
            if cap and limits > cap * Decimal("1.5"):
                yield Finding("node-overcommit", Category.RESOURCES, Severity.MEDIUM, snap.name(node),
                              f"limits of its pods add up to {int(limits / cap * 100)}% of allocatable {res}",
                              {"container": res, "limits": _show(limits, res), "allocatable": str(allocatable.get(res))},
                              "Lower limits towards requests or spread the pods over more nodes.")


@rule("cluster-headroom", Category.RESOURCES, "clusters whose sampled usage stays far below their requests")
def cluster_headroom(snap: Snapshot) -> Iterator[Finding]:
    for res in ("cpu", "memory"):
        requests, usage = snap.history.get(f"{res}_requests") or [], snap.history.get(f"{res}_usage") or []
        if len(usage) < 3 or not requests or not requests[-1]:
            continue
        peak = max(usage)
        if peak < requests[-1] / 4:
            unit = 1 if res == "cpu" else 2**30
            idle = (requests[-1] - peak) / unit
            saving = snap.prices.monthly(idle if res == "cpu" else 0, idle if res == "memory" else 0)
            yield Finding("cluster-headroom", Category.RESOURCES, Severity.LOW, f"clusters/{snap.cluster}",
                          f"over {len(usage)} samples the cluster used at most {_show(Decimal(peak), res)} {res} of the "
                          f"{_show(Decimal(requests[-1]), res)} its pods request",
                          {"condition": res, "samples": str(len(usage)), "peak_usage": _show(Decimal(peak), res),
                           "requested": _show(Decimal(requests[-1]), res), "monthly_saving": f"{saving:.2f}"},
                          "Lower the requests the request-usage findings name; the samplers' history shows the "
                          "headroom is lasting, not a quiet minute.")


@rule("namespace-cost", Category.COST, "what each namespace's requests cost against what it uses")
def namespace_costs(snap: Snapshot) -> Iterator[Finding]:
    by_ns: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pod in snap.of("Pod"):
        if (pod.get("status") or {}).get("phase") == "Running":
            by_ns[namespace_of(pod)].append(pod)
    for namespace in snap.of("Namespace"):
        ns = meta_of(namespace).get("name", "")
        pods = by_ns.get(ns, [])
        cpu, memory = _requested(pods)
        cost = snap.prices.monthly(cpu, memory)
        evidence = {"requested_cpu": f"{cpu:g}", "requested_memory_gib": f"{memory:.2f}", "monthly_cost": f"{cost:.2f}"}
        if not pods and ns not in ("default", "kube-public", "kube-node-lease", "kube-system"):
            if any(namespace_of(o) == ns for kind in WORKLOAD_KINDS for o in snap.of(kind)):
                continue  # workloads scaled to zero are a choice, not idleness
            yield Finding("idle-namespace", Category.COST, Severity.LOW, snap.name(namespace),
                          "namespace runs no pods", evidence,
                          "Delete the namespace if nothing uses it (its quotas and secrets go with it).")
            continue
        if snap.usage is None or not pods or not cost:
            continue
        used_cpu = float(sum((u[res] for p in pods for u in (snap.usage.get(f"{ns}/{meta_of(p)['name']}") or {}).values()
                              for res in ("cpu",)), Decimal(0)))
        used_memory = float(sum((u["memory"] for p in pods
                                 for u in (snap.usage.get(f"{ns}/{meta_of(p)['name']}") or {}).values()), Decimal(0))) / 2**30
        idle = round(cost - snap.prices.monthly(min(used_cpu, cpu), min(used_memory, memory)), 2)
        evidence.update(used_cpu=f"{used_cpu:.3f}", used_memory_gib=f"{used_memory:.2f}", monthly_idle_cost=f"{idle:.2f}")
        if idle > cost / 2:
            yield Finding("namespace-cost", Category.COST, Severity.INFO, snap.name(namespace),
                          f"requests cost {cost:.2f}/month; {idle:.2f} of it pays for capacity no pod uses",
                          evidence, "Right-size the requests the resources findings name.")


@rule("node-cost", Category.COST, "priced nodes whose pods request little of them")
def node_costs(snap: Snapshot) -> Iterator[Finding]:
    for node in snap.of("Node"):
        kind = (meta_of(node).get("labels") or {}).get("node.kubernetes.io/instance-type", "")
        if kind not in snap.prices.nodes:
            continue
        name = meta_of(node).get("name")
        pods = [p for p in snap.of("Pod") if (p.get("spec") or {}).get("nodeName") == name
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        cpu, memory = _requested(pods)
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        shares = [float(used) / float(cap) for used, cap in ((cpu, quantity(allocatable.get("cpu"))),
                                                              (memory * 2**30, quantity(allocatable.get("memory"))))
                  if cap]
        share = max(shares, default=0.0)
        monthly = round(snap.prices.nodes[kind] * HOURS_PER_MONTH, 2)
        if share < 0.3:
            yield Finding("node-cost", Category.COST, Severity.LOW, snap.name(node),
                          f"node ({kind}) costs {monthly:.2f}/month and its pods request {share:.0%} of it",
                          {"instance_type": kind, "monthly_cost": f"{monthly:.2f}", "requested_share": f"{share:.2f}",
                           "pods": str(len(pods))},
                          "Move its pods to other nodes and remove it, or use a smaller instance type.")



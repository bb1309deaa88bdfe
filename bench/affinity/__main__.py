"""Benchmark of the scheduling check: ``python -m bench.affinity`` (``make bench-affinity``).

One workload (required pod affinity and anti-affinity by zone, preferred anti-affinity by host,
a zone spread constraint, a nodeSelector, a toleration) is checked against ``--nodes`` (1,000)
nodes in 30 zones and ``--pods`` (10,000) running pods of 100 apps, a fifth of them with
required anti-affinity of their own. Timed: ``scheduling.check`` including the index it builds
over the cluster (the whole of ValidateScheduling's work after the cluster is read), median of
``--runs`` runs. Baseline in the same run: kubesim's scheduler, which compares pods pairwise per
node, on the same inputs (timed on ``--baseline-nodes`` nodes and scaled to all, since it grows
linearly with them). Rewrites its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from bench.sections import replace_section
from kubesim import scheduler as pairwise
from server.affinity import scheduling

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN affinity-bench -->", "<!-- END affinity-bench -->"
ZONE, HOST = "topology.kubernetes.io/zone", "kubernetes.io/hostname"


def cluster(nodes: int, pods: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    rnd = random.Random(seed)
    node_objs = []
    for i in range(nodes):
        labels = {HOST: f"n{i}", ZONE: f"z{i % 30}", "topology.kubernetes.io/region": f"r{i % 3}"}
        if i % 2:
            labels["disktype"] = "ssd"
        taints = [{"key": "dedicated", "value": "batch", "effect": "NoSchedule"}] if i % 10 == 0 else []
        node_objs.append({"metadata": {"name": f"n{i}", "labels": labels}, "spec": {"taints": taints},
                          "status": {"allocatable": {"cpu": "64", "memory": "256Gi", "pods": "110"}}})
    pod_objs = []
    for i in range(pods):
        app = f"app-{i % 100}"
        spec: dict = {"nodeName": f"n{rnd.randrange(nodes)}", "containers": [
            {"name": "c", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}
        if i % 5 == 0:
            spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": HOST}]}}
        pod_objs.append({"metadata": {"name": f"p{i}", "namespace": "team", "labels": {"app": app}},
                         "spec": spec, "status": {"phase": "Running"}})
    return node_objs, pod_objs


WORKLOAD = {"metadata": {"name": "new", "namespace": "team", "labels": {"app": "new"}}, "spec": {
    "containers": [{"name": "c", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}],
    "nodeSelector": {"disktype": "ssd"},
    "tolerations": [{"key": "dedicated", "operator": "Exists"}],
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": ZONE, "whenUnsatisfiable": "DoNotSchedule",
                                   "labelSelector": {"matchLabels": {"app": "new"}}}],
    "affinity": {
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": {"app": "app-2"}}, "topologyKey": ZONE}]},
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": "app-1"}}, "topologyKey": ZONE}],
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "podAffinityTerm": {
                "labelSelector": {"matchLabels": {"app": "new"}}, "topologyKey": HOST}}]}}}}


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-nodes", type=int, default=20)
    parser.add_argument("--no-docs", action="store_true")
    args = parser.parse_args()
    nodes, pods = cluster(args.nodes, args.pods)
    ours = timed(lambda: scheduling.check(WORKLOAD, scheduling.Cluster(nodes, pods)), args.runs)
    state = scheduling.Cluster(nodes, pods)
    warm = timed(lambda: scheduling.check(WORKLOAD, state), args.runs)

    by_name = {n["metadata"]["name"]: n for n in nodes}
    assigned = [(p, by_name[p["spec"]["nodeName"]]) for p in pods]
    sample = nodes[:args.baseline_nodes]
    base = timed(lambda: [pairwise.filter_node(WORKLOAD, n, nodes, assigned) for n in sample], 1)
    base_all = base * len(nodes) / len(sample)
    # the two agree on every sampled node's first failing reason
    verdicts = {v.node: v for v in scheduling.check(WORKLOAD, state).nodes}
    for n in sample:
        theirs = pairwise.filter_node(WORKLOAD, n, nodes, assigned)
        assert verdicts[n["metadata"]["name"]].reported()[:1] == theirs[:1], (n["metadata"]["name"], theirs)

    lines = [
        BEGIN,
        "## Affinity: the scheduling check (`make bench-affinity`)",
        "",
        f"One workload with required pod affinity and anti-affinity, preferred anti-affinity, a spread "
        f"constraint, a nodeSelector and a toleration, checked against {args.nodes:,} nodes and "
        f"{args.pods:,} running pods (a fifth with required anti-affinity); median of {args.runs} runs.",
        "",
        "| what | time |",
        "| --- | --- |",
        f"| `scheduling.check`, index built in the run (ValidateScheduling's work once the cluster is read) | {ours * 1000:.0f} ms |",
        f"| `scheduling.check` on an index already built | {warm * 1000:.0f} ms |",
        f"| baseline: kubesim's pairwise filters, {args.baseline_nodes} nodes timed, scaled to {args.nodes:,} | "
        f"{base_all * 1000:,.0f} ms |",
        f"| ratio baseline / ours | {base_all / ours:,.0f}x |",
        "",
        "Both agree on each sampled node's first failing filter (the benchmark asserts it).",
        END,
    ]
    print("\n".join(lines))
    if not args.no_docs:
        replace_section(DOCS, BEGIN, END, "\n".join(lines))


if __name__ == "__main__":
    main()

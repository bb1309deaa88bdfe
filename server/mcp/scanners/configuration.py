"""Configuration rules: what will hurt later (requests and limits, image tags, probes, replicas
and disruption budgets)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator

from server.kube.quantity import value_of as quantity
from server.mcp.scanners.base import (Category, Finding, Severity, Snapshot, containers_of, namespace_of, rule,
                                      selector_matches, template_labels, template_patch, workloads)

def _default_resources(requests: dict[str, Any]) -> dict[str, str]:
    """Limits derived from requests (twice them), or small defaults when none are set."""
    cpu = quantity(requests.get("cpu")) * 2 or Decimal("0.5")
    memory = quantity(requests.get("memory")) * 2 or Decimal(256 * 2**20)
    return {"cpu": f"{int(cpu * 1000)}m", "memory": f"{int(memory // 2**20)}Mi"}


@rule("missing-resources", Category.CONFIGURATION, "containers without CPU/memory requests or limits")
def missing_resources(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        for c in containers_of(obj):
            res = c.get("resources") or {}
            requests, limits = res.get("requests") or {}, res.get("limits") or {}
            for part, values in (("requests", requests), ("limits", limits)):
                missing = [r for r in ("cpu", "memory") if r not in values]
                if not missing:
                    continue
                wanted = _default_resources(requests) if part == "limits" else {"cpu": "100m", "memory": "128Mi"}
                fix = {part: {r: wanted[r] for r in missing}}
                yield Finding(f"missing-{part}", Category.CONFIGURATION,
                              Severity.MEDIUM if part == "limits" else Severity.LOW, snap.name(obj),
                              f"container {c['name']} sets no {part} for {', '.join(missing)}",
                              {"container": c["name"], "missing": ",".join(missing)},
                              f"Set {part} ({', '.join(f'{k}={v}' for k, v in fix[part].items())}) so the "
                              "scheduler and the kernel can bound it; tune them to observed usage.",
                              template_patch(obj, {"containers": [{"name": c["name"], "resources": fix}]}))


@rule("image-tag", Category.CONFIGURATION, "images tagged `latest` or not tagged")
def image_tags(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        for c in containers_of(obj):
            image = str(c.get("image", ""))
            if "@" in image:
                continue
            tag = image.rpartition(":")[2] if ":" in image.rpartition("/")[2] else ""
            if tag in ("", "latest"):
                yield Finding("image-tag", Category.CONFIGURATION, Severity.MEDIUM, snap.name(obj),
                              f"container {c['name']} runs {image!r}, which can change under it",
                              {"container": c["name"], "image": image},
                              "Pin the image to a version tag or a digest.")


@rule("missing-probes", Category.CONFIGURATION, "containers without readiness or liveness probes")
def missing_probes(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        for c in containers_of(obj):
            missing = [p for p in ("readinessProbe", "livenessProbe") if not c.get(p)]
            if missing:
                yield Finding("missing-probes", Category.CONFIGURATION, Severity.LOW, snap.name(obj),
                              f"container {c['name']} has no {' or '.join(missing)}",
                              {"container": c["name"], "missing": ",".join(missing)},
                              "Add probes so traffic waits for readiness and hung containers are restarted.")


@rule("single-replica", Category.CONFIGURATION, "single-replica Deployments without a PodDisruptionBudget")
def single_replicas(snap: Snapshot) -> Iterator[Finding]:
    for dep in snap.of("Deployment"):
        if int((dep.get("spec") or {}).get("replicas", 1)) != 1:
            continue
        labels = template_labels(dep)
        if any(namespace_of(p) == namespace_of(dep) and selector_matches((p.get("spec") or {}).get("selector"), labels)
               for p in snap.of("PodDisruptionBudget")):
            continue
        yield Finding("single-replica", Category.CONFIGURATION, Severity.LOW, snap.name(dep),
                      "one replica and no PodDisruptionBudget: a node drain takes it down", {"replicas": "1"},
                      "Run two or more replicas (and a PodDisruptionBudget with maxUnavailable: 1).",
                      {"spec": {"replicas": 2}})


@rule("pdb-blocks-eviction", Category.CONFIGURATION, "PodDisruptionBudgets that allow no eviction at all")
def blocking_pdbs(snap: Snapshot) -> Iterator[Finding]:
    for pdb in snap.of("PodDisruptionBudget"):
        spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
        expected = int(status.get("expectedPods") or 0)
        max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
        blocks = max_unavailable in (0, "0", "0%") or min_available == "100%" or \
            (isinstance(min_available, int) and expected and min_available >= expected)
        if blocks:
            yield Finding("pdb-blocks-eviction", Category.CONFIGURATION, Severity.HIGH, snap.name(pdb),
                          "the budget allows no voluntary disruption: node drains and upgrades will hang",
                          {"max_unavailable": str(max_unavailable), "min_available": str(min_available),
                           "expected_pods": str(expected)},
                          "Allow at least one disruption (maxUnavailable: 1).",
                          {"spec": {"maxUnavailable": 1, "minAvailable": None}})



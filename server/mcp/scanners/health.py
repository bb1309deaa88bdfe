"""Health rules: what is broken now (crash loops, image pulls, Pending pods with the scheduler's
reason, failing probes, Services without endpoints, Pending claims, stuck Deployments, nodes)."""

from __future__ import annotations

from typing import Any, Iterator

from server.mcp.scanners.base import (Category, Finding, Severity, Snapshot, condition_of, events_of, meta_of,
                                      namespace_of, rule, selector_matches, template_patch)

def _waiting(snap: Snapshot, reasons: set[str]) -> Iterator[tuple[dict[str, Any], dict[str, Any], str]]:
    for pod in snap.of("Pod"):
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in reasons:
                yield pod, cs, waiting.get("reason", "")


@rule("crash-loop", Category.HEALTH, "containers restarting in CrashLoopBackOff, with the last termination")
def crash_loops(snap: Snapshot) -> Iterator[Finding]:
    for pod, cs, _ in _waiting(snap, {"CrashLoopBackOff"}):
        last = (cs.get("lastState") or {}).get("terminated") or {}
        evidence = {"container": cs["name"], "restarts": str(cs.get("restartCount", 0)),
                    "last_termination_reason": str(last.get("reason", "unknown")),
                    "exit_code": str(last.get("exitCode", ""))}
        yield Finding("crash-loop", Category.HEALTH, Severity.CRITICAL, snap.name(pod),
                      f"container {cs['name']} is crash-looping ({evidence['restarts']} restarts, last exit "
                      f"{evidence['last_termination_reason']} code {evidence['exit_code']})", evidence,
                      "Read the previous container's logs (get_logs with previous=true) for the error; fix the "
                      "configuration or image it fails on; an OOMKilled exit needs a higher memory limit.")


@rule("image-pull", Category.HEALTH, "containers whose image cannot be pulled")
def image_pulls(snap: Snapshot) -> Iterator[Finding]:
    for pod, cs, reason in _waiting(snap, {"ImagePullBackOff", "ErrImagePull", "InvalidImageName"}):
        yield Finding("image-pull", Category.HEALTH, Severity.HIGH, snap.name(pod),
                      f"image {cs.get('image')} of container {cs['name']} cannot be pulled ({reason})",
                      {"container": cs["name"], "image": str(cs.get("image", "")), "reason": reason},
                      "Check the image name and tag exist in the registry and that imagePullSecrets grant access.")


@rule("pod-pending", Category.HEALTH, "pods the scheduler cannot place, with its reason")
def pending_pods(snap: Snapshot) -> Iterator[Finding]:
    for pod in snap.of("Pod"):
        if (pod.get("status") or {}).get("phase") != "Pending":
            continue
        scheduled = condition_of(pod, "PodScheduled") or {}
        if scheduled.get("status") == "True":
            continue
        events = events_of(snap, pod, "FailedScheduling")
        why = (events[-1].get("message") if events else "") or scheduled.get("message") or "not scheduled yet"
        evidence = {"scheduler": why}
        remediation = "Make a node fit the pod: free capacity, relax its nodeSelector/affinity, or add a toleration."
        patch = None
        untolerated = _untolerated_taints(snap, pod)
        if untolerated:
            evidence["untolerated_taints"] = ", ".join(f"{t['key']}={t.get('value', '')}:{t['effect']}" for t in untolerated)
            remediation = (f"The nodes its nodeSelector picks are tainted ({evidence['untolerated_taints']}); add a "
                           "matching toleration if the pod belongs there (pods cannot change their tolerations "
                           "once created: change its controller or recreate it).")
            patch = template_patch(pod, {"tolerations": [
                {"key": t["key"], "operator": "Equal", "value": t.get("value", ""), "effect": t["effect"]}
                for t in untolerated]})
        yield Finding("pod-pending", Category.HEALTH, Severity.HIGH, snap.name(pod),
                      f"pod is Pending: {why}", evidence, remediation, patch)


def _untolerated_taints(snap: Snapshot, pod: dict[str, Any]) -> list[dict[str, Any]]:
    """NoSchedule taints of the nodes the pod's nodeSelector picks that it does not tolerate."""
    spec = pod.get("spec") or {}
    selector = spec.get("nodeSelector") or {}
    if not selector:
        return []
    tolerations = spec.get("tolerations") or []
    out = []
    for node in snap.of("Node"):
        if not selector_matches({"matchLabels": selector}, meta_of(node).get("labels") or {}):
            continue
        for taint in (node.get("spec") or {}).get("taints") or []:
            tolerated = any(t.get("operator") == "Exists" and t.get("key") in (None, "", taint["key"])
                            or (t.get("key") == taint["key"] and t.get("value", "") == taint.get("value", ""))
                            for t in tolerations if t.get("effect") in (None, "", taint.get("effect")))
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerated and taint not in out:
                out.append(taint)
    return out


@rule("probe-failing", Category.HEALTH, "readiness or liveness probes failing (Unhealthy events)")
def failing_probes(snap: Snapshot) -> Iterator[Finding]:
    for pod in snap.of("Pod"):
        events = events_of(snap, pod, "Unhealthy")
        if events:
            yield Finding("probe-failing", Category.HEALTH, Severity.MEDIUM, snap.name(pod),
                          f"probe failing: {events[-1].get('message', '')}",
                          {"events": str(sum(int(e.get("count") or 1) for e in events))},
                          "Check the probe's path, port and timing against what the container serves.")


@rule("service-no-endpoints", Category.HEALTH, "Services whose selector matches no ready pod")
def services_without_endpoints(snap: Snapshot) -> Iterator[Finding]:
    endpoints = {(namespace_of(e), meta_of(e).get("name")): e for e in snap.of("Endpoints")}
    for svc in snap.of("Service"):
        selector = (svc.get("spec") or {}).get("selector")
        if not selector:
            continue
        matching = [p for p in snap.of("Pod") if namespace_of(p) == namespace_of(svc) and selector_matches(selector, meta_of(p).get("labels") or {})]
        ep = endpoints.get((namespace_of(svc), meta_of(svc).get("name")))
        if ep is None:  # no endpoints controller wrote one (yet): judge by the pods it would list
            if any((condition_of(p, "Ready") or {}).get("status") == "True" for p in matching):
                continue
        elif any(s.get("addresses") for s in ep.get("subsets") or []):
            continue
        yield Finding("service-no-endpoints", Category.HEALTH, Severity.HIGH, snap.name(svc),
                      f"Service has no ready endpoints ({len(matching)} pods match its selector)",
                      {"selector": ",".join(f"{k}={v}" for k, v in selector.items()), "matching_pods": str(len(matching))},
                      "Fix the selector to match the pods' labels, or make the matching pods ready.")


@rule("pvc-pending", Category.HEALTH, "PersistentVolumeClaims not bound")
def pending_claims(snap: Snapshot) -> Iterator[Finding]:
    for pvc in snap.of("PersistentVolumeClaim"):
        if (pvc.get("status") or {}).get("phase") == "Pending":
            events = events_of(snap, pvc, "ProvisioningFailed") or events_of(snap, pvc, "FailedBinding")
            why = events[-1].get("message", "") if events else "no volume bound yet"
            yield Finding("pvc-pending", Category.HEALTH, Severity.HIGH, snap.name(pvc), f"claim is Pending: {why}",
                          {"storage_class": str((pvc.get("spec") or {}).get("storageClassName", ""))},
                          "Check the StorageClass exists and can provision, or create a matching PersistentVolume.")


@rule("deployment-not-progressing", Category.HEALTH, "Deployments that stopped progressing or lack replicas")
def stuck_deployments(snap: Snapshot) -> Iterator[Finding]:
    for dep in snap.of("Deployment"):
        status = dep.get("status") or {}
        progressing = condition_of(dep, "Progressing") or {}
        wanted = int((dep.get("spec") or {}).get("replicas", 1))
        available = int(status.get("availableReplicas") or 0)
        if progressing.get("status") == "False" or available < wanted:
            why = progressing.get("message") if progressing.get("status") == "False" else \
                f"{available} of {wanted} replicas available"
            yield Finding("deployment-not-progressing", Category.HEALTH, Severity.HIGH, snap.name(dep),
                          f"Deployment is not progressing: {why}",
                          {"available": str(available), "wanted": str(wanted),
                           "reason": str(progressing.get("reason", ""))},
                          "Look at its pods' findings (crash loops, pending, image pulls): they say why.")


@rule("node-condition", Category.HEALTH, "nodes NotReady or under memory, disk or PID pressure")
def node_conditions(snap: Snapshot) -> Iterator[Finding]:
    for node in snap.of("Node"):
        for cond in (node.get("status") or {}).get("conditions") or []:
            bad = (cond.get("type") == "Ready" and cond.get("status") != "True") or \
                  (cond.get("type", "").endswith("Pressure") and cond.get("status") == "True")
            if bad:
                what = "NotReady" if cond["type"] == "Ready" else cond["type"]
                yield Finding("node-condition", Category.HEALTH,
                              Severity.CRITICAL if what == "NotReady" else Severity.HIGH, snap.name(node),
                              f"node is {what}: {cond.get('message', '')}", {"condition": what},
                              "Drain the node and look at its kubelet; under pressure, move or shrink workloads.")



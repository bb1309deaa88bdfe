"""The scan rules: pure functions from a snapshot of a cluster's objects to findings.

Each rule has an id, a category and a default severity, and turns what it sees into findings
that name the resource, the evidence (facts read from the cluster, never a Secret value) and a
remediation: text plus, where one patch fixes it, a strategic-merge patch of the object that
owns the problem (the Deployment, not its pods). Rules learn from K8sGPT's analyzers, Polaris's
checks and Popeye's sanitizers; they read plain dicts as the Kubernetes API returns them.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from server.clusters.metrics import quantity
from server.errors import InvalidArgument


class Category(enum.StrEnum):
    HEALTH = "health"
    CONFIGURATION = "configuration"
    SECURITY = "security"
    RESOURCES = "resources"
    COST = "cost"


class Severity(enum.IntEnum):
    # The values of kubecommit.v1.Severity.
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5


# How much one finding of a severity lowers its category's score (0..100).
IMPACT = {Severity.INFO: 0, Severity.LOW: 2, Severity.MEDIUM: 5, Severity.HIGH: 10, Severity.CRITICAL: 20}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
DANGEROUS_CAPABILITIES = frozenset({"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH"})
HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Prices:
    """What capacity costs (OpenCost's allocation model: requests are what a workload holds);
    `nodes`: hourly price per node instance type (label node.kubernetes.io/instance-type)."""

    cpu_hour: float = 0.031
    gib_hour: float = 0.004
    nodes: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse_nodes(cls, text: str, field_name: str = "scan_node_prices") -> dict[str, float]:
        """`m5.xlarge=0.192,g4dn.xlarge=0.526` -> {type: hourly price}."""
        out = {}
        for item in filter(None, (p.strip() for p in text.split(","))):
            kind, _, price = item.partition("=")
            try:
                out[kind.strip()] = float(price)
            except ValueError:
                raise InvalidArgument.field(field_name, f"{item!r} is not instance-type=hourly-price") from None
        return out

    def monthly(self, cpu_cores: float, memory_gib: float) -> float:
        return round((cpu_cores * self.cpu_hour + memory_gib * self.gib_hour) * HOURS_PER_MONTH, 2)


@dataclass
class Snapshot:
    """What a scan read from one cluster: objects by kind (as the API returns them) and pod
    usage from metrics.k8s.io (`{namespace/pod: {container: {cpu, memory}}}`), None when the
    cluster serves no metrics."""

    cluster: str
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    usage: dict[str, dict[str, dict[str, Decimal]]] | None = None
    prices: Prices = field(default_factory=Prices)
    # The samplers' history of the cluster (`cpu_requests`, `cpu_usage`, `memory_...` -> values
    # over the last days), empty when the job system has none.
    history: dict[str, list[float]] = field(default_factory=dict)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return self.objects.get(kind, [])

    def name(self, obj: dict[str, Any]) -> str:
        return resource_name(self.cluster, obj)


@dataclass
class Finding:
    rule: str
    category: Category
    severity: Severity
    # kubecommit resource name of the object to change, e.g.
    # `clusters/demo/namespaces/shop/deployments.apps/api-gateway`.
    resource: str
    message: str
    evidence: dict[str, str] = field(default_factory=dict)
    remediation: str = ""
    # Strategic-merge patch of `resource` that fixes it; None when no single patch does.
    patch: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """Stable identity across scans (history and trends): the rule, the resource and the
        container, env variable or node condition it is about."""
        subject = "/".join(self.evidence[k] for k in ("container", "condition", "env") if k in self.evidence)
        return "|".join((self.rule, self.resource, subject))


_PLURALS = {"Pod": "pods", "Service": "services", "PersistentVolumeClaim": "persistentvolumeclaims",
            "Node": "nodes", "Namespace": "namespaces", "Deployment": "deployments.apps",
            "StatefulSet": "statefulsets.apps", "DaemonSet": "daemonsets.apps",
            "PodDisruptionBudget": "poddisruptionbudgets.policy",
            "Role": "roles.rbac.authorization.k8s.io", "ClusterRole": "clusterroles.rbac.authorization.k8s.io",
            "ServiceAccount": "serviceaccounts"}


def resource_name(cluster: str, obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    where = f"clusters/{cluster}" + (f"/namespaces/{ns}" if ns else "")
    return f"{where}/{_PLURALS[obj['kind']]}/{meta.get('name', '')}"


Rule = Callable[[Snapshot], Iterable[Finding]]


@dataclass(frozen=True)
class RuleInfo:
    id: str
    category: Category
    description: str
    check: Rule


RULES: dict[str, RuleInfo] = {}


def rule(rule_id: str, category: Category, description: str) -> Callable[[Rule], Rule]:
    def register(check: Rule) -> Rule:
        RULES[rule_id] = RuleInfo(rule_id, category, description, check)
        return check
    return register


# -- helpers -------------------------------------------------------------------------------

def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _ns(obj: dict[str, Any]) -> str:
    return _meta(obj).get("namespace", "")


def _owned(pod: dict[str, Any]) -> bool:
    return bool(_meta(pod).get("ownerReferences"))


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec") or {}
    return spec if obj["kind"] == "Pod" else ((spec.get("template") or {}).get("spec") or {})


def _template_patch(obj: dict[str, Any], pod_spec: dict[str, Any]) -> dict[str, Any]:
    """A strategic-merge patch setting `pod_spec` fields in a pod or a workload's template."""
    return {"spec": pod_spec} if obj["kind"] == "Pod" else {"spec": {"template": {"spec": pod_spec}}}


def workloads(snap: Snapshot) -> Iterator[dict[str, Any]]:
    """Objects that own a pod spec a person writes: workload controllers and bare pods (pods
    made by a controller are fixed through their controller)."""
    for kind in WORKLOAD_KINDS:
        yield from snap.of(kind)
    yield from (p for p in snap.of("Pod") if not _owned(p))


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return list(_pod_spec(obj).get("containers") or [])


def _matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """matchLabels/matchExpressions (or a plain map, for Services) against labels."""
    if not selector:
        return False
    plain = selector.get("matchLabels", selector if "matchExpressions" not in selector else {})
    if any(labels.get(k) != v for k, v in (plain or {}).items() if isinstance(v, str)):
        return False
    for expr in selector.get("matchExpressions") or []:
        value, values, op = labels.get(expr.get("key", "")), expr.get("values") or [], expr.get("operator")
        if (op == "In" and value not in values) or (op == "NotIn" and value in values) \
                or (op == "Exists" and value is None) or (op == "DoesNotExist" and value is not None):
            return False
    return True


def _template_labels(obj: dict[str, Any]) -> dict[str, str]:
    if obj["kind"] == "Pod":
        return _meta(obj).get("labels") or {}
    return ((obj.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def _events(snap: Snapshot, obj: dict[str, Any], reason: str) -> list[dict[str, Any]]:
    meta = _meta(obj)
    found = [e for e in snap.of("Event") if e.get("reason") == reason
             and (e.get("involvedObject") or {}).get("name") == meta.get("name")
             and (e.get("involvedObject") or {}).get("namespace", "") == meta.get("namespace", "")
             and (e.get("involvedObject") or {}).get("kind") == obj["kind"]]
    return sorted(found, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "")


# -- health --------------------------------------------------------------------------------

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
        scheduled = _condition(pod, "PodScheduled") or {}
        if scheduled.get("status") == "True":
            continue
        events = _events(snap, pod, "FailedScheduling")
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
            patch = _template_patch(pod, {"tolerations": [
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
        if not _matches({"matchLabels": selector}, _meta(node).get("labels") or {}):
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
        events = _events(snap, pod, "Unhealthy")
        if events:
            yield Finding("probe-failing", Category.HEALTH, Severity.MEDIUM, snap.name(pod),
                          f"probe failing: {events[-1].get('message', '')}",
                          {"events": str(sum(int(e.get("count") or 1) for e in events))},
                          "Check the probe's path, port and timing against what the container serves.")


@rule("service-no-endpoints", Category.HEALTH, "Services whose selector matches no ready pod")
def services_without_endpoints(snap: Snapshot) -> Iterator[Finding]:
    endpoints = {(_ns(e), _meta(e).get("name")): e for e in snap.of("Endpoints")}
    for svc in snap.of("Service"):
        selector = (svc.get("spec") or {}).get("selector")
        if not selector:
            continue
        matching = [p for p in snap.of("Pod") if _ns(p) == _ns(svc) and _matches(selector, _meta(p).get("labels") or {})]
        ep = endpoints.get((_ns(svc), _meta(svc).get("name")))
        if ep is None:  # no endpoints controller wrote one (yet): judge by the pods it would list
            if any((_condition(p, "Ready") or {}).get("status") == "True" for p in matching):
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
            events = _events(snap, pvc, "ProvisioningFailed") or _events(snap, pvc, "FailedBinding")
            why = events[-1].get("message", "") if events else "no volume bound yet"
            yield Finding("pvc-pending", Category.HEALTH, Severity.HIGH, snap.name(pvc), f"claim is Pending: {why}",
                          {"storage_class": str((pvc.get("spec") or {}).get("storageClassName", ""))},
                          "Check the StorageClass exists and can provision, or create a matching PersistentVolume.")


@rule("deployment-not-progressing", Category.HEALTH, "Deployments that stopped progressing or lack replicas")
def stuck_deployments(snap: Snapshot) -> Iterator[Finding]:
    for dep in snap.of("Deployment"):
        status = dep.get("status") or {}
        progressing = _condition(dep, "Progressing") or {}
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


# -- configuration -------------------------------------------------------------------------

def _default_resources(requests: dict[str, Any]) -> dict[str, str]:
    """Limits derived from requests (twice them), or small defaults when none are set."""
    cpu = quantity(requests.get("cpu")) * 2 or Decimal("0.5")
    memory = quantity(requests.get("memory")) * 2 or Decimal(256 * 2**20)
    return {"cpu": f"{int(cpu * 1000)}m", "memory": f"{int(memory // 2**20)}Mi"}


@rule("missing-resources", Category.CONFIGURATION, "containers without CPU/memory requests or limits")
def missing_resources(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        for c in _containers(obj):
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
                              _template_patch(obj, {"containers": [{"name": c["name"], "resources": fix}]}))


@rule("image-tag", Category.CONFIGURATION, "images tagged `latest` or not tagged")
def image_tags(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        for c in _containers(obj):
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
        for c in _containers(obj):
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
        labels = _template_labels(dep)
        if any(_ns(p) == _ns(dep) and _matches((p.get("spec") or {}).get("selector"), labels)
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


# -- security ------------------------------------------------------------------------------

def _security_contexts(obj: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    pod_sc = _pod_spec(obj).get("securityContext") or {}
    for c in _containers(obj) + list(_pod_spec(obj).get("initContainers") or []):
        yield c, c.get("securityContext") or {}, pod_sc


@rule("privileged", Category.SECURITY, "privileged containers, root users and added capabilities")
def privileges(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        for c, sc, pod_sc in _security_contexts(obj):
            name = c["name"]
            if sc.get("privileged"):
                yield Finding("privileged", Category.SECURITY, Severity.CRITICAL, snap.name(obj),
                              f"container {name} is privileged (all host devices and capabilities)",
                              {"container": name}, "Drop privileged; add only the capabilities it needs.",
                              _template_patch(obj, {"containers": [{"name": name, "securityContext": {"privileged": False}}]}))
            user = sc.get("runAsUser", pod_sc.get("runAsUser"))
            if user == 0:
                yield Finding("run-as-root", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"container {name} runs as root (runAsUser 0)", {"container": name, "run_as_user": "0"},
                              "Run as a non-root user (runAsNonRoot: true, a runAsUser above 0).")
            added = ((sc.get("capabilities") or {}).get("add")) or []
            if added:
                dangerous = sorted(set(added) & DANGEROUS_CAPABILITIES)
                yield Finding("capabilities-added", Category.SECURITY, Severity.HIGH if dangerous else Severity.MEDIUM,
                              snap.name(obj), f"container {name} adds capabilities {', '.join(added)}",
                              {"container": name, "added": ",".join(added)},
                              "Drop capabilities the process does not need (start from drop: [ALL]).")


@rule("host-access", Category.SECURITY, "hostPath volumes, hostNetwork, hostPID and hostIPC")
def host_access(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        spec = _pod_spec(obj)
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(flag):
                yield Finding("host-access", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"pod shares the node's {flag.removeprefix('host')} namespace", {"container": flag},
                              f"Remove {flag} unless the workload is a node agent.",
                              _template_patch(obj, {flag: False}))
        for vol in spec.get("volumes") or []:
            if "hostPath" in vol:
                yield Finding("host-access", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"volume {vol['name']} mounts host path {vol['hostPath'].get('path')}",
                              {"container": f"volume:{vol['name']}", "path": str(vol["hostPath"].get("path"))},
                              "Use an emptyDir, a ConfigMap or a PersistentVolumeClaim instead of a host path.")


def _secret_values(snap: Snapshot) -> dict[tuple[str, bytes], tuple[str, str]]:
    """(namespace, value) -> (secret, key) of every Secret value in the snapshot."""
    out = {}
    for secret in snap.of("Secret"):
        for key, encoded in ((secret.get("data") or {}).items()):
            try:
                value = base64.b64decode(encoded or "", validate=True)
            except (binascii.Error, ValueError):
                continue
            if len(value) >= 6:  # short values ("true", "80") match by chance
                out[(_ns(secret), value)] = (_meta(secret).get("name", ""), key)
    return out


@rule("secret-in-env", Category.SECURITY, "Secret values written as plain env values")
def secrets_in_env(snap: Snapshot) -> Iterator[Finding]:
    values = _secret_values(snap)
    for obj in workloads(snap):
        for c in _containers(obj):
            for env in c.get("env") or []:
                found = values.get((_ns(obj), str(env.get("value", "")).encode()))
                if "value" not in env or found is None:
                    continue
                secret, key = found
                yield Finding("secret-in-env", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"env {env['name']} of container {c['name']} holds the value of Secret {secret} "
                              f"key {key} in plain text (visible to anyone who can read the object)",
                              {"container": c["name"], "env": env["name"], "secret": secret, "key": key},
                              f"Reference the Secret instead: valueFrom.secretKeyRef {secret}/{key}.",
                              _template_patch(obj, {"containers": [{"name": c["name"], "env": [
                                  {"name": env["name"], "value": None,
                                   "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}]}]}))


def _bindings(snap: Snapshot) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(namespace, service account) -> (binding kind, role kind, role name)."""
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for binding in snap.of("RoleBinding") + snap.of("ClusterRoleBinding"):
        ref = binding.get("roleRef") or {}
        for subject in binding.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount":
                ns = subject.get("namespace") or _ns(binding)
                out[(ns, subject.get("name", ""))].append((binding["kind"], ref.get("kind", ""), ref.get("name", "")))
    return out


@rule("wildcard-rbac", Category.SECURITY, "service accounts bound to roles with `*` verbs, resources or groups")
def wildcard_rbac(snap: Snapshot) -> Iterator[Finding]:
    roles = {("Role", _ns(r), _meta(r).get("name")): r for r in snap.of("Role")}
    roles.update({("ClusterRole", "", _meta(r).get("name")): r for r in snap.of("ClusterRole")})
    for (ns, account), bound in sorted(_bindings(snap).items()):
        if ns == "kube-system":
            continue
        for _, role_kind, role_name in bound:
            role = roles.get((role_kind, ns if role_kind == "Role" else "", role_name)) or {}
            wild = [r for r in role.get("rules") or []
                    if "*" in (r.get("verbs") or []) + (r.get("resources") or []) + (r.get("apiGroups") or [])]
            if wild:
                sa = {"kind": "ServiceAccount", "metadata": {"name": account, "namespace": ns}}
                yield Finding("wildcard-rbac", Category.SECURITY, Severity.HIGH, snap.name(sa),
                              f"service account {ns}/{account} is bound to {role_kind} {role_name}, which grants `*`",
                              {"container": f"{role_kind}/{role_name}", "role": role_name},
                              "Grant the verbs and resources it uses, by name (least privilege).")


@rule("automount-token", Category.SECURITY, "pods mounting an API token they have no RBAC for")
def automounted_tokens(snap: Snapshot) -> Iterator[Finding]:
    bound = _bindings(snap)
    accounts = {(_ns(a), _meta(a).get("name")): a for a in snap.of("ServiceAccount")}
    for obj in workloads(snap):
        spec = _pod_spec(obj)
        account = spec.get("serviceAccountName") or "default"
        sa = accounts.get((_ns(obj), account)) or {}
        mounts = spec.get("automountServiceAccountToken", sa.get("automountServiceAccountToken", True))
        if mounts is not False and not bound.get((_ns(obj), account)) and _ns(obj) != "kube-system":
            yield Finding("automount-token", Category.SECURITY, Severity.LOW, snap.name(obj),
                          f"pods mount a token of service account {account}, which no RBAC binding uses",
                          {"service_account": account},
                          "Set automountServiceAccountToken: false (nothing in the pod talks to the API).",
                          _template_patch(obj, {"automountServiceAccountToken": False}))


# -- resources and cost --------------------------------------------------------------------

def _pod_usage(snap: Snapshot, obj: dict[str, Any]) -> list[dict[str, dict[str, Decimal]]]:
    """Usage of the running pods of a workload (or of the bare pod itself)."""
    assert snap.usage is not None
    if obj["kind"] == "Pod":
        pods = [obj]
    else:
        selector = (obj.get("spec") or {}).get("selector")
        pods = [p for p in snap.of("Pod") if _ns(p) == _ns(obj) and _matches(selector, _meta(p).get("labels") or {})]
    return [u for p in pods if (u := snap.usage.get(f"{_ns(p)}/{_meta(p).get('name')}"))]


@rule("request-usage", Category.RESOURCES, "requests far above or below observed usage")
def requests_vs_usage(snap: Snapshot) -> Iterator[Finding]:
    if snap.usage is None:
        return
    for obj in workloads(snap):
        samples = _pod_usage(snap, obj)
        if not samples:
            continue
        for c in _containers(obj):
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
                                  _template_patch(obj, {"containers": [{"name": c["name"],
                                                                        "resources": {"requests": {res: text}}}]}))


def _show(value: Decimal, resource: str) -> str:
    return f"{round(value * 1000)}m" if resource == "cpu" else f"{round(value / 2**20)}Mi"


def _requested(pods: list[dict[str, Any]]) -> tuple[float, float]:
    cpu = memory = Decimal(0)
    for pod in pods:
        for c in _containers(pod):
            requests = (c.get("resources") or {}).get("requests") or {}
            cpu += quantity(requests.get("cpu"))
            memory += quantity(requests.get("memory"))
    return float(cpu), float(memory) / 2**30


@rule("node-overcommit", Category.RESOURCES, "nodes whose pods' limits exceed what they can allocate")
def overcommitted_nodes(snap: Snapshot) -> Iterator[Finding]:
    for node in snap.of("Node"):
        name = _meta(node).get("name")
        pods = [p for p in snap.of("Pod") if (p.get("spec") or {}).get("nodeName") == name]
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        for res in ("cpu", "memory"):
            limits = sum((quantity(((c.get("resources") or {}).get("limits") or {}).get(res))
                          for p in pods for c in _containers(p)), Decimal(0))
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
            by_ns[_ns(pod)].append(pod)
    for namespace in snap.of("Namespace"):
        ns = _meta(namespace).get("name", "")
        pods = by_ns.get(ns, [])
        cpu, memory = _requested(pods)
        cost = snap.prices.monthly(cpu, memory)
        evidence = {"requested_cpu": f"{cpu:g}", "requested_memory_gib": f"{memory:.2f}", "monthly_cost": f"{cost:.2f}"}
        if not pods and ns not in ("default", "kube-public", "kube-node-lease", "kube-system"):
            if any(_ns(o) == ns for kind in WORKLOAD_KINDS for o in snap.of(kind)):
                continue  # workloads scaled to zero are a choice, not idleness
            yield Finding("idle-namespace", Category.COST, Severity.LOW, snap.name(namespace),
                          "namespace runs no pods", evidence,
                          "Delete the namespace if nothing uses it (its quotas and secrets go with it).")
            continue
        if snap.usage is None or not pods or not cost:
            continue
        used_cpu = float(sum((u[res] for p in pods for u in (snap.usage.get(f"{ns}/{_meta(p)['name']}") or {}).values()
                              for res in ("cpu",)), Decimal(0)))
        used_memory = float(sum((u["memory"] for p in pods
                                 for u in (snap.usage.get(f"{ns}/{_meta(p)['name']}") or {}).values()), Decimal(0))) / 2**30
        idle = round(cost - snap.prices.monthly(min(used_cpu, cpu), min(used_memory, memory)), 2)
        evidence.update(used_cpu=f"{used_cpu:.3f}", used_memory_gib=f"{used_memory:.2f}", monthly_idle_cost=f"{idle:.2f}")
        if idle > cost / 2:
            yield Finding("namespace-cost", Category.COST, Severity.INFO, snap.name(namespace),
                          f"requests cost {cost:.2f}/month; {idle:.2f} of it pays for capacity no pod uses",
                          evidence, "Right-size the requests the resources findings name.")


@rule("node-cost", Category.COST, "priced nodes whose pods request little of them")
def node_costs(snap: Snapshot) -> Iterator[Finding]:
    for node in snap.of("Node"):
        kind = (_meta(node).get("labels") or {}).get("node.kubernetes.io/instance-type", "")
        if kind not in snap.prices.nodes:
            continue
        name = _meta(node).get("name")
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


# -- scoring -------------------------------------------------------------------------------

def run(snap: Snapshot, categories: Iterable[Category] = tuple(Category)) -> list[Finding]:
    """Every rule of `categories` over `snap`, most severe first."""
    wanted = set(categories)
    found: dict[str, Finding] = {}
    for info in RULES.values():
        if info.category in wanted:
            for f in info.check(snap):
                found.setdefault(f.key, f)
    return sorted(found.values(), key=lambda f: (-f.severity, f.category, f.resource, f.rule))


def scores(findings: Iterable[Finding], categories: Iterable[Category]) -> dict[Category, int]:
    """0..100 per category: each finding lowers its category's score by its severity's impact."""
    out = {c: 100 for c in categories}
    for f in findings:
        if f.category in out:
            out[f.category] = max(0, out[f.category] - IMPACT[f.severity])
    return out

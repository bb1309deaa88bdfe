"""Minimal but real controllers: Deployment -> ReplicaSet -> Pods, StatefulSet -> Pods, a
scheduler (nodeSelector, required node affinity, NoSchedule taints), a kubelet stand-in that
starts pods, ResourceQuota usage, and metrics.k8s.io figures.

`reconcile()` runs after every write (coalesced on the event loop) and only writes on change,
so it converges instead of looping.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
import zlib
from decimal import Decimal

from kubernetes.utils import parse_quantity

from kubesim import admission
from kubesim.cluster import Cluster, now_iso, random_suffix
from kubesim.errors import ApiError
from kubesim.registry import ResourceType

CRASHLOOP_ANNOTATION = "kubesim.dev/crashloop"


def _owner_ref(obj: dict) -> dict:
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _owned_by(obj: dict, owner: dict) -> bool:
    return any(r.get("uid") == owner["metadata"]["uid"] for r in obj["metadata"].get("ownerReferences") or [])


def template_hash(template: dict) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
    return "".join(c for c in digest if c in "bcdf0123456789")[:10]


class Controllers:
    def __init__(self, cluster: Cluster) -> None:
        self.c = cluster
        self.pods = cluster.kind_type("Pod")
        self.nodes = cluster.kind_type("Node")
        self.rs = cluster.kind_type("ReplicaSet", "apps")

    def _set(self, rt: ResourceType, obj: dict, new: dict) -> None:
        """Write `new` only if it differs from the stored `obj`."""
        if new != obj:
            self.c.save(rt, new)

    def reconcile(self) -> None:
        for _ in range(5):  # a few passes so a Deployment reaches Running pods in one call
            before = self.c.store.rv
            self._deployments()
            self._replicasets()
            self._statefulsets()
            self._schedule()
            self._kubelet()
            self._workload_status()
            self._quotas()
            if self.c.store.rv == before:
                break

    # -- workloads -------------------------------------------------------------------------
    def _deployments(self) -> None:
        deploy_rt = self.c.kind_type("Deployment", "apps")
        for d in list(self.c.store.iter(deploy_rt.key)):
            ns = d["metadata"]["namespace"]
            tmpl = d["spec"]["template"]
            h = template_hash(tmpl)
            owned = [rs for rs in self.c.store.iter(self.rs.key, ns) if _owned_by(rs, d)]
            current = next((rs for rs in owned if rs["metadata"].get("labels", {}).get("pod-template-hash") == h), None)
            revision = max((int(rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "0"))
                            for rs in owned), default=0)
            if current is None:
                labels = dict(tmpl.get("metadata", {}).get("labels") or {}, **{"pod-template-hash": h})
                new_tmpl = copy.deepcopy(tmpl)
                new_tmpl.setdefault("metadata", {})["labels"] = labels
                selector = copy.deepcopy(d["spec"]["selector"])
                selector.setdefault("matchLabels", {})["pod-template-hash"] = h
                self.c.put_object({
                    "apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "metadata": {"name": f"{d['metadata']['name']}-{h}", "namespace": ns, "labels": labels,
                                 "annotations": {"deployment.kubernetes.io/revision": str(revision + 1),
                                                 "deployment.kubernetes.io/desired-replicas": str(d["spec"]["replicas"])},
                                 "ownerReferences": [_owner_ref(d)]},
                    "spec": {"replicas": d["spec"]["replicas"], "selector": selector, "template": new_tmpl},
                }, "apps")
                continue
            for rs in owned:
                want = d["spec"]["replicas"] if rs is current else 0
                if rs["spec"]["replicas"] != want:
                    new = copy.deepcopy(rs)
                    new["spec"]["replicas"] = want
                    new["metadata"]["generation"] = rs["metadata"].get("generation", 1) + 1
                    self.c.save(self.rs, new)

    def _replicasets(self) -> None:
        for rs in list(self.c.store.iter(self.rs.key)):
            ns = rs["metadata"]["namespace"]
            pods = [p for p in self.c.store.iter(self.pods.key, ns) if _owned_by(p, rs)]
            want = rs["spec"].get("replicas", 1)
            for _ in range(want - len(pods)):
                if not self._new_pod(rs, f"{rs['metadata']['name']}-{random_suffix()}"):
                    break
            for p in sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)[:max(0, len(pods) - want)]:
                self.c.delete(self.pods, ns, p["metadata"]["name"])

    def _statefulsets(self) -> None:
        sts_rt = self.c.kind_type("StatefulSet", "apps")
        for sts in list(self.c.store.iter(sts_rt.key)):
            ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
            want = sts["spec"].get("replicas", 1)
            for i in range(want):
                if self.c.store.peek(self.pods.key, ns, f"{name}-{i}") is None and not self._new_pod(
                        sts, f"{name}-{i}", {"statefulset.kubernetes.io/pod-name": f"{name}-{i}"}):
                    break
            for p in list(self.c.store.iter(self.pods.key, ns)):
                pname = p["metadata"]["name"]
                if _owned_by(p, sts) and pname.rsplit("-", 1)[-1].isdigit() and int(pname.rsplit("-", 1)[-1]) >= want:
                    self.c.delete(self.pods, ns, pname)

    def _new_pod(self, owner: dict, name: str, extra_labels: dict | None = None) -> bool:
        """Create a pod through admission (quota, limit ranges) like a controller's API call;
        a refusal becomes a FailedCreate event on the owner."""
        tmpl = owner["spec"]["template"]
        meta = copy.deepcopy(tmpl.get("metadata") or {})
        ns = owner["metadata"]["namespace"]
        meta.update(name=name, namespace=ns, ownerReferences=[_owner_ref(owner)])
        meta["labels"] = dict(meta.get("labels") or {}, **(extra_labels or {}))
        try:
            self.c.create(self.pods, ns, {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
                                          "spec": copy.deepcopy(tmpl.get("spec") or {})}, "v1")
        except ApiError as e:
            self.c.record_event(owner, "Warning", "FailedCreate", f"Error creating: {e.message}",
                                f"{owner['kind'].lower()}-controller")
            return False
        return True

    def _workload_status(self) -> None:
        pods_by_owner: dict[str, list[dict]] = {}
        for p in self.c.store.iter(self.pods.key):
            for ref in p["metadata"].get("ownerReferences") or []:
                pods_by_owner.setdefault(ref["uid"], []).append(p)

        def counts(uid: str) -> tuple[int, int]:
            pods = pods_by_owner.get(uid, [])
            return len(pods), sum(1 for p in pods if _is_ready(p))

        for rs in list(self.c.store.iter(self.rs.key)):
            total, ready = counts(rs["metadata"]["uid"])
            new = copy.deepcopy(rs)
            new["status"] = {"replicas": total, "fullyLabeledReplicas": total, "readyReplicas": ready,
                             "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)}
            self._set(self.rs, rs, new)
        sts_rt = self.c.kind_type("StatefulSet", "apps")
        for sts in list(self.c.store.iter(sts_rt.key)):
            total, ready = counts(sts["metadata"]["uid"])
            new = copy.deepcopy(sts)
            new["status"] = {"replicas": total, "readyReplicas": ready, "availableReplicas": ready,
                             "currentReplicas": total, "updatedReplicas": total,
                             "observedGeneration": sts["metadata"].get("generation", 1)}
            self._set(sts_rt, sts, new)
        deploy_rt = self.c.kind_type("Deployment", "apps")
        for d in list(self.c.store.iter(deploy_rt.key)):
            h = template_hash(d["spec"]["template"])
            total = ready = updated = 0
            for rs in self.c.store.iter(self.rs.key, d["metadata"]["namespace"]):
                if _owned_by(rs, d):
                    t, r = counts(rs["metadata"]["uid"])
                    total, ready = total + t, ready + r
                    if rs["metadata"].get("labels", {}).get("pod-template-hash") == h:
                        updated = t
            want = d["spec"]["replicas"]
            available = ready >= want
            old_conds = {c["type"]: c for c in d.get("status", {}).get("conditions") or []}
            conds = [
                _condition(old_conds, "Available", available,
                           "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                           "Deployment has minimum availability." if available
                           else "Deployment does not have minimum availability."),
                _condition(old_conds, "Progressing", True,
                           "NewReplicaSetAvailable" if updated == want == ready else "ReplicaSetUpdated",
                           f'ReplicaSet "{d["metadata"]["name"]}-{h}" has successfully progressed.'
                           if updated == want == ready else
                           f'ReplicaSet "{d["metadata"]["name"]}-{h}" is progressing.'),
            ]
            status = {"observedGeneration": d["metadata"].get("generation", 1), "replicas": total,
                      "updatedReplicas": updated, "readyReplicas": ready, "availableReplicas": ready,
                      "conditions": conds}
            if total - ready:
                status["unavailableReplicas"] = total - ready
            new = copy.deepcopy(d)
            new["status"] = {k: v for k, v in status.items() if v or k in ("observedGeneration", "conditions")}
            self._set(deploy_rt, d, new)

    # -- scheduling ------------------------------------------------------------------------
    def _schedule(self) -> None:
        nodes = list(self.c.store.iter(self.nodes.key))
        for pod in list(self.c.store.iter(self.pods.key)):
            if pod["spec"].get("nodeName") or pod["status"].get("phase") != "Pending":
                continue
            fits, reasons = [], {}
            for node in nodes:
                why = unschedulable_reason(pod, node)
                if why:
                    reasons[why] = reasons.get(why, 0) + 1
                else:
                    fits.append(node)
            new = copy.deepcopy(pod)
            conds = {c["type"]: c for c in pod["status"].get("conditions") or []}
            if fits:
                load = {n["metadata"]["name"]: 0 for n in fits}
                for p in self.c.store.iter(self.pods.key):
                    if p["spec"].get("nodeName") in load:
                        load[p["spec"]["nodeName"]] += 1
                new["spec"]["nodeName"] = min(load, key=lambda n: (load[n], n))
                new["status"]["conditions"] = [_condition(conds, "PodScheduled", True)]
            else:
                detail = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
                msg = f"0/{len(nodes)} nodes are available: {detail}." if nodes else "no nodes available to schedule pods"
                cond = _condition(conds, "PodScheduled", False, "Unschedulable", msg)
                new["status"]["conditions"] = [cond]
            self._set(self.pods, pod, new)

    # -- kubelet ---------------------------------------------------------------------------
    def _kubelet(self) -> None:
        for pod in list(self.c.store.iter(self.pods.key)):
            node = pod["spec"].get("nodeName")
            if not node or pod["status"].get("phase") != "Pending":
                continue
            new = copy.deepcopy(pod)
            crash = pod["metadata"].get("annotations", {}).get(CRASHLOOP_ANNOTATION) == "true"
            start = now_iso()
            ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
            statuses = []
            for c in pod["spec"]["containers"]:
                key = (ns, name, c["name"])
                cs = {"name": c["name"], "image": c["image"], "ready": not crash, "started": not crash,
                      "imageID": f"{image_repository(c['image'])}@sha256:"
                                 f"{hashlib.sha256(c['image'].encode()).hexdigest()}",
                      "containerID": f"containerd://{hashlib.sha256((name + c['name']).encode()).hexdigest()}",
                      "restartCount": 0, "lastState": {}}
                if crash:
                    self.c.logs.restart(key, c["image"], ["panic: failed to connect to database: connection refused",
                                                          "goroutine 1 [running]:", "main.main()"])
                    cs["restartCount"] = 5
                    cs["state"] = {"waiting": {"reason": "CrashLoopBackOff",
                                               "message": f"back-off 5m0s restarting failed container={c['name']} pod={name}"}}
                    cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": start,
                                                      "finishedAt": start, "containerID": cs["containerID"]}}
                else:
                    self.c.logs.ensure(key, c["image"])
                    cs["state"] = {"running": {"startedAt": start}}
                statuses.append(cs)
            ready = not crash
            conds = {c["type"]: c for c in pod["status"].get("conditions") or []}
            node_obj = self.c.store.peek(self.nodes.key, "", node) or {}
            host_ip = next((a["address"] for a in node_obj.get("status", {}).get("addresses") or []
                            if a["type"] == "InternalIP"), "10.0.0.1")
            n = zlib.crc32(f"{ns}/{name}".encode())
            new["status"].update(
                phase="Running", hostIP=host_ip, hostIPs=[{"ip": host_ip}], startTime=start,
                podIP=f"10.244.{n % 200}.{n // 200 % 250 + 2}", containerStatuses=statuses,
                conditions=[_condition(conds, "PodScheduled", True), _condition(conds, "Initialized", True),
                            _condition(conds, "ContainersReady", ready, "" if ready else "ContainersNotReady"),
                            _condition(conds, "Ready", ready, "" if ready else "ContainersNotReady")])
            new["status"]["podIPs"] = [{"ip": new["status"]["podIP"]}]
            self._set(self.pods, pod, new)

    def running_containers(self) -> list[tuple[str, str, str]]:
        """Containers the log ticker should write to."""
        out = []
        for pod in self.c.store.iter(self.pods.key):
            for cs in pod["status"].get("containerStatuses") or []:
                if "running" in cs.get("state", {}):
                    out.append((pod["metadata"]["namespace"], pod["metadata"]["name"], cs["name"]))
        return out

    # -- quota -----------------------------------------------------------------------------
    def _quotas(self) -> None:
        quota_rt = self.c.kind_type("ResourceQuota")
        for q in list(self.c.store.iter(quota_rt.key)):
            ns = q["metadata"]["namespace"]
            new = copy.deepcopy(q)
            new["status"] = admission.quota_status(q["spec"].get("hard") or {}, admission.namespace_usage(self.c, ns))
            self._set(quota_rt, q, new)

    # -- metrics ---------------------------------------------------------------------------
    def node_metrics(self) -> list[dict]:
        out = []
        t = time.time()
        for node in self.c.store.iter(self.nodes.key):
            name = node["metadata"]["name"]
            alloc = node.get("status", {}).get("allocatable") or {}
            phase = zlib.crc32(name.encode()) % 100
            frac = 0.25 + 0.15 * math.sin(t / 30 + phase)
            cpu = parse_quantity(alloc.get("cpu", "4")) * Decimal(str(frac))
            mem = parse_quantity(alloc.get("memory", "8Gi")) * Decimal(str(frac + 0.2))
            out.append({"kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                        "metadata": {"name": name, "labels": node["metadata"].get("labels", {}),
                                     "creationTimestamp": now_iso()},
                        "timestamp": now_iso(), "window": "20.05s",
                        "usage": {"cpu": f"{int(cpu * 10**9)}n", "memory": f"{int(mem / 1024)}Ki"}})
        return out

    def pod_metrics(self, namespace: str | None) -> list[dict]:
        out = []
        t = time.time()
        for pod in self.c.store.iter(self.pods.key, namespace):
            if pod["status"].get("phase") != "Running":
                continue
            meta = pod["metadata"]
            containers = []
            for c in pod["spec"]["containers"]:
                seed = zlib.crc32(f"{meta['name']}/{c['name']}".encode())
                wave = 1 + 0.3 * math.sin(t / 20 + seed % 100)
                containers.append({"name": c["name"], "usage": {
                    "cpu": f"{int((seed % 50 + 2) * 10**6 * wave)}n",
                    "memory": f"{int((seed % 200 + 20) * 1024 * wave)}Ki"}})
            out.append({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                        "metadata": {"name": meta["name"], "namespace": meta["namespace"],
                                     "labels": meta.get("labels", {}), "creationTimestamp": now_iso()},
                        "timestamp": now_iso(), "window": "18.5s", "containers": containers})
        return out


def image_repository(image: str) -> str:
    """Fully qualified repository of an image reference, as container runtimes report it."""
    repo = image.split("@")[0]
    if ":" in repo.rsplit("/", 1)[-1]:
        repo = repo.rsplit(":", 1)[0]
    first = repo.split("/")[0]
    if "/" not in repo:
        return f"docker.io/library/{repo}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{repo}"
    return repo


def _condition(old: dict[str, dict], ctype: str, ok: bool, reason: str = "", message: str = "") -> dict:
    status = "True" if ok else "False"
    prev = old.get(ctype)
    cond = {"type": ctype, "status": status,
            "lastTransitionTime": prev["lastTransitionTime"] if prev and prev["status"] == status else now_iso()}
    if ctype in ("Available", "Progressing"):
        cond["lastUpdateTime"] = prev.get("lastUpdateTime", cond["lastTransitionTime"]) if prev and \
            prev.get("reason") == reason else cond["lastTransitionTime"]
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def _is_ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or [])


# -- scheduling predicates --------------------------------------------------------------------

def _match_node_expr(expr: dict, labels: dict[str, str]) -> bool:
    key, op, values = expr["key"], expr["operator"], expr.get("values") or []
    value = labels.get(key)
    match op:
        case "In":
            return value in values
        case "NotIn":
            return value not in values
        case "Exists":
            return key in labels
        case "DoesNotExist":
            return key not in labels
        case "Gt" | "Lt":
            try:
                a, b = int(value or ""), int(values[0])
            except (ValueError, IndexError):
                return False
            return a > b if op == "Gt" else a < b
    return False


def unschedulable_reason(pod: dict, node: dict) -> str:
    """The scheduler's per-node failure text, or "" when the pod fits."""
    spec = pod["spec"]
    labels = node["metadata"].get("labels") or {}
    if node.get("spec", {}).get("unschedulable"):
        return "node(s) were unschedulable"
    for taint in node.get("spec", {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not _tolerated(taint, spec.get("tolerations") or []):
            value = f": {taint['value']}" if taint.get("value") else ""
            return f"node(s) had untolerated taint {{{taint['key']}{value}}}"
    if not all(labels.get(k) == v for k, v in (spec.get("nodeSelector") or {}).items()):
        return "node(s) didn't match Pod's node affinity/selector"
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    if terms and not any(all(_match_node_expr(e, labels) for e in t.get("matchExpressions") or [])
                         and all(_match_field_expr(e, node) for e in t.get("matchFields") or [])
                         for t in terms):
        return "node(s) didn't match Pod's node affinity/selector"
    return ""


def _match_field_expr(expr: dict, node: dict) -> bool:
    return _match_node_expr(expr, {"metadata.name": node["metadata"]["name"]})


def _tolerated(taint: dict, tolerations: list[dict]) -> bool:
    for t in tolerations:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t["key"] == taint["key"]:
                return True
        elif t.get("key") == taint["key"] and t.get("value", "") == taint.get("value", ""):
            return True
    return False

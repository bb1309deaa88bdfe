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

from kubesim import admission, disruption, scheduler
from kubesim.cluster import Cluster, now_iso, random_suffix
from kubesim.errors import ApiError
from kubesim.registry import COMPUTED_GROUPS, ResourceType

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
        self.rc = cluster.kind_type("ReplicationController")
        self.namespaces = cluster.kind_type("Namespace")
        self._noexecute_since: dict[str, float] = {}  # pod uid -> when a tolerated NoExecute taint was seen
        self.wake_in: float | None = None  # seconds until timed work (evictions, grace periods) is due

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
            self.wake_in = _earliest(self._taint_eviction(), self._terminations())
            self._kubelet()
            self._workload_status()
            self._quotas()
            self._disruption_budgets()
            self._service_accounts()
            self._api_services()
            if self.c.store.rv == before:
                break

    # -- workloads -------------------------------------------------------------------------
    def _deployments(self) -> None:
        deploy_rt = self.c.kind_type("Deployment", "apps")
        for d in list(self.c.store.iter(deploy_rt.key)):
            if d["metadata"].get("deletionTimestamp"):
                continue  # being deleted: no new children
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
        """ReplicaSets and ReplicationControllers (the same controller; an RC's selector is a plain map)."""
        for rs in list(self.c.store.iter(self.rs.key)) + list(self.c.store.iter(self.rc.key)):
            if rs["metadata"].get("deletionTimestamp"):
                continue  # being deleted: no new children
            ns = rs["metadata"]["namespace"]
            pods = [p for p in self.c.store.iter(self.pods.key, ns)
                    if _owned_by(p, rs) and not p["metadata"].get("deletionTimestamp")]
            want = rs["spec"].get("replicas", 1)
            for _ in range(want - len(pods)):
                if not self._new_pod(rs, f"{rs['metadata']['name']}-{random_suffix()}"):
                    break
            for p in sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)[:max(0, len(pods) - want)]:
                self.c.delete(self.pods, ns, p["metadata"]["name"])

    def _statefulsets(self) -> None:
        sts_rt = self.c.kind_type("StatefulSet", "apps")
        for sts in list(self.c.store.iter(sts_rt.key)):
            if sts["metadata"].get("deletionTimestamp"):
                continue  # being deleted: no new children
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
            if p["metadata"].get("deletionTimestamp"):
                continue  # terminating pods no longer count as replicas
            for ref in p["metadata"].get("ownerReferences") or []:
                pods_by_owner.setdefault(ref["uid"], []).append(p)

        def counts(uid: str) -> tuple[int, int]:
            pods = pods_by_owner.get(uid, [])
            return len(pods), sum(1 for p in pods if _is_ready(p))

        for rt in (self.rs, self.rc):
            for rs in list(self.c.store.iter(rt.key)):
                total, ready = counts(rs["metadata"]["uid"])
                new = copy.deepcopy(rs)
                new["status"] = {"replicas": total, "fullyLabeledReplicas": total, "readyReplicas": ready,
                                 "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)}
                self._set(rt, rs, new)
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

    # -- deletion --------------------------------------------------------------------------
    def _terminations(self) -> float | None:
        """Garbage collector, kubelet and namespace controller for objects being deleted: dependents
        of a foreground deletion go first, pods leave once their containers stopped, a namespace
        once it is empty. Returns the seconds until a pod's grace period ends."""
        wake: float | None = None
        for key, ns, name in list(self.c.terminating):
            rt = self.c.registry.types.get(key)
            obj = self.c.store.peek(key, ns, name) if rt else None
            if rt is None or obj is None:
                self.c.terminating.pop((key, ns, name), None)
                continue
            finalizers = obj["metadata"].get("finalizers") or []
            if "foregroundDeletion" in finalizers:
                if self._delete_dependents(obj):
                    continue
                obj = copy.deepcopy(obj)
                obj["metadata"]["finalizers"] = finalizers = [f for f in finalizers if f != "foregroundDeletion"]
                self.c.save(rt, obj)
            if rt.key == self.namespaces.key:
                self._empty_namespace(obj)
                continue
            left = self.c.terminating[(key, ns, name)] - time.monotonic()
            if left > 0:
                wake = _earliest(wake, left)
            elif not finalizers:
                self.c.finish(rt, obj)
        return wake

    def _delete_dependents(self, owner: dict) -> bool:
        """Delete (in the foreground too) what the owner owns; True while some remain."""
        deps = self.c.dependents(owner["metadata"]["uid"])
        for rt, child in deps:
            if not child["metadata"].get("deletionTimestamp"):
                self.c.delete(rt, child["metadata"].get("namespace", ""), child["metadata"]["name"],
                              propagation="Foreground")
        return bool(deps)

    def _empty_namespace(self, ns_obj: dict) -> None:
        """The namespace controller: delete everything inside, report what is left, then finalize."""
        name = ns_obj["metadata"]["name"]
        left: dict[str, int] = {}
        held: dict[str, int] = {}
        for rt in list(self.c.registry.types.values()):
            if not rt.namespaced or rt.group in COMPUTED_GROUPS:
                continue
            for obj in list(self.c.store.iter(rt.key, name)):
                if not obj["metadata"].get("deletionTimestamp"):
                    self.c.delete(rt, name, obj["metadata"]["name"])
                if self.c.store.peek(rt.key, name, obj["metadata"]["name"]) is not None:
                    resource = f"{rt.plural}.{rt.group}" if rt.group else rt.plural
                    left[resource] = left.get(resource, 0) + 1
                    for f in obj["metadata"].get("finalizers") or []:
                        held[f] = held.get(f, 0) + 1
        if not left:
            self.c.finish(self.namespaces, ns_obj)
            return
        new = copy.deepcopy(ns_obj)
        old = {c["type"]: c for c in (ns_obj.get("status") or {}).get("conditions") or []}
        conds = [_condition(old, "NamespaceContentRemaining", True, "SomeResourcesRemain", "Some resources are "
                            "remaining: " + ", ".join(f"{r} has {n} resource instances" for r, n in sorted(left.items())))]
        if held:
            conds.append(_condition(old, "NamespaceFinalizersRemaining", True, "SomeFinalizersRemain",
                                    "Some content in the namespace has finalizers remaining: " + ", ".join(
                                        f"{f} in {n} resource instances" for f, n in sorted(held.items()))))
        new["status"] = {"phase": "Terminating", "conditions": conds}
        self._set(self.namespaces, ns_obj, new)

    # -- scheduling ------------------------------------------------------------------------
    def _schedule(self) -> None:
        """kube-scheduler: one pending pod at a time (oldest first), each seeing the ones placed before."""
        nodes = list(self.c.store.iter(self.nodes.key))
        by_name = {n["metadata"]["name"]: n for n in nodes}
        pods = list(self.c.store.iter(self.pods.key))
        assigned = [(p, by_name[p["spec"]["nodeName"]]) for p in pods
                    if p["spec"].get("nodeName") in by_name and p["status"].get("phase") not in ("Succeeded", "Failed")]
        pending = [p for p in pods if not p["spec"].get("nodeName") and p["status"].get("phase") == "Pending"
                   and not p["metadata"].get("deletionTimestamp")]
        # oldest first; a pod that failed before was written since, so it queues behind fresh ones
        for pod in sorted(pending, key=lambda p: (p["metadata"]["creationTimestamp"],
                                                  int(p["metadata"]["resourceVersion"]))):
            placement = scheduler.schedule(pod, nodes, assigned)
            new = copy.deepcopy(pod)
            conds = {c["type"]: c for c in pod["status"].get("conditions") or []}
            ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
            if placement.node:
                new["spec"]["nodeName"] = placement.node
                new["status"]["conditions"] = [_condition(conds, "PodScheduled", True)]
                assigned.append((new, by_name[placement.node]))
                self._set(self.pods, pod, new)
                self.c.record_event(new, "Normal", "Scheduled",
                                    f"Successfully assigned {ns}/{name} to {placement.node}", "default-scheduler")
            else:
                new["status"]["conditions"] = [_condition(conds, "PodScheduled", False, "Unschedulable",
                                                          placement.message)]
                self._set(self.pods, pod, new)
                self.c.record_event(new, "Warning", "FailedScheduling", placement.message, "default-scheduler")

    def _taint_eviction(self) -> float | None:
        """The taint manager: running pods on a node with a NoExecute taint they do not tolerate
        are deleted, those tolerating it for tolerationSeconds once that time has passed.
        Returns the seconds until the next such eviction is due."""
        nodes = {n["metadata"]["name"]: n for n in self.c.store.iter(self.nodes.key)}
        now = time.monotonic()
        wake: float | None = None
        seen = {}
        for pod in list(self.c.store.iter(self.pods.key)):
            node = nodes.get(pod["spec"].get("nodeName", ""))
            if node is None or pod["metadata"].get("deletionTimestamp"):
                continue
            grace = scheduler.noexecute_grace(pod, node)
            if grace is None:
                continue
            uid = pod["metadata"]["uid"]
            seen[uid] = since = self._noexecute_since.get(uid, now)
            left = since + grace - now
            if left > 0:
                wake = left if wake is None else min(wake, left)
                continue
            ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
            self.c.record_event(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {ns}/{name}",
                                "taint-eviction-controller")
            self.c.delete(self.pods, ns, name)
        self._noexecute_since = seen
        return wake

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

    def _service_accounts(self) -> None:
        """The service-account controller: every active namespace has a `default` ServiceAccount."""
        sa_rt = self.c.kind_type("ServiceAccount")
        for ns in list(self.c.store.iter(self.namespaces.key)):
            name = ns["metadata"]["name"]
            if not ns["metadata"].get("deletionTimestamp") and self.c.store.peek(sa_rt.key, name, "default") is None:
                self.c.put_object({"apiVersion": "v1", "kind": "ServiceAccount",
                                   "metadata": {"name": "default", "namespace": name}})

    def _api_services(self) -> None:
        """kube-aggregator's autoregistration: a Local APIService per served group-version (CRDs too);
        registered ones pointing at a service are left alone."""
        rt = self.c.kind_type("APIService", "apiregistration.k8s.io")
        wanted = {}
        for group, versions in self.c.registry.group_versions().items():
            for i, version in enumerate(versions):
                wanted[f"{version}.{group}"] = (group, version, len(versions) - i)  # core: "v1."
        for obj in list(self.c.store.iter(rt.key)):
            if obj["metadata"]["name"] not in wanted and not obj["spec"].get("service") and \
                    obj["metadata"].get("labels", {}).get("kube-aggregator.kubernetes.io/automanaged"):
                self.c.delete(rt, "", obj["metadata"]["name"])
        for name, (group, version, priority) in sorted(wanted.items()):
            if self.c.store.peek(rt.key, "", name) is None:
                self.c.put_object({
                    "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                    "metadata": {"name": name, "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"}},
                    "spec": {"group": group, "version": version, "groupPriorityMinimum": 1000 if group else 18000,
                             "versionPriority": priority * 5},
                    "status": {"conditions": [{"type": "Available", "status": "True", "reason": "Local",
                                               "message": "Local APIServices are always available",
                                               "lastTransitionTime": now_iso()}]}}, "apiregistration.k8s.io")

    def _disruption_budgets(self) -> None:
        pdb_rt = self.c.kind_type("PodDisruptionBudget", "policy")
        for pdb in list(self.c.store.iter(pdb_rt.key)):
            pods = list(self.c.store.iter(self.pods.key, pdb["metadata"]["namespace"]))
            new = copy.deepcopy(pdb)
            new["status"] = disruption.budget_status(pdb, pods)
            self._set(pdb_rt, pdb, new)

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


def _earliest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


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

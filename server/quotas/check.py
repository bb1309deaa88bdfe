"""Advice before an apply: what the objects of a manifest would charge against the namespace's
ResourceQuotas (the quota evaluators' accounting: requests default to limits, `cpu` means
`requests.cpu`, object counts and `count/<resource>`), compared with what is used now, and which
LimitRange bounds their pods (or pod templates) would break. Nothing is applied or committed.

A workload charges its replicas times its pod; one that exists already charges only the
difference with its live replicas and pod, as its rollout would once finished (the surge of a
rolling update is not counted)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server import context
from server.clusters.inventory import list_all
from server.kube import ClusterConnection, quantity
from server.names import parse_namespace_parent
from server.quotas import rules
from server.quotas.objects import QuotaObjects
from server.security import Permission, authorize
from server.versions.manifests import Target, bind, read_manifest

_REPLICAS = {"Deployment": "replicas", "ReplicaSet": "replicas", "StatefulSet": "replicas",
             "ReplicationController": "replicas", "Job": "parallelism"}
_COUNTED_KINDS = {("", "services"): "services", ("", "configmaps"): "configmaps", ("", "secrets"): "secrets",
                  ("", "persistentvolumeclaims"): "persistentvolumeclaims",
                  ("", "replicationcontrollers"): "replicationcontrollers", ("", "resourcequotas"): "resourcequotas"}


@dataclass
class Breach:
    resource: str
    limited_by: str
    resource_name: str
    requested: str = ""
    used: str = ""
    hard: str = ""
    excess: str = ""
    message: str = ""


def pod_charge(template: dict[str, Any]) -> dict[str, Decimal]:
    """What one pod charges: `pods`, requests.* (and the bare names) and limits.*."""
    charge: dict[str, Decimal] = {"pods": Decimal(1), "count/pods": Decimal(1)}
    for c in (template.get("spec") or {}).get("containers") or []:
        res = c.get("resources") or {}
        limits = {k: quantity.value_of(v) for k, v in (res.get("limits") or {}).items()}
        requests = {**limits, **{k: quantity.value_of(v) for k, v in (res.get("requests") or {}).items()}}
        for name, amount in requests.items():
            for key in (f"requests.{name}", name):
                charge[key] = charge.get(key, Decimal(0)) + amount
        for name, amount in limits.items():
            charge[f"limits.{name}"] = charge.get(f"limits.{name}", Decimal(0)) + amount
    return charge


def _scaled(charge: dict[str, Decimal], times: Decimal) -> dict[str, Decimal]:
    return {k: v * times for k, v in charge.items()}


def object_charge(rt_plural: str, group: str, obj: dict[str, Any]) -> dict[str, Decimal]:
    """What one object (not a pod) charges: its count, and storage for a claim."""
    charge = {f"count/{rt_plural}{'.' + group if group else ''}": Decimal(1)}
    counted = _COUNTED_KINDS.get((group, rt_plural))
    if counted:
        charge[counted] = Decimal(1)
    spec = obj.get("spec") or {}
    if rt_plural == "services" and spec.get("type") in ("NodePort", "LoadBalancer"):
        charge["services.nodeports"] = Decimal(1)
        if spec.get("type") == "LoadBalancer":
            charge["services.loadbalancers"] = Decimal(1)
    if rt_plural == "persistentvolumeclaims":
        charge["requests.storage"] = quantity.value_of(((spec.get("resources") or {}).get("requests") or {})
                                                       .get("storage"))
    return charge


def _total(obj: dict[str, Any] | None, t: Target) -> dict[str, Decimal]:
    """What `obj` (the manifest's or the live version of `t`) charges, its pods included."""
    if obj is None:
        return {}
    kind = obj.get("kind") or t.rt.kind
    charge = object_charge(t.rt.plural, t.rt.group, obj)
    if kind == "Pod":
        charge.update(pod_charge(obj))
    elif kind in _REPLICAS:
        replicas = Decimal(int((obj.get("spec") or {}).get(_REPLICAS[kind], 1) or 0))
        for k, v in _scaled(pod_charge((obj.get("spec") or {}).get("template") or {}), replicas).items():
            charge[k] = charge.get(k, Decimal(0)) + v
    return charge


class ManifestCheck:
    def __init__(self, objects: QuotaObjects) -> None:
        self.objects = objects

    async def check(self, parent: str, manifest: str) -> list[Breach]:
        cluster, namespace = parse_namespace_parent(parent, "parent")
        docs = await read_manifest(manifest)
        conn = await self.objects.pool.get(cluster)
        targets = await bind(conn, cluster, docs, namespace)
        breaches: list[Breach] = []
        by_namespace: dict[str, list[tuple[Target, dict[str, Decimal]]]] = {}
        caller = context.current().caller
        for t in targets:
            if not t.name.namespace:
                continue
            authorize(caller, Permission.RESOURCES_READ, cluster, t.name.namespace)  # documents name their own
            live = await self.objects.writer.live(conn, t.rt, t.name)
            new, old = _total(t.doc.obj, t), _total(live, t)
            delta = {k: v - old.get(k, Decimal(0)) for k, v in new.items()}
            by_namespace.setdefault(t.name.namespace, []).append((t, delta))
        for ns, charged in by_namespace.items():
            breaches += await self._quotas(conn, cluster, ns, charged)
            breaches += await self._limits(conn, cluster, ns, [t for t, _ in charged])
        return breaches

    async def _quotas(self, conn: ClusterConnection, cluster: str, namespace: str,
                      charged: list[tuple[Target, dict[str, Decimal]]]) -> list[Breach]:
        out = []
        for q in await list_all(conn, await conn.resolve("resourcequotas"), namespace):
            status = q.get("status") or {}
            hard, used = status.get("hard") or (q.get("spec") or {}).get("hard") or {}, status.get("used") or {}
            quota = f"clusters/{cluster}/namespaces/{namespace}/resourcequotas/{q['metadata']['name']}"
            running: dict[str, Decimal] = {}
            for t, delta in charged:
                for resource, text in hard.items():
                    amount = delta.get(resource, Decimal(0))
                    if amount <= 0:
                        continue
                    binary = quantity.is_binary(str(text))
                    before = quantity.value_of(used.get(resource)) + running.get(resource, Decimal(0))
                    running[resource] = running.get(resource, Decimal(0)) + amount
                    limit = quantity.value_of(text)
                    if before + amount <= limit:
                        continue
                    fmt = lambda v: quantity.format_quantity(v, binary)  # noqa: E731
                    out.append(Breach(
                        str(t.name), quota, resource, fmt(amount), fmt(before), str(text), fmt(before + amount - limit),
                        f"exceeded quota: {q['metadata']['name']}, requested: {resource}={fmt(amount)}, "
                        f"used: {resource}={fmt(before)}, limited: {resource}={text}"))
        return out

    async def _limits(self, conn: ClusterConnection, cluster: str, namespace: str, targets: list[Target]
                      ) -> list[Breach]:
        out = []
        for lr in await list_all(conn, await conn.resolve("limitranges"), namespace):
            items = rules.limit_items(lr.get("spec") or {})
            name = f"clusters/{cluster}/namespaces/{namespace}/limitranges/{lr['metadata']['name']}"
            for t in targets:
                kind = t.doc.obj.get("kind")
                template = t.doc.obj if kind == "Pod" else ((t.doc.obj.get("spec") or {}).get("template")
                                                            if kind in _REPLICAS or kind == "DaemonSet" else None)
                if template is None:
                    continue
                out += [Breach(r.resource, name, r.resource_name, message=r.message)
                        for r in rules.refusals(items, str(t.name), template)]
        return out



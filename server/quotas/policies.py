"""Quota alert policies: one YAML document per namespace under `kubecommit/quota-policies/`,
every change a commit by its caller. They feed the job system's `quota` alert rule: the samplers
(server/jobs/work.py) evaluate each namespace's quotas against its policy's thresholds, and the
alerts they raise are delivered through the notification channels like every other alert."""

from __future__ import annotations

from dataclasses import replace

from gitstore import Change, Store
from server import context
from server.errors import InvalidArgument, NotFound
from server.alerts.config import AlertRule
from server.names import check_dns_label
from server.quotas.model import AlertPolicy, Threshold
from server.quotas.rules import check_hard
from server.storage import Storage

ROOT = "kubecommit/quota-policies"
SUFFIX = "quotaAlertPolicy"
WRITABLE = ("enabled", "warning_percent", "critical_percent", "overrides", "notification_targets")


def parse_name(name: str) -> tuple[str, str]:
    parts = (name or "").split("/")
    if len(parts) != 5 or parts[0] != "clusters" or parts[2] != "namespaces" or parts[4] != SUFFIX:
        raise InvalidArgument.field("name", f"{name!r}: expected clusters/{{cluster}}/namespaces/{{namespace}}/{SUFFIX}")
    return check_dns_label(parts[1], "name", "cluster"), check_dns_label(parts[3], "name", "namespace")


def path(cluster: str, namespace: str) -> str:
    return f"{ROOT}/{cluster}/{namespace}.yaml"


def _check(p: AlertPolicy) -> None:
    pairs = [("quota_alert_policy", p.warning, p.critical)]
    pairs += [(f"quota_alert_policy.overrides[{i}]", o.warning, o.critical) for i, o in enumerate(p.overrides)]
    for field, warning, critical in pairs:
        if not 0 < warning <= critical <= 1000:
            raise InvalidArgument.field(f"{field}.warning_percent",
                                        f"warning {warning:g} and critical {critical:g}: need 0 < warning <= critical")
    for i, o in enumerate(p.overrides):
        check_hard({o.resource: "0"}, f"quota_alert_policy.overrides[{i}].resource")


def read(store: Store, cluster: str, namespace: str) -> AlertPolicy:
    """The stored policy of a namespace, or the defaults (80 % / 95 %) when never set."""
    name = f"clusters/{cluster}/namespaces/{namespace}/{SUFFIX}"
    doc = store.read_if_exists(path(cluster, namespace))
    if doc is None:
        return AlertPolicy(name)
    spec = doc.data.get("spec") or {}
    versions, _ = store.list_versions(path(cluster, namespace), page_size=1)
    last = versions[0] if versions else None
    return AlertPolicy(name, bool(spec.get("enabled", True)), float(spec.get("warningPercent", 80)),
                       float(spec.get("criticalPercent", 95)),
                       [Threshold(o["resource"], float(o["warningPercent"]), float(o["criticalPercent"]))
                        for o in spec.get("overrides") or []],
                       list(spec.get("notificationTargets") or []), doc.etag,
                       last.time if last else None, last.author.name if last else "")


class Policies:
    def __init__(self, storage: Storage) -> None:
        self.storage, self.store = storage, storage.sync

    async def get(self, name: str) -> AlertPolicy:
        cluster, namespace = parse_name(name)
        return await self.storage.run(read, self.store, cluster, namespace)

    async def for_namespaces(self, scopes: set[tuple[str, str]]) -> dict[tuple[str, str], AlertPolicy]:
        """The policy of each (cluster, namespace), in one pass over the store: those never set
        are the defaults, without a lookup each."""
        def read_all() -> dict[tuple[str, str], AlertPolicy]:
            stored = set(self.store.list_paths(ROOT)) if scopes else set()
            return {(c, n): read(self.store, c, n) if path(c, n) in stored
                    else AlertPolicy(f"clusters/{c}/namespaces/{n}/{SUFFIX}") for c, n in scopes}
        return await self.storage.run(read_all)

    async def effective(self, cluster: str, namespace: str, rule: AlertRule) -> AlertPolicy:
        """What the samplers evaluate a namespace's quotas against: its policy when one was set,
        else the job system's `quota` rule thresholds (80 % / 95 % unless an admin changed it)."""
        def pick() -> AlertPolicy:
            if self.store.read_if_exists(path(cluster, namespace)) is None:
                return AlertPolicy(f"clusters/{cluster}/namespaces/{namespace}/{SUFFIX}", True,
                                   rule.warning_percent, rule.critical_percent)
            return read(self.store, cluster, namespace)
        return await self.storage.run(pick)

    async def update(self, values: AlertPolicy, mask: list[str]) -> AlertPolicy:
        cluster, namespace = parse_name(values.name)
        current = await self.get(values.name)
        attrs = {"enabled": "enabled", "warning_percent": "warning", "critical_percent": "critical",
                 "overrides": "overrides", "notification_targets": "targets"}
        for field in mask or WRITABLE:
            if field not in attrs:
                raise InvalidArgument.field("update_mask", f"{field!r} is not a writable field ({', '.join(WRITABLE)})")
            current = replace(current, **{attrs[field]: getattr(values, attrs[field])})
        _check(current)
        doc = {"apiVersion": "kubecommit.io/v1", "kind": "QuotaAlertPolicy",
               "metadata": {"name": SUFFIX, "cluster": cluster, "namespace": namespace},
               "spec": {"enabled": current.enabled, "warningPercent": current.warning,
                        "criticalPercent": current.critical,
                        "overrides": [{"resource": o.resource, "warningPercent": o.warning,
                                       "criticalPercent": o.critical} for o in current.overrides],
                        "notificationTargets": list(current.targets)}}
        where = path(cluster, namespace)
        expected = {where: values.etag} if values.etag else None
        if values.etag and not current.etag:
            raise NotFound(f"{values.name} was never set: send no etag", "NOT_FOUND")
        await self.storage.run(
            self.store.commit, [Change.put(where, doc)], author=context.commit_author(),
            message=f"Update {values.name}", operation="apply", request_id=context.commit_request_id(),
            expected=expected)
        return await self.get(values.name)

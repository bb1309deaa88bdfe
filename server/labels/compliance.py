"""Compliance with label policies: checking live objects (audit), fixing them as one batch, and
the admission check the versions write path runs before it applies a manifest (enforce)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from server.errors import FailedPrecondition, FieldViolation, InvalidArgument
from server.kube import ApiResource, ClusterPool
from server.kube.cache import WatchCache
from server.labels.domain import Labels, namespace_labels
from server.labels.model import BatchResult, Found, Patch, Scope
from server.labels.policies import Enforcement, Policy, PolicyStore, Violation, check, covers, policy_id
from server.names import ResourceName

DEFAULT_MAX_VIOLATIONS = 1000


@dataclass
class PolicyCompliance:
    policy: str
    checked: int = 0
    compliant: int = 0
    violations: int = 0


@dataclass
class Report:
    violations: list[Violation]
    checked: int
    compliant: int
    policies: list[PolicyCompliance]
    truncated: bool
    unreachable: dict[str, str] = field(default_factory=dict)
    # The objects checked, with their resource types (what a fix writes back).
    objects: dict[str, tuple[Found, ApiResource]] = field(default_factory=dict)


def _merge(patches: list[Patch]) -> Patch:
    sets: dict[str, str] = {}
    removes: list[str] = []
    for p in patches:
        sets.update(p.set_labels)
        removes += [k for k in p.remove_labels if k not in removes]
    return Patch(set_labels=sets, remove_labels=tuple(removes))


class Compliance:
    def __init__(self, labels: Labels, policies: PolicyStore) -> None:
        self.labels = labels
        self.policies = policies

    async def _chosen(self, names: tuple[str, ...]) -> list[Policy]:
        every = await self.policies.list()
        if not names:
            return [p for p in every if p.enforcement is not Enforcement.DISABLED]
        by_id = {p.id: p for p in every}
        chosen = []
        for i, name in enumerate(names):
            ident = policy_id(name, f"policies[{i}]")
            if ident not in by_id:
                raise InvalidArgument.field(f"policies[{i}]", f"{name} does not exist", "UNKNOWN_POLICY")
            chosen.append(by_id[ident])
        return chosen

    async def check(self, scope: Scope, policy_names: tuple[str, ...], max_violations: int = 0) -> Report:
        if max_violations < 0:
            raise InvalidArgument.field("max_violations", "must not be negative")
        policies = await self._chosen(policy_names)
        report = Report([], 0, 0, [PolicyCompliance(p.name) for p in policies], False)
        if not policies:
            return report
        kinds = () if any(not p.kinds for p in policies) else tuple(k for p in policies for k in p.kinds)
        found, report.unreachable = await self.labels.find(Scope(scope.parent, scope.resource_types,
                                                                 scope.namespaces, scope.clusters, kinds))
        selectors = any(p.namespace_selector for p in policies)
        namespaces: dict[str, dict[str, dict[str, str]]] = {}
        for item, rt in found:
            name = item.name
            if selectors and name.cluster not in namespaces:
                namespaces[name.cluster] = await self.labels.namespace_labels(name.cluster)
            ns_labels = namespaces.get(name.cluster, {}).get(name.namespace)
            covered = False
            broken = False
            for policy, tally in zip(policies, report.policies):
                if not covers(policy, name, item.kind, ns_labels):
                    continue
                covered = True
                tally.checked += 1
                found_violations = check(policy, str(name), item.labels)
                tally.violations += len(found_violations)
                tally.compliant += not found_violations
                broken |= bool(found_violations)
                report.violations += found_violations
            if covered:
                report.checked += 1
                report.compliant += not broken
                report.objects[str(name)] = (item, rt)
        limit = max_violations or DEFAULT_MAX_VIOLATIONS
        report.truncated = len(report.violations) > limit
        del report.violations[limit:]
        return report

    async def fix(self, scope: Scope, policy_names: tuple[str, ...], *, validate_only: bool, message: str,
                  max_resources: int, branch: str) -> BatchResult:
        """Every fixable violation's patch, merged per object, written as one batch."""
        report = await self.check(scope, policy_names, max_violations=10**9)
        by_resource: dict[str, list[Patch]] = {}
        for v in report.violations:
            if v.fix is not None:
                by_resource.setdefault(v.resource, []).append(v.fix)
        targets = [(*report.objects[name], _merge(patches)) for name, patches in sorted(by_resource.items())]
        chosen = ", ".join(policy_names) or "every policy"
        return await self.labels.run(targets, validate_only=validate_only, max_resources=max_resources,
                                     branch=branch, unreachable=report.unreachable,
                                     message=message or f"Fix label compliance ({chosen}): {len(targets)} resources")


class Enforcer:
    """The admission check of the versions write path: refuses documents that break an
    ENFORCE policy, naming the policy, the key and the document."""

    def __init__(self, policies: PolicyStore, pool: ClusterPool, cache: WatchCache) -> None:
        self.policies = policies
        self.pool = pool
        self.cache = cache

    async def __call__(self, cluster: str, documents: list[tuple[str, ResourceName, Mapping[str, Any]]]) -> None:
        """`documents`: (the request field each came from, e.g. `manifest[0]`, resource, object)."""
        enforcing = [p for p in await self.policies.list() if p.enforcement is Enforcement.ENFORCE]
        if not enforcing:
            return
        namespaces = await namespace_labels(self.pool, self.cache, cluster) if any(p.namespace_selector for p in enforcing) \
            else {}
        for source, name, obj in documents:
            labels = dict((obj.get("metadata") or {}).get("labels") or {})
            for policy in enforcing:
                if not covers(policy, name, str(obj.get("kind", "")), namespaces.get(name.namespace)):
                    continue
                broken = check(policy, str(name), labels)
                if broken:
                    v = broken[0]
                    where = f"{source}.metadata.labels[{v.key}]"
                    raise FailedPrecondition(
                        f"{source} {name}: {v.message} (policy {policy.name} is enforced)",
                        "LABEL_POLICY_VIOLATION", [FieldViolation(where, v.message)],
                        metadata={"policy": policy.name, "key": v.key, "resource": str(name),
                                  "rule": v.reason.value})

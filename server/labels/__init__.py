"""LabelsService's domain (docs/labels.md): labels of live objects changed through the versions
domain's write path, selections, key inventory, label policies in git, compliance and history."""

from __future__ import annotations

from dataclasses import dataclass

from server.kube import ClusterPool
from server.kube.cache import WatchCache
from server.labels.compliance import Compliance, Enforcer
from server.labels.domain import Labels
from server.labels.policies import PolicyStore
from server.registry import ClusterRegistry
from server.storage import Storage
from server.versions import Versions


@dataclass(frozen=True)
class LabelsDomain:
    """Built once by the composition root (server/runtime.py)."""

    labels: Labels
    policies: PolicyStore
    compliance: Compliance

    @staticmethod
    def admission(storage: Storage, pool: ClusterPool, cache: WatchCache) -> Enforcer:
        """The check the versions write path runs before every apply: enforcing label policies."""
        return Enforcer(PolicyStore(storage), pool, cache)

    @classmethod
    def create(cls, storage: Storage, pool: ClusterPool, registry: ClusterRegistry, versions: Versions,
               cache: WatchCache) -> LabelsDomain:
        async def cluster_ids() -> list[str]:
            return [r.id for r in await registry.list()]
        policies = PolicyStore(storage)
        labels = Labels(pool, versions.writer.apply_manifest, storage, cluster_ids, versions.history.create_branch,
                        versions.history.list_versions, cache)
        return cls(labels, policies, Compliance(labels, policies))


__all__ = ["Labels", "LabelsDomain"]

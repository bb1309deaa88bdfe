"""Cluster inventory: registrations kept in git, credentials encrypted beside the store,
volatile state (reachability, last sync) in a small local database."""

from __future__ import annotations

from dataclasses import dataclass

from server.clusters.health import HealthChecks
from server.clusters.metrics import Metrics
from server.clusters.operations import Operations
from server.clusters.resources import Resources
from server.clusters.sync import Syncer
from server.kube import ClusterPool
from server.registry import ClusterRegistry
from server.storage import Storage


@dataclass(frozen=True)
class Clusters:
    """The clusters domain, built once by the composition root (server/runtime.py)."""

    operations: Operations
    health: HealthChecks
    metrics: Metrics
    resources: Resources
    sync: Syncer

    @classmethod
    def create(cls, storage: Storage, registry: ClusterRegistry, pool: ClusterPool) -> Clusters:
        operations = Operations(registry, pool)
        return cls(operations=operations, health=HealthChecks(registry, pool, operations),
                   metrics=Metrics(pool, operations), resources=Resources(registry, pool, operations),
                   sync=Syncer(storage, registry, pool, operations))

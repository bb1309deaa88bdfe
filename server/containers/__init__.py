"""Containers: logs (list, follow, export), exec (one-shot and interactive) with a versioned
policy and recorded sessions, and files in and out of containers; see docs/containers.md."""

from __future__ import annotations

from dataclasses import dataclass

from server import context
from server.containers.exec import Executor
from server.containers.files import Files
from server.containers.inventory import ContainerInfo, list_containers
from server.containers.logs.queries import Query
from server.containers.logs.reads import EntryPage, list_entries
from server.containers.policy import Policies
from server.containers.records import Records
from server.admin.sessions import LiveSessions
from server.kube import ClusterConnection, ClusterPool
from server.names import parse_namespace_parent
from server.registry import ClusterRegistry
from server.storage import Storage


@dataclass
class Containers:
    pool: ClusterPool
    records: Records
    policies: Policies
    executor: Executor
    files: Files

    @classmethod
    def create(cls, storage: Storage, registry: ClusterRegistry, pool: ClusterPool, records: Records,
               sessions: LiveSessions) -> "Containers":
        """Wired by the composition root (server/runtime.py), which opens and closes `records`."""
        policies = Policies(storage, registry)
        executor = Executor(pool, policies, records, sessions)
        return cls(pool, records, policies, executor, Files(executor))

    async def connect(self, query: Query) -> ClusterConnection:
        """The connection a log query reads through; the query's namespace (and pod) is the call's target."""
        conn = await self.pool.get(query.cluster)
        pod = f"/pods/{query.pod}" if query.pod else ""
        context.current().targets.append(f"clusters/{query.cluster}/namespaces/{query.namespace}{pod}")
        return conn

    async def list_log_entries(self, query: Query, page_size: int, page_token: str) -> EntryPage:
        return await list_entries(await self.connect(query), query, page_size, page_token)

    async def list_containers(self, parent: str, selector: str, pod: str, page_size: int, page_token: str
                              ) -> tuple[list[ContainerInfo], str]:
        cluster, namespace = parse_namespace_parent(parent)
        return await list_containers(await self.pool.get(cluster), namespace, selector, pod, page_size,
                                     page_token)

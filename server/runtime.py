"""The composition root: everything the services share at run time, built once at start-up:
settings, the versioned store and its key, the cluster registry and connection pool,
authentication, the audit log, and the domains wired from them (each domain gets what it uses
through its constructor and never imports this module).

The store is synchronous (dulwich and SQLite); everything reaches it through its async adapter
(server/storage.py), so the event loop never waits on disk.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from gitstore import Author, StoreKey
from server.admin.sessions import LiveSessions
from server.affinity import Affinity
from server.clusters import Clusters
from server.config import Settings
from server.containers import Containers
from server.containers import convert as containers_convert
from server.containers.records import SCHEMA as RECORDS, Records
from server.crds import Crds
from server.errors import FailedPrecondition
from server.alerts.config import ChannelSecrets
from server.alerts.mirror import MirrorAlerts
from server.jobs.operations import Operations
from server.kube import ClusterPool
from server.kube.cache import WatchCache
from server.labels import LabelsDomain
from server.mcp import Mcp
from server.mcp.scanners import Prices
from server.observability.metrics import Metrics
from server.replication.ha import CredentialRefresh, Replication
from server.replication.mirror import Mirror
from server.security.audit import AuditLog
from server.security.authn import Authenticator
from server.security.credentials import CredentialStore
from server.security.files import private_files
from server.security.jwtauth import JwtVerifier
from server.security.tokens import TokenStore
from server.registry import ClusterRegistry
from server.storage import Storage
from server.quotas.domain import Quotas
from server.versions import Versions
from server.versions.common import PathLocks
from server.versions.intents import IntentJournal

if TYPE_CHECKING:
    from server.alerts.store import Alerts
    from server.jobs.timeseries import TimeSeries

COMMITTER = Author(name="kubecommit", email="kubecommit@localhost")
ADMIN_TOKEN_FILE = "admin.token"

log = logging.getLogger("kubecommit.server")


@dataclass(frozen=True)
class Domains:
    """The domains servicers call, each wired with what it uses."""

    clusters: Clusters
    versions: Versions
    containers: Containers
    mcp: Mcp
    # CRDs: discovery, schemas, and the local validation ApplyManifest runs before the cluster.
    crds: Crds
    affinity: Affinity
    quotas: Quotas
    labels: LabelsDomain


@dataclass
class Runtime:
    settings: Settings
    key: StoreKey
    # The versioned store, reached only through its async adapter.
    store: Storage
    # Registered clusters (inventory, credentials, state).
    clusters: ClusterRegistry
    # Connections to them: `await runtime.pool.get(cluster_id)` -> ClusterConnection.
    pool: ClusterPool
    # Informers of the clusters' label-carrying kinds (server/kube/cache.py), read by the labels domain.
    cache: WatchCache
    # Bearer tokens and JWTs -> Caller (the auth interceptor; `runtime.auth.tokens` for tokens).
    auth: Authenticator
    # Append-only record of mutations, exec sessions and refusals.
    audit: AuditLog
    # Write-ahead intents of writes to clusters not committed yet (server/versions/intents.py).
    intents: IntentJournal
    # The domains, wired from the pieces above.
    domains: Domains
    # Live interactive exec sessions (ExecStream adds them; AdminService may end them).
    sessions: LiveSessions = field(default_factory=LiveSessions)
    # Per-resource write locks shared by every writer of the store (services and jobs alike).
    locks: PathLocks = field(default_factory=PathLocks)
    # Jobs, time series and alerts (server/jobs), wired last; started by the app once it serves,
    # closed first.
    operations: Operations | None = None
    # Prometheus metrics of this server (served when `metrics_listen` is set).
    metrics: Metrics = field(default_factory=Metrics)
    # Pushes every store change to `mirror_url` (started by the app once it serves).
    mirror: Mirror | None = None
    # Leader election among replicas (`lease_name`); None = this process is the only writer.
    replication: Replication | None = None
    # What services opened for themselves (their own databases), closed with the runtime.
    on_close: list[Callable[[], None]] = field(default_factory=list)
    # Starts the watch cache of the registered clusters once the server answers.
    _warming: asyncio.Task[None] | None = None

    @classmethod
    async def create(cls, settings: Settings) -> "Runtime":
        jwt = JwtVerifier.from_settings(settings)  # a bad key stops the start before anything opens
        prices = Prices(settings.scan_price_cpu_hour, settings.scan_price_gib_hour,
                        Prices.parse_nodes(settings.scan_node_prices))  # so does a bad price table
        if settings.lease_name and not settings.mirror_url:
            raise FailedPrecondition("lease_name needs mirror_url: replicas share the store through it",
                                     "MIRROR_REQUIRED")
        if settings.lease_name and not settings.database_url:
            raise FailedPrecondition("lease_name needs database_url: replicas share tokens, cluster credentials "
                                     "and write-ahead intents through it, or a new leader could not carry on",
                                     "DATABASE_REQUIRED")
        data = settings.data_dir
        private_files(data)  # every file the server makes in its data directory is 0600
        # KUBECOMMIT_STORE_KEY wins over the key file; the file is made (0600) on first start.
        key = StoreKey.from_config(data / "store.key")
        async with AsyncExitStack() as opened:  # a failed start closes what it had opened
            store = await Storage.open(data / "store", key=key, committer=COMMITTER)
            opened.push_async_callback(store.close)
            credentials = CredentialStore(data, settings.database_url)
            opened.callback(credentials.close)
            clusters = ClusterRegistry(store, key, data, credentials.clusters, settings.allow_exec_credentials,
                                       settings.database_url)
            opened.callback(clusters.close)
            pool = ClusterPool(clusters.kubeconfig, cache_dir=data / "cache",
                               timeout=settings.cluster_timeout_seconds,
                               watch_timeout=settings.cluster_watch_timeout_seconds)
            opened.callback(pool.close)
            tokens = TokenStore(data, settings.database_url)
            opened.callback(tokens.close)
            if tokens.bootstrap_admin(data / ADMIN_TOKEN_FILE):
                log.warning("first start: an admin token was written to %s, readable only by its owner",
                            data / ADMIN_TOKEN_FILE)
            auth = Authenticator(tokens, jwt)
            audit = AuditLog(data, settings.audit_max_rows, settings.audit_max_age_days * 86400,
                             settings.database_url)
            opened.callback(audit.close)
            # Shared only among replicas with a leader: the one that takes over recovers them.
            intents = IntentJournal(data, key, settings.database_url if settings.lease_name else "")
            opened.callback(intents.close)
            records = Records(data / RECORDS.file, settings.database_url,
                              legacy_session=containers_convert.legacy_session,
                              legacy_export=containers_convert.legacy_export)
            opened.pop_all()
        cache = WatchCache(pool.get, enabled=settings.watch_cache_enabled,
                           max_objects=settings.watch_cache_max_objects)
        pool.on_forget.append(cache.forget)
        pool.on_write.append(cache.written)
        locks = PathLocks()
        sessions = LiveSessions()
        crds = Crds(clusters, pool)
        versions = Versions.create(store, pool, intents, locks, audit, data, validator=crds.check_manifest,
                                   admission=LabelsDomain.admission(store, pool, cache))

        async def cluster_ids() -> list[str]:
            return [r.id for r in await clusters.list()]

        def job_data() -> tuple[TimeSeries, Alerts] | None:
            # `runtime` is made below, its jobs last (Operations.create).
            ops = runtime.operations
            return (ops.series, ops.alerts) if ops is not None else None

        domains = Domains(clusters=Clusters.create(store, clusters, pool), versions=versions,
                          containers=Containers.create(store, clusters, pool, records, sessions), crds=crds,
                          affinity=Affinity(pool, versions.writer, cluster_ids),
                          quotas=Quotas.create(store, pool, clusters, versions.writer,
                                               settings.fanout_timeout_seconds, job_data),
                          labels=LabelsDomain.create(store, pool, clusters, versions, cache),
                          mcp=Mcp.create(pool, versions, data, prices, settings.database_url))
        runtime = cls(settings=settings, key=key, store=store, clusters=clusters, pool=pool, cache=cache,
                      auth=auth, audit=audit, intents=intents, domains=domains, locks=locks, sessions=sessions)
        runtime.on_close.append(credentials.close)
        runtime.on_close.append(records.close)
        runtime.on_close.append(domains.mcp.close)
        store.store.add_listener(runtime.metrics.count_change)
        runtime.metrics.watch_clusters(clusters.state_counts)
        runtime.metrics.watch_cache(cache.status)
        if settings.mirror_url:
            runtime.mirror = Mirror(store, settings.mirror_url, runtime.metrics,
                                    interval=settings.mirror_interval_seconds,
                                    retry_max=settings.mirror_retry_max_seconds)
        try:
            if runtime.mirror is not None and settings.lease_name:
                runtime.replication = Replication(settings, store, runtime.mirror, runtime.metrics,
                                                  fetched=CredentialRefresh(clusters.registrations, pool))
                intents.fence = runtime.replication.fence
            runtime.operations = Operations.create(
                settings, store, clusters, pool, domains.versions, domains.clusters,
                ChannelSecrets(credentials.channels, key, data), replication=runtime.replication,
                audit=audit.record, on_finished=runtime.metrics.count_job)
            if runtime.mirror is not None:
                replica = runtime.replication.elector.identity if runtime.replication is not None else "local"
                runtime.mirror.reports.append(MirrorAlerts(
                    runtime.operations.alerts, runtime.operations.config, replica).report)
        except BaseException:
            await runtime.close()
            raise
        return runtime

    def start_watch_cache(self) -> None:
        """Informers for every registered cluster, in the background (a cluster that cannot be
        reached starts when first read)."""
        if self.settings.watch_cache_enabled:
            async def warm() -> None:
                await self.cache.start_all([r.id for r in await self.clusters.list()])
            self._warming = asyncio.get_running_loop().create_task(warm(), name="watch cache start")

    async def close(self) -> None:
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
        await self.cache.close()
        if self.operations is not None:
            await self.operations.close()
            self.operations = None
        for close in reversed(self.on_close):
            close()
        self.metrics.close()
        if self.replication is not None:
            await self.replication.stop()
        elif self.mirror is not None:
            await self.mirror.stop()
        self.pool.close()
        self.clusters.close()
        self.auth.tokens.close()
        self.audit.close()
        self.intents.close()
        await self.store.close()

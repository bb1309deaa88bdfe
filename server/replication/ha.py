"""Replicas with one leader: the leader (holder of the Lease) writes to the store and pushes each
commit to the git remote before the call that made it answers; followers keep their store
fetched from the remote, serve reads from it, and forward calls that need the leader to it
(server/interceptors/forward.py; with forwarding off they answer FAILED_PRECONDITION naming the
leader's address). A replica that wins the lease first fetches the remote (every commit the old
leader acknowledged is there), recovers the write-ahead intents a dead leader left, then writes.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import socket
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Awaitable, Callable

import grpc
from kubernetes import client, config

from gitstore import redact_url as redact
from server.config import Settings
from server.errors import FailedPrecondition, InvalidArgument, Unavailable
from server.interceptors.wrapping import WrappingInterceptor
from server.observability.metrics import Metrics
from server.kube import ClusterPool
from server.replication.lease import Leader, LeaseElector, LeaseTiming
from server.replication.mirror import Mirror
from server.security.permissions import RULES, Permission
from server.storage import Storage

log = logging.getLogger("kubecommit.replication")

LEADER_HEALTH = "kubecommit.Leader"
# Told whether this replica is the leader now (health service `kubecommit.Leader`).
RoleReport = Callable[[bool], Awaitable[None]]
# Resolves the write-ahead intents a dead leader left (server/versions/recovery.py).
Recover = Callable[[], Awaitable[Any]]
# Run on a follower after each fetch of the remote (the store may have changed under it).
Fetched = Callable[[], Awaitable[None]]


class Role(enum.StrEnum):
    FOLLOWER = "follower"
    # Won the lease, fetching what the old leader pushed before writing.
    STARTING = "starting"
    LEADER = "leader"


def _lease_api(settings: Settings) -> client.CoordinationV1Api:
    """The Lease lives in the cluster named by `lease_kubeconfig`, or the pod's own cluster."""
    configuration = client.Configuration()
    try:
        if settings.lease_kubeconfig is None:
            config.load_incluster_config(client_configuration=configuration)
        else:
            config.load_kube_config(config_file=str(settings.lease_kubeconfig),
                                    client_configuration=configuration, persist_config=False)
    except (config.ConfigException, OSError) as error:
        raise InvalidArgument.field("lease_kubeconfig", f"cannot reach the Lease's cluster: {error}") from None
    configuration.retries = False
    return client.CoordinationV1Api(client.ApiClient(configuration))


class Replication:
    def __init__(self, settings: Settings, storage: Storage, mirror: Mirror, metrics: Metrics,
                 fetched: Fetched | None = None) -> None:
        self.storage = storage
        self.fetched = fetched
        self.mirror = mirror
        self.metrics = metrics
        self.url = settings.mirror_url
        self.timing = LeaseTiming(settings.lease_duration_seconds, settings.lease_renew_deadline_seconds,
                                  settings.lease_retry_period_seconds)
        try:
            self.timing.check()
        except ValueError as error:
            raise FailedPrecondition(str(error), "BAD_LEASE_TIMING") from None
        self.role = Role.FOLLOWER
        self.leader: Leader | None = None
        self.elector = LeaseElector(
            _lease_api(settings), settings.lease_namespace, settings.lease_name,
            f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}", settings.advertise_address or settings.listen,
            self.timing, self._changed)
        self._report: RoleReport | None = None
        self._recover: Recover | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._takeover: asyncio.Task[None] | None = None
        # Set by stop(): the elector keeps running until its Lease is released, and a lease it
        # won meanwhile must not start a takeover (and a mirror) that nothing would stop.
        self._stopping = False

    @property
    def is_leader(self) -> bool:
        """Whether this replica may write now (jobs and other background writers ask this)."""
        return self.role is Role.LEADER

    def start(self, report: RoleReport, recover: Recover) -> None:
        self._report = report
        self._recover = recover
        self.elector.start()
        self._tasks.append(asyncio.create_task(self._follow(), name="kubecommit-follow"))

    async def _changed(self, leading: bool, leader: Leader | None) -> None:
        self.leader = leader
        if leading and self.role is Role.FOLLOWER and not self._stopping:
            self.role = Role.STARTING
            self._takeover = asyncio.create_task(self._take_over(), name="kubecommit-takeover")
        elif not leading and self.role is not Role.FOLLOWER:
            self.role = Role.FOLLOWER
            if self._takeover is not None:
                self._takeover.cancel()
            await self.mirror.stop(flush_seconds=0)
            await self._set_leader(False)
        if leader is not None and not leading:
            log.info("following", extra={"leader": leader.identity, "leader_address": leader.address})

    async def _take_over(self) -> None:
        """Fetch until the store holds everything on the remote, record what the old leader
        wrote to clusters without committing (its intents), then write (and push)."""
        while not await self._fetch():  # not writing until the remote could be fetched
            await asyncio.sleep(self.timing.retry_period)
        if self._recover is not None:
            try:  # intents it cannot resolve (a cluster down) are kept for the next takeover
                await self._recover()
            except Exception:
                log.exception("recovering the old leader's intents failed; writing anyway")
        self.role = Role.LEADER
        self.mirror.start()
        await self._set_leader(True)
        log.warning("writing as the leader", extra={"identity": self.elector.identity})

    async def _set_leader(self, leading: bool) -> None:
        self.metrics.leader.set(1 if leading else 0)
        if self._report is not None:
            await self._report(leading)

    async def _follow(self) -> None:
        """A follower's store tracks the remote, so reads and history are at most a retry late."""
        while True:
            if self.role is Role.FOLLOWER and await self._fetch():
                await self._after_fetch()
            await asyncio.sleep(self.timing.retry_period)

    async def _fetch(self) -> bool:
        """One fetch of the remote (the mirror reports a failure in health, metrics and one
        warning per outage). Whatever fails, the loop calling it goes on: a follower or a new
        leader whose loop died on an unexpected error would serve stale reads, or never write,
        without a word."""
        try:
            return await self.mirror.fetch_once()
        except Exception:
            log.exception("fetching the remote failed", extra={"remote": redact(self.url)})
            return False

    async def _after_fetch(self) -> None:
        if self.fetched is None:
            return
        try:
            await self.fetched()
        except Exception:  # the next fetch tries again; following goes on
            log.exception("after fetching the remote")

    def leader_address(self) -> str | None:
        """Where a follower forwards calls that need the leader; None when this replica is (or is
        becoming) the leader, or no other leader is known."""
        leader = self.leader
        if self.role is Role.FOLLOWER and leader is not None and leader.identity != self.elector.identity:
            return leader.address or None
        return None

    def may_write(self) -> bool:
        """This replica leads, has caught up, and holds a fresh lease (renewed within the renew
        deadline): what every write to the store or a cluster needs."""
        return self.role is Role.LEADER and self.elector.fresh()

    def fence(self) -> None:
        """Immediately before a write to a cluster (server/versions/intents.py): refuses it, with
        nothing written, when this replica's lease is no longer fresh. A leader that could not
        renew may have been replaced already; the caller retries and reaches the leader (through
        forwarding once this replica has stepped down)."""
        if not self.may_write():
            raise Unavailable("this replica's lease is not fresh (no renewal within the renew deadline): "
                              "nothing was written; retry", "LEASE_LOST", retry_after=self.timing.retry_period)

    def check_writable(self) -> None:
        if self.role is Role.LEADER:
            self.fence()
            return
        leader = self.leader
        if self.role is Role.FOLLOWER and leader is not None and leader.identity != self.elector.identity:
            raise FailedPrecondition(
                f"this replica is a follower: send writes to the leader at {leader.address}", "NOT_LEADER",
                metadata={"leader_address": leader.address, "leader": leader.identity})
        raise Unavailable("no leader is ready to write yet; retry", "NO_LEADER",
                          retry_after=self.timing.retry_period)

    async def replicated(self, generation: int) -> None:
        """Returns once the remote holds the store's first `generation` changes."""
        if not await self.mirror.wait_pushed(generation, self.timing.duration):
            raise Unavailable("committed on the leader but not yet on the git remote: not acknowledged; "
                              "check the change before retrying", "NOT_REPLICATED",
                              retry_after=self.timing.retry_period)

    async def stop(self) -> None:
        self._stopping = True
        for task in [*self._tasks, *([self._takeover] if self._takeover else [])]:
            task.cancel()
        await asyncio.gather(*self._tasks, *([self._takeover] if self._takeover else []),
                             return_exceptions=True)
        self._tasks.clear()
        leading = self.role is Role.LEADER
        self.role = Role.FOLLOWER
        if leading:
            await self.mirror.stop()  # what is committed goes out before the lease is released
        await self.elector.stop()


class CredentialRefresh:
    """After a follower's fetch: connections to clusters whose registration changed on the leader
    (an update may have replaced the credentials, which are shared) or went away are dropped, so
    the next call loads the credentials again. A cluster connected since the last look is dropped
    once too (its connection may predate the registration seen now). A changed cluster is
    forgotten even when no connection is pooled: one being made right now, from the credentials
    read before the change, is then discarded by the pool instead of kept."""

    def __init__(self, registrations: Callable[[], Awaitable[dict[str, str]]], pool: ClusterPool) -> None:
        self.registrations = registrations
        self.pool = pool
        self.seen: dict[str, str] = {}

    async def __call__(self) -> None:
        now = await self.registrations()
        changed = {c for c in self.seen.keys() | now.keys() if self.seen.get(c) != now.get(c)}
        for cluster in changed | (set(self.pool.pooled()) - self.seen.keys()):
            self.pool.forget(cluster)
        self.seen = now


class LeaderOnlyLock:
    """Wraps the job runner's lock: with replicas, jobs (drift recording, backups, samplers...)
    run on the leader alone, each replica's own lock taken only while it leads."""

    def __init__(self, lock: Any, replication: Replication) -> None:
        self.lock = lock
        self.replication = replication

    def try_acquire(self) -> bool:
        return self.replication.may_write() and self.lock.try_acquire()

    def release(self) -> None:
        self.lock.release()


def leader_only(method: str) -> bool:
    """RPCs that change the store or shared state run on the leader: the mutating ones (audited
    by the table). Reads, those guarded by a write permission included (GetJob), and exec/file
    transfer (they change containers, not the store) run on any replica."""
    rule = RULES.get(method)
    return rule is not None and rule.permission.mutates and rule.audited \
        and rule.permission is not Permission.EXEC_RUN


class _Hooks:
    def __init__(self, replication: Replication, writes: bool) -> None:
        self.replication = replication
        self.writes = writes

    def on_request(self, message: Any) -> None:
        """Decided per call."""

    @asynccontextmanager
    async def session(self, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        if self.writes:
            self.replication.check_writable()
        if not self.writes:
            # A read commits nothing; waiting for the remote here would fail reads on a follower
            # whose own fetch changed its store while the call ran.
            yield
            return
        before = self.replication.mirror.generation
        yield
        after = self.replication.mirror.generation
        if after != before:  # this call (or one beside it) committed: answer once it is on the remote
            await self.replication.replicated(after)


class LeadershipInterceptor(WrappingInterceptor):
    """Inside authentication (only callers allowed to write learn where the leader is)."""

    def __init__(self, replication: Replication) -> None:
        self.replication = replication

    def hooks_for(self, details: grpc.HandlerCallDetails, handler: grpc.RpcMethodHandler) -> _Hooks:
        return _Hooks(self.replication, leader_only(details.method))

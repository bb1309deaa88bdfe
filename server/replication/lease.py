"""Leader election on a `coordination.k8s.io/v1` Lease, with client-go's semantics.

- lease duration: a candidate takes the lease over only when its record has not changed for this
  long, measured on the candidate's own clock from when it last saw the record change (so clock
  skew between replicas does not matter);
- renew deadline: a leader that could not renew for this long stops leading (it steps down
  before anyone may take over, since renew deadline < lease duration);
- retry period: how often candidates try and leaders renew.

Writes are compare-and-swap on the Lease's resourceVersion: two candidates cannot both win. The
leader's address travels in an annotation, so followers can tell callers where to write. On a
graceful stop the leader releases the Lease (holder cleared) and a follower takes over at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable

from kubernetes import client
from kubernetes.client.rest import ApiException

log = logging.getLogger("kubecommit.leader")

ADDRESS_ANNOTATION = "kubecommit.io/leader-address"


@dataclass(frozen=True)
class LeaseTiming:
    duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def check(self) -> None:
        if not 0 < self.retry_period < self.renew_deadline < self.duration:
            raise ValueError("lease timing needs 0 < retry period < renew deadline < lease duration")


@dataclass(frozen=True)
class Leader:
    identity: str
    address: str


# Told (is this replica the leader, the leader known now or None).
RoleChange = Callable[[bool, Leader | None], Awaitable[None]]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class LeaseElector:
    def __init__(self, api: client.CoordinationV1Api, namespace: str, name: str, identity: str,
                 address: str, timing: LeaseTiming, on_change: RoleChange) -> None:
        timing.check()
        self.api = api
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.address = address
        self.timing = timing
        self.on_change = on_change
        self.leading = False
        self.leader: Leader | None = None
        self._observed: tuple[str, Any] | None = None  # (holder, renewTime) last seen
        self._observed_at = 0.0  # monotonic time it was first seen
        self._renewed_at = 0.0
        self._task: asyncio.Task[None] | None = None
        # A thread of its own: renewals never queue behind store or cluster work, and every
        # request is bounded, so a hung connection counts as a failed renewal, not a stall.
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="kubecommit-lease")
        self._timeout = (timing.retry_period, timing.renew_deadline / 2)

    async def _call(self, fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kubecommit-leader-election")

    async def _run(self) -> None:
        reported: tuple[bool, Leader | None] | None = None
        while True:
            # A renewal counts from when it was sent, not answered: another replica cannot have
            # seen the record before then, so it waits at least the lease duration from here.
            sent = time.monotonic()
            try:
                won = await self._call(self._try_acquire_or_renew)
            except Exception as error:  # the API unreachable: as a failed renewal
                log.warning("lease %s/%s: %s", self.namespace, self.name, error)
                won = False
            if won:
                self._renewed_at = sent
            # A leader that cannot renew keeps leading until the renew deadline, then steps down.
            leading = won or self.fresh()
            if leading != self.leading:
                log.warning("leading" if leading else "stopped leading",
                            extra={"lease": f"{self.namespace}/{self.name}", "identity": self.identity})
            self.leading = leading
            if (leading, self.leader) != reported:
                reported = (leading, self.leader)
                await self.on_change(leading, self.leader)
            await asyncio.sleep(self.timing.retry_period)

    def fresh(self) -> bool:
        """Whether this replica leads and renewed the lease within the renew deadline. Asked
        immediately before each write to a cluster, not only by the election loop: the loop may be
        late (a renewal hanging up to its timeout, a busy event loop), and a leader past its renew
        deadline may already have a successor once the lease duration has passed. The margin
        between the two (lease duration - renew deadline) is what absorbs clock-rate differences
        and the time a write takes once it has passed this check."""
        return self.leading and time.monotonic() - self._renewed_at <= self.timing.renew_deadline

    def _record(self, holder: str, acquired: Any, transitions: int) -> dict[str, Any]:
        now = _now()
        return {"holderIdentity": holder, "leaseDurationSeconds": max(1, round(self.timing.duration)),
                "acquireTime": acquired or now, "renewTime": now, "leaseTransitions": transitions}

    def _try_acquire_or_renew(self) -> bool:
        """One round of client-go's tryAcquireOrRenew; True when this replica holds the lease."""
        try:
            lease = self.api.read_namespaced_lease(self.name, self.namespace, _request_timeout=self._timeout)
        except ApiException as error:
            if error.status != 404:
                raise
            body = client.V1Lease(
                metadata=client.V1ObjectMeta(name=self.name, annotations={ADDRESS_ANNOTATION: self.address}),
                spec=self._record(self.identity, None, 0))
            try:
                self.api.create_namespaced_lease(self.namespace, body, _request_timeout=self._timeout)
            except ApiException as error:
                if error.status == 409:
                    return False
                raise
            self.leader = Leader(self.identity, self.address)
            return True
        spec = lease.spec
        holder = spec.holder_identity or ""
        seen = (holder, spec.renew_time)
        if seen != self._observed:
            self._observed, self._observed_at = seen, time.monotonic()
        annotations = lease.metadata.annotations or {}
        if holder and holder != self.identity:
            self.leader = Leader(holder, annotations.get(ADDRESS_ANNOTATION, ""))
            if time.monotonic() < self._observed_at + self.timing.duration:
                return False
        ours = holder == self.identity
        lease.spec = self._record(self.identity, spec.acquire_time if ours else None,
                                  (spec.lease_transitions or 0) + (0 if ours else 1))
        lease.metadata.annotations = {**annotations, ADDRESS_ANNOTATION: self.address}
        try:  # carries the resourceVersion read above: a concurrent writer makes this a 409
            self.api.replace_namespaced_lease(self.name, self.namespace, lease, _request_timeout=self._timeout)
        except ApiException as error:
            if error.status == 409:
                return False
            raise
        self.leader = Leader(self.identity, self.address)
        return True

    async def stop(self) -> None:
        """Stops campaigning; a leader releases the lease so a follower need not wait it out."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self.leading:
            self.leading = False
            try:
                await self._call(self._release)
            except Exception as error:
                log.warning("releasing lease %s/%s failed: %s", self.namespace, self.name, error)
        self._thread.shutdown(wait=False)

    def _release(self) -> None:
        lease = self.api.read_namespaced_lease(self.name, self.namespace, _request_timeout=self._timeout)
        if lease.spec.holder_identity != self.identity:
            return
        lease.spec.holder_identity = ""
        lease.spec.lease_duration_seconds = 1
        lease.spec.renew_time = _now()
        self.api.replace_namespaced_lease(self.name, self.namespace, lease, _request_timeout=self._timeout)

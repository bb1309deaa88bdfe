"""Leader election against a real API server (kubesim over HTTP, the official client): one leader
at a time, a held lease waited out for its duration, a leader that cannot renew stepping down at
its renew deadline, and a released lease taken over at once."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from kubernetes import client, config

from kubesim import Simulator
from server.replication.lease import Leader, LeaseElector, LeaseTiming

TIMING = LeaseTiming(duration=2.0, renew_deadline=1.2, retry_period=0.2)


@pytest.fixture()
def sim() -> Iterator[Simulator]:
    simulator = Simulator(seed=False, log_interval=None).start()
    yield simulator
    simulator.stop()


def lease_api(sim: Simulator, tmp_path: Path) -> client.CoordinationV1Api:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(sim.write_kubeconfig(tmp_path / "kubeconfig")),
                            client_configuration=configuration, persist_config=False)
    configuration.retries = False
    return client.CoordinationV1Api(client.ApiClient(configuration))


class Candidate:
    def __init__(self, api: client.CoordinationV1Api, identity: str) -> None:
        self.changes: list[tuple[float, bool, Leader | None]] = []
        self.elector = LeaseElector(api, "default", "leader", identity, f"{identity}:1", TIMING, self.changed)

    async def changed(self, leading: bool, leader: Leader | None) -> None:
        self.changes.append((time.monotonic(), leading, leader))


async def until(condition, what: str, seconds: float = 10) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, what
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_one_leader_and_a_released_lease_is_taken_at_once(sim: Simulator, tmp_path: Path) -> None:
    a, b = Candidate(lease_api(sim, tmp_path), "a"), Candidate(lease_api(sim, tmp_path), "b")
    a.elector.start()
    await until(lambda: a.elector.leading, "a never led")
    b.elector.start()
    try:
        await until(lambda: b.changes and b.changes[-1][2] == Leader("a", "a:1"), "b never saw a lead")
        await asyncio.sleep(TIMING.duration * 1.5)  # a renews: b never takes over
        assert a.elector.leading and not b.elector.leading
        await a.elector.stop()  # releases the lease
        waited = await until(lambda: b.elector.leading, "b never took the released lease")
        assert waited < TIMING.duration  # no need to wait the duration out
        assert b.changes[-1][1:] == (True, Leader("b", "b:1"))
    finally:
        await a.elector.stop()
        await b.elector.stop()


async def test_a_held_lease_is_waited_out_for_its_duration(sim: Simulator, tmp_path: Path) -> None:
    api = lease_api(sim, tmp_path)
    now = datetime.now(timezone.utc)
    api.create_namespaced_lease("default", client.V1Lease(
        metadata=client.V1ObjectMeta(name="leader"),
        spec=client.V1LeaseSpec(holder_identity="ghost", lease_duration_seconds=2,
                                acquire_time=now, renew_time=now)))
    candidate = Candidate(api, "c")
    candidate.elector.start()
    try:
        waited = await until(lambda: candidate.elector.leading, "the dead holder's lease was never taken")
        assert TIMING.duration <= waited < TIMING.duration + 3 * TIMING.retry_period
        lease = api.read_namespaced_lease("leader", "default")
        assert lease.spec.holder_identity == "c" and lease.spec.lease_transitions == 1
    finally:
        await candidate.elector.stop()


async def test_a_leader_that_cannot_renew_steps_down_at_the_renew_deadline(sim: Simulator, tmp_path: Path) -> None:
    leader = Candidate(lease_api(sim, tmp_path), "l")
    leader.elector.start()
    try:
        await until(lambda: leader.elector.leading, "never led")
        sim.stop()  # the API server is gone: renewals fail
        lost = await until(lambda: not leader.elector.leading, "kept leading without renewing")
        assert TIMING.renew_deadline - TIMING.retry_period <= lost < TIMING.duration
        assert leader.changes[-1][1] is False
    finally:
        await leader.elector.stop()

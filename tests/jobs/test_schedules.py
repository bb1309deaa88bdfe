"""Schedules through the API and across restarts: scheduled backups pruned by retention (bases of
kept incrementals kept), a job missed while the server was down runs once at start, and admins
list, pause and run jobs."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import grpc
import pytest

from kubecommit.v1 import operations_pb2 as pb, operations_pb2_grpc, yaml_versions_pb2 as vpb
from tests.jobs.conftest import QUIET, operations_stub, versions_stub, wait_for
from tests.support.auth import make_token, with_token
from tests.support.clusters import register_cluster
from tests.support.status import details


def _scheduled(server) -> list[vpb.Backup]:
    backups = versions_stub(server).ListBackups(vpb.ListBackupsRequest(page_size=1000)).backups
    return [b for b in backups if b.description == "scheduled"]


def test_scheduled_backups_are_pruned_across_a_restart(server_factory, sim, tmp_path: Path) -> None:
    settings = {**QUIET, "data_dir": tmp_path, "backup_schedule": "every 1s", "backup_mode": "incremental",
                "backup_full_every": 2, "backup_keep_count": 2}
    first = server_factory(**settings)
    register_cluster(first, "bk", sim.kubeconfig_text("demo"))  # the store is not empty
    ops = operations_stub(first)
    assert wait_for(lambda: ops.GetJob(pb.GetJobRequest(name="jobs/backups")).run_count >= 5, timeout=30)
    kept = _scheduled(first)
    by_name = {b.name: b for b in kept}
    # Newest two kept, plus the full backup the newest incremental builds on; no more.
    assert 2 <= len(kept) <= 3
    assert all(b.base_backup in by_name for b in kept if b.base_backup)
    assert any(b.base_backup for b in kept) and all(b.created_by.startswith("backup-scheduler") for b in kept)
    first.stop()
    before = {b.name for b in kept}

    time.sleep(1.5)
    restarted = datetime.now(timezone.utc)
    second = server_factory(**{**settings, "backup_keep_count": 1})
    # Due while the server was down: it runs at start, and prunes by the retention now in force.
    job = wait_for(lambda: (j := operations_stub(second).GetJob(pb.GetJobRequest(name="jobs/backups")))
                   .last_run_time.ToDatetime(timezone.utc) >= restarted and not j.running and j)
    assert job and job.last_outcome == pb.JOB_OUTCOME_SUCCEEDED
    after = _scheduled(second)
    newest = max(after, key=lambda b: b.create_time.ToDatetime())
    assert newest.name not in before
    assert {b.name for b in after} == {newest.name} | ({newest.base_backup} if newest.base_backup else set())
    assert before - {b.name for b in after}  # backups made before the restart were pruned
    second.stop()


def test_a_job_missed_during_a_restart_runs_once(server_factory, tmp_path: Path) -> None:
    settings = {**QUIET, "data_dir": tmp_path, "health_schedule": "every 4s"}
    first = server_factory(**settings)
    ops = operations_stub(first)
    assert wait_for(lambda: ops.GetJob(pb.GetJobRequest(name="jobs/health-watch")).run_count == 1)
    first.stop()
    time.sleep(9)  # two slots pass while the server is down

    second = server_factory(**settings)
    ops = operations_stub(second)
    job = wait_for(lambda: (j := ops.GetJob(pb.GetJobRequest(name="jobs/health-watch"))).run_count >= 2 and j,
                   timeout=3)
    assert job and job.run_count == 2, "the missed job did not run at start"
    time.sleep(2)
    assert ops.GetJob(pb.GetJobRequest(name="jobs/health-watch")).run_count == 2  # once, not per missed slot
    assert job.next_run_time.ToDatetime() > job.last_run_time.ToDatetime()
    second.stop()


def test_admins_list_pause_and_run_jobs(jobs_server) -> None:
    server, cluster = jobs_server()
    ops = operations_stub(server)
    names = {j.name for j in ops.ListJobs(pb.ListJobsRequest()).jobs}
    assert {f"jobs/drift-{cluster}", "jobs/samplers", "jobs/health-watch"} <= names
    assert "jobs/backups" not in names  # backup_schedule is empty
    assert [j.name for j in ops.ListJobs(pb.ListJobsRequest(filter="name=drift-*")).jobs] == [f"jobs/drift-{cluster}"]
    samplers = wait_for(lambda: (j := ops.GetJob(pb.GetJobRequest(name="jobs/samplers"))).run_count and j)
    assert samplers.schedule == "every 3600s" and samplers.HasField("last_duration")

    paused = ops.PauseJob(pb.PauseJobRequest(name="jobs/samplers"))
    assert paused.paused and not paused.HasField("next_run_time")
    assert [j.name for j in ops.ListJobs(pb.ListJobsRequest(filter="paused=true")).jobs] == ["jobs/samplers"]
    ops.RunJob(pb.RunJobRequest(name="jobs/samplers"))
    ran = wait_for(lambda: (j := ops.GetJob(pb.GetJobRequest(name="jobs/samplers"))).run_count > samplers.run_count
                   and j)
    assert ran and ran.paused and ran.last_outcome == pb.JOB_OUTCOME_SUCCEEDED
    assert ops.ResumeJob(pb.ResumeJobRequest(name="jobs/samplers")).HasField("next_run_time")

    with pytest.raises(grpc.RpcError) as missing:
        ops.RunJob(pb.RunJobRequest(name="jobs/nope"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as bad:
        ops.GetJob(pb.GetJobRequest(name="nope"))
    assert "name" in details(bad.value).violations
    operator = with_token(grpc.insecure_channel(server.address), make_token(server, "op", "operator"))
    with pytest.raises(grpc.RpcError) as refused:
        operations_pb2_grpc.OperationsServiceStub(operator).PauseJob(pb.PauseJobRequest(name="jobs/samplers"))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED

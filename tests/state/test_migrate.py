"""`kubecommit state migrate`: a server on SQLite makes tokens, audit rows, job runs and a cluster
registration; the command (the real console script) copies its data directory into PostgreSQL;
a server on the same data directory with `database_url` then authenticates the old tokens,
lists the old audit rows, knows the jobs' runs and reaches the cluster (credentials and
reachability moved). Running the command again copies nothing twice; a target holding other
rows is refused unless `--replace`."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
import psycopg

from kubecommit.v1 import admin_pb2, admin_pb2_grpc, clusters_pb2, clusters_pb2_grpc
from kubecommit.v1 import operations_pb2, operations_pb2_grpc
from kubesim import Simulator
from server.config import Settings
from server.embedded import EmbeddedServer
from server.security.tokens import TokenStore
from tests.jobs.conftest import QUIET, wait_for
from tests.support.auth import admin_token, with_token
from tests.support.postgres import PostgresServer


def _server(data: Path, **settings: Any) -> EmbeddedServer:
    return EmbeddedServer(Settings.load(env={}, overrides={
        "data_dir": data, "listen": "127.0.0.1:0", "log_format": "text", "watch_cache_enabled": False,
        **QUIET, "sample_schedule": "every 1s", **settings})).start()


def _migrate(data: Path, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "kubecommit"
    return subprocess.run([str(script), "state", "migrate", "--data-dir", str(data), *extra],
                          env={"KUBECOMMIT_DATABASE_URL": url, "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=300)


def _audit(channel: grpc.Channel) -> set[tuple[str, str, str, str]]:
    admin = admin_pb2_grpc.AdminServiceStub(channel)
    rows, token = set(), ""
    while True:
        page = admin.ListAuditEntries(admin_pb2.ListAuditEntriesRequest(page_size=100, page_token=token), timeout=30)
        rows |= {(e.rpc, e.caller, e.code, e.request_id) for e in page.audit_entries}
        token = page.next_page_token
        if not token:
            return rows


def test_a_single_process_install_moves_to_postgresql(tmp_path: Path, postgres: PostgresServer,
                                                      sim: Simulator) -> None:
    data = tmp_path / "data"
    url = postgres.new_database()
    server = _server(data)
    try:
        with grpc.insecure_channel(server.address) as raw:
            channel = with_token(raw, admin_token(data))
            clusters_pb2_grpc.ClustersServiceStub(channel).CreateCluster(clusters_pb2.CreateClusterRequest(
                cluster_id="demo", cluster=clusters_pb2.Cluster(kubeconfig=sim.kubeconfig_text("demo"))), timeout=30)
            created = admin_pb2_grpc.AdminServiceStub(channel).CreateToken(admin_pb2.CreateTokenRequest(
                token=admin_pb2.Token(display_name="kept", role="operator")), timeout=30)
            ops = operations_pb2_grpc.OperationsServiceStub(channel)
            wait_for(lambda: ops.GetJob(operations_pb2.GetJobRequest(name="jobs/samplers")).run_count >= 1)
            before = _audit(channel)
    finally:
        server.stop()
    runs = _sqlite_count(data, "jobs.db", "jobs WHERE name = 'samplers'", "runs")
    last_seq = _sqlite_count(data, "audit.db", "events", "MAX(seq)")
    assert {rpc.rsplit("/", 1)[-1] for rpc, *_ in before} >= {"CreateCluster", "CreateToken"}

    first = _migrate(data, url)
    assert first.returncode == 0, first.stderr
    assert "tokens: copied" in first.stderr and "audit: copied" in first.stderr and "jobs: copied" in first.stderr
    assert "events" in first.stderr  # the progress bar names each table
    again = _migrate(data, url)  # idempotent: nothing copied twice
    assert again.returncode == 0, again.stderr
    assert "tokens: already copied" in again.stderr and "audit: already copied" in again.stderr
    with psycopg.connect(url) as db:
        assert db.execute("SELECT COUNT(*) FROM tokens").fetchone()[0] == 2  # admin and kept
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == _sqlite_count(data, "audit.db", "events")

    server = _server(data, database_url=url)
    try:
        with grpc.insecure_channel(server.address) as raw:
            # The token made on SQLite authenticates against PostgreSQL.
            kept = clusters_pb2_grpc.ClustersServiceStub(with_token(raw, created.secret))
            cluster = kept.GetCluster(clusters_pb2.GetClusterRequest(name="clusters/demo"), timeout=30)
            assert cluster.state == clusters_pb2.CLUSTER_STATE_CONNECTED  # reachability moved
            kept.ListResources(clusters_pb2.ListResourcesRequest(  # credentials moved
                parent="clusters/demo", resource_type="configmaps", namespace="default"), timeout=30)
            channel = with_token(raw, admin_token(data))
            assert before <= _audit(channel)  # every old audit row is listed
            job = operations_pb2_grpc.OperationsServiceStub(channel).GetJob(
                operations_pb2.GetJobRequest(name="jobs/samplers"))
            assert job.run_count >= runs
            # New rows continue the copied ones (the sequences moved past them): no collision.
            admin_pb2_grpc.AdminServiceStub(channel).CreateToken(admin_pb2.CreateTokenRequest(
                token=admin_pb2.Token(display_name="after", role="viewer")), timeout=30)
    finally:
        server.stop()
    with psycopg.connect(url) as db:
        newest = db.execute("SELECT MIN(seq) FROM events WHERE rpc LIKE '%%CreateToken' AND caller = 'admin'"
                            " AND seq > %s", (last_seq,)).fetchone()[0]
        assert newest is not None and newest > last_seq


def _sqlite_count(data: Path, file: str, source: str, what: str = "COUNT(*)") -> int:
    with contextlib.closing(sqlite3.connect(data / file)) as db:
        return db.execute(f"SELECT {what} FROM {source}").fetchone()[0]


def test_a_target_holding_other_rows_is_refused_unless_replaced(tmp_path: Path, postgres: PostgresServer) -> None:
    url = postgres.new_database()
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        _token(tmp_path / name, f"from-{name}")
    assert _migrate(tmp_path / "first", url).returncode == 0
    refused = _migrate(tmp_path / "second", url)
    assert refused.returncode == 2
    assert "tokens" in refused.stderr and "--replace" in refused.stderr and "nothing was copied" in refused.stderr
    with psycopg.connect(url) as db:
        assert [r[0] for r in db.execute("SELECT name FROM tokens")] == ["from-first"]
    replaced = _migrate(tmp_path / "second", url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    with psycopg.connect(url) as db:
        assert [r[0] for r in db.execute("SELECT name FROM tokens")] == ["from-second"]


def _token(data: Path, name: str) -> None:
    store = TokenStore(data)
    try:
        store.create(name, "viewer")
    finally:
        store.close()

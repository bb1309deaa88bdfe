"""The storage interface and the ported components (tokens, audit, exec sessions and exports,
job state, cluster reachability), each test run against both
backends: SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import pytest

from server.containers.records import ExecSession, LogExport, Records
from server.errors import FailedPrecondition, NotFound, Unavailable
from server.jobs.state import SUCCEEDED, JobState
from server.registry import ClusterStates
from server.security.audit import AuditEvent, AuditLog
from server.security.tokens import TokenStore
from server.state import Database, redact_url


def event(caller: str, targets: tuple[str, ...] = (), clusters: tuple[str, ...] = ()) -> AuditEvent:
    return AuditEvent(time.time(), caller, "admin", "/kubecommit.v1.X/Apply", targets, "OK", "r1", 1.5,
                      "ipv4:127.0.0.1:1", clusters, ())


def test_migrations_are_versioned_and_applied_once(tmp_path: Path, database_url: str) -> None:
    db = Database.open(database_url, tmp_path / "t.db")
    first = ["CREATE TABLE things (id {serial}, weight {real} NOT NULL)"]
    assert db.migrate("things", first) == 1
    db.execute("INSERT INTO things (weight) VALUES (?)", (1.25,))
    assert db.migrate("things", first) == 1  # not applied again: the table would already exist
    assert db.migrate("things", [*first, "ALTER TABLE things ADD COLUMN label TEXT"]) == 2
    db.execute("INSERT INTO things (weight, label) VALUES (?, ?)", (0.1 + 0.2, "x"))
    assert db.execute("SELECT id, weight, label FROM things ORDER BY id").fetchall() == [
        (1, 1.25, None), (2, 0.1 + 0.2, "x")]  # doubles, not PostgreSQL's 4-byte REAL
    versions = db.execute("SELECT version FROM schema_migrations WHERE component = ? ORDER BY version",
                          ("things",)).fetchall()
    assert versions == [(1,), (2,)]
    # An older server on a database a newer one migrated stops rather than misread it.
    with pytest.raises(FailedPrecondition) as newer:
        db.migrate("things", first)
    assert newer.value.reason == "SCHEMA_TOO_NEW"
    db.close()


def test_a_failed_transaction_leaves_nothing(tmp_path: Path, database_url: str) -> None:
    db = Database.open(database_url, tmp_path / "t.db")
    db.migrate("things", ["CREATE TABLE things (name TEXT PRIMARY KEY)"])
    with pytest.raises(RuntimeError):
        with db.transaction() as tx:
            tx.execute("INSERT INTO things (name) VALUES (?)", ("a",))
            raise RuntimeError("midway")
    assert db.execute("SELECT COUNT(*) FROM things").fetchone() == (0,)
    db.close()


def test_tokens_on_both_backends(tmp_path: Path, database_url: str) -> None:
    store = TokenStore(tmp_path, database_url)
    assert store.bootstrap_admin(tmp_path / "admin.token")
    token, record = store.create("ci", "operator", clusters=["prod"])
    assert store.verify(token) == record
    assert [r.name for r in store.list()] == ["admin", "ci"]
    assert store.revoke("ci")[0].revoked_at is not None
    assert store.verify(token) is None
    with pytest.raises(NotFound):
        store.revoke("ci")
    # A second store on the same database (the CLI, another replica) sees the same tokens.
    other = TokenStore(tmp_path, database_url)
    assert not other.bootstrap_admin(tmp_path / "again.token")
    assert [r.name for r in other.list()] == ["admin", "ci"]
    store.close()
    other.close()


def test_audit_on_both_backends(tmp_path: Path, database_url: str) -> None:
    log = AuditLog(tmp_path, max_rows=3, database_url=database_url)
    for i in range(5):
        log.record(event(f"u{i}", targets=(f"clusters/c{i}",), clusters=(f"c{i}",)))
    assert log.rotate() == 2
    assert [e.caller for e in log.query()] == ["u2", "u3", "u4"]
    member = f"EXISTS (SELECT 1 FROM {log.members('clusters')} WHERE value = ?)"
    assert [e.caller for e in log.select([(member, "c3")], 10)] == ["u3"]
    assert [e.caller for e in log.query(rpc="Apply", caller="u4")] == ["u4"]
    with pytest.raises(Exception, match="append-only"):
        log._db.execute("UPDATE events SET caller = 'x'")
    log.close()


def test_the_password_stays_out_of_errors(postgres) -> None:
    url = postgres.url("postgres").replace(f":{postgres.port}/", ":1/")
    assert postgres.password not in redact_url(url) and "***" in redact_url(url)
    with pytest.raises(Unavailable) as refused:
        Database.open(url, Path("/nonexistent"))
    assert postgres.password not in str(refused.value) and "127.0.0.1" in str(refused.value)


def test_exec_sessions_and_exports_on_both_backends(tmp_path: Path, database_url: str) -> None:
    records = Records(tmp_path / "containers.db", database_url)
    web = "clusters/demo/namespaces/web"
    for i, container in enumerate([f"{web}/pods/a/containers/c", f"{web}x/pods/b/containers/c",
                                   f"{web}/pods/c/containers/c"]):
        asyncio.run(records.save_session(ExecSession(name=f"execSessions/s{i}", caller="ops",
                                                     container=container, command=["sh"], stdout=b"\x00\xffbytes")))
    # Saved again when it ends: one row, the newer record.
    asyncio.run(records.save_session(ExecSession(name="execSessions/s0", caller="ops", command=["sh"],
                                                 container=f"{web}/pods/a/containers/c", exit_code=3)))
    assert asyncio.run(records.get_session("execSessions/s0")).exit_code == 3
    assert asyncio.run(records.get_session("execSessions/s1")).stdout == b"\x00\xffbytes"
    page, token = asyncio.run(records.list_sessions(web, "", 1, ""))
    assert [s.name for s in page] == ["execSessions/s2"] and token
    page, token = asyncio.run(records.list_sessions(web, "", 5, token))
    assert [s.name for s in page] == ["execSessions/s0"] and not token  # not the `webx` one
    assert asyncio.run(records.list_sessions("", "someone", 5, ""))[0] == []
    with pytest.raises(NotFound):
        asyncio.run(records.get_session("execSessions/none"))
    asyncio.run(records.add_export(LogExport(name="logExports/e1", caller="ops", create_ns=1)))
    assert [e.name for e in asyncio.run(records.list_exports(10, ""))[0]] == ["logExports/e1"]
    records.close()


def test_job_state_on_both_backends(tmp_path: Path, database_url: str) -> None:
    state = JobState(tmp_path, database_url)
    now = datetime.now(timezone.utc)
    state.ensure(["backup", "sample"], now)
    state.ensure(["backup"], now)  # already known: untouched
    state.finished("backup", now, SUCCEEDED, 0.25, "", "1 bundle")
    assert state.set_flag("sample", "paused", True) and not state.set_flag("none", "paused", True)
    records = state.records()
    assert records["backup"].runs == 1 and records["backup"].summary == "1 bundle"
    assert records["backup"].last_run == now and records["sample"].paused
    state.close()


def test_a_dropped_postgresql_connection_is_made_again(tmp_path: Path, postgres) -> None:
    """A PostgreSQL restart or failover drops connections: the call that finds it out fails
    UNAVAILABLE, the next one reconnects."""
    store = TokenStore(tmp_path, postgres.new_database())
    token, _ = store.create("ci", "viewer")
    with psycopg.connect(postgres.url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname LIKE 'test_%' AND pid != pg_backend_pid()")
    with pytest.raises(Unavailable) as dropped:
        store.list()
    assert dropped.value.reason == "DATABASE_UNAVAILABLE" and postgres.password not in str(dropped.value)
    assert store.verify(token) is not None
    store.close()


def _socket_options(db: Database) -> tuple[int, int, int]:
    """(SO_KEEPALIVE, TCP_KEEPIDLE, TCP_USER_TIMEOUT) of the database connection's socket."""
    sock = socket.socket(fileno=os.dup(db._conn.pgconn.socket))
    try:
        return (sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE),
                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT))
    finally:
        sock.close()


def test_a_postgresql_connection_notices_a_server_the_network_cut_off(tmp_path: Path, postgres) -> None:
    """No FIN, no RST: only the kernel's keepalive probes and TCP_USER_TIMEOUT find such a server
    gone; without them a query waits forever. A URL's own values win."""
    url = postgres.new_database()
    db = Database.open(url, tmp_path / "unused.db")
    tuned = Database.open(url + ("&" if "?" in url else "?") + "keepalives_idle=5", tmp_path / "unused.db")
    try:
        assert _socket_options(db) == (1, 30, 60000)
        assert _socket_options(tuned) == (1, 5, 60000)
    finally:
        db.close()
        tuned.close()


def test_cluster_reachability_merges_what_each_writer_knows(tmp_path: Path, database_url: str) -> None:
    """Two writers (two replicas, one database): a health check's state and a sync's counts."""
    health, sync = ClusterStates(tmp_path, database_url), ClusterStates(tmp_path, database_url)
    try:
        assert health.read("demo") == {}
        health.write("demo", state="connected", state_message="", node_count=3)
        synced = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
        sync.write("demo", last_sync_time=synced, resource_count=42)
        assert health.read("demo") == {"state": "connected", "state_message": "", "node_count": 3,
                                       "last_sync_time": synced, "resource_count": 42}
        sync.write("demo", state="disconnected", state_message="connection refused")
        assert health.read("demo")["node_count"] == 3 and health.counts() == [("disconnected", 1)]
        health.drop("demo")
        assert sync.read("demo") == {}
    finally:
        health.close()
        sync.close()

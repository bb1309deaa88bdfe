"""The audit log through real channels: what is recorded, what is not, that it holds no secrets,
that it is append-only and bounded, and that `kubecommit audit` queries it."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Callable, Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from typer.testing import CliRunner

from clients.cli.main import app
from kubecommit.v1 import clusters_pb2, containers_pb2, yaml_versions_pb2
from server.embedded import EmbeddedServer
from server.security.audit import AuditEvent, AuditLog
from tests.security.conftest import call
from tests.support.auth import admin_token, make_token

APPLY = "/kubecommit.v1.YamlVersionsService/ApplyManifest"
EXEC = "/kubecommit.v1.ContainersService/Exec"
GET_CLUSTER = "/kubecommit.v1.ClustersService/GetCluster"
SECRET = "hunter2-do-not-store-me"
MANIFEST = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: web}}\nstringData: {{password: {SECRET}}}\n"


def bearer(token: str, request_id: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}"), ("x-request-id", request_id)]


@pytest.fixture(scope="module")
def audited(server_factory: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return server_factory()


@pytest.fixture(scope="module")
def tokens(audited: EmbeddedServer) -> dict[str, str]:
    return {"admin": admin_token(audited.settings.data_dir),
            "viewer": make_token(audited, "vera", "viewer"),
            "operator": make_token(audited, "otto", "operator", namespaces=["web"])}


@pytest.fixture(scope="module")
def calls(audited: EmbeddedServer, tokens: dict[str, str]) -> dict[str, grpc.StatusCode | None]:
    """One of each kind of call; the code each ended with, by request id."""
    apply = yaml_versions_pb2.ApplyManifestRequest(cluster="clusters/prod", namespace="web", manifest=MANIFEST)
    run = containers_pb2.ExecRequest(container="clusters/prod/namespaces/web/pods/api-0/containers/app",
                                     command=["cat", "/etc/secret"])
    read = clusters_pb2.GetClusterRequest(name="clusters/prod")
    done = {}
    with grpc.insecure_channel(audited.address) as ch:
        for request_id, method, request, metadata in (
            ("audit-apply", APPLY, apply, bearer(tokens["admin"], "audit-apply")),
            ("audit-denied", APPLY, apply, bearer(tokens["viewer"], "audit-denied")),
            ("audit-anonymous", APPLY, apply, [("x-request-id", "audit-anonymous")]),
            ("audit-forged", APPLY, apply, bearer(tokens["admin"][:-2] + "xx", "audit-forged")),
            ("audit-exec", EXEC, run, bearer(tokens["operator"], "audit-exec")),
            ("audit-read", GET_CLUSTER, read, bearer(tokens["admin"], "audit-read")),
        ):
            got = call(ch, method, request, metadata)
            done[request_id] = None if got is None else got.code
        health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return done


@pytest.fixture()
def log(audited: EmbeddedServer) -> Iterator[AuditLog]:
    reader = AuditLog(audited.settings.data_dir)
    yield reader
    reader.close()


def _by_request(log: AuditLog) -> dict[str, AuditEvent]:
    return {e.request_id: e for e in log.query(limit=1000)}


def test_mutations_exec_and_refusals_are_recorded(calls: dict, log: AuditLog) -> None:
    events = _by_request(log)
    apply = events["audit-apply"]
    assert (apply.caller, apply.role, apply.rpc) == ("admin", "admin", APPLY)
    assert apply.code == (calls["audit-apply"] or grpc.StatusCode.OK).name
    assert "clusters/prod" in apply.targets and apply.duration_ms >= 0
    assert abs(apply.time - time.time()) < 120
    denied = events["audit-denied"]
    assert (denied.caller, denied.role, denied.code) == ("vera", "viewer", "PERMISSION_DENIED")
    assert events["audit-anonymous"].caller == "anonymous"
    assert events["audit-anonymous"].code == "UNAUTHENTICATED"
    assert events["audit-forged"].code == "UNAUTHENTICATED"
    exec_session = events["audit-exec"]
    assert exec_session.caller == "otto" and exec_session.rpc == EXEC
    assert exec_session.targets == ("clusters/prod/namespaces/web/pods/api-0/containers/app",)


def test_reads_and_health_checks_are_not_recorded(calls: dict, log: AuditLog) -> None:
    events = log.query(limit=1000)
    assert "audit-read" not in {e.request_id for e in events}
    assert not [e for e in events if "Health" in e.rpc]


def test_the_audit_log_holds_no_secrets_or_tokens(calls: dict, audited: EmbeddedServer,
                                                  tokens: dict[str, str]) -> None:
    files = [p for p in audited.settings.data_dir.glob("audit.db*") if p.is_file()]
    raw = b"".join(p.read_bytes() for p in files)
    assert b"audit-apply" in raw  # the rows are there, in plain SQLite pages
    for secret in (SECRET, "/etc/secret", *tokens.values(), *(t.split("_", 2)[2] for t in tokens.values())):
        assert secret.encode() not in raw, secret
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in files)


def test_the_audit_log_is_append_only(calls: dict, audited: EmbeddedServer) -> None:
    with sqlite3.connect(audited.settings.data_dir / AuditLog.FILE) as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE events SET caller = 'nobody'")


def test_queries_filter_by_caller_time_rpc_and_result(calls: dict, log: AuditLog) -> None:
    assert {e.request_id for e in log.query(caller="vera")} == {"audit-denied"}
    assert {e.request_id for e in log.query(rpc="Exec")} == {"audit-exec"}
    assert {e.request_id for e in log.query(result="unauthenticated")} == {"audit-anonymous", "audit-forged"}
    assert log.query(since=time.time() + 60) == []
    assert log.query(until=time.time() - 3600) == []
    assert [e.request_id for e in log.query(rpc="ApplyManifest", limit=1)] == ["audit-forged"]


def test_retention_keeps_the_log_bounded(tmp_path: Path) -> None:
    bounded = AuditLog(tmp_path, max_rows=10, max_age_seconds=3600)
    old = AuditEvent(time.time() - 7200, "a", "admin", APPLY, (), "OK", "old", 1.0)
    bounded.record(old)
    for i in range(25):
        bounded.record(AuditEvent(time.time(), "a", "admin", APPLY, (), "OK", f"r{i}", 1.0))
    assert bounded.rotate() == 16
    assert [e.request_id for e in bounded.query(limit=100)] == [f"r{i}" for i in range(15, 25)]
    bounded.close()


def test_kubecommit_audit_command(calls: dict, audited: EmbeddedServer) -> None:
    data = str(audited.settings.data_dir)
    result = CliRunner().invoke(app, ["audit", "--data-dir", data, "--caller", "otto", "--since", "1h", "--json"])
    assert result.exit_code == 0, result.output
    [event] = [json.loads(line) for line in result.output.splitlines()]
    assert event["request_id"] == "audit-exec"
    assert event["code"] == (calls["audit-exec"] or grpc.StatusCode.OK).name
    table = CliRunner().invoke(app, ["audit", "--data-dir", data, "--result", "PERMISSION_DENIED"])
    assert table.exit_code == 0 and "vera" in table.output and "otto" not in table.output
    wrong = CliRunner().invoke(app, ["audit", "--data-dir", data, "--since", "yesterday"])
    assert wrong.exit_code == 2


def test_the_server_log_holds_no_secrets_or_tokens(audited: EmbeddedServer, tokens: dict[str, str],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    apply = yaml_versions_pb2.ApplyManifestRequest(cluster="clusters/prod", namespace="web", manifest=MANIFEST)
    wrong = tokens["viewer"][:-3] + "abc"
    with caplog.at_level("DEBUG"), grpc.insecure_channel(audited.address) as ch:
        for token in (tokens["admin"], tokens["viewer"], wrong, "kc_" + SECRET):
            call(ch, APPLY, apply, bearer(token, "log-check"))
    logged = "\n".join(str(vars(record)) for record in caplog.records)  # messages and extras
    assert "authentication failed" in logged and "log-check" in logged
    for secret in (SECRET, *tokens.values(), wrong):
        assert secret not in logged

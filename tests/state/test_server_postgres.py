"""A server configured with `database_url`, through real gRPC channels: a token created through
AdminService, an exec session, a job run and the audit rows of those calls land in PostgreSQL,
read back there with SQL (not through the server)."""

from __future__ import annotations

import grpc
import psycopg

from kubecommit.v1 import admin_pb2, admin_pb2_grpc, containers_pb2, containers_pb2_grpc
from kubecommit.v1 import operations_pb2, operations_pb2_grpc
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster
from tests.jobs.conftest import QUIET, wait_for


def test_a_server_keeps_its_state_in_postgresql(server_factory, sim, postgres) -> None:
    url = postgres.new_database()
    server = server_factory(database_url=url, **{**QUIET, "sample_schedule": "every 1s"})
    register_cluster(server, "demo", sim.kubeconfig_text("demo"))
    with grpc.insecure_channel(server.address) as raw:
        channel = with_token(raw, admin_token(server.settings.data_dir))
        created = admin_pb2_grpc.AdminServiceStub(channel).CreateToken(admin_pb2.CreateTokenRequest(
            token=admin_pb2.Token(display_name="pg-user", role="operator")))
        containers = containers_pb2_grpc.ContainersServiceStub(with_token(raw, created.secret))
        target = next(c.name for c in containers.ListContainers(containers_pb2.ListContainersRequest(
            parent="clusters/demo/namespaces/web")).containers if c.state == "running")
        session = containers.Exec(containers_pb2.ExecRequest(container=target, command=["echo", "hi"])).session
        ops = operations_pb2_grpc.OperationsServiceStub(channel)
        wait_for(lambda: ops.GetJob(operations_pb2.GetJobRequest(name="jobs/samplers")).run_count >= 1)

    with psycopg.connect(url) as db:
        tokens = {r[0] for r in db.execute("SELECT name FROM tokens")}
        assert tokens == {"admin", "pg-user"}
        sessions = db.execute("SELECT caller, container FROM exec_sessions WHERE id = %s", (session,)).fetchall()
        assert sessions == [("pg-user", target)]
        assert db.execute("SELECT runs FROM jobs WHERE name = 'samplers'").fetchone()[0] >= 1
        audited = {(r[0].rsplit("/", 1)[-1], r[1]) for r in db.execute("SELECT rpc, caller FROM events")}
        assert ("CreateToken", "admin") in audited and ("Exec", "pg-user") in audited
        assert db.execute("SELECT component, MAX(version) FROM schema_migrations GROUP BY component"
                          " ORDER BY component").fetchall() == [
            ("alerts", 1), ("audit", 1), ("clusters", 1), ("containers", 1), ("credentials", 2), ("jobs", 1),
            ("notifications", 1), ("scans", 1), ("timeseries", 1), ("tokens", 1)]
    # Nothing of that went to SQLite files in the data directory.
    assert not any((server.settings.data_dir / f).exists() for f in ("tokens.db", "audit.db", "jobs.db", "containers.db", "alerts.db", "notifications.db", "timeseries.db",
                        "credentials.db", "scans.db", "clusters.sqlite"))
    # Intents are about this process's own store (no lease): its SQLite file.
    assert (server.settings.data_dir / "intents.db").exists()

"""`kubecommit token create|list|revoke` on a running server's data directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import grpc
from typer.testing import CliRunner

from clients.cli.main import app
from kubecommit.v1 import clusters_pb2
from server.embedded import EmbeddedServer
from tests.security.conftest import call

KUBECOMMIT = Path(sys.executable).parent / "kubecommit"
GET_CLUSTER = "/kubecommit.v1.ClustersService/GetCluster"


def _get(embedded: EmbeddedServer, token: str, cluster: str) -> grpc.StatusCode | None:
    with grpc.insecure_channel(embedded.address) as ch:
        got = call(ch, GET_CLUSTER, clusters_pb2.GetClusterRequest(name=f"clusters/{cluster}"),
                   [("authorization", f"Bearer {token}")])
    return None if got is None else got.code


def test_token_lifecycle_against_a_running_server(server_factory: Callable[..., EmbeddedServer]) -> None:
    embedded = server_factory()
    data = str(embedded.settings.data_dir)
    made = subprocess.run([str(KUBECOMMIT), "token", "create", "--name", "alice", "--role", "viewer",
                           "--clusters", "staging", "--data-dir", data], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("kc_") and len(made.stdout.splitlines()) == 1
    assert "shown only now" in made.stderr and token not in made.stderr
    assert _get(embedded, token, "prod") == grpc.StatusCode.PERMISSION_DENIED
    assert _get(embedded, token, "staging") not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)

    listed = CliRunner().invoke(app, ["token", "list", "--data-dir", data])
    assert listed.exit_code == 0
    assert "alice" in listed.output and "staging" in listed.output and "active" in listed.output
    assert token.split("_", 2)[2] not in listed.output  # the whole secret (it may hold `_`)

    revoked = CliRunner().invoke(app, ["token", "revoke", "alice", "--data-dir", data])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert _get(embedded, token, "staging") == grpc.StatusCode.UNAUTHENTICATED
    assert "revoked" in CliRunner().invoke(app, ["token", "list", "--data-dir", data]).output
    again = CliRunner().invoke(app, ["token", "revoke", "alice", "--data-dir", data])
    assert again.exit_code == 2 and "no active token" in again.output


def test_token_create_refuses_bad_input_and_missing_data_dirs(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["token", "create", "--name", "a", "--role", "viewer", "--data-dir", str(tmp_path / "no")])
    assert missing.exit_code == 2 and "no data directory" in missing.output
    assert not (tmp_path / "no").exists()
    for args in (["--role", "root"], ["--role", "viewer", "--namespaces", "Bad_NS"],
                 ["--role", "viewer", "--expires-in", "soon"]):
        result = runner.invoke(app, ["token", "create", "--name", "a", *args, "--data-dir", str(tmp_path)])
        assert result.exit_code == 2, (args, result.output)

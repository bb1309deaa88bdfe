"""One error style: `error:` and `hint:` on stderr, a non-zero exit, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from clients.cli.connection import with_port
from server.embedded import EmbeddedServer
from tests.cli.support import KUBECOMMIT, cli_env, run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_error(result, *needles: str, code: int = 1) -> None:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_a_stopped_server_gets_a_hint() -> None:
    address = f"127.0.0.1:{free_port()}"
    result = run(None, "--server", address, "clusters", "list")
    assert_error(result, address, "hint: is the server running? try --server")


def test_a_server_without_a_port_is_dialled_on_50051() -> None:
    assert with_port("localhost") == "localhost:50051"
    assert with_port("10.0.0.1:7000") == "10.0.0.1:7000"
    assert with_port("[::1]") == "[::1]:50051"
    result = run(None, "--server", "localhost", "clusters", "list", KUBECOMMIT_DATA_DIR="/nonexistent")
    # Whatever answers on 50051 here (usually nothing), the address named is not port 443.
    assert "localhost:443" not in result.stderr
    if result.returncode:
        assert "localhost:50051" in result.stderr or "not authenticated" in result.stderr


def test_a_missing_token_names_the_variable_and_the_file_tried(kc_server: EmbeddedServer, tmp_path: Path) -> None:
    result = run(kc_server, "clusters", "list", KUBECOMMIT_DATA_DIR=str(tmp_path))
    assert_error(result, "set KUBECOMMIT_TOKEN or run kubecommit login", str(tmp_path / "admin.token"))


def test_a_refused_token_says_where_it_came_from(kc_server: EmbeddedServer) -> None:
    result = run(kc_server, "--token", "kc_nope_nope", "clusters", "list")
    assert_error(result, "--token/KUBECOMMIT_TOKEN", "hint: set KUBECOMMIT_TOKEN or run kubecommit login")


def test_invalid_argument_names_the_field(demo_server: EmbeddedServer) -> None:
    result = run(demo_server, "apply", "-f", "-", "--cluster", "demo", stdin="kind: Deployment\nmetadata: {name: x}\n")
    assert_error(result, "invalid ", "apiVersion")


def test_a_missing_file_is_an_error_not_a_traceback(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    result = run(demo_server, "apply", "-f", str(tmp_path / "missing.yaml"), "--cluster", "demo")
    assert_error(result, "missing.yaml", "No such file")


def test_a_mistyped_resource_type_fails_with_a_suggestion(demo_server: EmbeddedServer) -> None:
    for args in (("get", "deploymnets", "--cluster", "demo"), ("get", "deploymnets")):
        result = run(demo_server, *args)
        assert_error(result, "deploymnets", "did you mean 'deployments'")


def test_nothing_found_is_said_on_stderr_and_exits_0(demo_server: EmbeddedServer) -> None:
    result = run(demo_server, "get", "pods", "--cluster", "demo", "-n", "kube-public")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "No resources found in namespace kube-public.\n"


def test_a_missing_namespace_is_an_error(demo_server: EmbeddedServer) -> None:
    result = run(demo_server, "get", "pods", "--cluster", "demo", "-n", "no-such-ns")
    assert_error(result, 'namespaces "no-such-ns" not found')


def test_a_missing_object_is_an_error(demo_server: EmbeddedServer) -> None:
    result = run(demo_server, "get", "deploy", "nope", "--cluster", "demo", "-n", "web")
    assert_error(result, 'deployments.apps "nope" not found in namespace web')


def test_version() -> None:
    result = run(None, "--version")
    assert result.returncode == 0 and result.stdout.startswith("kubecommit 0.")


@pytest.mark.parametrize("args,option", [
    (("clusters", "add", "x", "--kubeconfig", __file__, "--provider", "azure"), "--provider"),
    (("logs", "p", "--cluster", "demo", "--level", "loud"), "--level"),
    (("clusters", "add", "x", "--kubeconfig", __file__, "--tag", "novalue"), "--tag"),
])
def test_an_unknown_enum_name_is_a_usage_error(demo_server: EmbeddedServer, args: tuple[str, ...],
                                               option: str) -> None:
    refused = run(demo_server, *args)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert option in refused.stderr


def test_an_unknown_cluster_points_at_the_list(demo_server: EmbeddedServer) -> None:
    result = run(demo_server, "get", "pods", "--cluster", "nope")
    assert_error(result, "clusters/nope is not registered", "hint: `kubecommit clusters list`")


def test_a_partly_applied_manifest_names_what_failed(demo_server: EmbeddedServer) -> None:
    """Objects in a namespace the manifest creates are checked only when applied: the namespace is
    committed, the broken deployment is reported, and the exit is non-zero."""
    ns = f"part-{uuid.uuid4().hex[:6]}"
    manifest = (f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n"
                f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: d, namespace: {ns}}}\nspec: {{replicas: -5}}\n")
    result = run(demo_server, "apply", "-f", "-", "--cluster", "demo", stdin=manifest)
    assert result.returncode == 1 and f"clusters/demo/namespaces/{ns} created (version 1)" in result.stdout
    assert result.stderr.startswith(f"error: clusters/demo/namespaces/{ns}/deployments.apps/d: ")
    assert "spec.replicas" in result.stderr and "hint: 1 of 2 resources were not applied" in result.stderr


def test_sim_serves_a_cluster_the_server_can_register(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    """`kubecommit sim` (kubesim's own flags) runs a simulator until SIGTERM; its kubeconfig works."""
    kubeconfig = tmp_path / "sim.kubeconfig"
    proc = subprocess.Popen([str(KUBECOMMIT), "sim", "--listen", "127.0.0.1:0", "--kubeconfig", str(kubeconfig),
                             "--log-interval", "0"], stdout=subprocess.PIPE, text=True, env=cli_env(None))
    try:
        assert proc.stdout is not None and proc.stdout.readline().startswith("kubesim listening on http://127.0.0.1:")
        name = f"sim{uuid.uuid4().hex[:6]}"
        added = run(demo_server, "clusters", "add", name, "--kubeconfig", str(kubeconfig))
        assert added.returncode == 0, added.stderr
        tested = run(demo_server, "clusters", "test", name)
        assert tested.returncode == 0 and "connected" in tested.stdout, tested.stderr
        assert run(demo_server, "clusters", "remove", name, "--yes").returncode == 0
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0

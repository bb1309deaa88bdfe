"""The `kubecommit` CLI against a real server and cluster, as a person would run it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from server.embedded import EmbeddedServer

KUBECOMMIT = Path(sys.executable).parent / "kubecommit"


def run(server: EmbeddedServer, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KUBECOMMIT_SERVER=server.address, COLUMNS="200",
               KUBECOMMIT_DATA_DIR=str(server.settings.data_dir))
    env.pop("KUBECOMMIT_TOKEN", None)
    return subprocess.run([str(KUBECOMMIT), *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)


def deployment(name: str, image: str) -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: default, labels: {{app: {name}}}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: web, image: "{image}"}}]}}
"""


def test_clusters_and_live_resources(demo_server: EmbeddedServer) -> None:
    listed = run(demo_server, "clusters", "list")
    assert listed.returncode == 0, listed.stderr
    assert "demo" in listed.stdout and "CONNECTED" in listed.stdout
    pods = run(demo_server, "get", "deployments.apps", "-c", "demo", "-n", "shop")
    assert "clusters/demo/namespaces/shop/deployments.apps/cart" in pods.stdout


def test_apply_history_diff_rollback(demo_server: EmbeddedServer) -> None:
    name = f"cli-{uuid.uuid4().hex[:6]}"
    resource = f"clusters/demo/namespaces/default/deployments.apps/{name}"
    for image in ("nginx:1.25", "nginx:1.27"):
        applied = run(demo_server, "apply", "-f", "-", "-c", "demo", "-m", f"use {image}",
                      stdin=deployment(name, image))
        assert applied.returncode == 0, applied.stdout + applied.stderr
    history = run(demo_server, "history", resource)
    assert "use nginx:1.27" in history.stdout and "2*" in history.stdout
    diff = run(demo_server, "diff", resource, "1", "2")
    assert "spec.template.spec.containers[name=web].image" in diff.stdout
    assert '"nginx:1.25"' in diff.stdout and '"nginx:1.27"' in diff.stdout
    rolled = run(demo_server, "rollback", resource, "1", "--reason", "bad image")
    assert "version 3" in rolled.stdout, rolled.stdout + rolled.stderr


def test_errors_name_the_field(demo_server: EmbeddedServer) -> None:
    bad = run(demo_server, "apply", "-f", "-", "-c", "demo", stdin="kind: Deployment\nmetadata: {name: x}\n")
    assert bad.returncode == 1
    assert "INVALID_ARGUMENT" in bad.stdout and "apiVersion" in bad.stdout


def test_exec_exit_code_and_logs(demo_server: EmbeddedServer) -> None:
    pods = run(demo_server, "get", "pods", "-c", "demo", "-n", "web", "-l", "app=frontend")
    pod = next(line.split("/pods/")[1].split()[0] for line in pods.stdout.splitlines() if "/pods/" in line)
    done = run(demo_server, "exec", pod, "-c", "demo", "-n", "web", "--container", "frontend",
               "--", "sh", "-c", "echo hi; exit 3")
    assert (done.returncode, done.stdout) == (3, "hi\n")
    logs = run(demo_server, "logs", pod, "-c", "demo", "-n", "web", "--tail", "5")
    lines = logs.stdout.splitlines()
    assert len(lines) == 5 and all(line.startswith(f"{pod}/frontend ") for line in lines)


@pytest.mark.parametrize("args", [("clusters", "list"), ("history", "clusters/demo/namespaces/x/pods/y")])
def test_wrong_token_is_refused(demo_server: EmbeddedServer, args: tuple[str, ...]) -> None:
    refused = run(demo_server, "--token", "kc_nope_nope", *args)
    assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stdout


@pytest.mark.parametrize("args,option", [
    (("clusters", "add", "x", "--kubeconfig", __file__, "--provider", "azure"), "--provider"),
    (("logs", "p", "-c", "demo", "--level", "loud"), "--level"),
])
def test_an_unknown_enum_name_is_a_usage_error(demo_server: EmbeddedServer, args: tuple[str, ...],
                                               option: str) -> None:
    refused = run(demo_server, *args)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert option in refused.stderr and "is not one of" in refused.stderr


def test_logs_follow_lasts_until_interrupted(demo_server: EmbeddedServer, sim) -> None:
    """`logs -f` keeps its request side open: the server ends a follow when the client half-closes."""
    pods = run(demo_server, "get", "pods", "-c", "demo", "-n", "web", "-l", "app=frontend")
    pod = next(line.split("/pods/")[1].split()[0] for line in pods.stdout.splitlines() if "/pods/" in line)
    env = dict(os.environ, KUBECOMMIT_SERVER=demo_server.address, KUBECOMMIT_DATA_DIR=str(demo_server.settings.data_dir))
    env.pop("KUBECOMMIT_TOKEN", None)
    follow = subprocess.Popen([str(KUBECOMMIT), "logs", pod, "-c", "demo", "-n", "web", "--container", "frontend",
                               "--tail", "1", "-f"], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert follow.stdout is not None and follow.stdout.readline().startswith(f"{pod}/frontend ")
        marker = f"followed-{uuid.uuid4().hex[:6]}"
        sim.append_log("web", pod, "frontend", [marker])
        while marker not in (line := follow.stdout.readline()):
            assert line, "the follow ended"
        assert follow.poll() is None
    finally:
        follow.terminate()
        follow.wait(10)

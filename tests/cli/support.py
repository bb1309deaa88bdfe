"""Driving the `kubecommit` console script as a person would: a subprocess with its own config
file, plain pipes or a real pseudo-terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from server.embedded import EmbeddedServer

KUBECOMMIT = Path(sys.executable).parent / "kubecommit"


def cli_env(server: EmbeddedServer | None, config: Path | None = None, **extra: str) -> dict[str, str]:
    """A clean environment: the test's server and data dir, no token, no user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBECOMMIT_") and k != "NO_COLOR"}
    env.update(COLUMNS="200", KUBECOMMIT_CONFIG=str(config or "/nonexistent/kubecommit/config.yaml"))
    if server is not None:
        env.update(KUBECOMMIT_SERVER=server.address, KUBECOMMIT_DATA_DIR=str(server.settings.data_dir))
    env.update(extra)
    return env


def run(server: EmbeddedServer | None, *args: str, stdin: str | None = None, config: Path | None = None,
        timeout: float = 60, **extra: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KUBECOMMIT), *args], input=stdin if stdin is not None else "", capture_output=True,
                          text=True, env=cli_env(server, config, **extra), timeout=timeout)


def deployment(name: str, image: str, replicas: int = 1, namespace: str = "default") -> str:
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: {namespace}, labels: {{app: {name}}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec: {{containers: [{{name: web, image: "{image}"}}]}}
"""


def a_pod(server: EmbeddedServer, namespace: str = "web", selector: str = "app=frontend") -> str:
    """The name of a running seeded pod, read through the CLI itself."""
    names = run(server, "get", "pods", "--cluster", "demo", "-n", namespace, "-l", selector, "-o", "name")
    assert names.returncode == 0, names.stderr
    return names.stdout.split()[0].removeprefix("pod/")

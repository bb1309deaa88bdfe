"""Independent clients against `kubecommit serve` started as a newcomer would: buf curl through
reflection (no proto files), and the Node example client."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import REPO

BUF = REPO / "clients/node/node_modules/.bin/buf"
KUBECOMMIT = Path(sys.executable).parent / "kubecommit"


def _tool(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make setup` (make test does it)")
    return str(path)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kubecommit serve` in its own process on a free port; yields HOST:PORT."""
    data = tmp_path_factory.mktemp("served")
    process = subprocess.Popen(
        [_tool(KUBECOMMIT), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data), "--log-format", "text"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        process.kill()
        pytest.fail(f"server did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
    yield match.group(1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0


def _buf_curl(*args: str, data: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [_tool(BUF), "curl", "--protocol", "grpc", "--http2-prior-knowledge", *args]
    if data is not None:
        command[2:2] = ["-d", data]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_buf_curl_lists_every_service_through_reflection(served: str) -> None:
    listed = _buf_curl("--list-services", f"http://{served}")
    assert listed.returncode == 0, listed.stderr
    for name in ("Clusters", "Containers", "YamlVersions", "Quotas", "Labels", "Affinity", "Crd", "Mcp"):
        assert f"kubecommit.v1.{name}Service" in listed.stdout
    methods = _buf_curl("--list-methods", f"http://{served}")
    assert "kubecommit.v1.YamlVersionsService/ApplyManifest" in methods.stdout


def test_buf_curl_health_check(served: str) -> None:
    reply = _buf_curl(f"http://{served}/grpc.health.v1.Health/Check", data="{}")
    assert reply.returncode == 0, reply.stderr
    assert json.loads(reply.stdout) == {"status": "SERVING"}


def test_buf_curl_sees_error_details(served: str) -> None:
    reply = _buf_curl(f"http://{served}/kubecommit.v1.ClustersService/GetCluster", data="{}")
    assert reply.returncode != 0
    error = json.loads(reply.stderr)
    assert error["code"] in ("invalid_argument", "unauthenticated")


def test_node_client_gets_an_answer(served: str) -> None:
    node = shutil.which("node")
    assert node, "node is not installed"
    _tool(REPO / "clients/node/node_modules/@grpc/grpc-js")
    token_file = Path(os.environ.get("KUBECOMMIT_TOKEN_FILE", ""))
    args = [node, str(REPO / "clients/node/client.js"), served]
    if token_file.is_file():
        args.append(token_file.read_text().strip())
    reply = subprocess.run(args, capture_output=True, text=True, timeout=60)
    answer = json.loads(reply.stdout)
    # Whatever the server says, the client must have reached it and decoded the answer.
    assert "clusters" in answer or answer["code"] in ("UNIMPLEMENTED", "UNAUTHENTICATED"), answer
    if "code" in answer:
        assert any(d["type"] == "google.rpc.ErrorInfo" for d in answer["details"]), answer


def test_plaintext_on_public_address_refused_by_cli(tmp_path: Path) -> None:
    reply = subprocess.run(
        [_tool(KUBECOMMIT), "serve", "--listen", "0.0.0.0:0", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert reply.returncode == 2
    assert "--insecure" in reply.stderr

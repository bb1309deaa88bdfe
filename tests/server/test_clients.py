"""Independent clients against `kubecommit serve` started as a newcomer would: buf curl through
reflection (no proto files), and the Node example client."""

from __future__ import annotations

import base64
import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from tests.conftest import REPO
from tests.support.auth import admin_token

BUF = REPO / "clients/node/node_modules/.bin/buf"
KUBECOMMIT = Path(sys.executable).parent / "kubecommit"


def _tool(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make setup` (make test does it)")
    return str(path)


class Served(NamedTuple):
    address: str
    # The admin token the server wrote to its data directory on first start.
    token: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`kubecommit serve` in its own process on a free port, and its admin token."""
    data = tmp_path_factory.mktemp("served")
    # Its log goes to a file: a pipe nobody reads while the tests run would fill and block it.
    log = data.parent / "served.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [_tool(KUBECOMMIT), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data), "--log-format", "text"],
            stdout=subprocess.PIPE, stderr=stderr, text=True,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"listening on (\S+)", line)
    if not match:
        process.kill()
        pytest.fail(f"server did not start: {line!r} {log.read_text()}")
    yield Served(match.group(1), admin_token(data))
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=20)
    assert process.returncode == 0


def _buf_curl(*args: str, data: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [_tool(BUF), "curl", "--protocol", "grpc", "--http2-prior-knowledge", *args]
    if data is not None:
        command[2:2] = ["-d", data]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_buf_curl_lists_every_service_through_reflection(served: Served) -> None:
    # Reflection needs no token.
    listed = _buf_curl("--list-services", f"http://{served.address}")
    assert listed.returncode == 0, listed.stderr
    for name in ("Clusters", "Containers", "YamlVersions", "Quotas", "Labels", "Affinity", "Crd", "Mcp", "Admin"):
        assert f"kubecommit.v1.{name}Service" in listed.stdout
    methods = _buf_curl("--list-methods", f"http://{served.address}")
    assert "kubecommit.v1.YamlVersionsService/ApplyManifest" in methods.stdout


def test_buf_curl_health_check(served: Served) -> None:
    reply = _buf_curl(f"http://{served.address}/grpc.health.v1.Health/Check", data="{}")
    assert reply.returncode == 0, reply.stderr
    assert json.loads(reply.stdout) == {"status": "SERVING"}


def _detail(error: dict, kind: type[Message]) -> Message:
    """One error detail as buf curl prints it: unpadded base64 when it cannot resolve the type."""
    value = next(d["value"] for d in error["details"] if d["type"] == kind.DESCRIPTOR.full_name)
    return kind.FromString(base64.b64decode(value + "=" * (-len(value) % 4)))  # unpadded


def test_buf_curl_without_token_is_unauthenticated(served: Served) -> None:
    reply = _buf_curl(f"http://{served.address}/kubecommit.v1.ClustersService/GetCluster",
                      data='{"name": "clusters/prod"}')
    error = json.loads(reply.stderr)
    assert error["code"] == "unauthenticated", error
    assert _detail(error, error_details_pb2.ErrorInfo).reason == "TOKEN_MISSING"


def test_buf_curl_with_token_sees_error_details(served: Served) -> None:
    reply = _buf_curl("-H", f"authorization: Bearer {served.token}",
                      f"http://{served.address}/kubecommit.v1.ClustersService/GetCluster", data="{}")
    error = json.loads(reply.stderr)
    assert error["code"] == "invalid_argument", error
    assert _detail(error, error_details_pb2.ErrorInfo).reason == "INVALID_REQUEST"
    assert _detail(error, error_details_pb2.BadRequest).field_violations[0].field == "name"


def _node_client(served: Served, *token: str) -> dict:
    node = shutil.which("node")
    assert node, "node is not installed"
    _tool(REPO / "clients/node/node_modules/@grpc/grpc-js")
    reply = subprocess.run([node, str(REPO / "clients/node/client.js"), served.address, *token],
                           capture_output=True, text=True, timeout=60)
    return json.loads(reply.stdout)


def test_node_client_with_token_gets_an_answer(served: Served) -> None:
    answer = _node_client(served, served.token)
    assert "code" not in answer, answer  # got past authentication
    assert isinstance(answer["clusters"], list)


def test_node_client_without_token_is_refused_with_details(served: Served) -> None:
    answer = _node_client(served)
    assert answer["code"] == "UNAUTHENTICATED", answer
    assert any(d["type"] == "google.rpc.ErrorInfo" and d["reason"] == "TOKEN_MISSING"
               for d in answer["details"]), answer
    bad = _node_client(served, served.token[:-4] + "AAAA")
    assert bad["code"] == "UNAUTHENTICATED", bad


def test_plaintext_on_public_address_refused_by_cli(tmp_path: Path) -> None:
    reply = subprocess.run(
        [_tool(KUBECOMMIT), "serve", "--listen", "0.0.0.0:0", "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )
    assert reply.returncode == 2
    assert "--insecure" in reply.stderr


def test_node_error_snippet_reads_error_info_and_bad_request(served: Served) -> None:
    node = shutil.which("node")
    assert node, "node is not installed"
    reply = subprocess.run([node, str(REPO / "clients/node/errors.js"), served.address, served.token],
                           capture_output=True, text=True, timeout=60)
    assert json.loads(reply.stdout) == {"code": "INVALID_ARGUMENT", "reason": "INVALID_REQUEST", "fields": ["name"]}, \
        reply.stderr


def test_python_error_snippet_in_the_docs_reads_error_info_and_bad_request(
        served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    docs = (REPO / "docs/errors.md").read_text()
    snippet = re.search(r"```python\n(.*?)```", docs, re.DOTALL)
    assert snippet, "docs/errors.md lost its Python snippet"
    exec(compile(snippet.group(1), "docs/errors.md", "exec"), {"ADDRESS": served.address, "TOKEN": served.token})
    assert capsys.readouterr().out.splitlines() == ["INVALID_ARGUMENT INVALID_REQUEST", "['name']"]

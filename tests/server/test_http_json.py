"""HTTP/JSON through Envoy's gRPC-JSON transcoder, configured from deploy/envoy/envoy.yaml and
the descriptor set `make descriptor` builds: proves the protos' http annotations route."""

from __future__ import annotations

import json
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from server.embedded import EmbeddedServer
from tests.conftest import REPO

ENVOY = Path(sys.executable).parent / "envoy"
DESCRIPTOR = REPO / "build/api.pb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gateway(kc_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not ENVOY.exists() or not DESCRIPTOR.exists():
        pytest.fail("envoy or build/api.pb is missing: run `make setup descriptor` (make test does)")
    host, port = kc_server.address.rsplit(":", 1)
    http_port = _free_port()
    config = tmp_path_factory.mktemp("envoy") / "envoy.yaml"
    config.write_text(string.Template((REPO / "deploy/envoy/envoy.yaml").read_text()).substitute(
        HTTP_HOST="127.0.0.1", HTTP_PORT=http_port, DESCRIPTOR=DESCRIPTOR, GRPC_HOST=host, GRPC_PORT=port))
    process = subprocess.Popen([str(ENVOY), "-c", str(config), "--disable-hot-restart", "--log-level", "error",
                                "--base-id", str(http_port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", http_port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"envoy exited: {process.stderr.read().decode() if process.stderr else ''}")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{http_port}"
    process.terminate()
    process.wait(10)


@pytest.fixture()
def auth_headers(kc_server: EmbeddedServer) -> dict[str, str]:
    token = kc_server.settings.data_dir / "admin.token"
    return {"authorization": f"Bearer {token.read_text().strip()}"} if token.exists() else {}


def _call(url: str, method: str = "GET", body: dict[str, Any] | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_bad_request_becomes_http_400_with_field_violations(gateway: str, auth_headers: dict[str, str]) -> None:
    status, body = _call(f"{gateway}/v1/clusters/demo/namespaces/web/pods/api/containers/app:exec",
                         "POST", {}, auth_headers)
    assert status == 400
    assert body["code"] == 3
    kinds = {d["@type"].rsplit("/", 1)[-1]: d for d in body["details"]}
    assert kinds["google.rpc.BadRequest"]["fieldViolations"][0]["field"] == "command"
    assert kinds["google.rpc.ErrorInfo"]["metadata"]["request_id"]


def test_path_variables_reach_the_request(gateway: str, auth_headers: dict[str, str]) -> None:
    # The name in the URL becomes GetClusterRequest.name; a malformed one is refused by the server
    # (not by Envoy's router), which proves the binding.
    status, body = _call(f"{gateway}/v1/clusters/Not_A_Label", headers=auth_headers)
    assert status == 400, body
    assert "Not_A_Label" in body["message"]


def test_admin_routes_transcode(gateway: str, auth_headers: dict[str, str]) -> None:
    """AdminService over HTTP/JSON: a token created, listed and revoked; the audit log read with
    a filter; an unknown session's terminate is a 404 from its custom-method route."""
    status, made = _call(f"{gateway}/v1/tokens", "POST",
                         {"displayName": "http-made", "role": "viewer", "ttl": "3600s"}, auth_headers)
    assert status == 200 and made["secret"].startswith("kc_") and made["token"]["state"] == "STATE_ACTIVE"
    name = made["token"]["name"]
    status, listed = _call(f"{gateway}/v1/tokens?filter=display_name%20%3D%20http-made", headers=auth_headers)
    assert status == 200 and [t["name"] for t in listed["tokens"]] == [name]
    status, revoked = _call(f"{gateway}/v1/{name}", "DELETE", headers=auth_headers)
    assert status == 200 and revoked["state"] == "STATE_REVOKED"
    status, audit = _call(f"{gateway}/v1/auditEntries?filter=rpc%20%3D%20CreateToken&pageSize=1", headers=auth_headers)
    assert status == 200 and audit["auditEntries"][0]["rpc"].endswith("AdminService/CreateToken")
    status, missing = _call(f"{gateway}/v1/execSessions/nope:terminate", "POST", {}, auth_headers)
    assert status == 404 and missing["code"] == 5

"""McpService over HTTP/JSON through Envoy's transcoder: the tool catalogue, a tool call, and a
scan streamed as a JSON array of progress events ending with the scan."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from server.embedded import EmbeddedServer
from tests.server.test_http_json import _call, _envoy, _exchange


@pytest.fixture(scope="module")
def gateway(mcp_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _envoy(mcp_server.address, tmp_path_factory.mktemp("envoy")) as url:
        yield url


@pytest.fixture()
def headers(admin: str) -> dict[str, str]:
    return {"authorization": f"Bearer {admin}"}


def test_tools_are_listed_and_called_over_http(gateway: str, headers: dict[str, str]) -> None:
    status, body = _call(f"{gateway}/v1/tools?page_size=100", headers=headers)
    assert status == 200 and "get_logs" in {t["toolName"] for t in body["tools"]}
    status, body = _call(f"{gateway}/v1/tools/get_resource:call", "POST",
                         {"arguments": {"name": "clusters/demo/namespaces/ml/pods/inference"}}, headers)
    assert status == 200 and body["structuredContent"]["kind"] == "Pod"
    status, body = _call(f"{gateway}/v1/tools/nope:call", "POST", {}, headers)
    assert status == 404


def test_a_scan_streams_over_http(gateway: str, headers: dict[str, str]) -> None:
    status, _, raw = _exchange(f"{gateway}/v1/clusters/demo:scan", "POST",
                               {"namespaces": ["ml"], "categories": ["security"]}, headers)
    assert status == 200
    events = json.loads(raw)
    assert "progress" in events[0] and events[-1]["scan"]["state"] == "SCAN_STATE_SUCCEEDED"
    name = events[-1]["scan"]["name"]
    status, body = _call(f"{gateway}/v1/{name}", headers=headers)
    assert status == 200 and any(f["rule"] == "secret-in-env" for f in body["report"]["findings"])

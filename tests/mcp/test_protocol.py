"""The MCP server spoken to by the official MCP SDK's client, over stdio (`kubecommit mcp`, a real
subprocess) and over streamable HTTP next to the gRPC server: tools,
filtered logs, a scan that finds the seeded problems, a fix proposed as a draft branch that a
person merges, the rescan and its history; resources, prompts; tokens and roles enforced."""

from __future__ import annotations

import contextlib
import os
from typing import Any, AsyncIterator

import grpc
import httpx2
import jsonschema
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from kubecommit.v1 import admin_pb2, admin_pb2_grpc, mcp_pb2 as pb, yaml_versions_pb2 as vpb
from server.embedded import EmbeddedServer
from tests.cli.support import KUBECOMMIT
from tests.conftest import REPO
from tests.support.auth import with_token

POSTGRES = "clusters/demo/namespaces/shop/statefulsets.apps/postgres"


@contextlib.asynccontextmanager
async def over_stdio(server: EmbeddedServer, token: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=str(KUBECOMMIT), args=["--server", server.address, "mcp"],
                                   env={**os.environ, "KUBECOMMIT_TOKEN": token,
                                        "KUBECOMMIT_CONFIG": "/nonexistent/kubecommit/config.yaml"}, cwd=str(REPO))
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def http_url(server: EmbeddedServer) -> str:
    assert server.server.mcp_http is not None
    return f"http://{server.server.mcp_http.address}/mcp"


@contextlib.asynccontextmanager
async def over_http(server: EmbeddedServer, token: str) -> AsyncIterator[ClientSession]:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http, \
            streamable_http_client(http_url(server), http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        yield session


async def tool(session: ClientSession, tool_name: str, **arguments: Any) -> Any:
    return await session.call_tool(tool_name, arguments)


def text(result: Any) -> str:
    return result.content[0].text


async def test_stdio_tools_logs_scan_fix_merge_rescan(mcp_server: EmbeddedServer, admin: str, versions, mcp) -> None:
    async with over_stdio(mcp_server, admin) as session:
        names = {t.name for t in (await session.list_tools()).tools}
        assert {"get_logs", "scan_cluster", "propose_change", "apply_recommendations"} <= names

        pods = await tool(session, "list_resources", parent="clusters/demo", resource_type="pods", namespace="shop",
                          label_selector="app=payments-worker")
        pod = pods.structured_content["resources"][0]["name"].rpartition("/")[2]
        logs = await tool(session, "get_logs", query={
            "parent": "clusters/demo/namespaces/shop", "pod": pod, "previous": True,
            "filter": {"pattern": "panic|error|failed", "ignore_case": True}})
        assert not logs.is_error and "panic: failed to connect to database" in text(logs)
        assert "Listening on" not in text(logs)

        scanned = await tool(session, "scan_cluster", name="clusters/demo")
        report = scanned.structured_content["report"]
        rules = {(f["rule"], f["resource"].rpartition("/")[2]) for f in report["findings"]}
        assert ("secret-in-env", "notebook") in rules and ("pod-pending", "inference") in rules
        assert ("missing-limits", "postgres") in rules
        assert any(r == "crash-loop" and name.startswith("payments-worker-") for r, name in rules)
        assert all(f.get("remediation") for f in report["findings"])
        fid = next(f["id"] for f in report["findings"] if f["rule"] == "missing-limits" and f["resource"] == POSTGRES)

        # the same scan through gRPC gives the same findings (usage-based rules left out: live metrics move)
        stable = ["health", "configuration", "security"]
        via_mcp = await tool(session, "scan_cluster", name="clusters/demo", categories=stable)
        direct = list(mcp.ScanCluster(pb.ScanClusterRequest(name="clusters/demo", categories=stable)))[-1].scan
        assert {f.id for f in direct.report.findings} == {f["id"] for f in via_mcp.structured_content["report"]["findings"]}

        proposal = await tool(session, "apply_recommendations", name=scanned.structured_content["name"], findings=[fid])
        assert not proposal.is_error, text(proposal)
        branch = proposal.structured_content["branch"]
        [changed] = proposal.structured_content["resources"]
        added = {line[1:].strip() for line in changed["diff"]["unified_diff"].splitlines() if line.startswith("+")}
        assert "limits:" in added and "cpu: 500m" in added

    versions.MergeBranch(vpb.MergeBranchRequest(source=branch, message="limits for postgres"))
    async with over_stdio(mcp_server, admin) as session:
        rescanned = await tool(session, "scan_cluster", name="clusters/demo")
        report = rescanned.structured_content["report"]
        assert fid not in {f["id"] for f in report["findings"]}
        assert fid in {f["id"] for f in report.get("fixed", [])}
        history = await tool(session, "compare_scans", name=rescanned.structured_content["name"],
                             other=scanned.structured_content["name"])
        assert fid in {f["id"] for f in history.structured_content["fixed"]}


async def test_http_needs_a_token_and_respects_the_role(mcp_server: EmbeddedServer, viewer: str, admin: str) -> None:
    async with httpx2.AsyncClient(timeout=30) as http:
        refused = await http.post(http_url(mcp_server), json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert refused.status_code == 401
        forged = await http.post(http_url(mcp_server), json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                 headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401
    async with over_http(mcp_server, viewer) as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert tools["get_resource"].annotations.read_only_hint
        assert "propose_change" not in tools and "get_logs" not in tools  # not offered what the role lacks
        refused_tool = await tool(session, "propose_change", cluster="clusters/demo", message="no",
                                  manifest="apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: shop}\n")
        assert refused_tool.is_error and text(refused_tool).startswith("PERMISSION_DENIED")
        bad = await tool(session, "get_logs", query={"parent": "clusters/demo/namespaces/shop", "pod": "x",
                                                     "filter": {"levels": ["LOUD"]}})
        assert bad.is_error and "INVALID_ARGUMENT" in text(bad) and "levels" in text(bad)
        health = await tool(session, "get_resource", name="clusters/demo/namespaces/ml/pods/inference")
        assert not health.is_error
    # the same audit rows as direct CallTool calls: the refusal and the read, as the viewer
    with grpc.insecure_channel(mcp_server.address) as ch:
        rows = admin_pb2_grpc.AdminServiceStub(with_token(ch, admin)).ListAuditEntries(
            admin_pb2.ListAuditEntriesRequest(page_size=20)).audit_entries
    mine = [(r.code, list(r.targets)) for r in rows if r.caller == "viewer" and r.rpc.endswith("McpService/CallTool")]
    assert any(code == "PERMISSION_DENIED" for code, _ in mine)
    assert ("OK", ["clusters/demo/namespaces/ml/pods/inference"]) in mine


async def test_every_tool_declares_an_output_schema_its_results_fit(mcp_server: EmbeddedServer, admin: str) -> None:
    """Each tool's outputSchema comes from its result message; every tool is called over MCP and
    its structured result checked against it (the SDK's client checks too, and raises)."""
    checked: set[str] = set()
    async with over_http(mcp_server, admin) as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}

        async def fits(tool_name: str, **arguments: Any) -> dict[str, Any]:
            result = await tool(session, tool_name, **arguments)
            assert not result.is_error, text(result)
            schema = tools[tool_name].output_schema
            assert schema and schema["type"] == "object" and schema["properties"], tool_name
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
                result.structured_content)
            checked.add(tool_name)
            return result.structured_content

        await fits("list_clusters")
        await fits("get_cluster_health", name="clusters/demo")
        pods = await fits("list_resources", parent="clusters/demo", resource_type="pods", namespace="shop",
                          label_selector="app=payments-worker")
        await fits("get_resource", name=POSTGRES)
        query = {"parent": "clusters/demo/namespaces/shop", "previous": True,
                 "pod": pods["resources"][0]["name"].rpartition("/")[2]}
        logs = await fits("get_logs", query=query)  # LOG_VIEW_RAW: chunks of lines
        assert logs["chunks"] and all(chunk["data"] for chunk in logs["chunks"])
        entries = await fits("get_logs", query={**query, "view": "LOG_VIEW_FULL"})
        assert entries["entries"] and all(e["raw"] for e in entries["entries"])
        cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: schema-check, namespace: shop}\ndata: {k: v}\n"
        proposal = await fits("propose_change", cluster="clusters/demo", manifest=cm, message="schema check")
        resource = proposal["resources"][0]["name"]
        versions = await fits("list_versions", parent=resource, branch=proposal["branch"])
        assert versions["versions"][0]["commit"] == proposal["commit"]
        await fits("diff_versions", name=resource, **{"from": proposal["branch"], "to": "live"})
        scan = await fits("scan_cluster", name="clusters/demo", namespaces=["shop"], categories=["configuration"])
        await fits("list_scans")
        await fits("get_scan", name=scan["name"])
        await fits("compare_scans", name=scan["name"], other=scan["name"])
        patched = [f["id"] for f in scan["report"]["findings"] if f.get("patch")]
        await fits("apply_recommendations", name=scan["name"], findings=patched[:1], validate_only=True)
        assert checked == set(tools)  # every tool the admin is offered

        cut = await tool(session, "list_resources", parent="clusters/demo", resource_type="pods", page_size=500)
        assert "[output truncated" in text(cut) and cut.structured_content == {}  # fits: every field optional


async def test_http_resources_and_prompts(mcp_server: EmbeddedServer, admin: str) -> None:
    async with over_http(mcp_server, admin) as session:
        templates = (await session.list_resource_templates()).resource_templates
        assert {t.name for t in templates} == {"resource-yaml", "resource-history"}
        current = await session.read_resource(f"kubecommit://yaml/{POSTGRES}")
        assert '"kind": "StatefulSet"' in current.contents[0].text
        history = await session.read_resource(f"kubecommit://history/{POSTGRES}")
        assert history.contents[0].text
        prompts = {p.name for p in (await session.list_prompts()).prompts}
        assert "explain_pending_pod" in prompts
        prompt = await session.get_prompt("explain_pending_pod",
                                          {"pod": "clusters/demo/namespaces/ml/pods/inference"})
        body = prompt.messages[0].content.text
        assert "Pending" in body and "untolerated taint" in body


def test_kubecommit_mcp_without_a_token_says_so(tmp_path) -> None:
    from tests.cli.support import run
    result = run(None, "--server", "127.0.0.1:9", "--data-dir", str(tmp_path), "mcp")
    assert result.returncode != 0 and "needs a token" in result.stderr and not result.stdout

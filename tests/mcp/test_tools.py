"""Tools through McpService.ListTools/CallTool on a real channel: the catalogue carries schemas
generated from the request messages and the permission table, logs are filtered on the server
and capped, arguments are checked against the schema (the path in the error), proposals land on
a new draft branch and viewers may not make them, and every call leaves an audit row."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2

from kubecommit.v1 import admin_pb2, admin_pb2_grpc, mcp_pb2 as pb
from tests.support.auth import admin_token, with_token
from tests.support.status import details

GATEWAY_LIMITS = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: checkout
        image: ghcr.io/example/checkout:1.8.0
        resources:
          limits: {cpu: 750m, memory: 384Mi}
"""


def call(stub, tool: str, **arguments: Any) -> pb.CallToolResponse:
    args = struct_pb2.Struct()
    args.update(arguments)
    return stub.CallTool(pb.CallToolRequest(name=f"tools/{tool}", arguments=args))


def crashing_pod(stub) -> str:
    listed = call(stub, "list_resources", parent="clusters/demo", resource_type="pods", namespace="shop",
                  label_selector="app=payments-worker")
    return listed.structured_content["resources"][0]["name"].rpartition("/")[2]


def test_the_catalogue_has_schemas_from_the_request_messages_and_permissions(mcp, mcp_viewer) -> None:
    tools = {t.tool_name: t for t in mcp.ListTools(pb.ListToolsRequest(page_size=100)).tools}
    assert {"get_logs", "list_resources", "get_resource", "scan_cluster", "propose_change", "list_versions",
            "diff_versions", "get_scan", "apply_recommendations"} <= set(tools)
    logs = tools["get_logs"]
    assert logs.method == "kubecommit.v1.ContainersService/ListLogEntries" and not logs.mutating
    levels = logs.input_schema["properties"]["query"]["properties"]["filter"]["properties"]["levels"]
    assert "LOG_LEVEL_ERROR" in levels["items"]["enum"]
    propose = tools["propose_change"]
    assert propose.mutating and set(propose.input_schema["properties"]) == {"cluster", "manifest", "message",
                                                                            "namespace"}
    reads = mcp.ListTools(pb.ListToolsRequest(page_size=100, exclude_mutating=True)).tools
    assert {t.tool_name for t in reads} == {n for n, t in tools.items() if not t.mutating}
    assert "propose_change" not in {t.tool_name for t in reads}
    offered = {t.tool_name for t in mcp_viewer.ListTools(pb.ListToolsRequest(page_size=100)).tools}
    assert "scan_cluster" in offered and not offered & {"propose_change", "apply_recommendations", "get_logs"}


def test_logs_of_the_crash_looping_pod_filtered_to_errors(mcp) -> None:
    pod = crashing_pod(mcp)
    query = {"parent": "clusters/demo/namespaces/shop", "pod": pod, "previous": True}
    errors = {"pattern": "panic|error|fatal|failed", "ignore_case": True}
    result = call(mcp, "get_logs", query={**query, "filter": errors, "view": "LOG_VIEW_FULL"})
    assert not result.is_error
    entries = list(result.structured_content["entries"])
    assert entries and all(e["pod"] == pod for e in entries)
    assert any("panic: failed to connect to database" in e["raw"] for e in entries), entries
    assert not any("Listening on" in e["raw"] for e in entries)
    assert all(line.startswith(f"{pod}/") for line in result.text.splitlines())
    # Without a view the tool reads LOG_VIEW_RAW (it prints lines): chunks, the same lines printed.
    raw = call(mcp, "get_logs", query={**query, "filter": errors})
    assert raw.structured_content["chunks"] and "entries" not in raw.structured_content
    assert raw.text == result.text
    everything = call(mcp, "get_logs", query=query)
    assert len(everything.text.splitlines()) > len(entries)


def test_log_lines_are_capped_and_the_rest_offered_as_a_page(mcp) -> None:
    pod = crashing_pod(mcp)
    result = call(mcp, "get_logs", page_size=5000, query={"parent": "clusters/demo/namespaces/shop", "pod": pod})
    assert 0 < sum(chunk["line_count"] for chunk in result.structured_content["chunks"]) <= 200
    if "next_page_token" in result.structured_content:
        assert "page_token=" in result.text


def test_arguments_that_break_the_schema_name_the_path(mcp) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        call(mcp, "get_logs", query={"parent": "clusters/demo/namespaces/shop", "pod": "x",
                                     "filter": {"levels": ["LOUD"]}})
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "arguments.query.filter.levels[0]" in details(caught.value).violations
    with pytest.raises(grpc.RpcError) as extra:
        call(mcp, "list_resources", parent="clusters/demo", resource_type="pods", color="blue")
    assert "arguments" in details(extra.value).violations
    with pytest.raises(grpc.RpcError) as unknown:
        call(mcp, "delete_everything")
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_failing_tool_reports_it_in_the_result(mcp) -> None:
    result = call(mcp, "get_resource", name="clusters/demo/namespaces/shop/pods/no-such-pod")
    assert result.is_error and "NOT_FOUND" in result.text


def test_oversized_output_is_truncated_and_says_so(mcp) -> None:
    result = call(mcp, "list_resources", parent="clusters/demo", resource_type="pods", page_size=500)
    assert result.truncated and "[output truncated" in result.text and not result.HasField("structured_content")


def test_propose_change_writes_a_new_draft_branch_and_a_viewer_is_refused(mcp, mcp_viewer, mcp_server) -> None:
    result = call(mcp, "propose_change", cluster="clusters/demo", manifest=GATEWAY_LIMITS,
                  message="limits for checkout")
    assert not result.is_error, result.text
    data = result.structured_content
    assert data["branch"].startswith("branches/mcp-") and result.commit == data["commit"]
    assert "750m" in data["resources"][0]["diff"]["unified_diff"] and "dry run" in result.text
    again = call(mcp, "propose_change", cluster="clusters/demo", manifest=GATEWAY_LIMITS, message="again")
    assert again.structured_content["branch"] != data["branch"]  # a new branch every time

    with pytest.raises(grpc.RpcError) as refused:
        call(mcp_viewer, "propose_change", cluster="clusters/demo", manifest=GATEWAY_LIMITS, message="no")
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert details(refused.value).metadata["permission"] == "resources.apply"

    with grpc.insecure_channel(mcp_server.address) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(with_token(ch, admin_token(mcp_server.settings.data_dir)))
        rows = admin.ListAuditEntries(admin_pb2.ListAuditEntriesRequest(page_size=50)).audit_entries
    calls = [r for r in rows if r.rpc.endswith("McpService/CallTool")]
    assert any(r.code == "PERMISSION_DENIED" and r.caller == "viewer" for r in calls)
    assert any(r.code == "OK" and "clusters/demo" in r.targets for r in calls)


def test_scan_through_a_tool_matches_the_scan_through_grpc(mcp) -> None:
    result = call(mcp, "scan_cluster", name="clusters/demo", namespaces=["ml"], categories=["security"])
    assert not result.is_error
    tool_ids = {f["id"] for f in result.structured_content["report"]["findings"]}
    direct = list(mcp.ScanCluster(pb.ScanClusterRequest(name="clusters/demo", namespaces=["ml"],
                                                        categories=["security"])))[-1].scan
    assert tool_ids == {f.id for f in direct.report.findings}
    assert "secret-in-env" in result.text



def test_an_assistants_proposal_is_its_own_commit_and_a_person_merges_it(mcp_server, mcp, versions) -> None:
    from kubecommit.v1 import mcp_pb2_grpc, yaml_versions_pb2 as vpb
    from tests.support.auth import make_token
    manifest = GATEWAY_LIMITS.replace("750m", "650m")
    with grpc.insecure_channel(mcp_server.address) as ch:
        assistant = mcp_pb2_grpc.McpServiceStub(with_token(ch, make_token(mcp_server, "assistant", "operator")))
        result = call(assistant, "propose_change", cluster="clusters/demo", manifest=manifest, message="raise limits")
    assert not result.is_error, result.text
    branch = result.structured_content["branch"]
    commits = versions.ListCommits(vpb.ListCommitsRequest(branch=branch, page_size=5)).commits
    assert commits[0].author_name == "assistant" and commits[0].message.startswith("raise limits")
    merged = versions.MergeBranch(vpb.MergeBranchRequest(source=branch, message="reviewed: raise limits"))
    assert merged.commit and [r.name for r in merged.resources] == ["clusters/demo/namespaces/shop/deployments.apps/checkout"]
    live = call(mcp, "get_resource", name="clusters/demo/namespaces/shop/deployments.apps/checkout")
    [container] = live.structured_content["object"]["spec"]["template"]["spec"]["containers"]
    assert container["resources"]["limits"] == {"cpu": "650m", "memory": "384Mi"}

"""McpService: the tool catalogue and tool calls (server/services/mcp_tools.py), cluster scans
with history, and recommendations applied as one draft branch. Parses, calls the MCP domain
(server/mcp), converts (server/mcp/convert.py)."""

from __future__ import annotations

from typing import AsyncIterator

import grpc
from google.protobuf import json_format, struct_pb2

from kubecommit.v1 import mcp_pb2 as pb, mcp_pb2_grpc, yaml_versions_pb2
from server import context as calls
from server.errors import InvalidArgument
from server.filtering import parse_terms
from server.paging import offset_page
from server.mcp import convert
from server.mcp.history import CANCELLED, FAILED, RUNNING, SUCCEEDED
from server.mcp.recommend import draft_name
from server.mcp.scans import Progress
from server.runtime import Runtime
from server.services.clusters import ClustersServicer
from server.services.containers import ContainersServicer
from server.services.mcp_tools import (Output, Tool, Toolbox, comparison, last_of, log_lines, scan_summary,
                                       to_dict, unary)
from server.services.yaml_versions import YamlVersionsServicer
from server.versions import convert as versions_convert
from server.versions.common import branch_id

Context = grpc.aio.ServicerContext
_STATE_NAMES = {"RUNNING": RUNNING, "SUCCEEDED": SUCCEEDED, "FAILED": FAILED, "CANCELLED": CANCELLED}

V = "kubecommit.v1."
TOOLS = [
    Tool("list_clusters", V + "ClustersService/ListClusters", "List clusters",
         "The Kubernetes clusters kubecommit manages, with their state.", ("page_size", "page_token")),
    Tool("get_cluster_health", V + "ClustersService/GetClusterHealth", "Cluster health",
         "Health of one cluster (nodes, pods, components) with its issues. name: clusters/{cluster}."),
    Tool("list_resources", V + "ClustersService/ListResources", "List resources",
         "Objects of one kind in a cluster, live. parent: clusters/{cluster}; resource_type such as pods, "
         "deployments.apps; namespace optional; label_selector and field_selector filter server-side.",
         ("parent", "resource_type", "namespace", "label_selector", "field_selector", "page_size", "page_token")),
    Tool("get_resource", V + "ClustersService/GetResource", "Get a resource",
         "One live object, e.g. name: clusters/demo/namespaces/shop/deployments.apps/cart."),
    Tool("get_logs", V + "ContainersService/ListLogEntries", "Read container logs",
         "Log lines of a pod (or pods by label_selector), filtered on the server: query.filter.levels "
         "(e.g. [LOG_LEVEL_ERROR]), contains, pattern; query.previous for the crashed container. At most "
         "200 lines per call; page_token for more. query.parent: clusters/{cluster}/namespaces/{namespace}. "
         "Lines come as LOG_VIEW_RAW chunks unless query.view asks for entries (LOG_VIEW_FULL: each line's "
         "time, level, message and JSON fields).",
         ("query", "page_size", "page_token")),
    Tool("list_versions", V + "YamlVersionsService/ListVersions", "Versions of a resource",
         "The committed versions of one resource (who, when, why), newest first."),
    Tool("diff_versions", V + "YamlVersionsService/DiffVersions", "Diff two versions",
         "The difference between two versions of a resource, or a version and the live object."),
    Tool("scan_cluster", V + "McpService/ScanCluster", "Scan a cluster",
         "Runs the health, configuration, security, resources and cost rules over a cluster (or namespaces) "
         "and keeps the scan; findings carry evidence and remediations, many with a patch.", result=pb.Scan.DESCRIPTOR),
    Tool("list_scans", V + "McpService/ListScans", "List scans", "Past scans, newest first, with scores."),
    Tool("get_scan", V + "McpService/GetScan", "Get a scan", "One scan with its findings. name: scans/{scan}."),
    Tool("compare_scans", V + "McpService/CompareScans", "Compare scans",
         "Findings opened, fixed and still open between two scans of one cluster."),
    Tool("propose_change", V + "YamlVersionsService/ApplyManifest", "Propose a change",
         "Writes a manifest to a NEW draft branch after the cluster's dry run and returns the branch, its "
         "diff and the verdict. Nothing is applied to a cluster: a person reviews and merges the branch.",
         ("cluster", "manifest", "message", "namespace")),
    Tool("apply_recommendations", V + "McpService/ApplyRecommendations", "Turn findings into a draft",
         "Puts the patches of chosen findings of a scan into ONE new draft branch (diff and dry-run verdict); "
         "a person merges it.", ("name", "findings", "message", "validate_only")),
]


def tool_writes(request: pb.CallToolRequest) -> bool:
    """CallTool is a read RPC, but its mutating tools write the store: with replicas, those calls
    need the leader (followers forward them)."""
    tool = next((t for t in TOOLS if f"tools/{t.name}" == request.name), None)
    return tool is not None and tool.mutating


class McpServicer(mcp_pb2_grpc.McpServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        domain = runtime.domains.mcp
        self.scanner = domain.scanner
        self.proposals = domain.proposals
        # Tools run the RPCs' own servicers (server/services/mcp_tools.py).
        clusters, containers = ClustersServicer(runtime.domains.clusters), ContainersServicer(runtime)
        versions = YamlVersionsServicer(runtime.domains.versions)
        self.toolbox = Toolbox(TOOLS, {
            "list_clusters": unary(clusters.ListClusters), "get_cluster_health": unary(clusters.GetClusterHealth),
            "list_resources": unary(clusters.ListResources), "get_resource": unary(clusters.GetResource),
            "get_logs": log_lines(containers.ListLogEntries), "list_versions": unary(versions.ListVersions),
            "diff_versions": unary(versions.DiffVersions), "scan_cluster": last_of(self.ScanCluster, scan_summary),
            "list_scans": unary(self.ListScans), "get_scan": unary(self.GetScan),
            "compare_scans": comparison(self.CompareScans), "propose_change": self._propose,
            "apply_recommendations": unary(self.ApplyRecommendations),
        }, runtime.replication.check_writable if runtime.replication is not None else None)

    async def ListTools(self, request: pb.ListToolsRequest, context: Context) -> pb.ListToolsResponse:
        tools, token = offset_page(self.toolbox.list(request.exclude_mutating), ("tools", request.exclude_mutating),
                                   request.page_size, request.page_token)
        out = []
        for t in tools:
            schemas = struct_pb2.Struct(), struct_pb2.Struct()
            schemas[0].update(t.input_schema)
            schemas[1].update(t.output_schema)
            out.append(pb.Tool(name=f"tools/{t.name}", tool_name=t.name, title=t.title, description=t.description,
                               input_schema=schemas[0], output_schema=schemas[1], mutating=t.mutating,
                               destructive=t.destructive, method=t.method))
        return pb.ListToolsResponse(tools=out, next_page_token=token)

    async def CallTool(self, request: pb.CallToolRequest, context: Context) -> pb.CallToolResponse:
        arguments = json_format.MessageToDict(request.arguments) if request.HasField("arguments") else {}
        text, data, is_error, truncated, commit = await self.toolbox.call(request.name, arguments, context)
        out = pb.CallToolResponse(text=text, is_error=is_error, truncated=truncated, commit=commit)
        if data is not None:
            out.structured_content.update(data)
        return out

    async def _propose(self, request: yaml_versions_pb2.ApplyManifestRequest, context: Context) -> Output:
        branch = draft_name("mcp")
        result = await self.proposals.propose(cluster=request.cluster, manifest=request.manifest,
                                              message=request.message or "Proposed by an assistant",
                                              branch=branch, namespace=request.namespace)
        text = "\n".join([f"draft branch branches/{result.branch} (commit {result.commit}); the cluster accepted a "
                          f"server-side dry run of every document; a person reviews branches/{result.branch} and "
                          "merges it into main (YamlVersionsService.MergeBranch); nothing was applied to a cluster"]
                         + [a.diff.unified for a in result.resources])
        return Output(to_dict(versions_convert.apply_response(result)), text, result.commit)

    async def ScanCluster(self, request: pb.ScanClusterRequest, context: Context
                          ) -> AsyncIterator[pb.ScanClusterResponse]:
        caller = calls.current().caller
        async for event in self.scanner.scan(caller, request.name, list(request.namespaces),
                                             list(request.categories), request.min_severity):
            if isinstance(event, Progress):
                yield convert.progress(event)
            else:
                yield pb.ScanClusterResponse(scan=convert.scan(event))

    async def ListScans(self, request: pb.ListScansRequest, context: Context) -> pb.ListScansResponse:
        cluster = state = ""
        for term in parse_terms(request.filter, {"cluster": ("=",), "state": ("=",)}):
            if term.field == "cluster":
                cluster = term.value.removeprefix("clusters/")
            elif term.value not in _STATE_NAMES:
                raise InvalidArgument.field("filter", f"state is one of {', '.join(_STATE_NAMES)}")
            else:
                state = _STATE_NAMES[term.value]
        records = await self.scanner.list(calls.current().caller, cluster, state)
        page, token = offset_page(records, ("scans", request.filter, request.view), request.page_size,
                                  request.page_token)
        full = request.view == pb.SCAN_VIEW_FULL
        if full:
            page = [await self.scanner.get(calls.current().caller, r.id) for r in page]
        return pb.ListScansResponse(scans=[convert.scan(r, full) for r in page], next_page_token=token)

    async def GetScan(self, request: pb.GetScanRequest, context: Context) -> pb.Scan:
        full = request.view != pb.SCAN_VIEW_BASIC
        record = await self.scanner.get(calls.current().caller, convert.scan_id(request.name), full)
        return convert.scan(record, full)

    async def CompareScans(self, request: pb.CompareScansRequest, context: Context) -> pb.CompareScansResponse:
        other = convert.scan_id(request.other, "other") if request.other else ""
        return convert.comparison(*await self.scanner.compare(calls.current().caller, convert.scan_id(request.name),
                                                              other))

    async def ApplyRecommendations(self, request: pb.ApplyRecommendationsRequest, context: Context
                                   ) -> pb.ApplyRecommendationsResponse:
        record = await self.scanner.get(calls.current().caller, convert.scan_id(request.name))
        branch = branch_id(request.branch, "branch") if request.branch else ""
        return convert.proposal(await self.proposals.apply_findings(
            record, list(request.findings), branch, request.message, request.validate_only))


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    # The samplers' history, once the job system exists (built after the domains).
    runtime.domains.mcp.scanner.series = runtime.operations.series if runtime.operations is not None else None
    mcp_pb2_grpc.add_McpServiceServicer_to_server(McpServicer(runtime), server)

"""The MCP server: a thin adapter from the Model Context Protocol (official SDK, low-level server)
to McpService over gRPC. Every tool call, resource read and prompt goes through
McpService.CallTool with the caller's own token, so the MCP server has no rights of its own: the
gRPC server authenticates, checks permissions and scope, and audits exactly as for a direct
call.

Served over stdio by `kubecommit mcp` (clients/cli/mcp.py, server/mcpbridge/stdio.py) and over
streamable HTTP next to the gRPC server (server/mcpbridge/http.py).
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import unquote

import grpc
import mcp.types as types
from google.protobuf import json_format, struct_pb2
from mcp.server.lowlevel import Server

from kubecommit.v1 import mcp_pb2, mcp_pb2_grpc

# Resource URIs: a resource's current YAML and its committed history.
YAML_PREFIX = "kubecommit://yaml/"
HISTORY_PREFIX = "kubecommit://history/"
INSTRUCTIONS = (
    "kubecommit operates Kubernetes clusters whose every YAML change is a git commit. Read with the "
    "list/get/logs/scan tools. Changes are never applied by you: propose_change and apply_recommendations "
    "write a NEW draft branch with its diff and the cluster's dry-run verdict, which a person reviews and "
    "merges. Outputs are bounded; when one says it was truncated, ask for a page or a narrower query.")
PROMPTS = {
    "explain_pending_pod": types.Prompt(
        name="explain_pending_pod", title="Explain why a pod is Pending",
        description="Reads the pod and the scheduler's verdict, and explains what keeps it from running.",
        arguments=[types.PromptArgument(name="pod", required=True,
                                        description="clusters/{cluster}/namespaces/{namespace}/pods/{pod}")]),
    "review_scan": types.Prompt(
        name="review_scan", title="Review a cluster scan",
        description="Scans a cluster and asks for the most important problems and the fixes to propose.",
        arguments=[types.PromptArgument(name="cluster", required=True, description="clusters/{cluster}")]),
}

Token = Callable[[Any], str]


class Bridge:
    """MCP requests answered by McpService on `channel`; `token(ctx)` is the bearer token of the
    request (the CLI's own for stdio, the HTTP request's Authorization header over HTTP)."""

    def __init__(self, channel: grpc.aio.Channel, token: Token) -> None:
        self.stub = mcp_pb2_grpc.McpServiceStub(channel)
        self.token = token

    def server(self) -> Server:
        return Server("kubecommit", version="0.1.0", instructions=INSTRUCTIONS,
                      on_list_tools=self.list_tools, on_call_tool=self.call_tool,
                      on_list_resources=self.list_resources, on_list_resource_templates=self.list_templates,
                      on_read_resource=self.read_resource, on_list_prompts=self.list_prompts,
                      on_get_prompt=self.get_prompt)

    def _metadata(self, ctx: Any) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token(ctx)}")]

    async def list_tools(self, ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        response = await self.stub.ListTools(mcp_pb2.ListToolsRequest(page_size=100,
                                                                      page_token=(params and params.cursor) or ""),
                                             metadata=self._metadata(ctx))
        return types.ListToolsResult(tools=[types.Tool(
            name=t.tool_name, title=t.title, description=t.description,
            input_schema=json_format.MessageToDict(t.input_schema),
            output_schema=json_format.MessageToDict(t.output_schema) if t.HasField("output_schema") else None,
            annotations=types.ToolAnnotations(read_only_hint=not t.mutating, destructive_hint=t.destructive))
            for t in response.tools], next_cursor=response.next_page_token or None)

    async def tool(self, ctx: Any, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        """One CallTool; a refused call (permission, schema, unknown tool) is an error result the
        model can read, with the gRPC code."""
        args = struct_pb2.Struct()
        args.update(arguments)
        try:
            response = await self.stub.CallTool(mcp_pb2.CallToolRequest(name=f"tools/{name}", arguments=args),
                                                metadata=self._metadata(ctx))
        except grpc.aio.AioRpcError as error:
            return types.CallToolResult(content=[types.TextContent(
                type="text", text=f"{error.code().name}: {error.details()}")], is_error=True)
        # A result cut to fit (`truncated`; the text says how to get the rest) has no structure
        # over gRPC; MCP wants one that fits the tool's output schema, and `{}` does (proto3
        # JSON leaves every field optional).
        structured = json_format.MessageToDict(response.structured_content) \
            if response.HasField("structured_content") else None if response.is_error else {}
        return types.CallToolResult(content=[types.TextContent(type="text", text=response.text)],
                                    structured_content=structured, is_error=response.is_error)

    async def call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        return await self.tool(ctx, params.name, dict(params.arguments or {}))

    async def list_resources(self, ctx: Any, params: types.PaginatedRequestParams | None
                             ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[])

    async def list_templates(self, ctx: Any, params: types.PaginatedRequestParams | None
                             ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[
            types.ResourceTemplate(name="resource-yaml", title="A resource's current YAML", mime_type="application/json",
                                   uri_template=YAML_PREFIX + "clusters/{cluster}/namespaces/{namespace}/{type}/{name}"),
            types.ResourceTemplate(name="resource-history", title="A resource's committed versions",
                                   mime_type="application/json",
                                   uri_template=HISTORY_PREFIX + "clusters/{cluster}/namespaces/{namespace}/{type}/{name}"),
        ])

    async def read_resource(self, ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri.startswith(YAML_PREFIX):
            result = await self.tool(ctx, "get_resource", {"name": unquote(uri.removeprefix(YAML_PREFIX))})
        elif uri.startswith(HISTORY_PREFIX):
            result = await self.tool(ctx, "list_versions", {"parent": unquote(uri.removeprefix(HISTORY_PREFIX))})
        else:
            raise ValueError(f"unknown resource {uri}; see resources/templates/list")
        text = result.content[0].text if result.content else ""
        if result.is_error:
            raise ValueError(text)
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type="application/json",
                                                                             text=text)])

    async def list_prompts(self, ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=list(PROMPTS.values()))

    async def get_prompt(self, ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
        args = dict(params.arguments or {})
        if params.name == "explain_pending_pod":
            pod = args.get("pod", "")
            found = await self.tool(ctx, "get_resource", {"name": pod})
            text = (f"Explain why the pod {pod} is Pending, in plain words, and what would let it run. Its current "
                    "state (status.conditions carry the scheduler's message) follows; the scan_cluster tool "
                    "reports the untolerated taints, and propose_change can draft a fix for a person to merge.\n\n"
                    + _bounded(found))
        elif params.name == "review_scan":
            cluster = args.get("cluster", "")
            found = await self.tool(ctx, "scan_cluster", {"name": cluster})
            text = (f"Here is a fresh scan of {cluster}. Name the most important problems first, say why they "
                    "matter, and which findings' patches to turn into a draft branch with apply_recommendations."
                    "\n\n" + _bounded(found))
        else:
            raise ValueError(f"unknown prompt {params.name!r}")
        return types.GetPromptResult(description=PROMPTS[params.name].description, messages=[
            types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))])


def _bounded(result: types.CallToolResult) -> str:
    text = result.content[0].text if result.content else ""
    return ("(the tool refused: " + text + ")") if result.is_error else text

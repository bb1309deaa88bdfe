"""The MCP tool catalogue, generated from the contract: each tool is one RPC of the kubecommit
API, its argument schema is the JSON Schema of that RPC's request message (or the fields of it
the tool exposes), and it needs the permission the permission table gives that RPC.

A call validates the arguments against the schema (the failing schema path in the error),
parses them into the request message, checks the caller exactly as the interceptor checks a
direct call of the RPC (role permission and every name against the token's scope), runs the
RPC's own servicer method and bounds what goes back to the model. CallTool over gRPC and the
MCP server (which calls CallTool) therefore share one code path, its checks and its audit rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable

import grpc
import jsonschema
from google.api import field_behavior_pb2
from google.protobuf import descriptor, json_format, message_factory
from google.protobuf.message import Message

from kubecommit.v1 import common_pb2, containers_pb2, mcp_pb2
from server import contract, context
from server.errors import InvalidArgument, KubecommitError, NotFound, PermissionDenied
from server.security.permissions import RULES, Permission
from server.security.roles import permissions_of
from server.security.scope import check_targets, require, targets

# What one answer may hold: enough for a model to reason about, little enough for its context.
MAX_TEXT = 24_000
MAX_LOG_LINES = 200

_SCALARS = {
    descriptor.FieldDescriptor.TYPE_STRING: {"type": "string"},
    descriptor.FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    descriptor.FieldDescriptor.TYPE_INT32: {"type": "integer"},
    descriptor.FieldDescriptor.TYPE_INT64: {"type": "integer"},
    descriptor.FieldDescriptor.TYPE_UINT32: {"type": "integer", "minimum": 0},
    descriptor.FieldDescriptor.TYPE_UINT64: {"type": "integer", "minimum": 0},
    descriptor.FieldDescriptor.TYPE_DOUBLE: {"type": "number"},
    descriptor.FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    descriptor.FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}
# Protobuf's JSON mapping writes 64-bit integers as strings (arguments may be either).
_OUTPUT_SCALARS = {
    **_SCALARS,
    descriptor.FieldDescriptor.TYPE_INT64: {"type": "string", "pattern": "^-?[0-9]+$"},
    descriptor.FieldDescriptor.TYPE_UINT64: {"type": "string", "pattern": "^[0-9]+$"},
}
_WELL_KNOWN = {
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.Value": {},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}, "required": ["@type"]},
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": "^-?[0-9.]+s$"},
    "google.protobuf.FieldMask": {"type": "string"},
}


def _required(fd: descriptor.FieldDescriptor) -> bool:
    options = fd.GetOptions()
    return field_behavior_pb2.REQUIRED in options.Extensions[field_behavior_pb2.field_behavior]


def _output_only(fd: descriptor.FieldDescriptor) -> bool:
    behaviors = fd.GetOptions().Extensions[field_behavior_pb2.field_behavior]
    return field_behavior_pb2.OUTPUT_ONLY in behaviors


def _value_schema(fd: descriptor.FieldDescriptor, depth: int, output: bool) -> dict[str, Any]:
    if fd.enum_type is not None:  # a request never sends the zero value; a response may hold it
        return {"type": "string", "enum": [v.name for v in fd.enum_type.values if output or v.number != 0]}
    if fd.message_type is not None:
        known = _WELL_KNOWN.get(fd.message_type.full_name)  # `{}` (any value) is one
        return dict(known) if known is not None else message_schema(fd.message_type, depth=depth + 1, output=output)
    return dict((_OUTPUT_SCALARS if output else _SCALARS)[fd.type])


def message_schema(message: descriptor.Descriptor, only: tuple[str, ...] = (), depth: int = 0,
                   hints: dict[str, str] | None = None, output: bool = False) -> dict[str, Any]:
    """JSON Schema of a message as protobuf's JSON mapping writes it with proto field names
    (enums by name; maps as objects), limited to the fields in `only` when given. A request's
    schema (a tool's arguments) leaves out OUTPUT_ONLY fields and lists REQUIRED ones; with
    `output`, a response's (a tool's structured result) has every field and none required,
    since proto3's JSON leaves out fields at their default."""
    if depth > 4:
        return {"type": "object"}
    properties: dict[str, Any] = {}
    required = []
    for fd in message.fields:
        if (only and fd.name not in only) or (_output_only(fd) and not output):
            continue
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            value = _value_schema(fd.message_type.fields_by_name["value"], depth, output)
            schema: dict[str, Any] = {"type": "object", "additionalProperties": value}
        elif fd.is_repeated:
            schema = {"type": "array", "items": _value_schema(fd, depth, output)}
        else:
            schema = _value_schema(fd, depth, output)
        if hints and fd.name in hints:
            schema["description"] = hints[fd.name]
        properties[fd.name] = schema
        if _required(fd) and not output:
            required.append(fd.name)
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


@dataclass
class Output:
    """What a tool returns before bounding: a structure, and optionally its own text for the model."""

    data: dict[str, Any]
    text: str = ""
    commit: str = ""
    # How to ask for more, said when the text is cut.
    more: str = ""


Runner = Callable[[Message, grpc.aio.ServicerContext], Awaitable[Output]]


@dataclass
class Tool:
    name: str
    method: str  # `kubecommit.v1.{Service}/{Method}`
    title: str
    description: str
    only: tuple[str, ...] = ()
    hints: dict[str, str] = field(default_factory=dict)
    destructive: bool = False
    # The message the structured result is (its JSON); the RPC's response when not given.
    result: descriptor.Descriptor | None = None

    @property
    def method_descriptor(self) -> descriptor.MethodDescriptor:
        service, _, method = self.method.partition("/")
        return contract.SERVICES[service.rpartition(".")[2]].methods_by_name[method]

    @property
    def permission(self) -> Permission:
        return RULES[f"/{self.method}"].permission

    @property
    def mutating(self) -> bool:
        return self.permission.mutates

    @property
    def input_schema(self) -> dict[str, Any]:
        return message_schema(self.method_descriptor.input_type, self.only, hints=self.hints)

    @property
    def output_schema(self) -> dict[str, Any]:
        """MCP `outputSchema`: the JSON Schema of the structured result's message."""
        return message_schema(self.result or self.method_descriptor.output_type, output=True)

    def request(self, arguments: dict[str, Any]) -> Message:
        """The request message the arguments describe; InvalidArgument names the schema path that
        failed (`arguments.query.filter.levels[0]`)."""
        errors = sorted(jsonschema.Draft202012Validator(self.input_schema).iter_errors(arguments),
                        key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            path = "arguments" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.absolute_path)
            raise InvalidArgument.field(path, f"{first.message} (schema: {'/'.join(map(str, first.absolute_schema_path))})",
                                        "SCHEMA_VIOLATION")
        request = message_factory.GetMessageClass(self.method_descriptor.input_type)()
        try:
            json_format.ParseDict(arguments, request)
        except json_format.ParseError as error:
            raise InvalidArgument.field("arguments", str(error), "SCHEMA_VIOLATION") from None
        return request


def authorize_call(tool: Tool, request: Message) -> None:
    """The checks the interceptor makes for a direct call of the tool's RPC."""
    call = context.current()
    rule = RULES[f"/{tool.method}"]
    require(call.caller, rule.permission)
    found = targets(request)
    check_targets(call.caller, rule, found, first=True)
    call.targets.extend(t.name for t in found)


def to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def bounded(out: Output) -> tuple[str, dict[str, Any] | None, bool]:
    """The text for the model, the structure when it fits, and whether it was cut."""
    text = out.text or json.dumps(out.data, indent=1, sort_keys=False, default=str)
    if len(text) <= MAX_TEXT:
        return text, out.data, False
    more = out.more or "ask for less: a smaller page_size, a narrower filter or one namespace"
    return (text[:MAX_TEXT] + f"\n[output truncated: {MAX_TEXT} of {len(text)} characters shown; {more}]",
            None, True)


class Toolbox:
    """The catalogue and the runners; `runners` maps a tool name to how it runs (the RPC's own
    servicer method, with what the tool adds)."""

    def __init__(self, tools: list[Tool], runners: dict[str, Runner],
                 writable: Callable[[], None] | None = None) -> None:
        self.tools = {t.name: t for t in tools}
        self.runners = runners
        # Raises unless this replica may write the store (replicas: only the leader); CallTool is
        # a read RPC to the replication layer, so each mutating tool asks here, as its RPC would.
        self.writable = writable

    def list(self, exclude_mutating: bool) -> list[Tool]:
        """The tools the caller's role may use (a model is not offered what it would be refused)."""
        granted = permissions_of(context.current().caller.role)
        return [t for t in self.tools.values() if t.permission in granted and not (exclude_mutating and t.mutating)]

    def get(self, name: str) -> Tool:
        tool_name = name.removeprefix("tools/")
        tool = self.tools.get(tool_name)
        if tool is None or tool_name == name:
            raise NotFound(f"no tool {name!r}; ListTools names them", "UNKNOWN_TOOL", metadata={"tool": name})
        return tool

    async def call(self, name: str, arguments: dict[str, Any], ctx: grpc.aio.ServicerContext
                   ) -> tuple[str, dict[str, Any] | None, bool, bool, str]:
        """(text, structure, is_error, truncated, commit). Permission and argument errors are
        raised (the call is refused); what goes wrong while the tool runs is its result."""
        tool = self.get(name)
        request = tool.request(arguments)
        authorize_call(tool, request)
        if tool.mutating and self.writable is not None:
            self.writable()
        try:
            out = await self.runners[tool.name](request, ctx)
        except PermissionDenied:
            raise
        except KubecommitError as error:
            return f"{tool.name} failed: {error.message} ({error.code} {error.reason})", None, True, False, ""
        text, data, truncated = bounded(out)
        return text, data, False, truncated, out.commit


def unary(method: Callable[[Message, grpc.aio.ServicerContext], Awaitable[Message]]) -> Runner:
    async def run(request: Message, ctx: grpc.aio.ServicerContext) -> Output:
        response = await method(request, ctx)
        data = to_dict(response)
        more = f"pass page_token={data['next_page_token']!r} for the next page" if data.get("next_page_token") else ""
        return Output(data, more=more)
    return run


def last_of(method: Callable[[Message, grpc.aio.ServicerContext], AsyncIterator[Message]],
            summarize: Callable[[Message], Output]) -> Runner:
    """A server-streaming RPC as a tool: its last message (progress dropped), summarized."""
    async def run(request: Message, ctx: grpc.aio.ServicerContext) -> Output:
        last = None
        async for last in method(request, ctx):
            pass
        assert last is not None
        return summarize(last)
    return run


def log_lines(method: Callable[[Message, grpc.aio.ServicerContext], Awaitable[Message]]) -> Runner:
    """ListLogEntries with a hard cap on lines, answered as plain log lines (of the chunks
    LOG_VIEW_RAW and `chunked` queries answer with, or of entries). The tool prints lines, so a query
    without a view reads LOG_VIEW_RAW, the cheapest (an unset view would mean FULL entries, a
    parsed message and JSON fields per line the text never shows); a view asked for is kept."""
    async def run(request: Message, ctx: grpc.aio.ServicerContext) -> Output:
        assert isinstance(request, containers_pb2.ListLogEntriesRequest)
        request.page_size = min(request.page_size or MAX_LOG_LINES, MAX_LOG_LINES)
        if not request.query.view:
            request.query.view = containers_pb2.LOG_VIEW_RAW
        response = await method(request, ctx)
        lines = [f"{e.pod}/{e.container} {e.raw}" for e in response.entries]
        lines += [f"{c.pod}/{c.container} {line}" for c in response.chunks for line in _chunk_lines(c.data)]
        text = "\n".join(lines) or "(no log lines matched)"
        more = f"pass page_token={response.next_page_token!r} for the next {request.page_size} lines" \
            if response.next_page_token else ""
        if more:
            text += f"\n[{len(lines)} lines shown (at most {MAX_LOG_LINES} per call); {more}]"
        return Output(to_dict(response), text, more=more)
    return run


def _chunk_lines(data: bytes) -> list[str]:
    """A LogChunk's lines as text: invalid UTF-8 replaced, without newline or `\r`."""
    lines = data.decode("utf-8", "replace").split("\n")
    if not lines[-1]:
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _finding_line(f: mcp_pb2.Finding) -> str:
    severity = common_pb2.Severity.Name(f.severity).removeprefix("SEVERITY_")
    return f"[{severity}] {f.rule} {f.resource}: {f.message}{' (patch available)' if f.HasField('patch') else ''} id={f.id}"


def comparison(method: Callable[[Message, grpc.aio.ServicerContext], Awaitable[Message]]) -> Runner:
    """CompareScans as a tool: what opened and what was fixed in full, what stayed open by id,
    rule, resource and severity only (the model saw those findings in the scans)."""
    async def run(request: Message, ctx: grpc.aio.ServicerContext) -> Output:
        response = await method(request, ctx)
        assert isinstance(response, mcp_pb2.CompareScansResponse)
        brief = [mcp_pb2.Finding(id=f.id, rule=f.rule, resource=f.resource, severity=f.severity)
                 for f in response.still_open]
        data = to_dict(mcp_pb2.CompareScansResponse(opened=response.opened, fixed=response.fixed, still_open=brief))
        lines = [f"{len(response.opened)} opened, {len(response.fixed)} fixed, {len(response.still_open)} still open"]
        lines += ["opened: " + _finding_line(f) for f in response.opened]
        lines += ["fixed: " + _finding_line(f) for f in response.fixed]
        return Output(data, "\n".join(lines))
    return run


def scan_summary(last: Message) -> Output:
    assert isinstance(last, mcp_pb2.ScanClusterResponse)
    data = to_dict(last.scan)
    report = last.scan.report
    lines = [f"scan {last.scan.name} of {last.scan.cluster}: score {report.score}, "
             f"{len(report.findings)} findings, {len(report.fixed)} fixed since the previous scan"]
    lines += [f"warning: {w}" for w in report.warnings]
    lines += [_finding_line(f) for f in report.findings]
    return Output(data, "\n".join(lines), more=f"call get_scan with name={last.scan.name!r} for the full report")

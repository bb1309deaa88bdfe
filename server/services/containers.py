"""ContainersService: parse the request, call the containers domain (server/containers), answer."""

from __future__ import annotations

from typing import AsyncIterator, Sequence

import grpc
from google.protobuf import empty_pb2

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc
from server.containers import convert
from server.containers.exports import export_logs, validate_format
from server.containers.interactive import exec_stream
from server.containers.streams import LogFollow, Response
from server.runtime import Runtime

Context = grpc.aio.ServicerContext


class ContainersServicer(containers_pb2_grpc.ContainersServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.domain = runtime.domains.containers

    async def ListContainers(self, request: pb.ListContainersRequest, context: Context) -> pb.ListContainersResponse:
        found, token = await self.domain.list_containers(request.parent, request.label_selector, request.pod,
                                                         request.page_size, request.page_token)
        return convert.containers_page(found, token)

    async def ListLogEntries(self, request: pb.ListLogEntriesRequest, context: Context) -> pb.ListLogEntriesResponse:
        query = convert.parse_query(request.query)
        return convert.log_entries_page(
            await self.domain.list_log_entries(query, request.page_size, request.page_token))

    async def StreamLogs(self, request_iterator: AsyncIterator[pb.StreamLogsRequest],
                         context: Context) -> AsyncIterator[Response]:
        query = await convert.log_query(request_iterator)
        follow = LogFollow(await self.domain.connect(query), query, self.runtime.settings.stream_heartbeat_seconds)
        async for response in follow.run(request_iterator):
            yield response

    async def ExportLogs(self, request: pb.ExportLogsRequest, context: Context) -> AsyncIterator[pb.ExportLogsResponse]:
        validate_format(request.format)
        query = convert.parse_query(request.query)
        async for chunk in export_logs(await self.domain.connect(query), query, convert.query_record(request.query),
                                       request.format, self.domain.records):
            yield convert.export_chunk(chunk)

    async def ListLogExports(self, request: pb.ListLogExportsRequest, context: Context) -> pb.ListLogExportsResponse:
        return convert.log_exports_page(*await self.domain.records.list_exports(request.page_size,
                                                                                 request.page_token))

    async def Exec(self, request: pb.ExecRequest, context: Context) -> pb.ExecResponse:
        return convert.exec_response(await self.domain.executor.exec(
            request.container, list(request.command), stdin=request.stdin, timeout=convert.timeout_seconds(request),
            working_dir=request.working_dir))

    async def ExecStream(self, request_iterator: AsyncIterator[pb.ExecStreamRequest],
                         context: Context) -> AsyncIterator[pb.ExecStreamResponse]:
        start = await convert.exec_start(request_iterator)
        async for event in exec_stream(self.domain.executor, start, convert.exec_frames(request_iterator),
                                       self.runtime.settings.stream_heartbeat_seconds):
            yield convert.exec_event(event)

    async def ListExecSessions(self, request: pb.ListExecSessionsRequest,
                               context: Context) -> pb.ListExecSessionsResponse:
        return convert.exec_sessions_page(*await self.domain.records.list_sessions(
            request.parent, request.caller, request.page_size, request.page_token))

    async def GetExecSession(self, request: pb.GetExecSessionRequest, context: Context) -> pb.ExecSession:
        return convert.exec_session(await self.domain.records.get_session(request.name))

    async def GetExecPolicy(self, request: pb.GetExecPolicyRequest, context: Context) -> pb.ExecPolicy:
        return convert.exec_policy(await self.domain.policies.get(request.name))

    async def UpdateExecPolicy(self, request: pb.UpdateExecPolicyRequest, context: Context) -> pb.ExecPolicy:
        return convert.exec_policy(await self.domain.policies.update(*convert.policy_update(request)))

    async def ListFiles(self, request: pb.ListFilesRequest, context: Context) -> pb.ListFilesResponse:
        return convert.listing(await self.domain.files.list(request.container, request.path, request.recursive,
                                                            request.limit))

    async def DownloadFile(self, request: pb.DownloadFileRequest,
                           context: Context) -> AsyncIterator[pb.DownloadFileResponse]:
        async for chunk in self.domain.files.download(request.container, request.path):
            yield convert.download_chunk(chunk)

    async def UploadFile(self, request_iterator: AsyncIterator[pb.UploadFileRequest],
                         context: Context) -> pb.UploadFileResponse:
        target = await convert.upload_target(request_iterator)
        return convert.uploaded(await self.domain.files.upload(target, convert.upload_data(request_iterator)))

    async def DeleteFile(self, request: pb.DeleteFileRequest, context: Context) -> empty_pb2.Empty:
        await self.domain.files.delete(request.container, request.path, request.recursive)
        return empty_pb2.Empty()


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    containers_pb2_grpc.add_ContainersServiceServicer_to_server(ContainersServicer(runtime), _Registration(server))


def _serialize_stream_logs(response: Response) -> bytes:
    """StreamLogs' responses: messages, or bytes already encoded (chunks of lines, see
    convert.encoded_with_chunks), sent as they are."""
    return response if type(response) is bytes else response.SerializeToString()


class _Registration:
    """Passes the generated registration's handlers on to the server, StreamLogs' with the
    serializer above (the generated code gives every method its message's SerializeToString).
    It relies on the generated code calling both methods below, as gen/ (grpcio-tools 1.85) does; one
    that stopped calling the second would register nothing, which every containers test shows."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self.server = server

    def add_generic_rpc_handlers(self, handlers: Sequence[grpc.GenericRpcHandler]) -> None:
        pass  # made again from the same handlers in add_registered_method_handlers, called next

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        handlers = {**handlers, "StreamLogs": handlers["StreamLogs"]._replace(response_serializer=_serialize_stream_logs)}
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, handlers),))
        self.server.add_registered_method_handlers(service, handlers)


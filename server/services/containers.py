"""ContainersService: parse the request, call the containers domain (server/containers), answer."""

from __future__ import annotations

from typing import AsyncIterator

import grpc
from google.protobuf import empty_pb2

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc
from server import context, paging
from server.containers import Containers
from server.containers.exports import export_logs, validate_format
from server.containers.interactive import exec_stream
from server.containers.inventory import list_containers
from server.containers.logs import Query, add_entries, collect, page_offset, page_token
from server.containers.policy import PolicyName
from server.containers.streams import LogFollow
from server.errors import InvalidArgument
from server.kube import ClusterConnection
from server.names import parse_namespace_parent
from server.runtime import Runtime

Context = grpc.aio.ServicerContext
DEFAULT_PAGE = 1000
MAX_PAGE = 5000


class ContainersServicer(containers_pb2_grpc.ContainersServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.domain = Containers.create(runtime)

    async def _query(self, query: pb.LogQuery, prefix: str = "query") -> tuple[Query, ClusterConnection]:
        parsed = Query.parse(query, prefix)
        conn = await self.runtime.pool.get(parsed.cluster)
        context.current().targets.append(query.parent + (f"/pods/{query.pod}" if query.pod else ""))
        return parsed, conn

    async def ListContainers(self, request: pb.ListContainersRequest, context: Context) -> pb.ListContainersResponse:
        cluster, namespace = parse_namespace_parent(request.parent)
        return await list_containers(await self.runtime.pool.get(cluster), namespace, request)

    async def ListLogEntries(self, request: pb.ListLogEntriesRequest, context: Context) -> pb.ListLogEntriesResponse:
        query, conn = await self._query(request.query)
        size = paging.page_size(request.page_size, default=DEFAULT_PAGE, maximum=MAX_PAGE)
        offset = page_offset(request.page_token, query)
        entries = await collect(conn, query)
        page = entries[offset:offset + size]
        response = pb.ListLogEntriesResponse(has_more=offset + size < len(entries))
        add_entries(response.entries, page)
        if response.has_more:
            response.next_page_token = page_token(offset + size, query)
        return response

    async def StreamLogs(self, request_iterator: AsyncIterator[pb.StreamLogsRequest],
                         context: Context) -> AsyncIterator[pb.StreamLogsResponse]:
        try:
            first = await anext(request_iterator)
        except StopAsyncIteration:
            raise InvalidArgument.field("query", "the stream ended before the query") from None
        if first.WhichOneof("control") != "query":
            raise InvalidArgument.field("query", "the first message must carry the query")
        query, conn = await self._query(first.query)
        async for response in LogFollow(conn, query).run(request_iterator):
            yield response

    async def ExportLogs(self, request: pb.ExportLogsRequest, context: Context) -> AsyncIterator[pb.ExportLogsResponse]:
        validate_format(request.format)
        query, conn = await self._query(request.query)
        async for response in export_logs(conn, query, request.format, self.domain.records):
            yield response

    async def ListLogExports(self, request: pb.ListLogExportsRequest, context: Context) -> pb.ListLogExportsResponse:
        exports, token = await self.domain.records.list_exports(request.page_size, request.page_token)
        return pb.ListLogExportsResponse(exports=exports, next_page_token=token)

    async def Exec(self, request: pb.ExecRequest, context: Context) -> pb.ExecResponse:
        return await self.domain.executor.exec(request)

    async def ExecStream(self, request_iterator: AsyncIterator[pb.ExecStreamRequest],
                         context: Context) -> AsyncIterator[pb.ExecStreamResponse]:
        async for response in exec_stream(self.domain.executor, request_iterator):
            yield response

    async def ListExecSessions(self, request: pb.ListExecSessionsRequest,
                               context: Context) -> pb.ListExecSessionsResponse:
        sessions, token = await self.domain.records.list_sessions(request.parent, request.caller,
                                                                  request.page_size, request.page_token)
        return pb.ListExecSessionsResponse(sessions=sessions, next_page_token=token)

    async def GetExecSession(self, request: pb.GetExecSessionRequest, context: Context) -> pb.ExecSession:
        if not request.name.startswith("execSessions/") or request.name.count("/") != 1:
            raise InvalidArgument.field("name", f"{request.name!r} is not an exec session name (execSessions/{{id}})")
        return await self.domain.records.get_session(request.name)

    async def GetExecPolicy(self, request: pb.GetExecPolicyRequest, context: Context) -> pb.ExecPolicy:
        name = PolicyName.parse(request.name, "name")
        await self.runtime.clusters.get(name.cluster)
        return await self.domain.policies.get(name)

    async def UpdateExecPolicy(self, request: pb.UpdateExecPolicyRequest, context: Context) -> pb.ExecPolicy:
        name = PolicyName.parse(request.policy.name, "policy.name")
        await self.runtime.clusters.get(name.cluster)
        return await self.domain.policies.update(request.policy, request.update_mask)

    async def ListFiles(self, request: pb.ListFilesRequest, context: Context) -> pb.ListFilesResponse:
        return await self.domain.files.list(request)

    async def DownloadFile(self, request: pb.DownloadFileRequest,
                           context: Context) -> AsyncIterator[pb.DownloadFileResponse]:
        async for response in self.domain.files.download(request):
            yield response

    async def UploadFile(self, request_iterator: AsyncIterator[pb.UploadFileRequest],
                         context: Context) -> pb.UploadFileResponse:
        return await self.domain.files.upload(request_iterator)

    async def DeleteFile(self, request: pb.DeleteFileRequest, context: Context) -> empty_pb2.Empty:
        await self.domain.files.delete(request)
        return empty_pb2.Empty()


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    containers_pb2_grpc.add_ContainersServiceServicer_to_server(ContainersServicer(runtime), server)


"""CrdService: parse the request, call the CRD domain (server/crds), convert the answer."""

from __future__ import annotations

import grpc

from kubecommit.v1 import crd_pb2 as pb, crd_pb2_grpc
from server.crds import Crds, convert
from server.runtime import Runtime

Context = grpc.aio.ServicerContext


class CrdServicer(crd_pb2_grpc.CrdServiceServicer):
    def __init__(self, crds: Crds) -> None:
        self.crds = crds

    async def ListCustomResourceDefinitions(self, request: pb.ListCustomResourceDefinitionsRequest,
                                            context: Context) -> pb.ListCustomResourceDefinitionsResponse:
        return convert.crd_page(await self.crds.list(request.parent, request.group, request.count_objects,
                                                     request.page_size, request.page_token))

    async def GetCustomResourceDefinition(self, request: pb.GetCustomResourceDefinitionRequest,
                                          context: Context) -> pb.CustomResourceDefinition:
        return convert.crd_message(await self.crds.get(request.name, request.count_objects))

    async def CompareCustomResourceDefinitions(self, request: pb.CompareCustomResourceDefinitionsRequest,
                                               context: Context) -> pb.CompareCustomResourceDefinitionsResponse:
        return convert.comparison(await self.crds.compare(request.name, list(request.clusters)))

    async def GetCustomResourceSchema(self, request: pb.GetCustomResourceSchemaRequest,
                                      context: Context) -> pb.CustomResourceSchema:
        return convert.schema_message(await self.crds.schema(request.name, request.version, request.field_path))

    async def ListCustomObjectRows(self, request: pb.ListCustomObjectRowsRequest,
                                   context: Context) -> pb.ListCustomObjectRowsResponse:
        return convert.rows_message(await self.crds.rows(
            request.parent, request.version, request.namespace, request.label_selector, request.field_selector,
            request.page_size, request.page_token))

    async def ValidateCustomObject(self, request: pb.ValidateCustomObjectRequest,
                                   context: Context) -> pb.ValidateCustomObjectResponse:
        return convert.validation_message(await self.crds.validate(
            request.parent, request.manifest, convert.custom_object(request.custom_object),
            request.validate_in_cluster))

    async def CheckCustomResourceDefinitionUpdate(self, request: pb.CheckCustomResourceDefinitionUpdateRequest,
                                                  context: Context) -> pb.CheckCustomResourceDefinitionUpdateResponse:
        return convert.update_check(await self.crds.check_update(request.parent, request.manifest))


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    crd_pb2_grpc.add_CrdServiceServicer_to_server(CrdServicer(runtime.domains.crds), server)

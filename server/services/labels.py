"""LabelsService: parse, call the labels domain (server/labels), convert (server/labels/convert.py)."""

from __future__ import annotations

import grpc
from google.protobuf import empty_pb2

from kubecommit.v1 import labels_pb2 as pb, labels_pb2_grpc
from server.errors import Unimplemented
from server.labels import Labels, convert
from server.runtime import Runtime
from server.versions.apply import Writer
from server.versions.history import History

Context = grpc.aio.ServicerContext
_POLICIES = "label policies (stored in git) and compliance checks are not built yet"


class LabelsServicer(labels_pb2_grpc.LabelsServiceServicer):
    def __init__(self, domain: Labels) -> None:
        self.domain = domain

    async def GetLabels(self, request: pb.GetLabelsRequest, context: Context) -> pb.Labels:
        return convert.labels(await self.domain.get(request.name))

    async def UpdateLabels(self, request: pb.UpdateLabelsRequest, context: Context) -> pb.Labels:
        return convert.labels(await self.domain.update(
            request.labels.name, convert.update_patch(request), overwrite=request.overwrite,
            validate_only=request.validate_only, etag=request.labels.etag, message=request.message))

    async def BatchUpdateLabels(self, request: pb.BatchUpdateLabelsRequest,
                                context: Context) -> pb.BatchUpdateLabelsResponse:
        return convert.batch_response(await self.domain.batch(convert.batch_request(request)))

    async def SelectResources(self, request: pb.SelectResourcesRequest, context: Context) -> pb.SelectResourcesResponse:
        return convert.selection(await self.domain.select(convert.select_scope(request), request.label_selector,
                                                          request.page_size, request.page_token),
                                 request.include_object)

    async def ListLabelHistory(self, request: pb.ListLabelHistoryRequest,
                               context: Context) -> pb.ListLabelHistoryResponse:
        return convert.history(*await self.domain.history(request.parent, request.branch, request.page_size,
                                                          request.page_token))

    async def CreateLabelPolicy(self, request: pb.CreateLabelPolicyRequest, context: Context) -> pb.LabelPolicy:
        raise Unimplemented(f"CreateLabelPolicy: {_POLICIES}", "NOT_BUILT")

    async def GetLabelPolicy(self, request: pb.GetLabelPolicyRequest, context: Context) -> pb.LabelPolicy:
        raise Unimplemented(f"GetLabelPolicy: {_POLICIES}", "NOT_BUILT")

    async def ListLabelPolicies(self, request: pb.ListLabelPoliciesRequest,
                                context: Context) -> pb.ListLabelPoliciesResponse:
        raise Unimplemented(f"ListLabelPolicies: {_POLICIES}", "NOT_BUILT")

    async def UpdateLabelPolicy(self, request: pb.UpdateLabelPolicyRequest, context: Context) -> pb.LabelPolicy:
        raise Unimplemented(f"UpdateLabelPolicy: {_POLICIES}", "NOT_BUILT")

    async def DeleteLabelPolicy(self, request: pb.DeleteLabelPolicyRequest, context: Context) -> empty_pb2.Empty:
        raise Unimplemented(f"DeleteLabelPolicy: {_POLICIES}", "NOT_BUILT")

    async def CheckLabelCompliance(self, request: pb.CheckLabelComplianceRequest,
                                   context: Context) -> pb.CheckLabelComplianceResponse:
        raise Unimplemented(f"CheckLabelCompliance: {_POLICIES}", "NOT_BUILT")


def build(runtime: Runtime) -> Labels:
    """The labels domain wired to the versions domain's write path and history (branch creation)."""
    async def cluster_ids() -> list[str]:
        return [r.id for r in await runtime.clusters.list()]
    history = History(runtime)
    return Labels(runtime.pool, Writer(runtime).apply_manifest, runtime.store, cluster_ids,
                  history.create_branch)


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    labels_pb2_grpc.add_LabelsServiceServicer_to_server(LabelsServicer(build(runtime)), server)

"""LabelsService: parse, call the labels domain (server/labels), convert (server/labels/convert.py)."""

from __future__ import annotations

import grpc
from google.protobuf import empty_pb2

from kubecommit.v1 import labels_pb2 as pb, labels_pb2_grpc
from server.labels import Labels, convert
from server.labels.compliance import Compliance
from server.labels.policies import PolicyStore
from server.runtime import Runtime

Context = grpc.aio.ServicerContext


class LabelsServicer(labels_pb2_grpc.LabelsServiceServicer):
    def __init__(self, domain: Labels, policies: PolicyStore, compliance: Compliance) -> None:
        self.domain = domain
        self.policies = policies
        self.compliance = compliance

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

    async def ListLabelKeys(self, request: pb.ListLabelKeysRequest, context: Context) -> pb.ListLabelKeysResponse:
        return convert.keys(*await self.domain.keys(convert.keys_scope(request), request.page_size,
                                                    request.page_token))

    async def CreateLabelPolicy(self, request: pb.CreateLabelPolicyRequest, context: Context) -> pb.LabelPolicy:
        return convert.policy(await self.policies.create(
            convert.policy_value(request.label_policy, request.label_policy_id), request.validate_only))

    async def GetLabelPolicy(self, request: pb.GetLabelPolicyRequest, context: Context) -> pb.LabelPolicy:
        return convert.policy(await self.policies.get(request.name))

    async def ListLabelPolicies(self, request: pb.ListLabelPoliciesRequest,
                                context: Context) -> pb.ListLabelPoliciesResponse:
        page, token = await self.policies.page(request.page_size, request.page_token)
        return pb.ListLabelPoliciesResponse(label_policies=[convert.policy(p) for p in page], next_page_token=token)

    async def UpdateLabelPolicy(self, request: pb.UpdateLabelPolicyRequest, context: Context) -> pb.LabelPolicy:
        value = convert.policy_value(request.label_policy, convert.policy_id_of(request.label_policy.name))
        return convert.policy(await self.policies.update(value, list(request.update_mask.paths),
                                                         request.validate_only))

    async def DeleteLabelPolicy(self, request: pb.DeleteLabelPolicyRequest, context: Context) -> empty_pb2.Empty:
        await self.policies.delete(request.name, request.etag, request.validate_only)
        return empty_pb2.Empty()

    async def CheckLabelCompliance(self, request: pb.CheckLabelComplianceRequest,
                                   context: Context) -> pb.CheckLabelComplianceResponse:
        return convert.compliance(await self.compliance.check(convert.compliance_scope(request),
                                                              tuple(request.policies), request.max_violations))

    async def FixLabelCompliance(self, request: pb.FixLabelComplianceRequest,
                                 context: Context) -> pb.BatchUpdateLabelsResponse:
        return convert.batch_response(await self.compliance.fix(
            convert.compliance_scope(request), tuple(request.policies), validate_only=request.validate_only,
            message=request.message, max_resources=request.max_resources, branch=request.branch))


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    domain = runtime.domains.labels
    labels_pb2_grpc.add_LabelsServiceServicer_to_server(
        LabelsServicer(domain.labels, domain.policies, domain.compliance), server)

"""QuotasService: parse, call the quotas domain, convert (server/quotas/)."""

from __future__ import annotations

import grpc

from kubecommit.v1 import quotas_pb2 as pb, quotas_pb2_grpc
from server.quotas import convert
from server.quotas.domain import Quotas
from server.quotas.objects import LIMIT_RANGES, QUOTAS
from server.runtime import Runtime

Ctx = grpc.aio.ServicerContext


class QuotasServicer(quotas_pb2_grpc.QuotasServiceServicer):
    def __init__(self, domain: Quotas) -> None:
        self.domain = domain

    async def CreateResourceQuota(self, request: pb.CreateResourceQuotaRequest, context: Ctx) -> pb.ResourceQuota:
        return convert.resource_quota(await self.domain.objects.create(
            QUOTAS, request.parent, request.resource_quota_id, convert.quota_spec(request.resource_quota),
            request.validate_only, request.message))

    async def GetResourceQuota(self, request: pb.GetResourceQuotaRequest, context: Ctx) -> pb.ResourceQuota:
        return convert.resource_quota(await self.domain.objects.get(QUOTAS, request.name))

    async def ListResourceQuotas(self, request: pb.ListResourceQuotasRequest, context: Ctx
                                 ) -> pb.ListResourceQuotasResponse:
        items, token, _ = await self.domain.objects.list(QUOTAS, request.parent, request.page_size,
                                                         request.page_token, request.label_selector)
        return pb.ListResourceQuotasResponse(resource_quotas=[convert.resource_quota(i) for i in items],
                                             next_page_token=token)

    async def UpdateResourceQuota(self, request: pb.UpdateResourceQuotaRequest, context: Ctx) -> pb.ResourceQuota:
        q = request.resource_quota
        return convert.resource_quota(await self.domain.objects.update(
            QUOTAS, q.name, convert.quota_spec(q), list(request.update_mask.paths), q.etag, request.validate_only,
            request.message))

    async def DeleteResourceQuota(self, request: pb.DeleteResourceQuotaRequest, context: Ctx) -> pb.ResourceQuota:
        return convert.resource_quota(await self.domain.objects.delete(
            QUOTAS, request.name, request.etag, request.validate_only, request.message))

    async def CreateLimitRange(self, request: pb.CreateLimitRangeRequest, context: Ctx) -> pb.LimitRange:
        return convert.limit_range(await self.domain.objects.create(
            LIMIT_RANGES, request.parent, request.limit_range_id, convert.limit_range_spec(request.limit_range),
            request.validate_only, request.message))

    async def GetLimitRange(self, request: pb.GetLimitRangeRequest, context: Ctx) -> pb.LimitRange:
        return convert.limit_range(await self.domain.objects.get(LIMIT_RANGES, request.name))

    async def ListLimitRanges(self, request: pb.ListLimitRangesRequest, context: Ctx) -> pb.ListLimitRangesResponse:
        items, token, _ = await self.domain.objects.list(LIMIT_RANGES, request.parent, request.page_size,
                                                         request.page_token, request.label_selector)
        return pb.ListLimitRangesResponse(limit_ranges=[convert.limit_range(i) for i in items], next_page_token=token)

    async def UpdateLimitRange(self, request: pb.UpdateLimitRangeRequest, context: Ctx) -> pb.LimitRange:
        lr = request.limit_range
        return convert.limit_range(await self.domain.objects.update(
            LIMIT_RANGES, lr.name, convert.limit_range_spec(lr), list(request.update_mask.paths), lr.etag,
            request.validate_only, request.message))

    async def DeleteLimitRange(self, request: pb.DeleteLimitRangeRequest, context: Ctx) -> pb.LimitRange:
        return convert.limit_range(await self.domain.objects.delete(
            LIMIT_RANGES, request.name, request.etag, request.validate_only, request.message))

    async def GetQuotaUsage(self, request: pb.GetQuotaUsageRequest, context: Ctx) -> pb.QuotaUsage:
        window = request.trend_window.ToTimedelta() if request.HasField("trend_window") else None
        return convert.usage(await self.domain.usage.get(
            request.name, window, request.max_trend_points,
            request.alert_threshold_percent if request.HasField("alert_threshold_percent") else None,
            request.omit_trends))

    async def CheckManifestQuotas(self, request: pb.CheckManifestQuotasRequest, context: Ctx
                                  ) -> pb.CheckManifestQuotasResponse:
        return convert.breaches(await self.domain.manifests.check(request.parent, request.manifest))

    async def GetQuotaAlertPolicy(self, request: pb.GetQuotaAlertPolicyRequest, context: Ctx) -> pb.QuotaAlertPolicy:
        return convert.policy(await self.domain.policies.get(request.name))

    async def UpdateQuotaAlertPolicy(self, request: pb.UpdateQuotaAlertPolicyRequest, context: Ctx
                                     ) -> pb.QuotaAlertPolicy:
        return convert.policy(await self.domain.policies.update(
            convert.policy_values(request.quota_alert_policy), list(request.update_mask.paths)))


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    quotas_pb2_grpc.add_QuotasServiceServicer_to_server(QuotasServicer(runtime.domains.quotas), server)

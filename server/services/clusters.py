"""ClustersService: parse the request, call the clusters domain (server/clusters), convert
(server/clusters/convert.py)."""

from __future__ import annotations

from typing import AsyncIterator

import grpc
from google.protobuf import empty_pb2

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, common_pb2
from server.clusters import Clusters, convert, query
from server.runtime import Runtime

Context = grpc.aio.ServicerContext


class ClustersServicer(clusters_pb2_grpc.ClustersServiceServicer):
    def __init__(self, domain: Clusters) -> None:
        self.domain = domain

    async def CreateCluster(self, request: clusters_pb2.CreateClusterRequest, context: Context) -> clusters_pb2.Cluster:
        record = await self.domain.operations.create(request.cluster_id, convert.cluster_spec(request.cluster),
                                                     validate_only=request.validate_only,
                                                     allow_disconnected=request.allow_disconnected)
        return convert.cluster_message(record)

    async def GetCluster(self, request: clusters_pb2.GetClusterRequest, context: Context) -> clusters_pb2.Cluster:
        return convert.cluster_message(await self.domain.operations.get(request.name))

    async def ListClusters(self, request: clusters_pb2.ListClustersRequest,
                           context: Context) -> clusters_pb2.ListClustersResponse:
        page, token, total = query.select(await self.domain.operations.list_visible(), request.filter,
                                          request.order_by, request.page_size, request.page_token)
        return clusters_pb2.ListClustersResponse(clusters=[convert.cluster_message(r) for r in page],
                                                 next_page_token=token, total_size=total)

    async def UpdateCluster(self, request: clusters_pb2.UpdateClusterRequest, context: Context) -> clusters_pb2.Cluster:
        mask = list(request.update_mask.paths) if request.HasField("update_mask") else []
        return convert.cluster_message(
            await self.domain.operations.update(convert.cluster_spec(request.cluster), mask))

    async def DeleteCluster(self, request: clusters_pb2.DeleteClusterRequest, context: Context) -> empty_pb2.Empty:
        await self.domain.operations.delete(request.name, request.etag)
        return empty_pb2.Empty()

    async def TestCluster(self, request: clusters_pb2.TestClusterRequest,
                          context: Context) -> clusters_pb2.TestClusterResponse:
        return convert.test_response(*await self.domain.operations.test(request.name))

    async def SyncCluster(self, request: clusters_pb2.SyncClusterRequest,
                          context: Context) -> AsyncIterator[clusters_pb2.SyncClusterResponse]:
        async for event in self.domain.sync.sync(
                request.name, include=list(request.include_resources), exclude=list(request.exclude_resources),
                include_status=request.include_status, message=request.message):
            yield convert.sync_response(event)

    async def GetClusterHealth(self, request: clusters_pb2.GetClusterHealthRequest,
                               context: Context) -> clusters_pb2.ClusterHealth:
        return convert.cluster_health(await self.domain.health.get(request.name))

    async def GetClusterMetrics(self, request: clusters_pb2.GetClusterMetricsRequest,
                                context: Context) -> clusters_pb2.ClusterMetrics:
        return convert.cluster_metrics(await self.domain.metrics.get_metrics(request.name))

    async def GetClusterResourceStats(self, request: clusters_pb2.GetClusterResourceStatsRequest,
                                      context: Context) -> clusters_pb2.ClusterResourceStats:
        return convert.resource_stats(await self.domain.metrics.get_stats(request.name))

    async def SummarizeClusters(self, request: clusters_pb2.SummarizeClustersRequest,
                                context: Context) -> clusters_pb2.SummarizeClustersResponse:
        return convert.health_summary(await self.domain.health.summarize())

    async def CheckClustersHealth(self, request: clusters_pb2.CheckClustersHealthRequest,
                                  context: Context) -> clusters_pb2.CheckClustersHealthResponse:
        timeout = request.timeout.ToTimedelta().total_seconds() if request.HasField("timeout") else None
        results = await self.domain.health.check_named(list(request.names), timeout, request.max_concurrency)
        return clusters_pb2.CheckClustersHealthResponse(results=[convert.cluster_health(h) for h in results])

    async def ListResources(self, request: clusters_pb2.ListResourcesRequest,
                            context: Context) -> clusters_pb2.ListResourcesResponse:
        return convert.resource_page(await self.domain.resources.list_resources(convert.resource_query(request)))

    async def WatchResources(self, request: clusters_pb2.WatchResourcesRequest,
                             context: Context) -> AsyncIterator[clusters_pb2.WatchResourcesResponse]:
        async for event in self.domain.resources.watch_resources(convert.watch_query(request)):
            yield convert.watch_event(event)

    async def GetResource(self, request: clusters_pb2.GetResourceRequest, context: Context) -> common_pb2.KubernetesObject:
        return convert.kubernetes_object(await self.domain.resources.get_resource(request.name))

    async def CompareResources(self, request: clusters_pb2.CompareResourcesRequest,
                               context: Context) -> clusters_pb2.CompareResourcesResponse:
        return convert.comparison(await self.domain.resources.compare(list(request.names), request.include_status))


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    clusters_pb2_grpc.add_ClustersServiceServicer_to_server(ClustersServicer(runtime.domains.clusters), server)

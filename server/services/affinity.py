"""AffinityService: parse the request, call the affinity domain (server/affinity), convert."""

from __future__ import annotations

from typing import AsyncIterator

import grpc

from kubecommit.v1 import affinity_pb2 as pb, affinity_pb2_grpc
from server import messages
from server.affinity import Affinity, convert
from server.affinity.model import Part
from server.runtime import Runtime

Context = grpc.aio.ServicerContext


def _mask(request: pb.SetNodeAffinityRequest | pb.SetPodAffinityRequest) -> list[str]:
    return list(request.update_mask.paths) if request.HasField("update_mask") else []


class AffinityServicer(affinity_pb2_grpc.AffinityServiceServicer):
    def __init__(self, domain: Affinity) -> None:
        self.domain = domain

    async def GetNodeAffinity(self, request: pb.GetNodeAffinityRequest, context: Context) -> pb.NodeAffinity:
        return convert.node_affinity(await self.domain.placement.get_rules(request.name, Part.NODE_AFFINITY))

    async def SetNodeAffinity(self, request: pb.SetNodeAffinityRequest, context: Context
                              ) -> pb.SetNodeAffinityResponse:
        msg = request.node_affinity
        w = await self.domain.placement.set_node_affinity(msg.name, convert.node_affinity_values(msg), _mask(request),
                                                          etag=msg.etag, validate_only=request.validate_only,
                                                          message=request.message)
        return pb.SetNodeAffinityResponse(workload=w.workload, commit=w.commit, node_affinity=convert.node_affinity(w.rules),
                                          diff=messages.document_diff(w.diff), validate_only=w.validate_only)

    async def GetPodAffinity(self, request: pb.GetPodAffinityRequest, context: Context) -> pb.PodAffinity:
        return convert.pod_affinity(await self.domain.placement.get_rules(request.name, Part.POD_AFFINITY))

    async def SetPodAffinity(self, request: pb.SetPodAffinityRequest, context: Context) -> pb.SetPodAffinityResponse:
        msg = request.pod_affinity
        w = await self.domain.placement.set_pod_affinity(msg.name, convert.pod_affinity_values(msg), _mask(request),
                                                         etag=msg.etag, validate_only=request.validate_only,
                                                         message=request.message)
        return pb.SetPodAffinityResponse(workload=w.workload, commit=w.commit, pod_affinity=convert.pod_affinity(w.rules),
                                         diff=messages.document_diff(w.diff), validate_only=w.validate_only)

    async def GetTolerations(self, request: pb.GetTolerationsRequest, context: Context) -> pb.Tolerations:
        return convert.tolerations(await self.domain.placement.get_rules(request.name, Part.TOLERATIONS))

    async def SetTolerations(self, request: pb.SetTolerationsRequest, context: Context) -> pb.SetTolerationsResponse:
        msg = request.tolerations
        w = await self.domain.placement.set_tolerations(msg.name, convert.toleration_values(msg.tolerations),
                                                        etag=msg.etag, validate_only=request.validate_only,
                                                        message=request.message)
        return pb.SetTolerationsResponse(workload=w.workload, commit=w.commit, tolerations=convert.tolerations(w.rules),
                                         diff=messages.document_diff(w.diff), validate_only=w.validate_only)

    async def ListNodeTaints(self, request: pb.ListNodeTaintsRequest, context: Context) -> pb.ListNodeTaintsResponse:
        found, token = await self.domain.nodes.list_taints(request.parent, request.key,
                                                           convert.effect_value(request.effect),
                                                           request.page_size, request.page_token)
        return pb.ListNodeTaintsResponse(taints=[convert.node_taint(n.cluster, n.node, t) for n in found
                                                 for t in n.taints], next_page_token=token)

    async def AddNodeTaints(self, request: pb.AddNodeTaintsRequest, context: Context) -> pb.AddNodeTaintsResponse:
        w = await self.domain.nodes.change_taints(
            request.name, convert.taint_values(request.taints), remove=False, overwrite=request.overwrite,
            selector=request.node_selector, etag=request.etag, validate_only=request.validate_only,
            message=request.message)
        return pb.AddNodeTaintsResponse(nodes=[convert.node_taints(n) for n in w.nodes], commit=w.commit,
                                        validate_only=w.validate_only, evicted_pods=[convert.affected(p) for p in w.evicted])

    async def RemoveNodeTaints(self, request: pb.RemoveNodeTaintsRequest, context: Context
                               ) -> pb.RemoveNodeTaintsResponse:
        w = await self.domain.nodes.change_taints(
            request.name, convert.taint_values(request.taints), remove=True, overwrite=False,
            selector=request.node_selector, etag=request.etag, validate_only=request.validate_only,
            message=request.message)
        return pb.RemoveNodeTaintsResponse(nodes=[convert.node_taints(n) for n in w.nodes], commit=w.commit,
                                           validate_only=w.validate_only)

    async def CordonNode(self, request: pb.CordonNodeRequest, context: Context) -> pb.CordonNodeResponse:
        w = await self.domain.nodes.cordon(request.name, True, validate_only=request.validate_only,
                                           message=request.message)
        return pb.CordonNodeResponse(node=request.name, unschedulable=w.unschedulable, commit=w.commit,
                                     validate_only=w.validate_only)

    async def UncordonNode(self, request: pb.UncordonNodeRequest, context: Context) -> pb.UncordonNodeResponse:
        w = await self.domain.nodes.cordon(request.name, False, validate_only=request.validate_only,
                                           message=request.message)
        return pb.UncordonNodeResponse(node=request.name, unschedulable=w.unschedulable, commit=w.commit,
                                       validate_only=w.validate_only)

    async def DrainNode(self, request: pb.DrainNodeRequest, context: Context) -> AsyncIterator[pb.DrainNodeResponse]:
        async for event in self.domain.nodes.drain(request.name, validate_only=request.validate_only,
                                                   timeout=request.timeout_seconds,
                                                   ignore_daemonsets=request.ignore_daemonsets,
                                                   message=request.message):
            yield convert.drain_event(event)

    async def SuggestPlacement(self, request: pb.SuggestPlacementRequest, context: Context
                               ) -> pb.SuggestPlacementResponse:
        found = await self.domain.placement.suggest(request.parent, convert.target(request),
                                                    namespace=request.namespace, limit=request.max_suggestions)
        return convert.suggestions(found)

    async def SuggestNodeSelectors(self, request: pb.SuggestNodeSelectorsRequest, context: Context
                                   ) -> pb.SuggestNodeSelectorsResponse:
        count, found = await self.domain.nodes.suggest_selectors(
            request.parent, list(request.nodes), request.node_label_selector, request.include_unique_labels,
            request.max_suggestions)
        return convert.label_suggestions(count, found)

    async def ListTopologyDomains(self, request: pb.ListTopologyDomainsRequest, context: Context
                                  ) -> pb.ListTopologyDomainsResponse:
        topology, token = await self.domain.nodes.topology(request.parent, list(request.topology_keys),
                                                           request.workload, request.page_size, request.page_token)
        return convert.topology(topology, token)

    async def ValidateScheduling(self, request: pb.ValidateSchedulingRequest, context: Context
                                 ) -> pb.ValidateSchedulingResponse:
        result = await self.domain.placement.validate(request.parent, convert.target(request),
                                                      namespace=request.namespace, nodes=list(request.nodes),
                                                      ignore_resources=request.ignore_resources)
        return convert.validation(result)

    async def GetAffinityGraph(self, request: pb.GetAffinityGraphRequest, context: Context) -> pb.AffinityGraph:
        return convert.graph(await self.domain.graph(request.name, list(request.namespaces),
                                                     request.include_placements, request.include_svg))


def register(runtime: Runtime, server: grpc.aio.Server) -> None:
    affinity_pb2_grpc.add_AffinityServiceServicer_to_server(AffinityServicer(runtime.domains.affinity), server)

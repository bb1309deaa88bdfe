"""The kubecommit services: one module each once built; the rest answer UNIMPLEMENTED.

`SERVICES` is the single list the server registers, health-checks and reflects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import grpc
from google.protobuf import descriptor, message_factory

from server import contract
from server.errors import Unimplemented
from server.runtime import Runtime
from server.services import admin
from server.services import affinity
from server.services import clusters
from server.services import containers
from server.services import crd
from server.services import labels
from server.services import operations
from server.services import quotas
from server.services import yaml_versions


@dataclass(frozen=True)
class ServiceEntry:
    descriptor: descriptor.ServiceDescriptor
    # Adds the service's servicer to a server (the generated `add_..._to_server`); None while the
    # service is not built.
    register: Callable[[Runtime, grpc.aio.Server], None] | None
    # What is missing, said in every UNIMPLEMENTED answer while `build` is None.
    capability: str

    @property
    def full_name(self) -> str:
        return self.descriptor.full_name


def _not_built(service: descriptor.ServiceDescriptor, capability: str) -> grpc.GenericRpcHandler:
    """Handlers for every method of a service that is not built yet: honest UNIMPLEMENTED
    answers naming the missing capability, never a canned success."""
    handlers = {}
    for method in service.methods:
        error = Unimplemented(
            f"{service.name}.{method.name} is not available yet: {capability}", "NOT_BUILT"
        )

        async def refuse(request: Any, context: grpc.aio.ServicerContext, error: Unimplemented = error) -> Any:
            raise error

        request_type = message_factory.GetMessageClass(method.input_type)
        response_type = message_factory.GetMessageClass(method.output_type)
        factory = {
            (False, False): grpc.unary_unary_rpc_method_handler,
            (False, True): grpc.unary_stream_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler,
        }[(method.client_streaming, method.server_streaming)]
        handlers[method.name] = factory(
            refuse,
            request_deserializer=request_type.FromString,
            response_serializer=response_type.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(service.full_name, handlers)


def register(entry: ServiceEntry, runtime: Runtime, server: grpc.aio.Server) -> None:
    if entry.register is None:
        server.add_generic_rpc_handlers([_not_built(entry.descriptor, entry.capability)])
    else:
        entry.register(runtime, server)


SERVICES: list[ServiceEntry] = [
    ServiceEntry(contract.SERVICES["ClustersService"], clusters.register,
                 "cluster registration, health and inventory"),
    ServiceEntry(contract.SERVICES["YamlVersionsService"], yaml_versions.register,
                 "apply, history, diff, rollback, tags, branches, merges, drift and backups"),
    ServiceEntry(contract.SERVICES["ContainersService"], containers.register,
                 "logs, exec, exec policy, sessions and files"),
    ServiceEntry(contract.SERVICES["QuotasService"], quotas.register,
                 "resource quotas, limit ranges, usage, trends and quota alert policies"),
    ServiceEntry(contract.SERVICES["LabelsService"], labels.register,
                 "labels, batch updates, selection, key inventory, label policies, compliance and history"),
    ServiceEntry(contract.SERVICES["AffinityService"], affinity.register,
                 "placement rules, taints, node operations, scheduling checks, suggestions, topology and the graph"),
    ServiceEntry(contract.SERVICES["CrdService"], crd.register,
                 "CRD discovery across clusters, schemas, printer-column rows and validation"),
    ServiceEntry(contract.SERVICES["McpService"], None,
                 "MCP tools and cluster scans are not built yet"),
    ServiceEntry(contract.SERVICES["OperationsService"], operations.register,
                 "jobs, time series, alerts, notification channels and alert rules"),
    ServiceEntry(contract.SERVICES["AdminService"], admin.register,
                 "tokens, the audit log and live exec sessions, for admins"),
]

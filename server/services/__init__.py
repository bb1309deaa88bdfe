"""The kubecommit services, one module each.

`SERVICES` is the single list the server registers, health-checks and reflects. A service added
to the contract before it is built gets a servicer whose methods raise `Unimplemented` naming
what is missing (an RPC of a built service that is not finished does the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import grpc
from google.protobuf import descriptor

from server import contract
from server.runtime import Runtime
from server.services import admin
from server.services import affinity
from server.services import clusters
from server.services import containers
from server.services import crd
from server.services import labels
from server.services import mcp
from server.services import operations
from server.services import quotas
from server.services import yaml_versions


@dataclass(frozen=True)
class ServiceEntry:
    descriptor: descriptor.ServiceDescriptor
    # Adds the service's servicer to a server (the generated `add_..._to_server`).
    register: Callable[[Runtime, grpc.aio.Server], None]
    # What the service does, in a few words (docs and logs).
    capability: str

    @property
    def full_name(self) -> str:
        return self.descriptor.full_name


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
    ServiceEntry(contract.SERVICES["McpService"], mcp.register,
                 "MCP tools, cluster scans with history and recommendations as draft branches"),
    ServiceEntry(contract.SERVICES["OperationsService"], operations.register,
                 "jobs, time series, alerts, notification channels and alert rules"),
    ServiceEntry(contract.SERVICES["AdminService"], admin.register,
                 "tokens, the audit log and live exec sessions, for admins"),
]

# Calls whose need for the leader depends on the request (with replicas: followers forward those
# that do), by full method name; the rest are decided by the permission table.
NEEDS_LEADER = {f"/{contract.SERVICES['McpService'].full_name}/CallTool": mcp.tool_writes}

"""The contract's services as descriptors, listed once: the server registers and reflects them,
the permission table must cover every method of them."""

from __future__ import annotations

from google.protobuf import descriptor

from kubecommit.v1 import (admin_pb2, affinity_pb2, clusters_pb2, containers_pb2, crd_pb2, labels_pb2, mcp_pb2,
                           operations_pb2, quotas_pb2, yaml_versions_pb2)

SERVICES: dict[str, descriptor.ServiceDescriptor] = {
    service.name: service
    for module in (clusters_pb2, yaml_versions_pb2, containers_pb2, quotas_pb2, labels_pb2, affinity_pb2,
                   crd_pb2, mcp_pb2, admin_pb2, operations_pb2)
    for service in module.DESCRIPTOR.services_by_name.values()
}


def methods() -> list[str]:
    """Full method names (`/kubecommit.v1.ClustersService/CreateCluster`) of every RPC."""
    return [f"/{s.full_name}/{m.name}" for s in SERVICES.values() for m in s.methods]

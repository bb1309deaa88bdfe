"""Between the cluster domain and the contract: registrations and live objects as messages."""

from __future__ import annotations

from typing import Any

import yaml

from gitstore import redact

from kubecommit.v1 import clusters_pb2, common_pb2
from server.registry import PROVIDERS, ClusterRecord
from server.errors import InvalidArgument
from server.kube import ApiResource
from server.messages import struct, timestamp
from server.names import ResourceName, cluster_name


def provider_name(value: int, field: str = "cluster.provider") -> str:
    """Proto enum -> stored name; unspecified is `other`."""
    if value == clusters_pb2.PROVIDER_UNSPECIFIED:
        return "other"
    try:
        return clusters_pb2.Provider.Name(value).removeprefix("PROVIDER_").lower()
    except ValueError:
        raise InvalidArgument.field(field, f"unknown provider {value}") from None


def cluster_message(record: ClusterRecord) -> clusters_pb2.Cluster:
    provider = record.provider if record.provider in PROVIDERS else "other"
    return clusters_pb2.Cluster(
        name=cluster_name(record.id), display_name=record.display_name,
        provider=clusters_pb2.Provider.Value(f"PROVIDER_{provider.upper()}"), region=record.region,
        tags=record.tags, description=record.description, context=record.context, server=record.server,
        server_version=record.server_version,
        state=clusters_pb2.ClusterState.Value(f"CLUSTER_STATE_{record.state.upper()}"),
        state_message=record.state_message, node_count=record.node_count, created_by=record.created_by,
        create_time=timestamp(record.create_time), update_time=timestamp(record.update_time),
        last_sync_time=timestamp(record.last_sync_time), resource_count=record.resource_count,
        etag=record.etag)


def object_name(cluster: str, rt: ApiResource, obj: dict[str, Any]) -> ResourceName:
    metadata = obj.get("metadata") or {}
    return ResourceName(cluster, metadata.get("namespace", "") if rt.namespaced else "", rt.type,
                        metadata.get("name", ""))


def kubernetes_object(cluster: str, rt: ApiResource, obj: dict[str, Any]) -> common_pb2.KubernetesObject:
    """A live object as the contract shows it; list items lack apiVersion/kind on real servers,
    so they come from discovery. Secret values are never returned (keys are, values read
    `<redacted>`): the API writes secrets but does not hand them out."""
    obj.setdefault("apiVersion", rt.api_version)
    obj.setdefault("kind", rt.kind)
    obj = redact(obj)
    metadata = obj.get("metadata") or {}
    created = metadata.get("creationTimestamp")
    message = common_pb2.KubernetesObject(
        name=str(object_name(cluster, rt, obj)), cluster=cluster_name(cluster), api_version=obj["apiVersion"],
        kind=obj["kind"], namespace=metadata.get("namespace", "") if rt.namespaced else "",
        object_name=metadata.get("name", ""),
        yaml=yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False),
        object=struct(obj), etag=metadata.get("resourceVersion", ""), labels=metadata.get("labels") or {})
    if created:
        try:
            message.create_time.FromJsonString(created)
        except ValueError:  # a cluster's malformed timestamp leaves the field unset
            pass
    return message

"""Between the cluster domain and the contract: registrations and live objects as messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml
from google.protobuf import duration_pb2, json_format, struct_pb2, timestamp_pb2

import gitstore
from gitstore.secrets import redact_pair

from kubecommit.v1 import clusters_pb2, common_pb2
from server.clusters.registry import PROVIDERS, ClusterRecord
from server.errors import InvalidArgument
from server.kube import ApiResource
from server.names import ResourceName, cluster_name


def provider_name(value: int, field: str = "cluster.provider") -> str:
    """Proto enum -> stored name; unspecified is `other`."""
    if value == clusters_pb2.PROVIDER_UNSPECIFIED:
        return "other"
    try:
        return clusters_pb2.Provider.Name(value).removeprefix("PROVIDER_").lower()
    except ValueError:
        raise InvalidArgument.field(field, f"unknown provider {value}") from None


def timestamp(when: datetime | None) -> timestamp_pb2.Timestamp | None:
    if when is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(when)
    return stamp


def duration(seconds: float) -> duration_pb2.Duration:
    out = duration_pb2.Duration()
    out.FromNanoseconds(int(seconds * 1e9))
    return out


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


def struct(data: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(data)
    return out


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
    obj = redact_pair(obj, None)[0] or obj
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


_CHANGE_TYPES = {"added": common_pb2.CHANGE_TYPE_ADDED, "modified": common_pb2.CHANGE_TYPE_MODIFIED,
                 "deleted": common_pb2.CHANGE_TYPE_DELETED}


def _value(data: Any) -> struct_pb2.Value:
    return json_format.ParseDict(data, struct_pb2.Value())


def field_changes(diff: gitstore.FieldDiff) -> tuple[list[common_pb2.FieldChange], common_pb2.DiffSummary]:
    """The store's field diff as the contract's FieldChange list and summary."""
    changes = []
    for change in diff.changes:
        message = common_pb2.FieldChange(path=change.path, change_type=_CHANGE_TYPES[change.change],
                                         redacted=change.redacted)
        if change.change != "added" and not change.redacted:
            message.old_value.CopyFrom(_value(change.old))
        if change.change != "deleted" and not change.redacted:
            message.new_value.CopyFrom(_value(change.new))
        changes.append(message)
    return changes, common_pb2.DiffSummary(**diff.summary)

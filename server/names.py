"""Resource names (AIP-122) that mirror Kubernetes, parsed once and validated with errors that
name the request field at fault.

    clusters/{cluster}
    clusters/{cluster}/namespaces/{namespace}/{plural}[.{group}]/{name}
    clusters/{cluster}/{plural}[.{group}]/{name}                        (cluster-scoped kinds)

The store keeps each resource at its name plus `.yaml`, so a clone reads like the clusters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.errors import InvalidArgument
from server.kube.paths import check_name, dns_label

# RFC 1123 subdomain: object names (Kubernetes allows dots, e.g. CRD names, and ':' in RBAC).
_OBJECT_NAME = re.compile(r"^[a-zA-Z0-9]([-a-zA-Z0-9_.:]{0,251}[a-zA-Z0-9])?$")
# `{plural}[.{group}]`, e.g. `pods`, `deployments.apps`, `widgets.example.com`.
_RESOURCE_TYPE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ALL = "-"


def check_dns_label(value: str, field: str, what: str = "name") -> str:
    """Cluster ids and namespaces: the cluster-access layer's name check (server.kube.paths)."""
    return check_name(value or "", dns_label(what), field)


def cluster_name(cluster: str) -> str:
    return f"clusters/{cluster}"


def parse_cluster(name: str, field: str = "name", allow_all: bool = False) -> str:
    """`clusters/{cluster}` -> cluster id; `clusters/-` -> `-` when `allow_all`."""
    parts = (name or "").split("/")
    if len(parts) != 2 or parts[0] != "clusters":
        raise InvalidArgument.field(field, f"{name!r} is not a cluster name (clusters/{{cluster}})")
    if allow_all and parts[1] == ALL:
        return ALL
    return check_dns_label(parts[1], field, "cluster")


def parse_namespace_parent(name: str, field: str = "parent") -> tuple[str, str]:
    """`clusters/{cluster}/namespaces/{namespace}` -> (cluster, namespace or `-`)."""
    parts = (name or "").split("/")
    if len(parts) != 4 or parts[0] != "clusters" or parts[2] != "namespaces":
        raise InvalidArgument.field(
            field, f"{name!r} is not a namespace name (clusters/{{cluster}}/namespaces/{{namespace}})")
    cluster = check_dns_label(parts[1], field, "cluster")
    namespace = parts[3] if parts[3] == ALL else check_dns_label(parts[3], field, "namespace")
    return cluster, namespace


def split_resource_type(resource: str) -> tuple[str, str]:
    """`deployments.apps` -> (`deployments`, `apps`); `pods` -> (`pods`, ``)."""
    plural, _, group = resource.partition(".")
    return plural, group


@dataclass(frozen=True)
class ResourceName:
    cluster: str
    namespace: str  # empty for cluster-scoped kinds
    resource: str  # `{plural}[.{group}]`
    name: str

    @property
    def plural(self) -> str:
        return split_resource_type(self.resource)[0]

    @property
    def group(self) -> str:
        return split_resource_type(self.resource)[1]

    @property
    def cluster_name(self) -> str:
        return cluster_name(self.cluster)

    @property
    def store_path(self) -> str:
        return f"{self}.yaml"

    def __str__(self) -> str:
        scope = f"namespaces/{self.namespace}/" if self.namespace else ""
        return f"clusters/{self.cluster}/{scope}{self.resource}/{self.name}"

    @classmethod
    def parse(cls, text: str, field: str = "name") -> "ResourceName":
        parts = (text or "").split("/")
        if len(parts) == 6 and parts[0] == "clusters" and parts[2] == "namespaces":
            _, cluster, _, namespace, resource, name = parts
            check_dns_label(namespace, field, "namespace")
        elif len(parts) == 4 and parts[0] == "clusters":
            _, cluster, resource, name = parts
            namespace = ""
        else:
            raise InvalidArgument.field(field, (
                f"{text!r} is not a resource name: expected clusters/{{cluster}}/namespaces/"
                "{namespace}/{plural}[.{group}]/{name} or clusters/{cluster}/{plural}[.{group}]/{name}"))
        check_dns_label(cluster, field, "cluster")
        if not _RESOURCE_TYPE.match(resource):
            raise InvalidArgument.field(field, f"{resource!r} is not a resource type ({{plural}}[.{{group}}])")
        if not _OBJECT_NAME.match(name):
            raise InvalidArgument.field(field, f"{name!r} is not a valid object name")
        return cls(cluster, namespace, resource, name)

    @classmethod
    def from_store_path(cls, path: str) -> "ResourceName":
        return cls.parse(path.removesuffix(".yaml"), "path")

"""Who may reach what: role permissions, cluster and namespace scopes, and the resource names a
request points at.

The interceptor checks every name a request carries against the caller's scope before the
servicer runs. Domain code that reaches further than the request names (wildcards, selectors,
manifests, merges) calls `authorize()` for each object it changes and filters reads with
`visible()`.

Namespaces in this module: `""` is a cluster-level object (the cluster itself, nodes, CRDs),
`"-"` is every namespace, anything else is one namespace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from google.protobuf import descriptor
from google.protobuf.message import Message

from server.context import Caller
from server.errors import PermissionDenied
from server.names import ALL, check_dns_label
from server.security.permissions import Permission, Reach, Rule
from server.security.roles import permissions_of

_SEGMENT = re.compile(r"^[A-Za-z0-9_:-][A-Za-z0-9._:-]*$")
_CLUSTER_FIELDS = frozenset({"cluster", "clusters"})
_NAMESPACE_FIELDS = frozenset({"namespace", "namespaces"})
# Fields whose bare `clusters/{cluster}` means the cluster object, not everything in it.
_OBJECT_FIELDS = frozenset({"name", "names"})


@dataclass(frozen=True)
class Target:
    """Where one resource name in a request points."""

    name: str
    cluster: str
    namespace: str
    # A name under `clusters/` that does not parse: no scoped caller may use it.
    opaque: bool = False


def scope_list(values: Iterable[str], field: str) -> tuple[str, ...]:
    """The cluster or namespace ids of a token's scope (`field` is `clusters` or `namespaces`):
    trimmed, `clusters/` dropped, checked as DNS labels, sorted."""
    prefix = "clusters/" if field == "clusters" else ""
    return tuple(sorted({check_dns_label(v.strip().removeprefix(prefix), field)
                         for v in values if v.strip()}))


def scoped(caller: Caller) -> bool:
    return bool(caller.clusters or caller.namespaces)


def _denied(message: str, reason: str, permission: Permission, **metadata: str) -> PermissionDenied:
    return PermissionDenied(message, reason, metadata={"permission": str(permission), **metadata})


def require(caller: Caller, permission: Permission | str) -> None:
    """The caller's role grants `permission` (wherever it is scoped); PermissionDenied names the
    missing permission otherwise."""
    permission = Permission(permission)
    if permission not in permissions_of(caller.role):
        raise _denied(f"permission {permission} is required; role {caller.role!r} does not grant it",
                      "MISSING_PERMISSION", permission)
    if permission.store_wide and scoped(caller):
        raise _denied(f"permission {permission} acts on the whole store and needs a token that is "
                      "not scoped to clusters or namespaces", "SCOPED_TOKEN", permission)


def _outside(caller: Caller, mutates: bool, cluster: str, namespace: str, spans: bool) -> str | None:
    """Why (cluster, namespace) is out of the caller's scope, or None. With `spans`, wildcards
    pass: the service narrows them."""
    cluster = cluster.removeprefix("clusters/")
    if caller.clusters and cluster not in caller.clusters and not (spans and cluster == ALL):
        return "every cluster" if cluster == ALL else f"cluster {cluster!r}"
    if not caller.namespaces:
        return None
    if namespace == "":
        return f"cluster-level objects of {cluster!r}" if mutates else None
    if namespace not in caller.namespaces and not (spans and namespace == ALL):
        return "every namespace" if namespace == ALL else f"namespace {namespace!r}"
    return None


def authorize(caller: Caller, permission: Permission | str, cluster: str, namespace: str = "") -> None:
    """Raise PermissionDenied unless `caller` may use `permission` on an object of `cluster`
    (an id or `clusters/{id}`) in `namespace` (`""` for cluster-level objects)."""
    permission = Permission(permission)
    require(caller, permission)
    where = _outside(caller, permission.mutates, cluster, namespace, spans=False)
    if where is not None:
        raise _denied(f"permission {permission} is not granted on {where}", "OUT_OF_SCOPE",
                      permission, cluster=cluster, namespace=namespace)


def visible(caller: Caller, cluster: str, namespace: str = "") -> bool:
    """Whether a read may show an object of `cluster` in `namespace`: for narrowing reads that
    span clusters or namespaces (role permissions are checked separately, per RPC)."""
    return _outside(caller, False, cluster, namespace, spans=False) is None


def check_targets(caller: Caller, rule: Rule, targets: list[Target], first: bool) -> None:
    """The interceptor's check of the names in one request message. `first`: the call's first
    message, which must name something when the caller is scoped and the RPC is NAMED."""
    if not scoped(caller):
        return
    permission = rule.permission
    if first and rule.reach is Reach.NAMED and not targets:
        raise _denied(f"a token scoped to clusters or namespaces must name the cluster and "
                      f"namespace this call acts on (permission {permission})", "OUT_OF_SCOPE",
                      permission)
    spans = rule.reach is not Reach.NAMED
    for target in targets:
        if target.opaque:
            raise _denied(f"permission {permission}: {target.name!r} is not a resource name a "
                          "scoped token may use",
                          "OUT_OF_SCOPE", permission)
        where = _outside(caller, permission.mutates, target.cluster, target.namespace, spans)
        if where is not None:
            raise _denied(f"permission {permission} is not granted on {where} ({target.name})",
                          "OUT_OF_SCOPE", permission, cluster=target.cluster,
                          namespace=target.namespace)


def _parse(value: str, field: str, qualifiers: tuple[str, ...] | None) -> list[Target]:
    """Targets of one string field value. `qualifiers`: namespaces named next to it when the
    message has a namespace field (an empty tuple: it has one, left empty = every namespace)."""
    if field in _CLUSTER_FIELDS and value and "/" not in value:
        value = f"clusters/{value}"
    if not value.startswith("clusters/") or len(value.split()) > 1:
        return []  # not a name, or free text such as a commit message
    parts = value.rstrip("/").split("/")
    if len(parts) < 2 or not all(_SEGMENT.match(p) for p in parts[1:]):
        return [Target(value, value, value, opaque=True)]
    cluster = parts[1]
    if len(parts) > 2 and parts[2] == "namespaces":
        namespace = parts[3] if len(parts) > 3 else ALL
        found = [Target(value, cluster, namespace)]
        tail = parts[4:]
        if namespace != ALL and ((not tail and field in _OBJECT_FIELDS)
                                 or (tail[:1] in (["labels"], ["versions"]) and len(tail) <= 2)):
            # The Namespace object itself, its labels or its versions: a cluster-level object
            # too, so a caller scoped to the namespace may read it but not change it.
            found.append(Target(value, cluster, ""))
        return found
    if len(parts) > 3:  # a cluster-scoped object: nodes, CRDs...
        return [Target(value, cluster, "")]
    if qualifiers is not None:  # the cluster or one of its singletons, over these namespaces
        return [Target(value, cluster, ns) for ns in qualifiers or (ALL,)]
    return [Target(value, cluster, "" if field in _OBJECT_FIELDS else ALL)]


def where(name: str) -> list[Target]:
    """Where one resource name points (nothing when it is not a name under `clusters/`)."""
    return [t for t in _parse(name, "name", None) if not t.opaque]


@dataclass(frozen=True)
class _Plan:
    strings: tuple[descriptor.FieldDescriptor, ...]
    messages: tuple[descriptor.FieldDescriptor, ...]
    namespaces: tuple[descriptor.FieldDescriptor, ...]
    # Maps keyed by resource name (`etags`); message values are walked too.
    maps: tuple[descriptor.FieldDescriptor, ...]


_STRING = descriptor.FieldDescriptor.TYPE_STRING


@lru_cache(maxsize=None)
def _plan(message_type: descriptor.Descriptor) -> _Plan:
    strings, messages, namespaces, maps = [], [], [], []
    for fd in message_type.fields:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            maps.append(fd)
        elif fd.type == _STRING:
            (namespaces if fd.name in _NAMESPACE_FIELDS else strings).append(fd)
        elif fd.message_type is not None and not fd.message_type.full_name.startswith("google.protobuf."):
            messages.append(fd)
    return _Plan(tuple(strings), tuple(messages), tuple(namespaces), tuple(maps))


def _values(message: Message, fd: descriptor.FieldDescriptor) -> list:
    value = getattr(message, fd.name)
    if fd.is_repeated:
        return list(value)
    if fd.message_type is not None:
        return [value] if message.HasField(fd.name) else []
    return [value] if value else []


def targets(message: Message) -> list[Target]:
    """Every resource name under `clusters/` that a request message carries, nested messages
    and map keys included, with the namespaces it reaches."""
    plan = _plan(message.DESCRIPTOR)
    qualifiers: tuple[str, ...] | None = None
    if plan.namespaces:
        qualifiers = tuple(ns for fd in plan.namespaces for ns in _values(message, fd) if ns != ALL)
    found: list[Target] = []
    for fd in plan.strings:
        for value in _values(message, fd):
            found.extend(_parse(value, fd.name, qualifiers))
    for fd in plan.maps:
        entries = getattr(message, fd.name)
        key_is_string = fd.message_type.fields_by_name["key"].type == _STRING
        walk_values = fd.message_type.fields_by_name["value"].message_type is not None
        for key in entries:
            if key_is_string:
                found.extend(_parse(key, fd.name, None))
            if walk_values:
                found.extend(targets(entries[key]))
    for fd in plan.messages:
        for nested in _values(message, fd):
            found.extend(targets(nested))
    return found

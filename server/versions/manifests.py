"""Multi-document YAML manifests: parsed with positions in errors, checked for the fields every
Kubernetes object needs, and mapped to resource names through the cluster's discovery."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import yaml

from gitstore import InvalidDocument, YamlLimitExceeded, YamlLimits, load_yaml
from server.errors import FieldViolation, InvalidArgument, KubecommitError
from server.kube import ApiResource, ClusterConnection
from server.names import ResourceName

# Applied first (and deleted last): everything else may live in them or be of their kinds.
FOUNDATION_KINDS = ("Namespace", "CustomResourceDefinition")
# What one manifest may hold (docs/security.md lists them): bounded work and memory per request.
MANIFEST_LIMITS = YamlLimits()


@dataclass(frozen=True)
class ManifestDocument:
    index: int  # position among the manifest's non-empty documents; names fields `manifest[i]`
    obj: dict[str, Any]

    @property
    def field(self) -> str:
        return f"manifest[{self.index}]"


@dataclass(frozen=True)
class Target:
    """A document bound to the cluster resource it names."""

    doc: ManifestDocument
    name: ResourceName
    rt: ApiResource

    @property
    def path(self) -> str:
        return self.name.store_path

    @property
    def obj(self) -> dict[str, Any]:
        return self.doc.obj


def _jsonable(value: Any) -> Any:
    """A plain copy JSON can carry, as kubectl sends it: scalars JSON lacks (timestamps, dates)
    and non-string keys become strings. Aliases come out as copies (their size was bounded)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else _key(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def _key(key: Any) -> str:
    return json.dumps(key) if key is None or isinstance(key, bool) else str(key)


async def read_manifest(text: str, field: str = "manifest") -> list[ManifestDocument]:
    """`parse_manifest` off the event loop: its cost is bounded by the limits, not negligible."""
    return await asyncio.to_thread(parse_manifest, text, field)


def parse_manifest(text: str, field: str = "manifest", limits: YamlLimits = MANIFEST_LIMITS
                   ) -> list[ManifestDocument]:
    """The non-empty documents of `text`, read under `limits` (docs/security.md); errors name
    the line and column, or the field (`manifest[i]` for the document at fault)."""
    try:
        loaded = load_yaml(text, limits)
    except YamlLimitExceeded as error:
        where = f"{field}[{error.document}]" if error.document >= 0 else field
        raise InvalidArgument(f"{where}: {error}", error.reason, [FieldViolation(where, str(error))],
                              metadata={"limit": error.limit, "limit_value": str(error.value),
                                        **({"document": str(error.document)} if error.document >= 0 else {})}
                              ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = error.problem or error.context or "invalid YAML"
        raise InvalidArgument(f"{field}: YAML does not parse at {where}: {problem}", "YAML_SYNTAX",
                              [FieldViolation(field, f"{where}: {problem}")],
                              metadata={"line": str(mark.line + 1) if mark else "",
                                        "column": str(mark.column + 1) if mark else ""}) from None
    except (yaml.YAMLError, InvalidDocument) as error:
        raise InvalidArgument.field(field, f"YAML does not parse: {error}", "YAML_SYNTAX") from None
    docs = [ManifestDocument(i, _jsonable(obj)) for i, obj in enumerate(loaded)]
    if not docs:
        raise InvalidArgument.field(field, "holds no YAML document", "EMPTY_MANIFEST")
    for doc in docs:
        _check_document(doc, field)
    return docs


def _check_document(doc: ManifestDocument, field: str) -> None:
    where = f"{field}[{doc.index}]"
    if not isinstance(doc.obj, dict):
        raise InvalidArgument.field(where, "must be a mapping (a Kubernetes object)", "INVALID_DOCUMENT")
    for key in ("apiVersion", "kind"):
        if not isinstance(doc.obj.get(key), str) or not doc.obj[key]:
            raise InvalidArgument.field(f"{where}.{key}", "required: every object needs it", "MISSING_FIELD")
    metadata = doc.obj.get("metadata")
    if not isinstance(metadata, dict):
        raise InvalidArgument.field(f"{where}.metadata", "required: a mapping with at least a name",
                                    "MISSING_FIELD")
    if not isinstance(metadata.get("name"), str) or not metadata["name"]:
        raise InvalidArgument.field(f"{where}.metadata.name", "required: every object needs a name",
                                    "MISSING_FIELD")
    namespace = metadata.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise InvalidArgument.field(f"{where}.metadata.namespace", "must be a string")


def at_document(error: KubecommitError, doc: ManifestDocument) -> KubecommitError:
    """A cluster's refusal of one document, naming which one (`manifest[i]` and its fields)."""
    violations = [dataclasses.replace(v, field=f"{doc.field}.{v.field}" if v.field != "manifest" else doc.field)
                  for v in error.violations] or ([FieldViolation(doc.field, error.message)]
                                                 if error.code == "INVALID_ARGUMENT" else [])
    return dataclasses.replace(error, message=f"{doc.field}: {error.message}", violations=violations,
                               metadata={**error.metadata, "document": str(doc.index)})


async def bind(conn: ClusterConnection, cluster: str, docs: list[ManifestDocument],
               default_namespace: str = "") -> list[Target]:
    """Each document's resource in `cluster`: kind served (discovery), namespace defaulted for
    namespaced kinds and refused on cluster-scoped ones, no resource named twice."""
    targets: list[Target] = []
    seen: dict[str, int] = {}
    for doc in docs:
        api_version, kind = doc.obj["apiVersion"], doc.obj["kind"]
        try:
            rt = await conn.resolve_kind(api_version, kind)
        except InvalidArgument:
            raise InvalidArgument.field(f"{doc.field}.kind", f"cluster {cluster} does not serve "
                                        f"{api_version} {kind}", "UNKNOWN_KIND") from None
        # The path follows the document's own version, so the cluster converts as it would for kubectl.
        rt = dataclasses.replace(rt, version=api_version.rpartition("/")[2])
        metadata = doc.obj["metadata"]
        if rt.namespaced:
            metadata["namespace"] = metadata.get("namespace") or default_namespace or "default"
        elif metadata.get("namespace"):
            raise InvalidArgument.field(f"{doc.field}.metadata.namespace",
                                        f"{kind} is cluster-scoped: it takes no namespace", "CLUSTER_SCOPED")
        name = ResourceName(cluster, metadata.get("namespace", "") if rt.namespaced else "", rt.type,
                            metadata["name"])
        ResourceName.parse(str(name), f"{doc.field}.metadata.name")  # the same checks as any name
        if str(name) in seen:
            raise InvalidArgument.field(doc.field, f"{name} is also document {seen[str(name)]}",
                                        "DUPLICATE_RESOURCE")
        seen[str(name)] = doc.index
        targets.append(Target(doc, name, rt))
    return targets


def apply_order(kind: str) -> int:
    """Namespaces, then CRDs, then everything else (stable within each group)."""
    return FOUNDATION_KINDS.index(kind) if kind in FOUNDATION_KINDS else len(FOUNDATION_KINDS)

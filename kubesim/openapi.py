"""OpenAPI v2 and v3 documents for every served kind, so kubectl validates and explains.

Writing Kubernetes' schemas by hand is out of reach, so built-in kinds are derived from the
official `kubernetes` client's model classes, which are generated from the upstream OpenAPI
spec and keep its field names (`attribute_map`), types (`openapi_types`), descriptions and
required flags (pydantic `model_fields`). CRDs contribute their own `openAPIV3Schema`.

kubectl asks `/openapi/v3` first: if a kind's PATCH operation lists the `fieldValidation`
parameter it leaves validation to the server (sent as `fieldValidation=Strict`), which
`unknown_fields` below then performs like the apiserver's strict decoding.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from typing import Any

from kubernetes.client import models

from kubesim.registry import COMPUTED_GROUPS, Registry, ResourceType

META = "io.k8s.apimachinery.pkg.apis.meta.v1"
META_CLASSES = frozenset({"V1ObjectMeta", "V1ListMeta", "V1LabelSelector", "V1LabelSelectorRequirement",
                          "V1OwnerReference", "V1ManagedFieldsEntry", "V1Condition", "V1Status", "V1StatusDetails",
                          "V1StatusCause", "V1DeleteOptions", "V1Preconditions"})
# Go packages of the groups whose package name is not the group's first label.
PACKAGES = {"": "io.k8s.api.core", "networking.k8s.io": "io.k8s.api.networking",
            "rbac.authorization.k8s.io": "io.k8s.api.rbac",
            "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
            "apiregistration.k8s.io": "io.k8s.kube-aggregator.pkg.apis.apiregistration"}
SCALARS = {"str": {"type": "string"}, "int": {"type": "integer", "format": "int64"},
           "bool": {"type": "boolean"}, "float": {"type": "number", "format": "double"},
           "datetime": {"type": "string", "format": "date-time"}, "date": {"type": "string", "format": "date"},
           "bytes": {"type": "string", "format": "byte"}, "object": {}}
_VERSION_PREFIX = re.compile(r"^(?:[A-Z][a-z]+)?V\d+(?:alpha\d+|beta\d+)?")
_LIST = re.compile(r"^List\[(.+)\]$")
_DICT = re.compile(r"^Dict\[str, (.+)\]$")


def model_class(rt: ResourceType, version: str | None = None) -> type | None:
    """The client's model class for a built-in kind (`V1Deployment`), None for CRDs and unknowns."""
    if rt.custom:
        return None
    v = (version or rt.version).capitalize()
    return getattr(models, f"{v}{rt.kind}", None) or getattr(models, f"Core{v}{rt.kind}", None)


def _package(group: str, version: str) -> str:
    return f"{PACKAGES.get(group, 'io.k8s.api.' + group.split('.')[0])}.{version}"


class Definitions:
    """Schemas named like upstream's (`io.k8s.api.apps.v1.DeploymentSpec`), built once from the models."""

    def __init__(self, roots: list[tuple[ResourceType, type]]) -> None:
        self.names: dict[str, str] = {}  # model class name -> definition name
        self.schemas: dict[str, dict] = {}
        self.gvk: dict[str, dict] = {}
        for rt, cls in roots:  # core first: shared types (Container, PodSpec) land in core like upstream
            self._walk(cls.__name__, _package(rt.group, rt.version))
            self.gvk[self.names[cls.__name__]] = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        for name, definition in self.names.items():
            self.schemas[definition] = self._schema(getattr(models, name))
            if definition in self.gvk:
                self.schemas[definition]["x-kubernetes-group-version-kind"] = [self.gvk[definition]]

    def _walk(self, class_name: str, package: str) -> None:
        if class_name in self.names:
            return
        short = _VERSION_PREFIX.sub("", class_name)
        self.names[class_name] = f"{META}.{short}" if class_name in META_CLASSES else f"{package}.{short}"
        for typ in getattr(models, class_name).openapi_types.values():
            inner = _element(typ)
            if inner not in SCALARS:
                self._walk(inner, package)

    def _schema(self, cls: type) -> dict:
        props: dict[str, dict] = {}
        required = []
        fields = {f.serialization_alias or f.alias or name: f for name, f in cls.model_fields.items()}
        for attr, typ in cls.openapi_types.items():
            json_name = cls.attribute_map[attr]
            field = fields.get(json_name) or cls.model_fields[attr]
            prop = self.type_schema(typ)
            if field.description:
                prop = ({"allOf": [prop], "description": field.description} if "$ref" in prop
                        else dict(prop, description=field.description))
            props[json_name] = prop
            if field.is_required():
                required.append(json_name)
        out: dict[str, Any] = {"type": "object", "properties": props}
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].strip()
        if doc and not doc.startswith("Attributes"):
            out["description"] = doc
        if required:
            out["required"] = required
        return out

    def type_schema(self, typ: str) -> dict:
        if typ in SCALARS:
            return dict(SCALARS[typ])
        if m := _LIST.match(typ):
            return {"type": "array", "items": self.type_schema(m.group(1))}
        if m := _DICT.match(typ):
            return {"type": "object", "additionalProperties": self.type_schema(m.group(1))}
        return {"$ref": f"#/components/schemas/{self.names[typ]}"}

    def closure(self, names: list[str]) -> dict[str, dict]:
        """The named definitions and everything they reference."""
        out: dict[str, dict] = {}
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in out:
                continue
            out[name] = self.schemas[name]
            todo.extend(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(out[name])))
        return out


def _element(typ: str) -> str:
    while m := (_LIST.match(typ) or _DICT.match(typ)):
        typ = m.group(1)
    return typ


@functools.lru_cache(maxsize=1)
def builtin_definitions(roots: tuple[ResourceType, ...]) -> Definitions:
    found = [(rt, cls) for rt in roots if (cls := model_class(rt)) is not None]
    found.sort(key=lambda rc: rc[0].group != "")
    return Definitions(found)


def _builtin_roots(registry: Registry) -> tuple[ResourceType, ...]:
    return tuple(sorted((rt for rt in registry.types.values() if not rt.custom and rt.group not in COMPUTED_GROUPS),
                        key=lambda rt: rt.key))


def group_version_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _operations(rt: ResourceType, version: str, ref: str) -> dict[str, dict]:
    """Paths of one resource with the extensions kubectl reads (GVK, action, PATCH parameters)."""
    gvk = {"group": rt.group, "version": version, "kind": rt.kind}
    base = "/" + group_version_path(rt.group, version)
    prefix = f"{base}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{base}/{rt.plural}"
    body = {"content": {"application/json": {"schema": {"$ref": ref}}}}
    ok = {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": ref}}}}}

    def op(action: str, *params: str, with_body: bool = False) -> dict:
        o: dict[str, Any] = {"x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk,
                             "responses": ok,
                             "parameters": [{"name": p, "in": "query", "schema": {"type": "string"}} for p in params]}
        if with_body:
            o["requestBody"] = body
        return o

    write = ("dryRun", "fieldManager", "fieldValidation")
    return {
        prefix: {"get": op("list", "labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
                           "resourceVersionMatch", "sendInitialEvents", "watch"),
                 "post": op("post", *write, with_body=True)},
        f"{prefix}/{{name}}": {"get": op("get"), "put": op("put", *write, with_body=True),
                               "patch": op("patch", *write, "force", with_body=True),
                               "delete": op("delete", "dryRun", "gracePeriodSeconds", "propagationPolicy")},
    }


def crd_schema(crd: dict, version: str) -> dict | None:
    """A served version's openAPIV3Schema with metadata pointing at ObjectMeta, as the apiserver publishes it."""
    v = next((v for v in crd["spec"].get("versions") or [] if v["name"] == version), None)
    schema = copy.deepcopy(((v or {}).get("schema") or {}).get("openAPIV3Schema"))
    if schema is None:
        return None
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "description": "APIVersion defines the versioned schema of this "
                           "representation of an object."}
    props["kind"] = {"type": "string", "description": "Kind is a string value representing the REST resource "
                     "this object represents."}
    props["metadata"] = {"allOf": [{"$ref": f"#/components/schemas/{META}.ObjectMeta"}],
                         "description": "Standard object's metadata."}
    schema["x-kubernetes-group-version-kind"] = [{"group": crd["spec"]["group"], "version": version,
                                                  "kind": crd["spec"]["names"]["kind"]}]
    return schema


def v3_document(registry: Registry, crds: list[dict], group: str, version: str) -> dict | None:
    """One group-version's OpenAPI v3 document, or None when nothing is served there."""
    defs = builtin_definitions(_builtin_roots(registry))
    paths: dict[str, dict] = {}
    schemas: dict[str, dict] = {}
    wanted: list[str] = []
    for rt in registry.in_group_version(group, version):
        if rt.group in COMPUTED_GROUPS:
            continue
        if rt.custom:
            crd = next((c for c in crds if c["spec"]["group"] == rt.group
                        and c["spec"]["names"]["plural"] == rt.plural), None)
            schema = crd_schema(crd, version) if crd else None
            if schema is None:
                continue
            name = f"{'.'.join(reversed(rt.group.split('.')))}.{version}.{rt.kind}"
            schemas[name] = schema
            wanted.append(f"{META}.ObjectMeta")
        else:
            cls = model_class(rt, version)
            if cls is None:
                continue
            name = defs.names[cls.__name__]
            wanted.append(name)
        paths.update(_operations(rt, version, f"#/components/schemas/{name}"))
    if not paths:
        return None
    schemas.update(defs.closure(wanted))
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.31.0-kubesim"},
            "paths": paths, "components": {"schemas": schemas}}


def v3_index(registry: Registry, crds: list[dict]) -> dict:
    """`/openapi/v3`: one entry per group-version, with the content hash clients cache by."""
    out = {}
    for group, versions in sorted(registry.group_versions().items()):
        for version in versions:
            doc = v3_document(registry, crds, group, version)
            if doc is not None:
                path = group_version_path(group, version)
                out[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={document_hash(doc)}"}
    return {"paths": out}


def document_hash(doc: dict) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:128].upper()


def v2_document(registry: Registry, crds: list[dict]) -> dict:
    """Swagger 2.0 with every group-version's paths and definitions (refs rewritten)."""
    paths: dict[str, dict] = {}
    definitions: dict[str, dict] = {}
    for group, versions in registry.group_versions().items():
        for version in versions:
            doc = v3_document(registry, crds, group, version)
            if doc:
                paths.update(doc["paths"])
                definitions.update(doc["components"]["schemas"])
    text = json.dumps({"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.31.0-kubesim"},
                       "paths": paths, "definitions": definitions})
    return json.loads(text.replace('"#/components/schemas/', '"#/definitions/'))


# -- strict field validation ------------------------------------------------------------------

def unknown_fields(registry: Registry, crds: list[dict], rt: ResourceType, version: str, obj: dict) -> list[str]:
    """Paths of fields the kind's schema does not declare (`spec.foo`), as strict decoding reports;
    they are removed from `obj`."""
    defs = builtin_definitions(_builtin_roots(registry))
    if rt.custom:
        crd = next((c for c in crds if c["spec"]["group"] == rt.group and c["spec"]["names"]["plural"] == rt.plural),
                   None)
        schema = crd_schema(crd, version) if crd else None
    else:
        cls = model_class(rt, version)
        schema = {"$ref": f"#/components/schemas/{defs.names[cls.__name__]}"} if cls else None
    out: list[str] = []
    if schema is not None:
        _walk_unknown(defs, schema, obj, "", out)
    return out


def _walk_unknown(defs: Definitions, schema: dict, value: Any, path: str, out: list[str]) -> None:
    """Collect undeclared fields and remove them (the decoder drops what it does not know);
    `$`-keys are strategic-merge directives, not fields."""
    if "allOf" in schema:
        schema = schema["allOf"][0]
    if "$ref" in schema:
        schema = defs.schemas[schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        if "properties" in schema:
            for k, v in list(value.items()):
                sub = schema["properties"].get(k)
                if k.startswith("$"):
                    continue
                if sub is None:
                    out.append(f"{path}.{k}" if path else k)
                    del value[k]
                else:
                    _walk_unknown(defs, sub, v, f"{path}.{k}" if path else k, out)
        elif "additionalProperties" in schema:
            for k, v in value.items():
                _walk_unknown(defs, schema["additionalProperties"], v, f"{path}[{k}]", out)
    elif isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            _walk_unknown(defs, schema["items"], v, f"{path}[{i}]", out)


# -- Go's omitempty -------------------------------------------------------------------------------

def drop_empty(registry: Registry, rt: ResourceType, obj: dict) -> None:
    """Remove empty maps and lists from a built-in object (and a custom resource's metadata), as the
    apiserver's Go types do when they serialize (`omitempty`): `annotations: {}` sent by a client is
    not stored. Empty structs stay."""
    defs = builtin_definitions(_builtin_roots(registry))
    if rt.custom:  # a custom resource's metadata is a typed ObjectMeta too
        _drop_empty(defs, defs.schemas[f"{META}.ObjectMeta"], obj.get("metadata"))
        return
    cls = model_class(rt)
    if cls is not None:
        _drop_empty(defs, defs.schemas[defs.names[cls.__name__]], obj)


def _drop_empty(defs: Definitions, schema: dict, value: Any) -> None:
    if "allOf" in schema:
        schema = schema["allOf"][0]
    if "$ref" in schema:
        schema = defs.schemas[schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(value, dict) and "properties" in schema:
        for k, v in list(value.items()):
            sub = schema["properties"].get(k)
            if sub is None:
                continue
            inner = sub["allOf"][0] if "allOf" in sub else sub
            if v in ({}, []) and (inner.get("type") == "array" or "additionalProperties" in inner):
                del value[k]
            else:
                _drop_empty(defs, sub, v)
    elif isinstance(value, list) and "items" in schema:
        for v in value:
            _drop_empty(defs, schema["items"], v)

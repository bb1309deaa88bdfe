"""Placement rules of workloads (read and changed through the versioned write path) and the
scheduling check of a workload or pod spec against a cluster's nodes and pods."""

from __future__ import annotations

import asyncio
import copy
from typing import Any, Callable

import yaml

from gitstore import YamlLimitExceeded, load_yaml
from server.affinity import reads, rules, scheduling, suggest
from server.affinity.model import Part, PodTarget, Rules, RulesWrite, Suggestions, Validation
from server.errors import InvalidArgument
from server.kube import ClusterPool
from server.names import ResourceName, parse_cluster
from server.versions.apply import Writer
from server.versions.manifests import MANIFEST_LIMITS

_DEFAULT_MESSAGES = {Part.NODE_AFFINITY: "Set node affinity of", Part.POD_AFFINITY: "Set pod affinity of",
                     Part.TOLERATIONS: "Set tolerations of"}


def _rv(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def inline_pod(target: PodTarget, namespace: str) -> dict[str, Any]:
    """A PodSpec, a pod template or a Pod given inline, as a Pod of `namespace`."""
    given = target.pod or {}
    if given.get("kind") in rules.TEMPLATE_PATHS:
        pod = rules.pod_template(given, target.field)
    elif "spec" in given:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": dict(given.get("metadata") or {}), "spec": given["spec"]}
    else:
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": given}
    if not isinstance(pod["spec"], dict) or not isinstance(pod["spec"].get("containers", []), list):
        raise InvalidArgument.field(target.field, "not a pod spec (containers must be a list)")
    pod["metadata"].setdefault("namespace", namespace or "default")
    pod["metadata"].setdefault("name", "(new pod)")
    rules.check_pod_spec(pod["spec"], target.field + ".spec" if "spec" in given else target.field)
    return pod


def parse_pod_yaml(text: str, field: str) -> dict[str, Any]:
    """One YAML document (a pod spec needs no apiVersion), read under the manifest limits."""
    try:
        docs = [d for d in load_yaml(text, MANIFEST_LIMITS) if d is not None]
    except (YamlLimitExceeded, yaml.YAMLError) as error:
        raise InvalidArgument.field(field, f"not readable YAML: {error}") from None
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise InvalidArgument.field(field, "give exactly one pod spec, template, Pod or workload")
    return docs[0]


class Placement:
    """Get/Set of placement rules, ValidateScheduling and SuggestPlacement."""

    def __init__(self, pool: ClusterPool, writer: Writer) -> None:
        self.pool = pool
        self.writer = writer

    # -- rules ------------------------------------------------------------------------------

    async def get_rules(self, name: str, part: Part) -> Rules:
        rn = reads.workload_name(name, "name", part.value)
        conn = await self.pool.get(rn.cluster)
        obj = await reads.workload(conn, rn, "name")
        return Rules(str(rn), rules.pod_template(obj, "name")["spec"], _rv(obj))

    async def set_node_affinity(self, name: str, values: dict[str, Any], mask: list[str], *, etag: str,
                                validate_only: bool, message: str) -> RulesWrite:
        """values: requiredDuring... (a NodeSelector or None), preferredDuring..., nodeSelector."""
        return await self._set(name, Part.NODE_AFFINITY, rules.node_affinity_edit(values, mask), etag=etag,
                               validate_only=validate_only, message=message, field="node_affinity.name")

    async def set_pod_affinity(self, name: str, values: dict[str, Any], mask: list[str], *, etag: str,
                               validate_only: bool, message: str) -> RulesWrite:
        """values: podAffinity and podAntiAffinity, each with its required and preferred terms."""
        return await self._set(name, Part.POD_AFFINITY, rules.pod_affinity_edit(values, mask), etag=etag,
                               validate_only=validate_only, message=message, field="pod_affinity.name")

    async def set_tolerations(self, name: str, tolerations: list[dict[str, Any]], *, etag: str, validate_only: bool,
                              message: str) -> RulesWrite:
        return await self._set(name, Part.TOLERATIONS, rules.tolerations_edit(tolerations), etag=etag,
                               validate_only=validate_only, message=message, field="tolerations.name")

    async def _set(self, name: str, part: Part, edit: Callable[[dict[str, Any]], dict[str, Any]], *,
                   etag: str, validate_only: bool, message: str, field: str) -> RulesWrite:
        """Apply `edit` (pod spec -> the placement fields to apply) to a workload through the
        versioned write path: a dry run with diff, or one commit by the caller."""
        rn = reads.workload_name(name, field, part.value)
        conn = await self.pool.get(rn.cluster)
        obj = await reads.workload(conn, rn, field)
        config = rules.apply_config(obj, edit)
        result = await self.writer.apply_manifest(
            cluster=rn.cluster_name, manifest=yaml.dump(config, Dumper=yaml.CSafeDumper, sort_keys=False),
            message=message or f"{_DEFAULT_MESSAGES[part]} {rn}", branch="", dry_run=validate_only, force=True,
            etags={str(rn): etag} if etag else {}, namespace="")
        applied = result.resources[0]
        if validate_only:
            spec = rules.pod_template(obj, field)["spec"]
            after_spec = rules.merged(spec, edit(copy.deepcopy(spec)))
            return RulesWrite(str(rn), Rules(str(rn), after_spec, applied.etag), "", applied.diff, True)
        after = await reads.workload(conn, rn, field)
        return RulesWrite(str(rn), Rules(str(rn), rules.pod_template(after, field)["spec"], _rv(after)),
                          result.commit, applied.diff, False)

    # -- scheduling -------------------------------------------------------------------------

    async def _pod(self, cluster: str, target: PodTarget, namespace: str) -> tuple[Any, dict[str, Any], ResourceName | None]:
        cluster_id = parse_cluster(cluster, "parent")
        conn = await self.pool.get(cluster_id)
        if target.workload:
            rn = reads.workload_name(target.workload, "workload")
            if rn.cluster != cluster_id:
                raise InvalidArgument.field("workload", f"{target.workload} is not in {cluster}")
            return conn, rules.pod_template(await reads.workload(conn, rn, "workload"), "workload"), rn
        if target.pod is None:
            raise InvalidArgument.field("workload", "name a workload or give a pod_spec or pod_spec_yaml")
        return conn, inline_pod(target, namespace), None

    async def validate(self, cluster: str, target: PodTarget, *, namespace: str = "", nodes: list[str] | None = None,
                       ignore_resources: bool = False) -> Validation:
        conn, pod, rn = await self._pod(cluster, target, namespace)
        state = await reads.snapshot(conn)
        if rn is not None and rn.resource == "pods":
            state = state.without(pod)
        unknown = sorted(set(nodes or []) - set(state.by_name))
        if unknown:
            raise InvalidArgument.field("nodes", f"no node named {', '.join(unknown)} in {cluster}", "NODE_NOT_FOUND")
        verdict = await asyncio.to_thread(scheduling.check, pod, state, nodes=nodes or (),
                                          ignore_resources=ignore_resources)
        return Validation(parse_cluster(cluster, "parent"), verdict)

    async def suggest(self, cluster: str, target: PodTarget, *, namespace: str = "", limit: int = 10) -> Suggestions:
        conn, pod, rn = await self._pod(cluster, target, namespace)
        state = await reads.snapshot(conn)
        if rn is not None and rn.resource == "pods":
            state = state.without(pod)
        return await asyncio.to_thread(suggest.suggest, parse_cluster(cluster, "parent"), pod, state, limit or 10)

"""Recommendations turned into a reviewed change: the patches of chosen findings, merged into the
objects they fix, become ONE commit on a new draft branch through the versions domain's apply
(the cluster's dry-run verdict and the diff; nothing reaches a cluster until a person merges
the branch). Proposals made by tools (`propose_change`) take the same road.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import yaml

from server import context
from server.errors import FailedPrecondition, InvalidArgument
from server.kube import normalize
from server.kube import ClusterPool
from server.mcp.history import ScanRecord
from server.mcp.scanners import Finding
from server.names import ResourceName
from server.security import Permission, require
from server.versions import Versions
from server.versions.apply import ApplyResult


def strategic_merge(target: Any, patch: Any) -> Any:
    """The parts of Kubernetes' strategic merge the scan patches use: maps merge, `None`
    deletes a key, lists of named items (containers, env) merge by name, other lists of maps
    (tolerations) gain the items they lack, and anything else is replaced."""
    if isinstance(patch, dict) and isinstance(target, dict):
        out = dict(target)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = strategic_merge(target.get(key), value)
        return out
    if isinstance(patch, list) and isinstance(target, list) and all(isinstance(i, dict) for i in patch + target):
        if all("name" in i for i in patch + target):
            out = list(target)
            for item in patch:
                at = next((n for n, t in enumerate(out) if t["name"] == item["name"]), None)
                if at is None:
                    out.append(item)
                else:
                    out[at] = strategic_merge(out[at], item)
            return out
        return list(target) + [i for i in patch if i not in target]
    return patch


def _manifest(docs: list[dict[str, Any]]) -> str:
    return yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=False)


@dataclass
class Proposal:
    result: ApplyResult
    findings: list[str] = field(default_factory=list)


def draft_name(prefix: str) -> str:
    """A new branch name no one is using: the prefix and random hex."""
    return f"{prefix}-{secrets.token_hex(4)}"


class Proposals:
    """Draft branches made of proposed changes: a new branch from main, one commit on it."""

    def __init__(self, versions: Versions, pool: ClusterPool) -> None:
        self.writer = versions.writer
        self.history = versions.history
        self.pool = pool

    async def propose(self, *, cluster: str, manifest: str, message: str, branch: str, namespace: str = "",
                      validate_only: bool = False, baseline: str = "") -> ApplyResult:
        """The manifest on a NEW draft branch (made from main), after the cluster's dry run. With
        a `baseline` (the objects as the cluster has them), the branch first records it, so the
        proposal's commit and diff show only what it changes, also for objects main never held."""
        caller = context.current().caller
        require(caller, Permission.RESOURCES_APPLY)
        require(caller, Permission.VERSIONS_WRITE)
        if validate_only:
            return await self.writer.apply_manifest(cluster=cluster, manifest=manifest, message=message,
                                                    branch="", dry_run=True, force=False, etags={},
                                                    namespace=namespace)
        await self.history.create_branch(branch, "")
        try:
            if baseline:
                await self.writer.apply_manifest(cluster=cluster, manifest=baseline, message="Baseline: the objects "
                                                 "as the cluster has them, before the proposed change", branch=branch,
                                                 dry_run=False, force=False, etags={}, namespace=namespace)
            return await self.writer.apply_manifest(cluster=cluster, manifest=manifest, message=message,
                                                    branch=branch, dry_run=False, force=False, etags={},
                                                    namespace=namespace)
        except BaseException:
            await self.history.delete_branch(f"branches/{branch}")  # a refused proposal leaves no branch
            raise

    async def apply_findings(self, record: ScanRecord, ids: list[str], branch: str, message: str,
                             validate_only: bool) -> Proposal:
        chosen = self._chosen(record, ids)
        by_resource: dict[str, list[Finding]] = defaultdict(list)
        for f in chosen:
            by_resource[f.resource].append(f)
        conn = await self.pool.get(record.cluster)
        live, docs = [], []
        for resource, findings in sorted(by_resource.items()):
            name = ResourceName.parse(resource, "findings")
            rt = await conn.resolve(name.resource)
            obj = normalize(await conn.get_object(rt, name.namespace, name.name))
            live.append(obj)
            for f in findings:
                obj = strategic_merge(obj, f.patch)
            docs.append(obj)
        message = message or "Fix scan findings\n\n" + "\n".join(f"- {f.rule}: {f.message}" for f in chosen)
        result = await self.propose(cluster=f"clusters/{record.cluster}", manifest=_manifest(docs), message=message,
                                    branch=branch or draft_name(f"fix-{record.id[:8]}"),
                                    validate_only=validate_only, baseline=_manifest(live))
        return Proposal(result, [f.key for f in chosen])

    @staticmethod
    def _chosen(record: ScanRecord, ids: list[str]) -> list[Finding]:
        fixable = {s.finding.key: s.finding for s in record.findings if s.finding.patch}
        if not ids:
            if not fixable:
                raise FailedPrecondition(f"scan {record.id} has no finding with a patch", "NOTHING_TO_APPLY")
            return list(fixable.values())
        known = {s.finding.key for s in record.findings}
        for i, fid in enumerate(ids):
            if fid not in known:
                raise InvalidArgument.field(f"findings[{i}]", f"scan {record.id} has no finding {fid!r}")
            if fid not in fixable:
                raise InvalidArgument.field(f"findings[{i}]", f"finding {fid!r} has no patch; its remediation "
                                            "is text only", "NO_PATCH")
        return [fixable[fid] for fid in dict.fromkeys(ids)]

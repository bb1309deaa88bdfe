"""Exec policy: which commands may run in a cluster's containers, versioned in the store.

A namespace's policy lives at `clusters/{c}/namespaces/{ns}/execpolicy.yaml`, the cluster default
(`namespaces/-`) at `clusters/{c}/execpolicy.yaml`; the first that exists applies. With neither,
everything is allowed (a fresh install must be usable; operators lock it down by writing one).

Rules match the program (argv[0] or its base name) or, when they contain `*?[`, the whole command
line (fnmatch). Commands run through a shell (`sh -c 'a; b | c'`) are checked per command of the
script too, so `sh -c "rm -rf /"` does not slip past a `rm` deny rule.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import shlex
from dataclasses import dataclass, field, replace
from datetime import datetime

import gitstore
from server import context
from server.registry import ClusterRegistry
from server.storage import Storage
from server.errors import InvalidArgument, PermissionDenied
from server.names import check_dns_label

SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"}
_SPLIT = re.compile(r"&&|\|\||[;|&\n]")
_MUTABLE = ("allow", "deny", "allow_interactive")
MAX_RULES = 200


@dataclass(frozen=True)
class PolicyName:
    cluster: str
    namespace: str  # `-` for the cluster default

    def __str__(self) -> str:
        return f"clusters/{self.cluster}/namespaces/{self.namespace}/execPolicy"

    @property
    def path(self) -> str:
        if self.namespace == "-":
            return f"clusters/{self.cluster}/execpolicy.yaml"
        return f"clusters/{self.cluster}/namespaces/{self.namespace}/execpolicy.yaml"

    @classmethod
    def parse(cls, text: str, field: str) -> "PolicyName":
        parts = (text or "").split("/")
        if len(parts) != 5 or parts[0] != "clusters" or parts[2] != "namespaces" or parts[4] != "execPolicy":
            raise InvalidArgument.field(field, f"{text!r} is not an exec policy name "
                                               "(clusters/{cluster}/namespaces/{namespace}/execPolicy)")
        namespace = parts[3] if parts[3] == "-" else check_dns_label(parts[3], field, "namespace")
        return cls(check_dns_label(parts[1], field, "cluster"), namespace)


@dataclass
class ExecPolicy:
    """A policy as stored (or inherited: then `etag` is empty and there is no update time)."""

    name: str = ""
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    allow_interactive: bool = True
    etag: str = ""
    update_time: datetime | None = None
    updated_by: str = ""


def _programs(argv: list[str]) -> list[str]:
    """argv[0], plus the first word of every command of a `sh -c` script."""
    names = [argv[0]]
    if posixpath.basename(argv[0]) in SHELLS and "-c" in argv[1:-1]:
        script = argv[argv.index("-c", 1) + 1]
        for part in _SPLIT.split(script):
            try:
                words = shlex.split(part)
            except ValueError:
                words = part.split()
            words = [w for w in words if "=" not in w.split("/")[0]]  # `VAR=x cmd`
            if words and words[0] not in ("exec", "command", "env"):
                names.append(words[0])
            elif len(words) > 1:
                names.append(words[1])
    return names


def _matches(rule: str, argv: list[str], line: str) -> bool:
    if any(ch in rule for ch in "*?["):
        return fnmatch.fnmatchcase(line, rule) or any(
            fnmatch.fnmatchcase(posixpath.basename(p), rule) for p in _programs(argv))
    return any(rule in (p, posixpath.basename(p)) for p in _programs(argv))


def check(policy: ExecPolicy, argv: list[str], interactive: bool) -> None:
    """PERMISSION_DENIED naming the rule that refuses `argv`, or nothing."""
    line = shlex.join(argv)
    meta = {"policy": policy.name or "default", "command": line[:200]}
    for rule in policy.deny:
        if _matches(rule, argv, line):
            raise PermissionDenied(f"exec policy {meta['policy']} refuses {line!r}: deny rule {rule!r}",
                                   "EXEC_DENIED", metadata={**meta, "rule": f"deny:{rule}"})
    if policy.allow and not any(_matches(rule, argv, line) for rule in policy.allow):
        raise PermissionDenied(f"exec policy {meta['policy']} refuses {line!r}: no allow rule matches "
                               f"(allow: {', '.join(policy.allow)})", "EXEC_NOT_ALLOWED",
                               metadata={**meta, "rule": "allow"})
    if interactive and not policy.allow_interactive:
        raise PermissionDenied(f"exec policy {meta['policy']} refuses interactive sessions: "
                               "allow_interactive is false", "INTERACTIVE_NOT_ALLOWED",
                               metadata={**meta, "rule": "allow_interactive"})


def _from_document(name: PolicyName, doc: gitstore.Document, version: gitstore.Version | None) -> ExecPolicy:
    data = doc.data
    return ExecPolicy(name=str(name), allow=list(data.get("allow") or []), deny=list(data.get("deny") or []),
                      allow_interactive=bool(data.get("allowInteractive")), etag=doc.etag,
                      update_time=version.time if version is not None else None,
                      updated_by=version.author.name if version is not None else "")


class Policies:
    def __init__(self, storage: Storage, clusters: ClusterRegistry) -> None:
        self.storage = storage
        self.store = storage.sync
        self.clusters = clusters

    def _read(self, name: PolicyName) -> ExecPolicy | None:
        doc = self.store.read_if_exists(name.path)
        if doc is None:
            return None
        versions, _ = self.store.list_versions(name.path, page_size=1)
        return _from_document(name, doc, versions[0] if versions else None)

    def _effective(self, name: PolicyName) -> ExecPolicy:
        """The namespace's policy, else the cluster default, else allow-all."""
        for candidate in (name, PolicyName(name.cluster, "-")):
            policy = self._read(candidate)
            if policy is not None:
                return policy
        return ExecPolicy()

    async def get(self, text: str) -> ExecPolicy:
        """The stored policy of a registered cluster's namespace (`-`: the cluster default); when none
        is stored, the inherited one with an empty etag."""
        name = PolicyName.parse(text, "name")
        await self.clusters.get(name.cluster)
        policy = await self.storage.run(self._read, name)
        if policy is None:
            policy = replace(await self.storage.run(self._effective, name), etag="", update_time=None, updated_by="")
        return replace(policy, name=str(name))

    async def enforce(self, cluster: str, namespace: str, argv: list[str], interactive: bool = False) -> None:
        check(await self.storage.run(self._effective, PolicyName(cluster, namespace)), argv, interactive)

    def _update(self, name: PolicyName, policy: ExecPolicy, paths: list[str],
                author: gitstore.Author, request_id: str) -> ExecPolicy:
        current = self._read(name) or ExecPolicy()
        for path in paths or _MUTABLE:
            if path not in _MUTABLE:
                raise InvalidArgument.field("update_mask", f"{path!r} cannot be updated (use {', '.join(_MUTABLE)})")
            current = replace(current, **{path: getattr(policy, path)})
        for kind in ("allow", "deny"):
            rules = list(getattr(current, kind))
            if len(rules) > MAX_RULES or any(not r.strip() or len(r) > 500 for r in rules):
                raise InvalidArgument.field(f"policy.{kind}", f"at most {MAX_RULES} non-empty rules of up to 500 characters")
        document = {"apiVersion": "kubecommit.io/v1", "kind": "ExecPolicy", "metadata": {"name": str(name)},
                    "allow": list(current.allow), "deny": list(current.deny),
                    "allowInteractive": current.allow_interactive}
        expected = {name.path: policy.etag} if policy.etag else None
        self.store.commit([gitstore.Change.put(name.path, document)], author=author,
                          message=f"exec policy {name}", operation="apply", request_id=request_id,
                          expected=expected)
        stored = self._read(name)
        assert stored is not None
        return stored

    async def update(self, policy: ExecPolicy, paths: list[str]) -> ExecPolicy:
        """Sets the fields `paths` names (all mutable ones when empty); `policy.etag`, when set, must
        match the stored one."""
        name = PolicyName.parse(policy.name, "policy.name")
        await self.clusters.get(name.cluster)
        return await self.storage.run(self._update, name, policy, paths, context.commit_author(),
                                      context.commit_request_id())


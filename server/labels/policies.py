"""Label policies: required, forbidden and constrained keys per kind, namespace and cluster,
with exemptions (after Kyverno's validate rules and Gatekeeper's K8sRequiredLabels), kept in
the store as one YAML document each under `kubecommit/labels/policies/` so that every change
is an authored commit and a policy's version is its history.

Value patterns are RE2 (google-re2): linear-time matching, so a policy cannot hang a check.
"""

from __future__ import annotations

import fnmatch
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from enum import Enum
from typing import Any, Mapping

import re2

from gitstore import Change as StoreChange
from server import context
from server.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from server.kube.labels import Selector, check_key, check_labels, parse_selector
from server.labels.model import Patch
from server.names import ResourceName, check_dns_label, parse_cluster
from server.paging import offset_page
from server.storage import Storage

ROOT = "kubecommit/labels/policies"
RECOMMENDED = "kubernetes-recommended"


class Enforcement(Enum):
    AUDIT = "audit"
    ENFORCE = "enforce"
    DISABLED = "disabled"


class Reason(Enum):
    MISSING_REQUIRED_KEY = "missing-required-key"
    FORBIDDEN_KEY = "forbidden-key"
    VALUE_MISMATCH = "value-mismatch"


@dataclass
class Policy:
    id: str
    display_name: str = ""
    description: str = ""
    required_keys: list[str] = field(default_factory=list)
    forbidden_keys: list[str] = field(default_factory=list)
    value_patterns: dict[str, str] = field(default_factory=dict)
    allowed_values: dict[str, list[str]] = field(default_factory=dict)
    default_values: dict[str, str] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    namespace_selector: str = ""
    exemptions: list[str] = field(default_factory=list)
    enforcement: Enforcement = Enforcement.AUDIT
    # From the store, not part of the document:
    etag: str = ""
    version: int = 0
    commit: str = ""
    created_by: str = ""
    updated_by: str = ""
    create_time: datetime | None = None
    update_time: datetime | None = None
    built_in: bool = False

    @property
    def name(self) -> str:
        return f"labelPolicies/{self.id}"


_SPEC = ("display_name", "description", "required_keys", "forbidden_keys", "value_patterns", "allowed_values",
         "default_values", "kinds", "namespaces", "clusters", "namespace_selector", "exemptions", "enforcement")
MUTABLE = _SPEC

# The Kubernetes recommended labels (kubernetes.io/docs/concepts/overview/working-with-objects/
# common-labels), off until someone switches the policy to AUDIT or ENFORCE.
BUILT_IN = [Policy(
    RECOMMENDED, display_name="Kubernetes recommended labels",
    description="app.kubernetes.io/name and app.kubernetes.io/instance on workloads and services; "
                "app.kubernetes.io/managed-by, version, component and part-of well-formed when present",
    required_keys=["app.kubernetes.io/name", "app.kubernetes.io/instance"],
    value_patterns={"app.kubernetes.io/version": r"[A-Za-z0-9][-A-Za-z0-9_.]*"},
    kinds=["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Service"],
    exemptions=["clusters/*/namespaces/kube-system/*/*", "clusters/*/namespaces/kube-public/*/*"],
    enforcement=Enforcement.DISABLED, built_in=True)]


_BUILT_IN_IDS = {p.id for p in BUILT_IN}


@dataclass(frozen=True)
class Violation:
    resource: str
    policy: str  # labelPolicies/{id}
    key: str
    reason: Reason
    value: str
    message: str
    enforcement: Enforcement
    fix: Patch | None


def _compile(pattern: str, field_name: str) -> Any:
    try:
        return re2.compile(pattern)
    except re2.error as error:
        raise InvalidArgument.field(field_name, f"pattern {pattern!r} does not compile (RE2): {error}",
                                    "INVALID_PATTERN") from None


def validate(policy: Policy, prefix: str = "label_policy.") -> None:
    """Every field of a policy, INVALID_ARGUMENT naming the first wrong one."""
    check_dns_label(policy.id, "label_policy_id", "label policy")
    for i, key in enumerate(policy.required_keys):
        check_key(key, f"{prefix}required_keys[{i}]")
    for i, key in enumerate(policy.forbidden_keys):
        check_key(key.removesuffix("*").rstrip("/.") or "x", f"{prefix}forbidden_keys[{i}]")
    for key, pattern in policy.value_patterns.items():
        check_key(key, f"{prefix}value_patterns[{key}]")
        _compile(pattern, f"{prefix}value_patterns[{key}]")
    for key, values in policy.allowed_values.items():
        check_labels({key: v for v in values}, f"{prefix}allowed_values")
    check_labels(policy.default_values, f"{prefix}default_values")
    for key, value in policy.default_values.items():
        if not _value_ok(policy, key, value):
            raise InvalidArgument.field(f"{prefix}default_values[{key}]",
                                        f"{value!r} is not allowed by the policy's own values for {key!r}")
    for i, ns in enumerate(policy.namespaces):
        check_dns_label(ns, f"{prefix}namespaces[{i}]", "namespace")
    for i, cluster in enumerate(policy.clusters):
        parse_cluster(cluster, f"{prefix}clusters[{i}]")
    parse_selector(policy.namespace_selector, f"{prefix}namespace_selector")
    if not (policy.required_keys or policy.forbidden_keys or policy.value_patterns or policy.allowed_values):
        raise InvalidArgument.field(f"{prefix}required_keys", "a policy needs at least one rule (required, "
                                    "forbidden, value_patterns or allowed_values)")


def _value_ok(policy: Policy, key: str, value: str) -> bool:
    allowed = policy.allowed_values.get(key)
    if allowed is not None and value not in allowed:
        return False
    pattern = policy.value_patterns.get(key)
    return pattern is None or re2.fullmatch(pattern, value) is not None


def kind_matches(kinds: tuple[str, ...] | list[str], kind: str, resource_type: str) -> bool:
    """Whether a kind named any of the ways people write it (`Deployment`, `deployments.apps`,
    `deployments`) is among `kinds`; every kind when `kinds` is empty."""
    plural = resource_type.partition(".")[0]
    return not kinds or any(k in (kind, resource_type, plural) or k.lower() == kind.lower() for k in kinds)


def covers(policy: Policy, name: ResourceName, kind: str, namespace_labels: Mapping[str, str] | None) -> bool:
    """Whether the policy applies to an object (kind, namespace, cluster, namespace selector,
    exemptions). `namespace_labels` is None when the namespace's labels are unknown."""
    if policy.enforcement is Enforcement.DISABLED or not kind_matches(policy.kinds, kind, name.resource):
        return False
    if policy.clusters and f"clusters/{name.cluster}" not in policy.clusters:
        return False
    if policy.namespaces and name.namespace not in policy.namespaces:
        return False
    if policy.namespace_selector:
        if not name.namespace or not _selector(policy.namespace_selector).matches(namespace_labels or {}):
            return False
    return not any(fnmatch.fnmatchcase(str(name), pattern) and _segments(pattern) == _segments(str(name))
                   for pattern in policy.exemptions)


def _segments(text: str) -> int:
    return text.count("/")


def _selector(text: str) -> Selector:
    return parse_selector(text, "namespace_selector")


def _forbidden(pattern: str, key: str) -> bool:
    return key.startswith(pattern[:-1]) if pattern.endswith("*") else key == pattern


def check(policy: Policy, resource: str, labels: Mapping[str, str]) -> list[Violation]:
    """The policy's violations by one object's labels (coverage already decided), each with the
    patch that would fix it when one can be proposed."""
    out = []

    def add(key: str, reason: Reason, value: str, message: str, fix: Patch | None) -> None:
        out.append(Violation(resource, policy.name, key, reason, value, message, policy.enforcement, fix))

    for key in policy.required_keys:
        if key not in labels:
            default = policy.default_values.get(key)
            add(key, Reason.MISSING_REQUIRED_KEY, "", f"{policy.name} requires label {key!r}",
                Patch(set_labels={key: default}) if default is not None else None)
    for key, value in sorted(labels.items()):
        hit = next((p for p in policy.forbidden_keys if _forbidden(p, key)), None)
        if hit is not None:
            add(key, Reason.FORBIDDEN_KEY, value, f"{policy.name} forbids label {key!r} ({hit})",
                Patch(remove_labels=(key,)))
        elif not _value_ok(policy, key, value):
            default = policy.default_values.get(key)
            add(key, Reason.VALUE_MISMATCH, value, f"{policy.name}: {value!r} is not an allowed value of {key!r}",
                Patch(set_labels={key: default}) if default is not None else None)
    return out


# -- storage ----------------------------------------------------------------------------------

def _document(policy: Policy) -> dict[str, Any]:
    spec = {k: v for k, v in asdict(policy).items() if k in _SPEC and v not in ("", [], {})}
    spec["enforcement"] = policy.enforcement.value
    return {"apiVersion": "kubecommit.io/v1", "kind": "LabelPolicy", "metadata": {"name": policy.id}, "spec": spec}


def _from_document(data: dict[str, Any]) -> Policy:
    spec = dict(data.get("spec") or {})
    spec["enforcement"] = Enforcement(spec.get("enforcement", "audit"))
    known = {f.name for f in fields(Policy)}
    return Policy(id=data["metadata"]["name"], **{k: v for k, v in spec.items() if k in known})


class PolicyStore:
    """Policies in git; each write one commit by the caller, guarded by the etag when given."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.store = storage.sync
        self._cache: tuple[dict[str, str], list[Policy]] | None = None

    @staticmethod
    def path(policy_id: str) -> str:
        return f"{ROOT}/{policy_id}.yaml"

    def _read(self, policy_id: str) -> Policy | None:
        path = self.path(policy_id)
        doc = self.store.read_if_exists(path)
        if doc is None:
            return None
        versions, _ = self.store.list_versions(path, page_size=1)
        first = self.store.get_version(path, version=1).version if versions[0].number > 1 else versions[0]
        policy = _from_document(doc.data)
        latest = versions[0]
        assert first is not None
        return replace(policy, etag=doc.etag or "", version=latest.number, built_in=policy_id in _BUILT_IN_IDS, commit=latest.commit_id,
                       created_by=first.author.name, updated_by=latest.author.name, create_time=first.time,
                       update_time=latest.time)

    def _get(self, policy_id: str) -> Policy:
        stored = self._read(policy_id)
        if stored is not None:
            return stored
        built_in = next((p for p in BUILT_IN if p.id == policy_id), None)
        if built_in is None:
            raise NotFound(f"labelPolicies/{policy_id} does not exist", "NOT_FOUND",
                           metadata={"name": f"labelPolicies/{policy_id}"})
        return replace(built_in)

    async def get(self, name: str) -> Policy:
        return await self.storage.run(self._get, policy_id(name, "name"))

    def _list(self) -> list[Policy]:
        etags = self.store.etags(ROOT + "/")
        if self._cache is None or self._cache[0] != etags:
            stored = [p for p in (self._read(path.removeprefix(ROOT + "/").removesuffix(".yaml")) for path in etags)
                      if p is not None]
            ids = {p.id for p in stored}
            self._cache = (etags, sorted(stored + [replace(p) for p in BUILT_IN if p.id not in ids],
                                         key=lambda p: p.id))
        return list(self._cache[1])

    async def list(self) -> list[Policy]:
        """Stored policies and every built-in one not stored, by id (parsed once per change)."""
        return await self.storage.run(self._list)

    async def page(self, size: int, token: str) -> tuple[list[Policy], str]:
        return offset_page(await self.list(), ("ListLabelPolicies",), size, token)

    def _commit(self, policy: Policy, message: str, expected: dict[str, str | None] | None,
                delete: bool = False) -> None:
        path = self.path(policy.id)
        change = StoreChange.delete(path) if delete else StoreChange.put(path, _document(policy))
        self.store.commit([change], author=context.commit_author(), message=message, operation="delete" if delete
                          else "apply", request_id=context.commit_request_id(), expected=expected)

    async def create(self, policy: Policy, validate_only: bool) -> Policy:
        validate(policy)
        if any(p.id == policy.id for p in BUILT_IN) or \
                await self.storage.run(self.store.read_if_exists, self.path(policy.id)) is not None:
            raise AlreadyExists(f"{policy.name} already exists", "ALREADY_EXISTS", metadata={"name": policy.name})
        if validate_only:
            return policy
        await self.storage.run(self._commit, policy, f"Create label policy {policy.id}", {self.path(policy.id): None})
        return await self.storage.run(self._get, policy.id)

    async def update(self, policy: Policy, mask: list[str], validate_only: bool) -> Policy:
        current = await self.storage.run(self._get, policy.id)
        if policy.etag and policy.etag != current.etag and current.version:
            raise FailedPrecondition(f"{policy.name} changed since etag {policy.etag}", "ETAG_MISMATCH",
                                     metadata={"etag": current.etag})
        for i, name in enumerate(mask or MUTABLE):
            if name not in MUTABLE:
                raise InvalidArgument.field(f"update_mask.paths[{i}]", f"{name!r} cannot be updated")
            setattr(current, name, getattr(policy, name))
        validate(current)
        if validate_only:
            return current
        expected = {self.path(policy.id): current.etag if current.version else None}
        await self.storage.run(self._commit, current, f"Update label policy {policy.id}: {', '.join(mask or MUTABLE)}",
                                expected)
        return await self.storage.run(self._get, policy.id)

    async def delete(self, name: str, etag: str, validate_only: bool) -> None:
        current = await self.get(name)
        if not current.version:
            raise FailedPrecondition(f"{name} is built in and never changed: nothing to delete (set its "
                                     "enforcement to DISABLED to switch it off)", "BUILT_IN")
        if etag and etag != current.etag:
            raise FailedPrecondition(f"{name} changed since etag {etag}", "ETAG_MISMATCH",
                                     metadata={"etag": current.etag})
        if not validate_only:
            await self.storage.run(self._commit, current, f"Delete label policy {current.id}",
                                    {self.path(current.id): current.etag}, True)


def policy_id(name: str, field_name: str) -> str:
    prefix, sep, ident = name.partition("/")
    if prefix != "labelPolicies" or not sep:
        raise InvalidArgument.field(field_name, f"{name!r} is not a label policy name (labelPolicies/{{policy}})")
    return check_dns_label(ident, field_name, "label policy")


"""Security rules (after Polaris, kube-bench and Trivy): privileges, host access, Secret values
in env, wildcard RBAC, automounted tokens."""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from typing import Any, Iterator

from server.mcp.scanners.base import (Category, Finding, Severity, Snapshot, containers_of,
                                      meta_of, namespace_of, pod_spec_of, rule, template_patch, workloads)

DANGEROUS_CAPABILITIES = frozenset({"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH"})


def _security_contexts(obj: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    pod_sc = pod_spec_of(obj).get("securityContext") or {}
    for c in containers_of(obj) + list(pod_spec_of(obj).get("initContainers") or []):
        yield c, c.get("securityContext") or {}, pod_sc


@rule("privileged", Category.SECURITY, "privileged containers, root users and added capabilities")
def privileges(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        for c, sc, pod_sc in _security_contexts(obj):
            name = c["name"]
            if sc.get("privileged"):
                yield Finding("privileged", Category.SECURITY, Severity.CRITICAL, snap.name(obj),
                              f"container {name} is privileged (all host devices and capabilities)",
                              {"container": name}, "Drop privileged; add only the capabilities it needs.",
                              template_patch(obj, {"containers": [{"name": name, "securityContext": {"privileged": False}}]}))
            user = sc.get("runAsUser", pod_sc.get("runAsUser"))
            if user == 0:
                yield Finding("run-as-root", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"container {name} runs as root (runAsUser 0)", {"container": name, "run_as_user": "0"},
                              "Run as a non-root user (runAsNonRoot: true, a runAsUser above 0).")
            added = ((sc.get("capabilities") or {}).get("add")) or []
            if added:
                dangerous = sorted(set(added) & DANGEROUS_CAPABILITIES)
                yield Finding("capabilities-added", Category.SECURITY, Severity.HIGH if dangerous else Severity.MEDIUM,
                              snap.name(obj), f"container {name} adds capabilities {', '.join(added)}",
                              {"container": name, "added": ",".join(added)},
                              "Drop capabilities the process does not need (start from drop: [ALL]).")


@rule("host-access", Category.SECURITY, "hostPath volumes, hostNetwork, hostPID and hostIPC")
def host_access(snap: Snapshot) -> Iterator[Finding]:
    for obj in workloads(snap):
        spec = pod_spec_of(obj)
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(flag):
                yield Finding("host-access", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"pod shares the node's {flag.removeprefix('host')} namespace", {"container": flag},
                              f"Remove {flag} unless the workload is a node agent.",
                              template_patch(obj, {flag: False}))
        for vol in spec.get("volumes") or []:
            if "hostPath" in vol:
                yield Finding("host-access", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"volume {vol['name']} mounts host path {vol['hostPath'].get('path')}",
                              {"container": f"volume:{vol['name']}", "path": str(vol["hostPath"].get("path"))},
                              "Use an emptyDir, a ConfigMap or a PersistentVolumeClaim instead of a host path.")


def _secret_values(snap: Snapshot) -> dict[tuple[str, bytes], tuple[str, str]]:
    """(namespace, value) -> (secret, key) of every Secret value in the snapshot."""
    out = {}
    for secret in snap.of("Secret"):
        for key, encoded in ((secret.get("data") or {}).items()):
            try:
                value = base64.b64decode(encoded or "", validate=True)
            except (binascii.Error, ValueError):
                continue
            if len(value) >= 6:  # short values ("true", "80") match by chance
                out[(namespace_of(secret), value)] = (meta_of(secret).get("name", ""), key)
    return out


@rule("secret-in-env", Category.SECURITY, "Secret values written as plain env values")
def secrets_in_env(snap: Snapshot) -> Iterator[Finding]:
    values = _secret_values(snap)
    for obj in workloads(snap):
        for c in containers_of(obj):
            for env in c.get("env") or []:
                found = values.get((namespace_of(obj), str(env.get("value", "")).encode()))
                if "value" not in env or found is None:
                    continue
                secret, key = found
                yield Finding("secret-in-env", Category.SECURITY, Severity.HIGH, snap.name(obj),
                              f"env {env['name']} of container {c['name']} holds the value of Secret {secret} "
                              f"key {key} in plain text (visible to anyone who can read the object)",
                              {"container": c["name"], "env": env["name"], "secret": secret, "key": key},
                              f"Reference the Secret instead: valueFrom.secretKeyRef {secret}/{key}.",
                              template_patch(obj, {"containers": [{"name": c["name"], "env": [
                                  {"name": env["name"], "value": None,
                                   "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}]}]}))


def _bindings(snap: Snapshot) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(namespace, service account) -> (binding kind, role kind, role name)."""
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for binding in snap.of("RoleBinding") + snap.of("ClusterRoleBinding"):
        ref = binding.get("roleRef") or {}
        for subject in binding.get("subjects") or []:
            if subject.get("kind") == "ServiceAccount":
                ns = subject.get("namespace") or namespace_of(binding)
                out[(ns, subject.get("name", ""))].append((binding["kind"], ref.get("kind", ""), ref.get("name", "")))
    return out


@rule("wildcard-rbac", Category.SECURITY, "service accounts bound to roles with `*` verbs, resources or groups")
def wildcard_rbac(snap: Snapshot) -> Iterator[Finding]:
    roles = {("Role", namespace_of(r), meta_of(r).get("name")): r for r in snap.of("Role")}
    roles.update({("ClusterRole", "", meta_of(r).get("name")): r for r in snap.of("ClusterRole")})
    for (ns, account), bound in sorted(_bindings(snap).items()):
        if ns == "kube-system":
            continue
        for _, role_kind, role_name in bound:
            role = roles.get((role_kind, ns if role_kind == "Role" else "", role_name)) or {}
            wild = [r for r in role.get("rules") or []
                    if "*" in (r.get("verbs") or []) + (r.get("resources") or []) + (r.get("apiGroups") or [])]
            if wild:
                sa = {"kind": "ServiceAccount", "metadata": {"name": account, "namespace": ns}}
                yield Finding("wildcard-rbac", Category.SECURITY, Severity.HIGH, snap.name(sa),
                              f"service account {ns}/{account} is bound to {role_kind} {role_name}, which grants `*`",
                              {"container": f"{role_kind}/{role_name}", "role": role_name},
                              "Grant the verbs and resources it uses, by name (least privilege).")


@rule("automount-token", Category.SECURITY, "pods mounting an API token they have no RBAC for")
def automounted_tokens(snap: Snapshot) -> Iterator[Finding]:
    bound = _bindings(snap)
    accounts = {(namespace_of(a), meta_of(a).get("name")): a for a in snap.of("ServiceAccount")}
    for obj in workloads(snap):
        spec = pod_spec_of(obj)
        account = spec.get("serviceAccountName") or "default"
        sa = accounts.get((namespace_of(obj), account)) or {}
        mounts = spec.get("automountServiceAccountToken", sa.get("automountServiceAccountToken", True))
        if mounts is not False and not bound.get((namespace_of(obj), account)) and namespace_of(obj) != "kube-system":
            yield Finding("automount-token", Category.SECURITY, Severity.LOW, snap.name(obj),
                          f"pods mount a token of service account {account}, which no RBAC binding uses",
                          {"service_account": account},
                          "Set automountServiceAccountToken: false (nothing in the pod talks to the API).",
                          template_patch(obj, {"automountServiceAccountToken": False}))



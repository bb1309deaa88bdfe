"""Typed Kubernetes API paths (pods and their log and exec subresources) and the one check
every name passes before it is joined into a path.

The API server validates names per kind: namespaces and container names are DNS labels (RFC 1123,
at most 63 characters), pod names DNS subdomains (at most 253). A name that is not one cannot
exist, so refusing it loses nothing, and it keeps `..`, `/`, `%2F`, `?`, `#` or NUL from
reshaping the path: `pods/../../shop/pods/x` would otherwise take a caller scoped to one
namespace into another. Callers check request fields with `check_name` first (so the error names
the field); the builders check again, so no path is ever built from an unchecked name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.errors import InvalidArgument

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"


@dataclass(frozen=True)
class NameRule:
    """How the API server validates one kind of name."""

    what: str
    pattern: re.Pattern[str]
    max_length: int
    shape: str


def dns_label(what: str) -> NameRule:
    """RFC 1123 label: namespaces, container names, cluster ids."""
    return NameRule(what, re.compile(_LABEL), 63, "a DNS label (lower-case letters, digits and '-', at most 63, "
                                                  "starting and ending with a letter or digit)")


def dns_subdomain(what: str) -> NameRule:
    """RFC 1123 subdomain: the names of most objects, pods among them."""
    return NameRule(what, re.compile(rf"{_LABEL}(\.{_LABEL})*"), 253,
                    "a DNS subdomain (lower-case letters, digits, '-' and '.', at most 253, starting and "
                    "ending with a letter or digit)")


# Any object's name as one path segment, the API server's rule for kinds without a stricter one
# (RBAC names may hold ':'): not `.` or `..`, no '/' or '%' (nor '?', '#', NUL, which would end it).
OBJECT = NameRule("name", re.compile(r"(?!\.\.?$)[^/%?#\x00]+"), 253,
                  "a path segment (not '.' or '..', no '/', '%', '?', '#' or NUL, at most 253)")
NAMESPACE = dns_label("namespace")
CLUSTER = dns_label("cluster")  # kubecommit's own rule: cluster ids are DNS labels
CONTAINER = dns_label("container")
POD = dns_subdomain("pod")


def check_name(value: str, rule: NameRule, field: str) -> str:
    """`value` when it is a valid name of the rule's kind; INVALID_ARGUMENT naming `field` otherwise."""
    if len(value) <= rule.max_length and rule.pattern.fullmatch(value):
        return value
    shown = value if len(value) <= 64 else value[:61] + "..."
    raise InvalidArgument.field(field, f"{rule.what} {shown!r} is not {rule.shape}")


def object_path(base: str, namespaced: bool, namespace: str, plural: str, name: str, subresource: str) -> str:
    """`{base}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]]` for any kind (ApiResource.path)."""
    path = f"{base}/namespaces/{check_name(namespace, NAMESPACE, 'namespace')}" if namespaced and namespace else base
    path += f"/{plural}"
    if name:
        path += f"/{check_name(name, OBJECT, 'name')}"
    return f"{path}/{subresource}" if subresource else path


def pods(namespace: str = "") -> str:
    """The pods collection of a namespace, or of every namespace when `namespace` is empty."""
    if not namespace:
        return "/api/v1/pods"
    return f"/api/v1/namespaces/{check_name(namespace, NAMESPACE, 'namespace')}/pods"


def pod(namespace: str, name: str, subresource: str = "") -> str:
    path = f"{pods(check_name(namespace, NAMESPACE, 'namespace'))}/{check_name(name, POD, 'pod')}"
    return f"{path}/{subresource}" if subresource else path


def pod_log(namespace: str, name: str) -> str:
    return pod(namespace, name, "log")


def pod_exec(namespace: str, name: str) -> str:
    return pod(namespace, name, "exec")

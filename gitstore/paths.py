"""The path layout: one YAML file per resource, mirroring Kubernetes resource names.

``clusters/{cluster}/namespaces/{namespace}/{plural}[.{group}]/{name}.yaml`` for namespaced
kinds and ``clusters/{cluster}/{plural}[.{group}]/{name}.yaml`` for cluster-scoped ones. The
store itself accepts any relative path of safe segments ending in ``.yaml`` so that other
layouts (e.g. ``clusters/prod/kubeconfig.yaml``) stay possible; validation is about safety.
"""

from __future__ import annotations

import re

from .errors import InvalidPath

SUFFIX = ".yaml"
MAX_PATH_BYTES = 1024
_SEGMENT = re.compile(r"[A-Za-z0-9_:@+=-][A-Za-z0-9._:@+=-]{0,252}")


def _check_segments(value: str, what: str) -> list[str]:
    if "\\" in value or "\x00" in value:
        raise InvalidPath(f"{what} {value!r} contains a backslash or NUL", subject=value)
    if value.startswith("/"):
        raise InvalidPath(f"{what} {value!r} must be relative, not absolute", subject=value)
    if len(value.encode()) > MAX_PATH_BYTES:
        raise InvalidPath(f"{what} is longer than {MAX_PATH_BYTES} bytes", subject=value)
    segments = value.split("/")
    for segment in segments:
        if segment in ("", ".", ".."):
            raise InvalidPath(
                f"{what} {value!r} has an empty, '.' or '..' segment", subject=value
            )
        if not _SEGMENT.fullmatch(segment):
            raise InvalidPath(
                f"{what} {value!r}: segment {segment!r} must match {_SEGMENT.pattern}"
                " (no leading dot)",
                subject=value,
            )
    return segments


def validate_path(path: str) -> str:
    """Return ``path`` if it names a document inside the layout, else raise InvalidPath."""
    if not isinstance(path, str) or not path:
        raise InvalidPath("path must be a non-empty string", subject=str(path))
    _check_segments(path, "path")
    if not path.endswith(SUFFIX) or path == SUFFIX:
        raise InvalidPath(f"path {path!r} must end with {SUFFIX}", subject=path)
    return path


def validate_prefix(prefix: str | None) -> str:
    """Normalise a listing/log prefix: '' means everything; a trailing '/' is optional."""
    if not prefix:
        return ""
    trimmed = prefix[:-1] if prefix.endswith("/") else prefix
    _check_segments(trimmed, "prefix")
    return trimmed


def under_prefix(path: str, prefix: str) -> bool:
    """True when ``path`` is the prefix itself or lies in the directory it names."""
    return not prefix or path == prefix or path.startswith(prefix + "/")


def resource_path(cluster: str, resource: str, name: str, namespace: str | None = None) -> str:
    """Build the layout path of one resource; ``resource`` is ``plural`` or ``plural.group``."""
    parts = ["clusters", cluster]
    if namespace:
        parts += ["namespaces", namespace]
    parts += [resource, name + SUFFIX]
    return validate_path("/".join(parts))

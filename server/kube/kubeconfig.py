"""Parsing and vetting kubeconfigs before anything connects with them.

A kubeconfig is executable configuration: `exec` and `auth-provider` entries run programs, and
file references (`client-key: /path`) read the server's disk. kubecommit accepts only
self-contained credentials (token, client certificate data, basic auth) unless the operator opts
in, so a caller cannot make the server run or read anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import yaml

from gitstore import MIB, InvalidDocument, YamlLimitExceeded, YamlLimits, load_yaml
from server.errors import InvalidArgument

FIELD = "cluster.kubeconfig"
# One document of credentials and endpoints: generous for many contexts and embedded certificates.
LIMITS = YamlLimits(max_bytes=MIB, max_documents=1, max_depth=20, max_nodes=50_000, max_expanded_bytes=2 * MIB)

_FILE_KEYS = {
    "cluster": ("certificate-authority",),
    "user": ("client-certificate", "client-key", "tokenFile"),
}


@dataclass(frozen=True)
class Kubeconfig:
    text: str
    data: dict[str, Any]
    context: str
    server: str
    # How the user authenticates: token, client-certificate, basic, exec, auth-provider, none.
    credential: str


def _named(data: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    entries = data.get(section) or []
    if not isinstance(entries, list):
        raise InvalidArgument.field(FIELD, f"'{section}' must be a list")
    out = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InvalidArgument.field(FIELD, f"every entry of '{section}' needs a name")
        body = entry.get(section[:-1]) or {}
        if not isinstance(body, dict):
            raise InvalidArgument.field(FIELD, f"'{section}' entry {entry['name']!r}: "
                                               f"'{section[:-1]}' must be a mapping")
        out[entry["name"]] = body
    return out


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key) or ""
    if not isinstance(value, str):
        raise InvalidArgument.field(FIELD, f"{where}: '{key}' must be a string")
    return value


def _load(text: str) -> Any:
    """The one document of `text`, read under LIMITS."""
    try:
        docs = load_yaml(text, LIMITS)
    except YamlLimitExceeded as error:
        raise InvalidArgument.field(FIELD, str(error), error.reason) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidArgument.field(FIELD, f"not valid YAML{where}") from None
    except InvalidDocument as error:
        raise InvalidArgument.field(FIELD, f"not valid YAML: {error}") from None
    return docs[0] if docs else None


def _credential(user: dict[str, Any], allow_exec: bool) -> str:
    for key in _FILE_KEYS["user"]:
        if user.get(key):
            raise InvalidArgument.field(
                FIELD,
                f"user '{key}' refers to a file on the server; embed it as '{key.removesuffix('File')}"
                f"{'-data' if key != 'tokenFile' else ''}' instead")
    for plugin in ("exec", "auth-provider"):
        if user.get(plugin):
            if not allow_exec:
                raise InvalidArgument.field(
                    FIELD,
                    f"user '{plugin}' credentials run a program on the kubecommit server; use a "
                    "token or client certificate (or enable allow_exec_credentials)")
            return plugin
    if user.get("token"):
        return "token"
    if user.get("client-certificate-data") or user.get("client-key-data"):
        if not (user.get("client-certificate-data") and user.get("client-key-data")):
            raise InvalidArgument.field(FIELD,
                                        "client certificate auth needs both client-certificate-data and client-key-data")
        return "client-certificate"
    if user.get("username") and user.get("password"):
        return "basic"
    return "none"


def parse_kubeconfig(text: str, context: str = "", allow_exec: bool = False) -> Kubeconfig:
    """Validates structure and the chosen context; raises InvalidArgument naming the field."""
    if not text or not text.strip():
        raise InvalidArgument.field(FIELD, "kubeconfig is empty")
    data = _load(text)
    if not isinstance(data, dict) or data.get("kind", "Config") != "Config":
        raise InvalidArgument.field(FIELD, "not a kubeconfig (kind: Config)")
    contexts = _named(data, "contexts")
    clusters = _named(data, "clusters")
    users = _named(data, "users")
    chosen = context or data.get("current-context") or ""
    if not isinstance(chosen, str):
        raise InvalidArgument.field(FIELD, "'current-context' must be a string")
    if not chosen:
        raise InvalidArgument.field("cluster.context", "the kubeconfig has no current-context; name one")
    if chosen not in contexts:
        known = ", ".join(sorted(contexts)) or "none"
        raise InvalidArgument.field("cluster.context", f"context {chosen!r} is not in the kubeconfig (contexts: {known})")
    ctx = contexts[chosen]
    cluster = clusters.get(_text(ctx, "cluster", f"context {chosen!r}"))
    if cluster is None:
        raise InvalidArgument.field(FIELD, f"context {chosen!r} names a cluster that is not defined")
    for key in _FILE_KEYS["cluster"]:
        if cluster.get(key):
            raise InvalidArgument.field(FIELD,
                                        f"cluster '{key}' refers to a file on the server; embed it as '{key}-data'")
    server = _text(cluster, "server", "cluster")
    try:
        parsed = urlparse(server)
        is_url = parsed.scheme in ("https", "http") and bool(parsed.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        is_url = False
    if not is_url:
        raise InvalidArgument.field(FIELD, f"cluster server {server!r} is not an http(s) URL")
    user_name = _text(ctx, "user", f"context {chosen!r}")
    if user_name and user_name not in users:
        raise InvalidArgument.field(FIELD, f"context {chosen!r} names a user that is not defined")
    credential = _credential(users.get(user_name, {}), allow_exec)
    return Kubeconfig(text=text, data=data, context=chosen, server=server, credential=credential)

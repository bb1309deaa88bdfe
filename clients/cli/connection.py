"""Where to connect and as whom: flags and environment over the current context of the config
file over built-in defaults, like kubectl's kubeconfig.

The config file (`$KUBECOMMIT_CONFIG`, else `~/.config/kubecommit/config.yaml`) holds named
contexts: server, token or token file, TLS CA, default cluster and namespace. Tokens written by
`kubecommit login` live beside it in files of mode 0600.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, TypeVar

import grpc
import typer
import yaml

from clients.cli.errors import CliError, rpc_failure
from kubecommit.v1 import (admin_pb2_grpc, affinity_pb2_grpc, clusters_pb2_grpc, containers_pb2_grpc,
                           labels_pb2_grpc, operations_pb2_grpc, quotas_pb2_grpc, yaml_versions_pb2_grpc)

T = TypeVar("T")
DEFAULT_PORT = 50051
DEFAULT_SERVER = f"127.0.0.1:{DEFAULT_PORT}"
CONTEXT_KEYS = ("server", "token", "token-file", "ca", "cluster", "namespace")


def config_path() -> Path:
    explicit = os.environ.get("KUBECOMMIT_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "kubecommit" / "config.yaml"


@dataclass
class Config:
    """The config file's contents: `current-context` and `contexts: {name: {key: value}}`."""

    path: Path
    current: str = ""
    contexts: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Optional[Path] = None) -> "Config":
        path = path or config_path()
        try:
            data = yaml.safe_load(path.read_text()) if path.exists() else {}
        except (OSError, yaml.YAMLError) as error:
            raise CliError(f"cannot read {path}: {error}", "fix or remove the file") from None
        data = data or {}
        return cls(path, str(data.get("current-context") or ""),
                   {str(k): dict(v or {}) for k, v in (data.get("contexts") or {}).items()})

    def save(self) -> None:
        # The file may hold a token.
        write_private(self.path, yaml.safe_dump({"current-context": self.current, "contexts": self.contexts}))

    def context(self, name: Optional[str]) -> dict[str, str]:
        """The named (or current) context; an unknown name is an error, no context at all is {}."""
        chosen = name or self.current
        if not chosen:
            return {}
        if chosen not in self.contexts:
            known = ", ".join(sorted(self.contexts)) or "none"
            raise CliError(f"context {chosen!r} not found in {self.path}",
                           f"known contexts: {known}; create one with `kubecommit config set-context`")
        return self.contexts[chosen]

    def token_dir(self) -> Path:
        return self.path.parent / "tokens"


def write_private(path: Path, text: str) -> None:
    """Mode 0600 from the first byte (and for a file that existed), in a 0700 folder when new;
    written beside and renamed, so a crash never leaves half a config or token."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.tmp")
    partial.unlink(missing_ok=True)  # a leftover could have another mode: always a new file
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(partial, path)


def with_port(server: str) -> str:
    """`localhost` -> `localhost:50051`: without a port gRPC would dial 443."""
    host = server.split("://", 1)[-1].rstrip("/")
    if host.startswith("["):
        return host if "]:" in host else f"{host}:{DEFAULT_PORT}"
    return host if ":" in host else f"{host}:{DEFAULT_PORT}"


@dataclass
class Remote:
    """A channel with the caller's credentials; every call's failure becomes one CliError."""

    channel: grpc.Channel
    metadata: tuple[tuple[str, str], ...]
    server: str
    token_source: str

    @property
    def clusters(self) -> clusters_pb2_grpc.ClustersServiceStub:
        return clusters_pb2_grpc.ClustersServiceStub(self.channel)

    @property
    def versions(self) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
        return yaml_versions_pb2_grpc.YamlVersionsServiceStub(self.channel)

    @property
    def containers(self) -> containers_pb2_grpc.ContainersServiceStub:
        return containers_pb2_grpc.ContainersServiceStub(self.channel)

    @property
    def affinity(self) -> affinity_pb2_grpc.AffinityServiceStub:
        return affinity_pb2_grpc.AffinityServiceStub(self.channel)

    @property
    def labels(self) -> labels_pb2_grpc.LabelsServiceStub:
        return labels_pb2_grpc.LabelsServiceStub(self.channel)

    @property
    def admin(self) -> admin_pb2_grpc.AdminServiceStub:
        return admin_pb2_grpc.AdminServiceStub(self.channel)

    @property
    def operations(self) -> operations_pb2_grpc.OperationsServiceStub:
        return operations_pb2_grpc.OperationsServiceStub(self.channel)

    @property
    def quotas(self) -> quotas_pb2_grpc.QuotasServiceStub:
        return quotas_pb2_grpc.QuotasServiceStub(self.channel)

    def call(self, method: Callable[..., T], request: Any, **kwargs: Any) -> T:
        try:
            return method(request, metadata=self.metadata, **kwargs)
        except grpc.RpcError as error:
            raise rpc_failure(error, self.server, self.token_source) from None

    def stream(self, method: Callable[..., Iterator[T]], request: Any, **kwargs: Any) -> Iterator[T]:
        """Messages of a streaming call; a cancel (Ctrl-C) ends it quietly."""
        try:
            yield from method(request, metadata=self.metadata, **kwargs)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                raise rpc_failure(error, self.server, self.token_source) from None

    def pages(self, method: Callable[..., Any], make: Callable[[str], Any], items: str) -> Iterable[Any]:
        """Every item of a paginated List call (AIP-158 page tokens)."""
        token = ""
        while True:
            page = self.call(method, make(token))
            yield from getattr(page, items)
            token = page.next_page_token
            if not token:
                return


@dataclass
class Target:
    """The root options; the channel is opened on first use, so local commands never open one."""

    server: Optional[str]
    token: Optional[str]
    context: Optional[str]
    data_dir: Path
    ca: Optional[Path]
    _remote: Optional[Remote] = None
    _settings: Optional[dict[str, str]] = None
    discovered: dict[str, Any] = field(default_factory=dict)  # cluster -> resource types, once per run

    def settings(self) -> dict[str, str]:
        if self._settings is None:
            self._settings = Config.load().context(self.context)
        return self._settings

    def default(self, key: str) -> str:
        return self.settings().get(key, "")

    def _token(self) -> tuple[str, str]:
        """The token and where it came from (named in the hint when the server refuses)."""
        if self.token:
            return self.token, "--token/KUBECOMMIT_TOKEN"
        settings = self.settings()
        if settings.get("token"):
            return settings["token"], "the context's token"
        tried = []
        for path in filter(None, (settings.get("token-file"), str(self.data_dir / "admin.token"))):
            file = Path(path).expanduser()
            tried.append(str(file))
            if file.is_file():
                return file.read_text().strip(), str(file)
        return "", f"no token found (tried {', '.join(tried)})"

    def remote(self) -> Remote:
        if self._remote is None:
            settings = self.settings()
            server = with_port(self.server or settings.get("server") or DEFAULT_SERVER)
            ca = self.ca or (Path(settings["ca"]).expanduser() if settings.get("ca") else None)
            if ca is not None:
                try:
                    credentials = grpc.ssl_channel_credentials(ca.read_bytes())
                except OSError as error:
                    raise CliError(f"cannot read the CA certificate {ca}: {error.strerror}", "check --ca") from None
                channel = grpc.secure_channel(server, credentials)
            else:
                channel = grpc.insecure_channel(server)
            token, source = self._token()
            self._remote = Remote(channel, (("authorization", f"Bearer {token}"),) if token else (), server, source)
        return self._remote


def target(ctx: typer.Context) -> Target:
    return ctx.find_root().obj


def remote(ctx: typer.Context) -> Remote:
    return target(ctx).remote()


def cluster_of(ctx: typer.Context, cluster: Optional[str], required: bool = True) -> str:
    """`--cluster`, else the context's default; `clusters/NAME`. `-` means every cluster."""
    name = cluster or target(ctx).default("cluster")
    if not name:
        if not required:
            return "clusters/-"
        raise CliError("no cluster chosen", "pass --cluster NAME or set one: kubecommit config set-context "
                       "NAME --cluster CLUSTER", usage=True)
    return name if name.startswith("clusters/") else f"clusters/{name}"


def namespace_of(ctx: typer.Context, namespace: Optional[str]) -> str:
    """`-n`, else the context's namespace, else `default` (as kubectl)."""
    return namespace or target(ctx).default("namespace") or "default"

"""Credentials for tests: the admin token a server wrote on first start, tokens for other roles
and scopes, and channels that send them as `authorization: Bearer ...` metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import grpc

from server.embedded import EmbeddedServer
from server.runtime import ADMIN_TOKEN_FILE
from server.security.tokens import TokenStore


def admin_token(data_dir: Path) -> str:
    return (data_dir / ADMIN_TOKEN_FILE).read_text().strip()


def make_token(embedded: EmbeddedServer, name: str, role: str, clusters: Sequence[str] = (),
               namespaces: Sequence[str] = (), expires_in: float | None = None) -> str:
    """A new token in the server's own store, as `kubecommit token create` makes it."""
    store = TokenStore(embedded.settings.data_dir)
    try:
        token, _ = store.create(name, role, clusters=clusters, namespaces=namespaces, expires_in=expires_in)
    finally:
        store.close()
    return token


class _Bearer(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
              grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    def __init__(self, token: str) -> None:
        self.header = ("authorization", f"Bearer {token}")

    def _add(self, continuation: Callable, details: Any, request: Any) -> Any:
        details = details._replace(metadata=[*(details.metadata or ()), self.header])
        return continuation(details, request)

    intercept_unary_unary = intercept_unary_stream = _add
    intercept_stream_unary = intercept_stream_stream = _add


def with_token(channel: grpc.Channel, token: str) -> grpc.Channel:
    """`channel`, with every call carrying `token`."""
    return grpc.intercept_channel(channel, _Bearer(token))

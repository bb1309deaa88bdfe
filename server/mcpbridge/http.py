"""MCP over streamable HTTP, served next to the gRPC server (setting `mcp_http_listen`).

Every HTTP request must carry `Authorization: Bearer <token>`; the token is checked by the
server's own authenticator before the request reaches the MCP session (401 otherwise), and
forwarded with every McpService call the request makes, so scope, permissions and audit are
those of the token's owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import grpc
import uvicorn
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from server.errors import KubecommitError
from server.mcpbridge.bridge import Bridge
from server.security.authn import Authenticator

PATH = "/mcp"
log = logging.getLogger("kubecommit.mcp")


def _bearer(headers: Any) -> str:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class _RequireToken:
    """401 for a request without a valid bearer token, before the MCP transport sees it."""

    def __init__(self, app: Starlette, auth: Authenticator) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            try:
                if not _bearer(headers):
                    raise ValueError("an Authorization: Bearer <token> header is required")
                self.auth.authenticate([("authorization", headers["authorization"])])
            except (KubecommitError, ValueError) as error:
                message = error.message if isinstance(error, KubecommitError) else str(error)
                response = JSONResponse({"error": "unauthenticated", "message": message}, status_code=401,
                                        headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class McpHttp:
    """The streamable HTTP MCP endpoint at `http://{listen}/mcp`, started and stopped with the server."""

    def __init__(self, grpc_address: str, listen: str, auth: Authenticator) -> None:
        self.channel = grpc.aio.insecure_channel(grpc_address)
        bridge = Bridge(self.channel, lambda ctx: _bearer(ctx.request.headers))
        host, _, port = listen.rpartition(":")
        self.app = bridge.server().streamable_http_app(streamable_http_path=PATH, stateless_http=True,
                                                       json_response=True, host=host)
        config = uvicorn.Config(_RequireToken(self.app, auth), host=host, port=int(port), log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None
        self.address = ""

    async def start(self) -> str:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # a bind failure surfaces here
                raise RuntimeError("the MCP HTTP server stopped before it started")
            await asyncio.sleep(0.02)
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        self.address = f"{host}:{port}"
        log.info("serving MCP over streamable HTTP", extra={"address": f"http://{self.address}{PATH}"})
        return self.address

    async def stop(self) -> None:
        if self.task is not None:
            self.server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None
        await self.channel.close()


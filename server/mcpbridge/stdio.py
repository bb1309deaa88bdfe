"""MCP over stdio for `kubecommit mcp`: the process talks MCP on its stdin/stdout and calls the
kubecommit gRPC server at `address` with `token` (the bridge has no rights of its own)."""

from __future__ import annotations

import grpc
from mcp.server.stdio import stdio_server

from server.mcpbridge.bridge import Bridge


async def serve_stdio(address: str, token: str, credentials: grpc.ChannelCredentials | None = None) -> None:
    channel = grpc.aio.secure_channel(address, credentials) if credentials else grpc.aio.insecure_channel(address)
    async with channel:
        server = Bridge(channel, lambda ctx: token).server()
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

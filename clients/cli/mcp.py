"""`kubecommit mcp`: an MCP server on stdin/stdout for an AI assistant (server/mcpbridge), in
front of the kubecommit server chosen by the usual flags and context, calling it with the
caller's token, so the assistant gets exactly the caller's rights (docs/mcp.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import typer

from clients.cli.connection import target
from clients.cli.errors import CliError


def mcp(ctx: typer.Context) -> None:
    """Serve MCP over stdio (tools, resources, prompts); proposals become draft branches, never applied."""
    from server.mcpbridge.stdio import serve_stdio

    chosen = target(ctx)
    remote = chosen.remote()  # resolves server, token and CA as every other command does
    remote.channel.close()  # the bridge opens its own asyncio channel
    token = dict(remote.metadata).get("authorization", "").removeprefix("Bearer ")
    if not token:
        raise CliError(f"an MCP server needs a token: {remote.token_source}",
                       "pass --token, set KUBECOMMIT_TOKEN or use a context with a token")
    settings = chosen.settings()
    ca = chosen.ca or (Path(settings["ca"]).expanduser() if settings.get("ca") else None)
    credentials = grpc.ssl_channel_credentials(ca.read_bytes()) if ca is not None else None
    asyncio.run(serve_stdio(remote.server, token, credentials))

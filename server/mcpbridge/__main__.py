"""`python -m server.mcpbridge --address HOST:PORT`: MCP over stdio in front of a kubecommit
server, for assistants that start their MCP servers as commands. The token comes from
KUBECOMMIT_TOKEN or --token-file (never a command-line argument, which other users can read)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import grpc

from server.mcpbridge.stdio import serve_stdio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kubecommit-mcp", description=__doc__)
    parser.add_argument("--address", default=os.environ.get("KUBECOMMIT_ADDRESS", "127.0.0.1:50051"))
    parser.add_argument("--token-file", type=Path, help="file holding the bearer token (else KUBECOMMIT_TOKEN)")
    parser.add_argument("--ca-file", type=Path, help="CA certificate of a TLS server")
    args = parser.parse_args(argv)
    token = args.token_file.read_text().strip() if args.token_file else os.environ.get("KUBECOMMIT_TOKEN", "")
    if not token:
        print("kubecommit mcp: a token is required (KUBECOMMIT_TOKEN or --token-file)", file=sys.stderr)
        return 2
    credentials = grpc.ssl_channel_credentials(args.ca_file.read_bytes()) if args.ca_file else None
    asyncio.run(serve_stdio(args.address, token, credentials))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Kubernetes remotecommand websocket protocol (v5/v4/v1 channel.k8s.io) bridged to a Shell.

Frames carry a one-byte channel prefix: 0 stdin, 1 stdout, 2 stderr, 3 error (a Status JSON in
v4+), 4 resize (JSON {"Width","Height"}); v5 adds 255 = close a channel (stdin EOF).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass

from aiohttp import WSMsgType, web

from kubesim.errors import status_object
from kubesim.exec.shell import IO, SHELLS, Shell, Stdin

PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
CHUNK = 32 * 1024


@dataclass
class ExecOptions:
    command: list[str]
    stdin: bool = False
    stdout: bool = True
    stderr: bool = True
    tty: bool = False


def exit_status(code: int, command: list[str]) -> dict:
    if code == 0:
        return status_object("Success")
    return status_object(
        "Failure",
        f"command terminated with non-zero exit code: error executing command {command}, exit code {code}",
        "NonZeroExitCode", 500, {"causes": [{"reason": "ExitCode", "message": str(code)}]})


async def serve_exec(request: web.Request, shell: Shell, opts: ExecOptions) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(protocols=PROTOCOLS, max_msg_size=0, autoping=True)
    await ws.prepare(request)
    proto = ws.ws_protocol or "channel.k8s.io"
    stdin = Stdin()
    if not opts.stdin:
        stdin.close()
    lock = asyncio.Lock()

    async def send(channel: int, data: bytes) -> None:
        if not data or ws.closed:
            return
        if opts.tty and channel in (STDOUT, STDERR):
            data, channel = re.sub(rb"(?<!\r)\n", b"\r\n", data), STDOUT
        if channel == STDOUT and not opts.stdout or channel == STDERR and not opts.stderr:
            return
        async with lock:
            for i in range(0, len(data), CHUNK):
                await ws.send_bytes(bytes([channel]) + data[i:i + CHUNK])

    async def read_client() -> None:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                channel, payload = (msg.data[0], msg.data[1:]) if msg.data else (-1, b"")
            elif msg.type == WSMsgType.TEXT and msg.data:
                channel, payload = ord(msg.data[0]), msg.data[1:].encode()
            else:
                continue
            if channel == STDIN and opts.stdin:
                stdin.feed(payload)
            elif channel == RESIZE:
                try:
                    size = json.loads(payload)
                    shell.width, shell.height = int(size["Width"]), int(size["Height"])
                except (ValueError, KeyError, TypeError):
                    pass
            elif channel == CLOSE and payload[:1] == bytes([STDIN]):
                stdin.close()
        stdin.close()

    reader = asyncio.create_task(read_client())
    io_ = IO(stdin, lambda b: send(STDOUT, b), lambda b: send(STDERR, b))
    argv = opts.command
    try:
        if opts.tty and opts.stdin and len(argv) == 1 and argv[0].rsplit("/", 1)[-1] in SHELLS \
                and not shell.distroless:
            code = await shell.interactive(io_)
        else:
            code = await shell.run_argv(argv, io_)
        if not ws.closed:
            if proto == "channel.k8s.io":
                if code:
                    await send(ERROR, f"command terminated with non-zero exit code: exit code {code}".encode())
            else:
                await send(ERROR, json.dumps(exit_status(code, argv)).encode())
    finally:
        reader.cancel()
        await ws.close()
    return ws

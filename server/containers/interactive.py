"""ExecStream: a gRPC bidirectional stream bridged to the cluster's exec websocket.

Both ends live on the event loop (grpc.aio and an aiohttp websocket), so a session costs two
small tasks and no thread, a keystroke crosses with no thread hop, and cancelling the RPC closes
the websocket at once. The session is recorded with an asciicast-v2 transcript (bounded), so an
auditor can replay it (`asciinema play`).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import AsyncIterator

from kubecommit.v1 import containers_pb2 as pb
from server.containers.exec import Executor, new_session, validate_argv
from server.containers.targets import ContainerRef
from server.containers.transport import STDOUT, ClusterStreams, ExecChannel
from server.errors import InvalidArgument, KubecommitError

TRANSCRIPT_LIMIT = 256 * 1024


class Transcript:
    """asciicast v2: a header line, then `[seconds, "o"|"i"|"r", data]` events, bounded in size."""

    def __init__(self, argv: list[str], width: int, height: int) -> None:
        self.started = time.monotonic()
        header = {"version": 2, "width": width or 80, "height": height or 24, "timestamp": int(time.time()),
                  "command": " ".join(argv)}
        self.lines = [json.dumps(header)]
        self.size = len(self.lines[0])
        self.truncated = False

    def add(self, kind: str, data: str) -> None:
        if self.truncated:
            return
        line = json.dumps([round(time.monotonic() - self.started, 6), kind, data])
        if self.size + len(line) > TRANSCRIPT_LIMIT:
            self.truncated = True
            return
        self.lines.append(line)
        self.size += len(line) + 1

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


async def _first(requests: AsyncIterator[pb.ExecStreamRequest]) -> pb.ExecStart:
    try:
        first = await anext(requests)
    except StopAsyncIteration:
        raise InvalidArgument.field("start", "the stream ended before the start frame") from None
    if first.WhichOneof("frame") != "start":
        raise InvalidArgument.field("start", "the first message must be the start frame")
    return first.start


async def _pump(requests: AsyncIterator[pb.ExecStreamRequest], channel: ExecChannel, transcript: Transcript
                ) -> None:
    """Client frames to the websocket: stdin, resize (channel 4), close stdin (v5 `[255, 0]`).
    A bad frame ends the session (closing the websocket ends the output loop, which re-raises)."""
    try:
        await _forward(requests, channel, transcript)
    except KubecommitError:
        await channel.close()
        raise


async def _forward(requests: AsyncIterator[pb.ExecStreamRequest], channel: ExecChannel, transcript: Transcript
                   ) -> None:
    async for request in requests:
        frame = request.WhichOneof("frame")
        if frame == "stdin":
            transcript.add("i", request.stdin.decode("utf-8", "replace"))
            await channel.write(request.stdin)
        elif frame == "resize":
            transcript.add("r", f"{request.resize.width}x{request.resize.height}")
            await channel.resize(request.resize.width, request.resize.height)
        elif frame == "close_stdin":
            await channel.close_stdin()
        elif frame == "start":
            raise InvalidArgument.field("start", "a session has one start frame")


async def exec_stream(executor: Executor, requests: AsyncIterator[pb.ExecStreamRequest]
                      ) -> AsyncIterator[pb.ExecStreamResponse]:
    start = await _first(requests)
    ref = ContainerRef.parse(start.container, "start.container")
    argv = validate_argv(list(start.command), "start.command")
    conn = await executor.prepare(ref, argv, interactive=True)
    session = new_session(ref, argv, interactive=True, tty=start.tty)
    transcript = Transcript(argv, start.size.width, start.size.height)
    started = time.monotonic()
    exit_frame = pb.ExecExit(session=session.name)
    pump: asyncio.Task[None] | None = None
    async with ClusterStreams(conn) as streams:
        channel = await streams.exec(ref.namespace, ref.pod, ref.container, argv, stdin=start.stdin, tty=start.tty)
        await executor.records.save_session(session)
        live = executor.sessions.add(session, channel.close)  # an admin may end it (AdminService)
        try:
            if start.tty and start.size.width and start.size.height:
                await channel.resize(start.size.width, start.size.height)
            yield pb.ExecStreamResponse(session=session.name)
            pump = asyncio.create_task(_pump(requests, channel, transcript))
            async for stream, data in channel.frames():
                if stream == STDOUT:
                    transcript.add("o", data.decode("utf-8", "replace"))
                    yield pb.ExecStreamResponse(stdout=data)
                else:
                    yield pb.ExecStreamResponse(stderr=data)
            live.check()
            if pump.done() and not pump.cancelled() and pump.exception() is not None:
                raise pump.exception()  # type: ignore[misc]
            if channel.status is None:
                exit_frame.error = session.error = "the session ended without an exit status"
            else:
                exit_frame.exit_code = session.exit_code = channel.status.exit_code
                exit_frame.error = session.error = channel.status.error
            exit_frame.duration.FromNanoseconds(int((time.monotonic() - started) * 1e9))
            yield pb.ExecStreamResponse(exit=exit_frame)
        except KubecommitError as error:
            session.error = str(error)
            raise
        except asyncio.CancelledError:
            session.error = "the client went away"
            raise
        finally:
            if pump is not None:
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)
            await channel.close()
            session.transcript, session.truncated = transcript.text(), transcript.truncated
            session.end_time.FromNanoseconds(time.time_ns())
            await asyncio.shield(executor.records.save_session(session))
            executor.sessions.remove(live)

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
from dataclasses import dataclass
from typing import AsyncIterator

from server.containers.exec import Executor, new_session, validate_argv
from server.containers.idle import IdleTimer
from server.containers.targets import ContainerRef
from server.errors import KubecommitError
from server.kube.streams import STDOUT, ClusterStreams, ExecChannel

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


@dataclass(frozen=True)
class Start:
    """What a session runs, and how (the start frame)."""

    container: str
    command: list[str]
    tty: bool = False
    stdin: bool = False
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class Stdin:
    data: bytes


@dataclass(frozen=True)
class Resize:
    width: int
    height: int


@dataclass(frozen=True)
class CloseStdin:
    """The command sees end of input."""


Frame = Stdin | Resize | CloseStdin


@dataclass(frozen=True)
class Started:
    session: str


@dataclass(frozen=True)
class Output:
    data: bytes
    stderr: bool = False


@dataclass(frozen=True)
class Heartbeat:
    """The session has been quiet for a while."""


@dataclass(frozen=True)
class Exited:
    exit_code: int
    error: str
    session: str
    duration_ns: int


Event = Started | Output | Heartbeat | Exited


async def _pump(frames: AsyncIterator[Frame], channel: ExecChannel, transcript: Transcript) -> None:
    """Client frames to the websocket: stdin, resize (channel 4), close stdin (v5 `[255, 0]`).
    A bad frame ends the session (closing the websocket ends the output loop, which re-raises)."""
    try:
        await _forward(frames, channel, transcript)
    except KubecommitError:
        await channel.close()
        raise


async def _forward(frames: AsyncIterator[Frame], channel: ExecChannel, transcript: Transcript) -> None:
    async for frame in frames:
        if isinstance(frame, Stdin):
            transcript.add("i", frame.data.decode("utf-8", "replace"))
            await channel.write(frame.data)
        elif isinstance(frame, Resize):
            transcript.add("r", f"{frame.width}x{frame.height}")
            await channel.resize(frame.width, frame.height)
        else:
            await channel.close_stdin()


async def exec_stream(executor: Executor, start: Start, frames: AsyncIterator[Frame], heartbeat_seconds: float
                      ) -> AsyncIterator[Event]:
    """One interactive session: Started, then Output (and Heartbeat when quiet), then Exited; a
    session lost before the exit status raises UNAVAILABLE instead."""
    ref = ContainerRef.parse(start.container, "start.container")
    argv = validate_argv(start.command, "start.command")
    conn = await executor.prepare(ref, argv, interactive=True)
    session = new_session(ref, argv, interactive=True, tty=start.tty)
    transcript = Transcript(argv, start.width, start.height)
    started = time.monotonic()
    pump: asyncio.Task[None] | None = None
    async with ClusterStreams(conn) as streams:
        channel = await streams.exec(ref.namespace, ref.pod, ref.container, argv, stdin=start.stdin, tty=start.tty)
        await executor.records.save_session(session)
        live = executor.sessions.add(session, channel.close)  # an admin may end it (AdminService)
        try:
            if start.tty and start.width and start.height:
                await channel.resize(start.width, start.height)
            yield Started(session.name)
            pump = asyncio.create_task(_pump(frames, channel, transcript))
            output = IdleTimer(channel.frames(), heartbeat_seconds)
            try:
                while True:
                    try:
                        frame = await output.next()
                    except StopAsyncIteration:
                        break
                    if frame is None:
                        yield Heartbeat()
                        continue
                    stream, data = frame
                    if stream == STDOUT:
                        transcript.add("o", data.decode("utf-8", "replace"))
                    yield Output(data, stderr=stream != STDOUT)
                    output.sent()
            finally:
                await output.close()
            live.check()
            if pump.done() and not pump.cancelled() and pump.exception() is not None:
                raise pump.exception()  # type: ignore[misc]
            status = channel.exit_status()
            session.exit_code, session.error = status.exit_code, status.error
            yield Exited(status.exit_code, status.error, session.name, int((time.monotonic() - started) * 1e9))
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
            session.end_ns = time.time_ns()
            await asyncio.shield(executor.records.save_session(session))
            executor.sessions.remove(live)

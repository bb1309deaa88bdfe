"""One-shot exec: run argv to completion, capture bounded output, take the exit code from the
status channel (never guessed from output), and record the session."""

from __future__ import annotations

import asyncio
import shlex
import time
import uuid
from dataclasses import dataclass, field

from server import context
from server.admin.sessions import LiveSessions
from server.containers.policy import Policies
from server.containers.records import ExecSession, Records
from server.containers.targets import ContainerRef, running_container
from server.errors import DeadlineExceeded, FailedPrecondition, InvalidArgument
from server.kube import ClusterConnection, ClusterPool
from server.kube.streams import STDOUT, ClusterStreams, ExecChannel, ExecStatus

# Output returned by Exec (each stream) and kept in the session record.
RESPONSE_CAPTURE = 4 * 1024 * 1024
SESSION_CAPTURE = 64 * 1024
DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 3600.0
STDIN_CHUNK = 32 * 1024
_NO_EXECUTABLE = ("executable file not found", "no such file or directory")


@dataclass
class Capture:
    """At most `limit` bytes; remembers whether more came."""

    limit: int
    data: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if len(chunk) > room:
            self.truncated = True
            chunk = chunk[:max(room, 0)]
        self.data += chunk


@dataclass
class Result:
    stdout: Capture
    stderr: Capture
    status: ExecStatus


@dataclass
class ExecResult:
    """What a one-shot command produced, and the session that records it."""

    stdout: bytes
    stderr: bytes
    exit_code: int
    session: str
    truncated: bool
    duration_ns: int


def validate_argv(command: list[str], field_name: str) -> list[str]:
    if not command or not command[0]:
        raise InvalidArgument.field(field_name, "a command (argv, program first) is required")
    if any("\x00" in part for part in command):
        raise InvalidArgument.field(field_name, "arguments must not contain NUL")
    return list(command)


def in_directory(argv: list[str], directory: str) -> list[str]:
    """argv run from `directory` by the container's shell: `sh -c 'cd DIR && exec "$@"' sh argv...`."""
    return ["sh", "-c", f'cd {shlex.quote(directory)} && exec "$@"', "sh", *argv]


def missing_executable(result: Result) -> str | None:
    """Why the command could not start (no such program, e.g. no shell in a distroless image)."""
    text = (result.status.error + result.stderr.data[:2000].decode("utf-8", "replace")).lower()
    if result.status.exit_code in (126, 127) or result.status.error:
        if any(marker in text for marker in _NO_EXECUTABLE):
            return text.strip().splitlines()[0] if text.strip() else "executable not found"
    return None


async def collect_output(channel: ExecChannel, stdin: bytes | None, limit: int) -> Result:
    if stdin is not None:
        for start in range(0, len(stdin), STDIN_CHUNK):
            await channel.write(stdin[start:start + STDIN_CHUNK])
        await channel.close_stdin()
    out, err = Capture(limit), Capture(limit)
    async for stream, data in channel.frames():
        (out if stream == STDOUT else err).add(data)
    return Result(out, err, channel.exit_status())


async def run(conn: ClusterConnection, ref: ContainerRef, argv: list[str], *, stdin: bytes | None = None,
              timeout: float = DEFAULT_TIMEOUT, limit: int = RESPONSE_CAPTURE) -> Result:
    """Runs argv in a running container and waits for it (DEADLINE_EXCEEDED after `timeout`)."""
    async with ClusterStreams(conn) as streams:
        channel = await streams.exec(ref.namespace, ref.pod, ref.container, argv,
                                     stdin=stdin is not None, tty=False)
        try:
            return await asyncio.wait_for(collect_output(channel, stdin, limit), timeout)
        except asyncio.TimeoutError:
            raise DeadlineExceeded(f"command did not finish within {timeout:g}s", "EXEC_TIMEOUT") from None
        finally:
            await channel.close()


def new_session(ref: ContainerRef, argv: list[str], *, interactive: bool, tty: bool) -> ExecSession:
    return ExecSession(name=f"execSessions/{uuid.uuid4().hex[:20]}", caller=context.current().caller.name,
                       container=str(ref), command=argv, interactive=interactive, tty=tty, start_ns=time.time_ns())


class Executor:
    def __init__(self, pool: ClusterPool, policies: Policies, records: Records, sessions: LiveSessions) -> None:
        self.pool = pool
        self.policies = policies
        self.records = records
        # Live interactive sessions, which an admin may end.
        self.sessions = sessions

    async def prepare(self, ref: ContainerRef, argv: list[str], interactive: bool = False) -> ClusterConnection:
        """Policy, then the container: refused or impossible commands never reach the cluster."""
        await self.policies.enforce(ref.cluster, ref.namespace, argv, interactive)
        conn = await self.pool.get(ref.cluster)
        await running_container(conn, ref)
        context.current().targets.append(str(ref))
        return conn

    async def exec(self, container: str, command: list[str], *, stdin: bytes | None = None,
                   timeout: float | None = None, working_dir: str = "") -> ExecResult:
        """Runs `command` in the named container (`clusters/.../containers/{c}`) to completion."""
        ref = ContainerRef.parse(container)
        argv = validate_argv(command, "command")
        timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        if not 0 < timeout <= MAX_TIMEOUT:
            raise InvalidArgument.field("timeout", f"must be positive and at most {MAX_TIMEOUT:g}s")
        if working_dir and not working_dir.startswith("/"):
            raise InvalidArgument.field("working_dir", "must be an absolute path")
        conn = await self.prepare(ref, argv)
        session = new_session(ref, argv, interactive=False, tty=False)
        await self.records.save_session(session)
        started = time.monotonic()
        command = in_directory(argv, working_dir) if working_dir else argv
        try:
            result = await run(conn, ref, command, stdin=stdin or None, timeout=timeout)
        except Exception as error:
            session.error = str(error)
            await self._finish(session)
            raise
        missing = missing_executable(result)
        if missing:
            session.error = missing
            await self._finish(session)
            raise FailedPrecondition(f"cannot run {argv[0]!r} in {ref}: {missing}", "EXECUTABLE_NOT_FOUND",
                                     metadata={"container": str(ref), "session": session.name})
        session.exit_code = result.status.exit_code
        session.stdout = bytes(result.stdout.data[:SESSION_CAPTURE])
        session.stderr = bytes(result.stderr.data[:SESSION_CAPTURE])
        session.truncated = len(result.stdout.data) > SESSION_CAPTURE or len(result.stderr.data) > SESSION_CAPTURE \
            or result.stdout.truncated or result.stderr.truncated
        session.error = result.status.error
        await self._finish(session)
        return ExecResult(bytes(result.stdout.data), bytes(result.stderr.data), result.status.exit_code,
                          session.name, result.stdout.truncated or result.stderr.truncated,
                          int((time.monotonic() - started) * 1e9))

    async def _finish(self, session: ExecSession) -> None:
        session.end_ns = time.time_ns()
        await self.records.save_session(session)

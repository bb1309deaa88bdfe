"""Files in containers, the way `kubectl cp` reaches them: through exec, with `stat`, `ls`, `cat`,
`tar` and `rm` in the container. Every command passes the exec policy like any other.

Paths must be absolute and free of `..` (refused, not normalised away, so what the caller meant
is never guessed). Uploads are spooled (memory, then a temporary file) up to a limit, because a
single file travels as a tar entry whose header needs its size up front.
"""

from __future__ import annotations

import asyncio
import posixpath
import stat
import tarfile
import tempfile
import time
from dataclasses import dataclass
from typing import IO, AsyncIterator

from server.containers.exec import Capture, Executor, Result, missing_executable, run
from server.containers.targets import ContainerRef
from server.errors import (AlreadyExists, FailedPrecondition, InvalidArgument, KubecommitError, NotFound,
                           ResourceExhausted)
from server.kube import ClusterConnection
from server.kube.streams import STDOUT, ClusterStreams

MAX_UPLOAD = 64 * 1024 * 1024
MAX_DOWNLOAD = 1024 * 1024 * 1024
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
_STAT = "%F|%s|%a|%Y|%n"
_TYPES = {"directory": "directory", "regular file": "file", "regular empty file": "file",
          "symbolic link": "symlink"}


@dataclass
class FileInfo:
    path: str
    name: str
    type: str  # `file`, `directory`, `symlink`, `other`
    size_bytes: int
    mode: int  # permission bits
    modify_time: int | None = None  # Unix seconds


@dataclass
class Listing:
    files: list[FileInfo]
    truncated: bool = False


@dataclass(frozen=True)
class Chunk:
    """Part of a download; the first one carries the file's info."""

    data: bytes
    tar: bool
    info: FileInfo | None = None


@dataclass(frozen=True)
class UploadTarget:
    container: str
    path: str
    mode: int = 0
    overwrite: bool = False
    tar: bool = False  # the data is a tar to extract into `path`


@dataclass
class Uploaded:
    file: FileInfo
    bytes_written: int


def validate_path(path: str, field: str = "path") -> str:
    if not path.startswith("/"):
        raise InvalidArgument.field(field, f"{path!r} must be an absolute path")
    if "\x00" in path or ".." in path.split("/"):
        raise InvalidArgument.field(field, f"{path!r} must not contain '..' or NUL", "PATH_ESCAPE")
    return posixpath.normpath(path) if path != "/" else path


def _failure(result: Result, path: str, what: str) -> KubecommitError:
    text = result.stderr.data[:1000].decode("utf-8", "replace").strip() or result.status.error
    missing = missing_executable(result)
    if missing:
        return FailedPrecondition(f"cannot {what} {path}: the container lacks the tools ({missing})",
                                  "TOOL_NOT_FOUND", metadata={"path": path})
    if "no such file" in text.lower() or "not found" in text.lower():
        return NotFound(f"{path}: no such file or directory", "FILE_NOT_FOUND", metadata={"path": path})
    return FailedPrecondition(f"cannot {what} {path}: {text or f'exit code {result.status.exit_code}'}",
                              "FILE_OPERATION_FAILED", metadata={"path": path})


def _parse_stat(line: str) -> FileInfo:
    kind, size, mode, mtime, name = line.split("|", 4)
    return FileInfo(path=name, name=posixpath.basename(name) or "/", type=_TYPES.get(kind, "other"),
                    size_bytes=int(size), mode=int(mode, 8), modify_time=int(mtime))


def _mode_bits(text: str) -> int:
    bits = 0
    for i, ch in enumerate(text[1:10]):
        if ch not in "-ST":
            bits |= 1 << (8 - i)
    return bits


def _parse_ls(line: str, directory: str) -> FileInfo | None:
    """A line of `ls -la --time-style=+%s`: mode links user group size epoch name."""
    parts = line.split(None, 6)
    if len(parts) < 7 or parts[0] == "total":
        return None
    mode, size, mtime, name = parts[0], parts[4], parts[5], parts[6]
    kind = {"d": "directory", "-": "file", "l": "symlink"}.get(mode[0], "other")
    if kind == "symlink":
        name = name.split(" -> ", 1)[0]
    if name in (".", ".."):
        return None
    return FileInfo(path=posixpath.join(directory, name), name=name, type=kind,
                    size_bytes=int(size) if size.isdigit() else 0, mode=_mode_bits(mode),
                    modify_time=int(mtime) if mtime.isdigit() else None)


class Files:
    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    async def _run(self, ref: ContainerRef, argv: list[str], path: str, what: str, *,
                   conn: ClusterConnection | None = None, stdin: bytes | None = None) -> Result:
        conn = conn or await self.executor.prepare(ref, argv)
        result = await run(conn, ref, argv, stdin=stdin)
        if result.status.exit_code != 0:
            raise _failure(result, path, what)
        return result

    async def stat(self, ref: ContainerRef, path: str) -> FileInfo:
        result = await self._run(ref, ["stat", "-c", _STAT, path], path, "read")
        return _parse_stat(result.stdout.data.decode("utf-8", "replace").strip().splitlines()[0])

    async def list(self, container: str, path: str, recursive: bool = False, limit: int = 0) -> Listing:
        """The file at `path`, or the entries of the directory (walked when `recursive`), at most `limit`."""
        ref = ContainerRef.parse(container)
        path = validate_path(path)
        if limit < 0:
            raise InvalidArgument.field("limit", "must not be negative")
        limit = min(limit or DEFAULT_LIMIT, MAX_LIMIT)
        top = await self.stat(ref, path)
        if top.type != "directory":
            return Listing([top])
        found: list[FileInfo] = []
        pending = [path]
        while pending and len(found) <= limit:
            directory = pending.pop(0)
            result = await self._run(ref, ["ls", "-la", "--time-style=+%s", directory], directory, "list")
            for line in result.stdout.data.decode("utf-8", "replace").splitlines():
                info = _parse_ls(line, directory)
                if info is not None:
                    found.append(info)
                    if recursive and info.type == "directory":
                        pending.append(info.path)
        return Listing(found[:limit], len(found) > limit or bool(pending))

    async def download(self, container: str, path: str) -> AsyncIterator[Chunk]:
        """A file's bytes, or a directory as tar, as they come; the first chunk carries the info."""
        ref = ContainerRef.parse(container)
        path = validate_path(path)
        info = await self.stat(ref, path)
        is_dir = info.type == "directory"
        if is_dir:
            parent, name = posixpath.split(path) if path != "/" else ("/", ".")
            # The one relative operand: after `--`, and never led by `-` (`./--x`) for tars
            # that do not know `--`. Every other command gets absolute paths only.
            argv = ["tar", "cf", "-", "-C", parent or "/", "--", f"./{name}" if name.startswith("-") else name]
        else:
            argv = ["cat", path]
        conn = await self.executor.prepare(ref, argv)
        first = True
        sent = 0
        async with ClusterStreams(conn) as streams:
            channel = await streams.exec(ref.namespace, ref.pod, ref.container, argv, stdin=False, tty=False)
            errors = Capture(64 * 1024)
            try:
                async for stream, data in channel.frames():
                    if stream != STDOUT:
                        errors.add(data)
                        continue
                    sent += len(data)
                    if sent > MAX_DOWNLOAD:
                        raise ResourceExhausted(f"{path} is larger than the download limit of {MAX_DOWNLOAD} bytes",
                                                "DOWNLOAD_TOO_LARGE")
                    yield Chunk(data, is_dir, info if first else None)
                    first = False
            finally:
                await channel.close()
        status = channel.exit_status()
        if status.exit_code != 0:
            raise _failure(Result(Capture(0), errors, status), path, "download")
        if first:  # an empty file still announces itself
            yield Chunk(b"", is_dir, info)

    async def upload(self, target: UploadTarget, data: AsyncIterator[bytes]) -> Uploaded:
        """Writes the data (a file, or a tar extracted into a directory) into the container."""
        ref = ContainerRef.parse(target.container, "target.container")
        path = validate_path(target.path, "target.path")
        if path == "/" and not target.tar:
            raise InvalidArgument.field("target.path", "name a file, not the root directory")
        if target.mode & ~0o777:
            raise InvalidArgument.field("target.mode", f"{target.mode:#o}: only permission bits (0777); no setuid, "
                                                       "setgid or sticky bit", "UNSAFE_MODE")
        directory = path if target.tar else posixpath.dirname(path)
        argv = ["tar", "xf", "-", "-C", directory]
        conn = await self.executor.prepare(ref, argv)
        if not target.tar and not target.overwrite:
            try:
                await self.stat(ref, path)
            except NotFound:
                pass
            else:
                raise AlreadyExists(f"{path} exists; set overwrite to replace it", "FILE_EXISTS",
                                    metadata={"path": path})
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
            size = await _spool(data, spool)
            payload = await asyncio.to_thread(_as_tar, spool, size, path, target)
        if target.tar:
            await self._run(ref, ["mkdir", "-p", directory], directory, "create", conn=conn)
        await self._run(ref, argv, path, "write", conn=conn, stdin=payload)
        return Uploaded(await self.stat(ref, path), size)

    async def delete(self, container: str, path: str, recursive: bool = False) -> None:
        ref = ContainerRef.parse(container)
        path = validate_path(path)
        if path == "/":
            raise InvalidArgument.field("path", "refusing to delete the root directory")
        info = await self.stat(ref, path)
        if info.type == "directory" and not recursive:
            raise FailedPrecondition(f"{path} is a directory; set recursive to delete it", "IS_A_DIRECTORY",
                                     metadata={"path": path})
        await self._run(ref, ["rm", "-rf" if recursive else "-f", path], path, "delete")


async def _spool(data: AsyncIterator[bytes], spool: IO[bytes]) -> int:
    size = 0
    async for chunk in data:
        size += len(chunk)
        if size > MAX_UPLOAD:
            raise ResourceExhausted(f"uploads are limited to {MAX_UPLOAD} bytes", "UPLOAD_TOO_LARGE",
                                    metadata={"limit": str(MAX_UPLOAD)})
        await asyncio.to_thread(spool.write, chunk)
    return size


# Where members are imagined while vetting them: never resolved against the server's own disk.
_VETTING_ROOT = "/nonexistent-kubecommit-upload"


def _vet(member: tarfile.TarInfo, path: str) -> None:
    """Refuse a member that could land outside `path`, link outside it, or install privileges:
    absolute or `..` names, links leaving the target (tarfile's 'data' filter rules), device
    files, setuid/setgid bits, and members reached through a symlink of the same archive."""
    problem, reason = "", "UNSAFE_TAR_MEMBER"
    if member.name.startswith("/") or ".." in member.name.split("/"):
        problem, reason = "would land outside", "PATH_ESCAPE"
    elif member.mode & (stat.S_ISUID | stat.S_ISGID):
        problem = "carries a setuid or setgid mode, refused in"
    else:
        try:
            tarfile.data_filter(member, _VETTING_ROOT)
        except tarfile.FilterError as error:
            problem = f"is refused ({type(error).__name__}) for"
    if problem:
        raise InvalidArgument.field("data", f"tar member {member.name!r} {problem} {path}", reason)


def _as_tar(spool: IO[bytes], size: int, path: str, target: UploadTarget) -> bytes:
    """The bytes for `tar xf -`: the uploaded tar after vetting its members, or one file wrapped."""
    spool.seek(0)
    if target.tar:
        try:
            with tarfile.open(fileobj=spool, mode="r:*") as archive:
                links: list[str] = []
                for member in archive.getmembers():
                    _vet(member, path)
                    name = posixpath.normpath(member.name)
                    if any(name.startswith(link + "/") for link in links):
                        raise InvalidArgument.field("data", f"tar member {member.name!r} goes through a symlink of "
                                                            "the same archive", "UNSAFE_TAR_MEMBER")
                    if member.issym():
                        links.append(name)
        except tarfile.TarError as error:
            raise InvalidArgument.field("data", f"not a tar archive: {error}") from None
        spool.seek(0)
        return spool.read()
    info = tarfile.TarInfo(posixpath.basename(path))
    info.size, info.mode, info.mtime = size, target.mode or 0o644, int(time.time())
    out = tempfile.SpooledTemporaryFile(max_size=MAX_UPLOAD + 1024 * 1024)
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as archive:
        archive.addfile(info, spool)
    out.seek(0)
    return out.read()

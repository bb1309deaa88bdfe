"""A small shell interpreter for exec sessions: builtins over the container's in-memory filesystem,
`sh -c` scripts with `;`, `&&`, `||`, `|` and `>`/`>>`/`<`, tar for `kubectl cp`, and an
interactive tty loop with line editing.
"""

from __future__ import annotations

import asyncio
import io
import posixpath
import re
import shlex
import stat as stat_mod
import tarfile
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from kubesim.exec.fs import FileSystem, FsError, Node

Writer = Callable[[bytes], Awaitable[None]]
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})


class ShellExit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class Stdin:
    """Bytes fed by the exec protocol; EOF when the client closes stdin."""

    def __init__(self) -> None:
        self._chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._buf = b""
        self._eof = False

    def feed(self, data: bytes) -> None:
        self._chunks.put_nowait(data)

    def close(self) -> None:
        self._chunks.put_nowait(None)

    async def read(self) -> bytes:
        """Next available bytes; b"" at EOF."""
        if self._buf:
            data, self._buf = self._buf, b""
            return data
        if self._eof:
            return b""
        data = await self._chunks.get()
        if data is None:
            self._eof = True
            return b""
        return data

    async def read_all(self) -> bytes:
        parts = []
        while chunk := await self.read():
            parts.append(chunk)
        return b"".join(parts)

    async def readline(self) -> bytes:
        while b"\n" not in self._buf and not self._eof:
            chunk = await self.read()
            if not chunk:
                break
            self._buf += chunk
        line, sep, rest = self._buf.partition(b"\n")
        self._buf = rest
        return line + sep

    @classmethod
    def from_bytes(cls, data: bytes) -> "Stdin":
        s = cls()
        if data:
            s.feed(data)
        s.close()
        return s


@dataclass
class IO:
    stdin: Stdin
    out: Writer
    err: Writer


class Buffer:
    """Collects a command's output (pipes, redirections)."""

    def __init__(self) -> None:
        self.data = bytearray()

    async def write(self, b: bytes) -> None:
        self.data += b


@dataclass
class Shell:
    fs: FileSystem
    env: dict[str, str]
    hostname: str = "pod"
    distroless: bool = False
    tty: bool = False
    cwd: str = "/"
    status: int = 0
    width: int = 80
    height: int = 24
    # Positional parameters of `sh -c SCRIPT NAME ARGS...`: $0 is NAME, "$@" the ARGS.
    args: list[str] = field(default_factory=list)
    commands: dict[str, Callable[["Shell", list[str], IO], Awaitable[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.commands = dict(BUILTINS)

    def path(self, p: str) -> str:
        return FileSystem.resolve(self.cwd, p)

    # -- entry points ---------------------------------------------------------------------
    async def run_argv(self, argv: list[str], io_: IO) -> int:
        """Run an exec command line as the container runtime would (no shell parsing)."""
        try:
            return await self.call(argv, io_)
        except ShellExit as e:
            return e.code

    async def run_script(self, script: str, io_: IO) -> int:
        for line in script.splitlines() or [""]:
            self.status = await self.run_line(line, io_)
        return self.status

    async def interactive(self, io_: IO) -> int:
        """Read commands from stdin: a prompt and line editing with a tty, plain lines without."""
        try:
            if not self.tty:
                while line := await io_.stdin.readline():
                    self.status = await self.run_line(line.decode(errors="replace"), io_)
                return self.status
            return await self._tty_loop(io_)
        except ShellExit as e:
            return e.code

    async def _tty_loop(self, io_: IO) -> int:
        buf = ""
        await io_.out(self.prompt().encode())
        while True:
            data = await io_.stdin.read()
            if not data:
                return self.status
            for ch in data.decode(errors="replace"):
                if ch in "\r\n":
                    await io_.out(b"\r\n")
                    line, buf = buf, ""
                    if line.strip():
                        self.status = await self.run_line(line, io_)
                    await io_.out(self.prompt().encode())
                elif ch in "\x7f\x08":
                    if buf:
                        buf = buf[:-1]
                        await io_.out(b"\b \b")
                elif ch == "\x03":
                    buf = ""
                    await io_.out(b"^C\r\n" + self.prompt().encode())
                elif ch == "\x04":
                    if not buf:
                        await io_.out(b"exit\r\n")
                        return self.status
                else:
                    buf += ch
                    await io_.out(ch.encode())

    def prompt(self) -> str:
        return f"{self.cwd} # "

    # -- parsing --------------------------------------------------------------------------
    def expand(self, text: str) -> str:
        """$VAR, ${VAR} and $? outside single quotes."""
        out, i, quote = [], 0, ""
        while i < len(text):
            c = text[i]
            if c == '"' and not quote and text.startswith('"$@"', i):
                out.append(shlex.join(self.args[1:]))
                i += 4
                continue
            if c == "'" and quote != '"':
                quote = "" if quote == "'" else "'"
            elif c == '"' and quote != "'":
                quote = "" if quote == '"' else '"'
            elif c == "\\" and quote != "'" and i + 1 < len(text):
                out.append(text[i:i + 2])
                i += 2
                continue
            elif c == "$" and quote != "'":
                m = re.match(r"\$(\?|\{(\w+)\}|(\w+))", text[i:])
                if m:
                    name = m.group(2) or m.group(3) or ""
                    positional = self.args[int(name)] if name.isdigit() and int(name) < len(self.args) else ""
                    out.append(str(self.status) if m.group(1) == "?" else
                               positional if name.isdigit() else self.env.get(name, ""))
                    i += m.end()
                    continue
            out.append(c)
            i += 1
        return "".join(out)

    async def run_line(self, line: str, io_: IO) -> int:
        """Run `a; b && c || d`: each part is expanded just before it runs, so `$?` is current."""
        status = self.status
        for connector, part in split_commands(line):
            if connector == ";" or (connector == "&&") == (status == 0):
                try:
                    lex = shlex.shlex(self.expand(part), posix=True, punctuation_chars="|<>&")
                    lex.whitespace_split = True
                    tokens = list(lex)
                except ValueError as e:
                    await io_.err(f"sh: syntax error: {e}\n".encode())
                    return 2
                if tokens:
                    status = self.status = await self._pipeline(tokens, io_)
        return status

    async def _pipeline(self, tokens: list[str], io_: IO) -> int:
        stages: list[list[str]] = [[]]
        for tok in tokens:
            if tok == "|":
                stages.append([])
            else:
                stages[-1].append(tok)
        stdin = io_.stdin
        status = 0
        for n, stage in enumerate(stages):
            last = n == len(stages) - 1
            argv: list[str] = []
            redirects: list[tuple[str, str, str]] = []  # (stream, op, target)
            it = iter(stage)
            for tok in it:
                if tok in (">", ">>", "<", ">&", "&>"):
                    stream = "2" if argv and argv[-1] == "2" and tok != "<" else "1"
                    if stream == "2":
                        argv.pop()
                    redirects.append((stream, tok, next(it, "")))
                else:
                    argv.append(tok)
            buf = Buffer()
            out: Writer = io_.out if last else buf.write
            err: Writer = io_.err
            files: list[tuple[str, bool, Buffer]] = []
            for stream, op, target in redirects:
                if op == "<":
                    try:
                        stdin = Stdin.from_bytes(self.fs.read(self.path(target)))
                    except FsError as e:
                        await io_.err(f"sh: can't open {target}: {e}\n".encode())
                        return 1
                    continue
                if op == ">&":  # >&2 and 2>&1
                    if stream == "1" and target == "2":
                        out = io_.err
                    elif stream == "2" and target == "1":
                        err = out
                    continue
                fbuf = Buffer()
                if target != "/dev/null":
                    files.append((target, op == ">>", fbuf))
                if stream == "2":
                    err = fbuf.write
                else:
                    out = fbuf.write
            status = await self.call(argv, IO(stdin, out, err)) if argv else 0
            for target, append, fbuf in files:
                try:
                    self.fs.write(self.path(target), bytes(fbuf.data), append=append)
                except FsError as e:
                    await io_.err(f"sh: can't create {target}: {e}\n".encode())
                    status = 1
            stdin = Stdin.from_bytes(bytes(buf.data))
        return status

    async def call(self, argv: list[str], io_: IO) -> int:
        name = posixpath.basename(argv[0])
        if "=" in name and not argv[0].startswith("/"):  # FOO=bar as a command: assignment
            k, _, v = argv[0].partition("=")
            self.env[k] = v
            return await self.call(argv[1:], io_) if argv[1:] else 0
        fn = None if self.distroless else self.commands.get(name)
        if fn is None:
            await io_.err(f"sh: {argv[0]}: not found\n".encode() if not self.distroless else
                          f'exec: "{argv[0]}": executable file not found in $PATH\n'.encode())
            return 127
        try:
            return await fn(self, argv[1:], io_)
        except FsError as e:
            await io_.err(f"{name}: {e}\n".encode())
            return 1


def split_commands(line: str) -> list[tuple[str, str]]:
    """Split at top-level `;`, `&&`, `||` (and a trailing `&`), honouring quotes and `#` comments:
    [(connector-before, text), ...]."""
    parts: list[tuple[str, str]] = []
    connector, start, i, quote = ";", 0, 0, ""
    while i < len(line):
        c = line[i]
        if quote:
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"':
                i += 1
        elif c in "'\"":
            quote = c
        elif c == "\\":
            i += 1
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            break
        elif c == ";" or line.startswith(("&&", "||"), i) or (c == "&" and line[i - 1:i] not in (">", "<")
                                                              and line[i + 1:i + 2] != ">"):
            op = line[i:i + 2] if line.startswith(("&&", "||"), i) else ";"
            parts.append((connector, line[start:i]))
            connector, i = op, i + len(op)
            start = i
            continue
        i += 1
    end = i if i < len(line) else len(line)
    parts.append((connector, line[start:end]))
    return [(c, t) for c, t in parts if t.strip()]


# -- builtins ------------------------------------------------------------------------------

def _flags(args: list[str]) -> tuple[set[str], list[str]]:
    flags, rest = set(), []
    for a in args:
        if a.startswith("-") and len(a) > 1 and not a.startswith("--"):
            flags |= set(a[1:])
        elif a.startswith("--"):
            flags.add(a)
        else:
            rest.append(a)
    return flags, rest


async def _echo(sh: Shell, args: list[str], io_: IO) -> int:
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    await io_.out((" ".join(args) + ("\n" if newline else "")).encode())
    return 0


async def _cat(sh: Shell, args: list[str], io_: IO) -> int:
    status = 0
    for a in args or ["-"]:
        if a == "-":  # write each chunk as it is read, as cat does: a line typed is a line echoed
            while chunk := await io_.stdin.read():
                await io_.out(chunk)
            continue
        try:
            await io_.out(sh.fs.read(sh.path(a)))
        except FsError as e:
            await io_.err(f"cat: can't open '{a}': {e}\n".encode())
            status = 1
    return status


def _ls_line(name: str, node: Node, epoch: bool) -> str:
    mode = stat_mod.filemode(node.st_mode)
    when = str(int(node.mtime)) if epoch else time.strftime("%b %d %H:%M", time.gmtime(node.mtime))
    links = 2 if node.is_dir else 1
    return f"{mode} {links:>3} root     root     {node.size:>8} {when} {name}"


async def _ls(sh: Shell, args: list[str], io_: IO) -> int:
    flags, paths = _flags(args)
    long, all_ = "l" in flags, "a" in flags
    epoch = any(f.startswith("--time-style=+%s") for f in flags)
    status, lines = 0, []
    for p in paths or ["."]:
        try:
            node = sh.fs.lookup(sh.path(p))
        except FsError as e:
            await io_.err(f"ls: {p}: {e}\n".encode())
            status = 2
            continue
        if node.is_dir and "d" not in flags:
            entries = sorted(node.children.items())
            if all_:
                entries = [(".", node), ("..", node)] + entries
            else:
                entries = [(n, c) for n, c in entries if not n.startswith(".")]
            if long:
                lines.append(f"total {len(entries) * 4}")
            lines += [_ls_line(n, c, epoch) if long else n for n, c in entries]
        else:
            lines.append(_ls_line(p, node, epoch) if long else p)
    if lines:
        await io_.out(("\n".join(lines) + "\n").encode())
    return status


async def _pwd(sh: Shell, args: list[str], io_: IO) -> int:
    await io_.out((sh.cwd + "\n").encode())
    return 0


async def _cd(sh: Shell, args: list[str], io_: IO) -> int:
    target = sh.path(args[0] if args else sh.env.get("HOME", "/"))
    try:
        if not sh.fs.lookup(target).is_dir:
            raise FsError("Not a directory")
    except FsError as e:
        await io_.err(f"sh: cd: can't cd to {args[0] if args else target}: {e}\n".encode())
        return 2
    sh.cwd = target
    return 0


async def _env(sh: Shell, args: list[str], io_: IO) -> int:
    await io_.out("".join(f"{k}={v}\n" for k, v in sh.env.items()).encode())
    return 0


async def _printenv(sh: Shell, args: list[str], io_: IO) -> int:
    if not args:
        return await _env(sh, args, io_)
    found = [sh.env[a] for a in args if a in sh.env]
    await io_.out("".join(v + "\n" for v in found).encode())
    return 0 if len(found) == len(args) else 1


async def _export(sh: Shell, args: list[str], io_: IO) -> int:
    for a in args:
        k, sep, v = a.partition("=")
        if sep:
            sh.env[k] = v
    return 0


async def _mkdir(sh: Shell, args: list[str], io_: IO) -> int:
    flags, paths = _flags(args)
    status = 0
    for p in paths:
        try:
            sh.fs.mkdir(sh.path(p), parents="p" in flags)
        except FsError as e:
            await io_.err(f"mkdir: can't create directory '{p}': {e}\n".encode())
            status = 1
    return status


async def _rm(sh: Shell, args: list[str], io_: IO) -> int:
    flags, paths = _flags(args)
    status = 0
    for p in paths:
        try:
            sh.fs.remove(sh.path(p), recursive="r" in flags or "R" in flags)
        except FsError as e:
            if "f" not in flags or str(e) != "No such file or directory":
                await io_.err(f"rm: can't remove '{p}': {e}\n".encode())
                status = 1
    return status


async def _touch(sh: Shell, args: list[str], io_: IO) -> int:
    for p in args:
        path = sh.path(p)
        if sh.fs.exists(path):
            sh.fs.lookup(path).mtime = time.time()
        else:
            sh.fs.write(path, b"")
    return 0


async def _stat(sh: Shell, args: list[str], io_: IO) -> int:
    fmt = None
    if args[:1] == ["-c"] and len(args) > 1:
        fmt, args = args[1], args[2:]
    for p in args:
        node = sh.fs.lookup(sh.path(p))
        kind = "directory" if node.is_dir else "regular file"
        if fmt:
            text = (fmt.replace("%n", p).replace("%s", str(node.size)).replace("%Y", str(int(node.mtime)))
                    .replace("%a", f"{node.mode:o}").replace("%F", kind)
                    .replace("%A", stat_mod.filemode(node.st_mode)))
        else:
            text = (f"  File: {p}\n  Size: {node.size}\tBlocks: {(node.size + 511) // 512}\t{kind}\n"
                    f"Access: ({node.mode:04o}/{stat_mod.filemode(node.st_mode)})  Uid: (0/root)  "
                    f"Gid: (0/root)\nModify: {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(node.mtime))}")
        await io_.out((text + "\n").encode())
    return 0


async def _exit(sh: Shell, args: list[str], io_: IO) -> int:
    raise ShellExit(int(args[0]) if args and args[0].lstrip("-").isdigit() else sh.status)


async def _sleep(sh: Shell, args: list[str], io_: IO) -> int:
    await asyncio.sleep(float(args[0].rstrip("s")) if args else 0)
    return 0


async def _true(sh: Shell, args: list[str], io_: IO) -> int:
    return 0


async def _false(sh: Shell, args: list[str], io_: IO) -> int:
    return 1


async def _hostname(sh: Shell, args: list[str], io_: IO) -> int:
    await io_.out((sh.hostname + "\n").encode())
    return 0


async def _whoami(sh: Shell, args: list[str], io_: IO) -> int:
    await io_.out(b"root\n")
    return 0


async def _date(sh: Shell, args: list[str], io_: IO) -> int:
    text = str(int(time.time())) if "+%s" in args else time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime())
    await io_.out((text + "\n").encode())
    return 0


async def _uname(sh: Shell, args: list[str], io_: IO) -> int:
    text = f"Linux {sh.hostname} 6.8.0-kubesim #1 SMP x86_64 GNU/Linux" if "-a" in args else "Linux"
    await io_.out((text + "\n").encode())
    return 0


async def _head_tail(sh: Shell, args: list[str], io_: IO, tail: bool) -> int:
    n, files, it = 10, [], iter(args)
    for a in it:
        if a == "-n":
            n = int(next(it, "10"))
        elif re.fullmatch(r"-n?\d+", a):
            n = int(a.lstrip("-n"))
        elif a.startswith("-c+") or a.startswith("-c") and tail:
            data = await _input(sh, files, io_)
            spec = a[2:] or next(it, "0")
            count = int(spec.lstrip("+"))
            await io_.out(data[count - 1:] if spec.startswith("+") else data[-count:])
            return 0
        else:
            files.append(a)
    lines = (await _input(sh, files, io_)).splitlines(keepends=True)
    await io_.out(b"".join(lines[-n:] if tail else lines[:n]) if n else b"")
    return 0


async def _input(sh: Shell, files: list[str], io_: IO) -> bytes:
    if not files or files == ["-"]:
        return await io_.stdin.read_all()
    return b"".join(sh.fs.read(sh.path(f)) for f in files)


async def _head(sh: Shell, args: list[str], io_: IO) -> int:
    return await _head_tail(sh, args, io_, tail=False)


async def _tail(sh: Shell, args: list[str], io_: IO) -> int:
    return await _head_tail(sh, args, io_, tail=True)


async def _wc(sh: Shell, args: list[str], io_: IO) -> int:
    flags, files = _flags(args)
    data = await _input(sh, files, io_)
    counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
    shown = [str(counts[f]) for f in "lwc" if f in flags] or [str(counts[f]) for f in "lwc"]
    await io_.out((" ".join(shown) + "\n").encode())
    return 0


async def _grep(sh: Shell, args: list[str], io_: IO) -> int:
    flags, rest = _flags(args)
    if not rest:
        await io_.err(b"usage: grep PATTERN [FILE]...\n")
        return 2
    pattern = re.compile(rest[0], re.IGNORECASE if "i" in flags else 0)
    lines = (await _input(sh, rest[1:], io_)).decode(errors="replace").splitlines()
    hits = [ln for ln in lines if bool(pattern.search(ln)) != ("v" in flags)]
    await io_.out("".join(h + "\n" for h in hits).encode())
    return 0 if hits else 1


async def _stty(sh: Shell, args: list[str], io_: IO) -> int:
    if args[:1] == ["size"]:
        await io_.out(f"{sh.height} {sh.width}\n".encode())
    return 0


async def _which(sh: Shell, args: list[str], io_: IO) -> int:
    found = [a for a in args if a in sh.commands]
    await io_.out("".join(f"/bin/{a}\n" for a in found).encode())
    return 0 if len(found) == len(args) else 1


async def _sh(sh: Shell, args: list[str], io_: IO) -> int:
    sub = Shell(sh.fs, dict(sh.env), sh.hostname, tty=sh.tty, cwd=sh.cwd, width=sh.width,
                height=sh.height)
    try:
        if args[:1] == ["-c"]:
            sub.args = args[2:] or ["sh"]
            return await sub.run_script(args[1] if len(args) > 1 else "", io_)
        if args and not args[0].startswith("-"):
            return await sub.run_script(sh.fs.read(sh.path(args[0])).decode(), io_)
        return await sub.interactive(io_)
    except ShellExit as e:
        return e.code


async def _exec(sh: Shell, args: list[str], io_: IO) -> int:
    """`exec CMD ARGS...` runs CMD in place of the shell: its status is the shell's."""
    if not args:
        return 0
    raise ShellExit(await sh.call(args, io_))


async def _tar(sh: Shell, args: list[str], io_: IO) -> int:
    """GNU-tar-like `c`, `x`, `t` with `f -`, `-C DIR`; real tar format via tarfile."""
    if args and not args[0].startswith("-"):
        args = ["-" + args[0]] + args[1:]
    mode, archive, directory, paths, verbose = "", None, sh.cwd, [], False
    it = iter(args)
    for a in it:
        if a.startswith("--"):
            if a.startswith("--directory="):
                directory = sh.path(a.split("=", 1)[1])
            elif a.startswith("--file="):
                archive = a.split("=", 1)[1]
        elif a.startswith("-") and len(a) > 1:
            for ch in a[1:]:
                if ch in "cxt":
                    mode = ch
                elif ch == "f":
                    archive = next(it, "-")
                elif ch == "C":
                    directory = sh.path(next(it, "/"))
                elif ch == "v":
                    verbose = True
        else:
            paths.append(a)
    if not mode:
        await io_.err(b"tar: You must specify one of the '-Acdtrux' options\n")
        return 2
    if mode == "c":
        return await _tar_create(sh, archive, directory, paths, verbose, io_)
    data = await io_.stdin.read_all() if archive in (None, "-") else sh.fs.read(sh.path(archive))
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except tarfile.TarError as e:
        await io_.err(f"tar: This does not look like a tar archive ({e})\n".encode())
        return 2
    with tf:
        for m in tf.getmembers():
            name = posixpath.normpath(m.name.lstrip("/"))
            if name.startswith(".."):
                continue
            if mode == "t" or verbose:
                await (io_.out if mode == "t" else io_.err)((m.name + "\n").encode())
            if mode == "t":
                continue
            target = posixpath.join(directory, name)
            if m.isdir():
                sh.fs.mkdir(target, parents=True, mode=m.mode & 0o7777)
            elif m.isfile():
                sh.fs.mkdir(posixpath.dirname(target), parents=True)
                fobj = tf.extractfile(m)
                sh.fs.write(target, fobj.read() if fobj else b"", mode=m.mode & 0o7777, mtime=m.mtime)
    return 0


async def _tar_create(sh: Shell, archive: str | None, directory: str, paths: list[str], verbose: bool,
                      io_: IO) -> int:
    buf, status = io.BytesIO(), 0
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for p in paths:
            try:
                entries = sh.fs.walk(FileSystem.resolve(directory, p))
            except FsError as e:
                await io_.err(f"tar: {p}: Cannot stat: {e}\n".encode())
                status = 2
                continue
            base = FileSystem.resolve(directory, p)
            arc_base = p.lstrip("/") or "."
            if p.startswith("/"):
                await io_.err(b"tar: Removing leading `/' from member names\n")
            for full, node in entries:
                info = tarfile.TarInfo(posixpath.normpath(arc_base + full[len(base):]))
                info.mode, info.mtime = node.mode, int(node.mtime)
                info.uname = info.gname = "root"
                if node.is_dir:
                    info.type = tarfile.DIRTYPE
                    tf.addfile(info)
                else:
                    info.size = len(node.data)
                    tf.addfile(info, io.BytesIO(node.data))
                if verbose:
                    await io_.err((info.name + "\n").encode())
    data = buf.getvalue()
    if archive in (None, "-"):
        await io_.out(data)
    else:
        sh.fs.write(sh.path(archive), data)
    return status


BUILTINS: dict[str, Callable[[Shell, list[str], IO], Awaitable[int]]] = {
    "echo": _echo, "cat": _cat, "ls": _ls, "pwd": _pwd, "cd": _cd, "env": _env, "printenv": _printenv,
    "export": _export, "mkdir": _mkdir, "rm": _rm, "touch": _touch, "stat": _stat, "exit": _exit,
    "sleep": _sleep, "true": _true, "false": _false, "hostname": _hostname, "whoami": _whoami,
    "date": _date, "uname": _uname, "head": _head, "tail": _tail, "wc": _wc, "grep": _grep,
    "stty": _stty, "which": _which, "tar": _tar, "exec": _exec, **{name: _sh for name in SHELLS},
}

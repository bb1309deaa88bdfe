"""`logs`, `exec` and `cp`, with kubectl's flags: `-c` is the container (optional when the pod
has one), `exec -it` is a raw-mode terminal over ExecStream that follows window resizes, stdin is
streamed when piped, output arrives as it is produced and the remote exit code becomes ours.
"""

from __future__ import annotations

import io
import os
import queue
import shlex
import signal
import stat
import sys
import tarfile
import termios
import threading
import tty
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

import typer
from google.protobuf import duration_pb2

from clients.cli import completion
from clients.cli.clusters import enum_value
from clients.cli.connection import Remote, cluster_of, namespace_of, remote
from clients.cli.errors import CliError
from clients.cli.printers import table
from clients.cli.resources import CLUSTER, NAMESPACE, find_one, manifest_of, resolve_type, split_ref
from kubecommit.v1 import admin_pb2, containers_pb2

CONTAINER = typer.Option("", "--container", "-c", help="Container; optional when the pod has one.")
CHUNK = 32 * 1024


def container_of(rpc: Remote, parent: str, pod: str, container: str) -> str:
    """The container's resource name; without `-c`, the pod's only (or first) app container."""
    if not container:
        found = [c for c in rpc.call(rpc.containers.ListContainers, containers_pb2.ListContainersRequest(
            parent=parent, pod=pod)).containers if not c.init_container]
        if not found:
            raise CliError(f'pod "{pod}" not found or has no containers in {parent}', "kubecommit get pods")
        container = found[0].container
        if len(found) > 1:
            sys.stderr.write(f'Defaulted container "{container}" out of: '
                             f'{", ".join(c.container for c in found)}\n')
    return f"{parent}/pods/{pod}/containers/{container}"


# -- logs -----------------------------------------------------------------------------------

def logs(
    ctx: typer.Context,
    pod: str = typer.Argument("", help="A pod, or TYPE/NAME (deploy/web) for all its pods; or use -l.",
                             autocompletion=completion.pods),
    container: str = CONTAINER,
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
    selector: str = typer.Option("", "--selector", "-l", help="Every pod matching this label selector."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep streaming new lines."),
    since: str = typer.Option("", help="Only newer lines: a duration (5m, 1h) or an RFC 3339 time."),
    tail: int = typer.Option(-1, help="Last N lines per container; -1 for all, 0 for none."),
    previous: bool = typer.Option(False, "--previous", "-p", help="The previous (crashed) container's logs."),
    timestamps: bool = typer.Option(False, "--timestamps", help="Prefix each line with its time."),
    prefix: Optional[bool] = typer.Option(None, "--prefix/--no-prefix",
                                          help="POD/CONTAINER before each line; on when several may be shown."),
    grep: str = typer.Option("", help="Regular expression lines must match."),
    level: list[str] = typer.Option([], help="debug, info, warn, error or fatal (repeatable)."),
    export: str = typer.Option("", "--export", help="json, csv or text: the server's export (ExportLogs) of "
                                                   "these lines, recorded in `log-exports`, written to stdout."),
) -> None:
    """Logs of a pod, of a workload's pods or of every pod matching a selector, merged."""
    levels = [enum_value(containers_pb2.LogLevel, "LOG_LEVEL_", name, "--level") for name in level]
    export_format = enum_value(containers_pb2.ExportFormat, "EXPORT_FORMAT_", export, "--export") if export else 0
    if export and follow:
        raise CliError("--export and --follow do not go together", "an export is of the lines stored now", usage=True)
    if not pod and not selector:
        raise CliError("logs needs a pod, TYPE/NAME or -l SELECTOR", "kubecommit logs POD", usage=True)
    if tail == 0 and not follow:
        return  # kubectl prints nothing for --tail 0
    cluster_name, ns = cluster_of(ctx, cluster), namespace_of(ctx, namespace)
    kind, name = split_ref(pod, None)
    if name and kind.lower() not in ("po", "pod", "pods"):
        workload = manifest_of(find_one(ctx, cluster_name, resolve_type(ctx, cluster_name, kind), ns, name))
        labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        selector = ",".join([f"{k}={v}" for k, v in labels.items()] + ([selector] if selector else []))
        pod = ""
    elif name:
        pod = name
    if tail == 0:  # follow from now on only
        since = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    query = containers_pb2.LogQuery(
        parent=f"{cluster_name}/namespaces/{ns}", pod=pod, container=container, label_selector=selector,
        tail_lines=max(tail, 0), since=since, previous=previous,
        # Lines as bytes (LOG_VIEW_RAW) unless each needs its time printed (BASIC); --grep and --level
        # are the server's filters in either view.
        view=containers_pb2.LOG_VIEW_BASIC if timestamps else containers_pb2.LOG_VIEW_RAW,
        filter=containers_pb2.LogFilter(pattern=grep, levels=levels))
    show_prefix = prefix if prefix is not None else not pod
    rpc = remote(ctx)
    if export_format:
        _export(rpc, query, export_format)
        return
    if not follow:
        for item in rpc.pages(rpc.containers.ListLogEntries, lambda t: containers_pb2.ListLogEntriesRequest(
                query=query, page_size=1000, page_token=t), "entries" if timestamps else "chunks"):
            _print(item, show_prefix, timestamps)
        sys.stdout.flush()
        return
    interrupted = threading.Event()

    def requests() -> Iterator[containers_pb2.StreamLogsRequest]:
        yield containers_pb2.StreamLogsRequest(query=query)
        interrupted.wait()  # keep the request side open: the server ends a follow at half-close

    try:
        for batch in rpc.stream(rpc.containers.StreamLogs, requests()):
            for item in [*batch.entries, *batch.chunks]:
                _print(item, show_prefix, timestamps)
            sys.stdout.flush()
    finally:
        interrupted.set()


def _export(rpc: Remote, query: containers_pb2.LogQuery, export_format: int) -> None:
    """The export's bytes to stdout as they stream (a big export never sits in memory), and what
    the server recorded of it on stderr, so `> file` keeps only the data."""
    record = None
    for part in rpc.stream(rpc.containers.ExportLogs, containers_pb2.ExportLogsRequest(
            query=query, format=export_format)):
        sys.stdout.buffer.write(part.data)
        if part.HasField("export"):
            record = part.export
    sys.stdout.flush()
    if record is not None:
        sys.stderr.write(f"{record.name}: {record.entry_count} entries, {record.size_bytes} bytes\n")


def log_exports(ctx: typer.Context) -> None:
    """Log exports the server recorded: who exported which lines, when, how much."""
    rpc = remote(ctx)
    table(["NAME", "CALLER", "CREATED (UTC)", "QUERY", "FORMAT", "ENTRIES", "BYTES"],
          [[e.name, e.caller, e.create_time.ToDatetime().strftime("%Y-%m-%d %H:%M:%S"),
            " ".join(filter(None, (e.query.parent, e.query.pod, e.query.container, e.query.label_selector))),
            containers_pb2.ExportFormat.Name(e.format).removeprefix("EXPORT_FORMAT_").lower(),
            str(e.entry_count), str(e.size_bytes)]
           for e in rpc.pages(rpc.containers.ListLogExports, lambda t: containers_pb2.ListLogExportsRequest(
               page_token=t), "exports")])


def _print(item: containers_pb2.LogEntry | containers_pb2.LogChunk, prefix: bool, timestamps: bool) -> None:
    """Plain lines, so the output pipes into grep like `kubectl logs`: a chunk's bytes as the
    container wrote them (prefixed line by line only when asked)."""
    if isinstance(item, containers_pb2.LogChunk):
        if not prefix:
            sys.stdout.flush()
            sys.stdout.buffer.write(item.data)
            return
        head = f"{item.pod}/{item.container} ".encode()
        lines = item.data.split(b"\n")
        tail = lines.pop()
        sys.stdout.flush()
        sys.stdout.buffer.write(b"".join(head + line + b"\n" for line in lines) + (head + tail + b"\n" if tail else b""))
        return
    head = f"{item.pod}/{item.container} " if prefix else ""
    when = item.time.ToDatetime().strftime("%Y-%m-%dT%H:%M:%S.%fZ") + " " if timestamps else ""
    sys.stdout.write(f"{head}{when}{item.raw}\n")


# -- exec -----------------------------------------------------------------------------------

class Frames:
    """The request side of ExecStream, fed from the stdin thread and the SIGWINCH handler."""

    def __init__(self, start: containers_pb2.ExecStart) -> None:
        self.queue: queue.Queue[Optional[containers_pb2.ExecStreamRequest]] = queue.Queue()
        self.put(containers_pb2.ExecStreamRequest(start=start))

    def put(self, frame: Optional[containers_pb2.ExecStreamRequest]) -> None:
        self.queue.put(frame)

    def __iter__(self) -> Iterator[containers_pb2.ExecStreamRequest]:
        while (frame := self.queue.get()) is not None:
            yield frame


def _size() -> containers_pb2.TerminalSize:
    try:
        size = os.get_terminal_size(sys.stdout.fileno())
    except OSError:
        return containers_pb2.TerminalSize()
    return containers_pb2.TerminalSize(width=size.columns, height=size.lines)


def _piped() -> bool:
    """stdin is a pipe or a file (`echo hi | ...`, `< file`): sent without -i. A terminal or
    /dev/null is not, so a script's `exec POD -- ls` is not an interactive session."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def _pump_stdin(frames: Frames) -> None:
    fd = sys.stdin.fileno()
    while chunk := os.read(fd, CHUNK):
        frames.put(containers_pb2.ExecStreamRequest(stdin=chunk))
    frames.put(containers_pb2.ExecStreamRequest(close_stdin=True))


@contextmanager
def _raw_terminal(enabled: bool) -> Iterator[None]:
    """Keystrokes go to the remote terminal as typed (Ctrl-C included); restored on the way out."""
    if not enabled:
        yield
        return
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def exec_command(
    ctx: typer.Context,
    pod: str = typer.Argument(..., help="A pod (or pod/NAME).", autocompletion=completion.pods),
    command: list[str] = typer.Argument(..., help="The command and its arguments (after --)."),
    container: str = CONTAINER,
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
    stdin: bool = typer.Option(False, "--stdin", "-i", help="Pass stdin (on by itself when stdin is a pipe or a file)."),
    tty_: bool = typer.Option(False, "--tty", "-t", help="A terminal: raw keystrokes, resizes followed."),
    timeout: Optional[float] = typer.Option(None, help="Give up after this many seconds (no limit by default)."),
) -> None:
    """Run a command in a container; exits with its exit code."""
    use_tty = tty_ and sys.stdin.isatty()
    if tty_ and not use_tty:
        sys.stderr.write("Unable to use a TTY - input is not a terminal or the right kind of file\n")
    send_stdin = stdin or _piped()
    rpc = remote(ctx)
    parent = f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}"
    target = container_of(rpc, parent, split_ref(pod, None)[1] or pod, container)
    try:
        code, error = _exec_stream(rpc, target, command, use_tty, send_stdin, timeout)
    except CliError as failure:
        # ExecStream counts as interactive for exec policies; a plain command may still run one-shot.
        if failure.reason != "INTERACTIVE_NOT_ALLOWED" or use_tty or send_stdin:
            raise
        reply = rpc.call(rpc.containers.Exec, containers_pb2.ExecRequest(
            container=target, command=command, timeout=duration_pb2.Duration(seconds=int(timeout)) if timeout else None))
        sys.stdout.buffer.write(reply.stdout)
        sys.stderr.buffer.write(reply.stderr)
        code, error = reply.exit_code, ""
    if error and code == 0:
        raise CliError(error)
    raise typer.Exit(code)


def _exec_stream(rpc: Remote, container: str, command: list[str], use_tty: bool, send_stdin: bool,
                 timeout: Optional[float]) -> tuple[int, str]:
    """Runs over ExecStream, writing output as it comes; (exit code, error)."""
    frames = Frames(containers_pb2.ExecStart(container=container, command=command, tty=use_tty, stdin=send_stdin,
                                             size=_size() if use_tty else None))
    if use_tty:
        signal.signal(signal.SIGWINCH, lambda *_: frames.put(containers_pb2.ExecStreamRequest(resize=_size())))
    code, error = 0, ""
    with _raw_terminal(use_tty):
        try:
            for reply in rpc.stream(rpc.containers.ExecStream, iter(frames), timeout=timeout):
                if reply.HasField("stdout") or reply.HasField("stderr"):
                    out = sys.stdout if reply.HasField("stdout") else sys.stderr
                    out.buffer.write(reply.stdout or reply.stderr)
                    out.buffer.flush()
                elif reply.HasField("session") and send_stdin:
                    # Started: stdin flows from now on (a refused start never consumed any).
                    threading.Thread(target=_pump_stdin, args=(frames,), daemon=True).start()
                elif reply.HasField("exit"):
                    # Read on to the end of the stream (the server records the session as it ends).
                    code, error = reply.exit.exit_code, reply.exit.error
                    frames.put(None)
        finally:
            frames.put(None)
    return code, error


# -- cp -------------------------------------------------------------------------------------

def _remote_path(spec: str) -> Optional[tuple[str, str]]:
    """`POD:/path` -> (POD, /path); a local path (no colon before the first slash) -> None."""
    head, sep, path = spec.partition(":")
    if not sep or "/" in head or not head:
        return None
    return head, path


def cp(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="POD:PATH or a local path."),
    destination: str = typer.Argument(..., help="POD:PATH or a local path."),
    container: str = CONTAINER,
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
) -> None:
    """Copy files and directories between a container and this machine (either way)."""
    src, dst = _remote_path(source), _remote_path(destination)
    if (src is None) == (dst is None):
        raise CliError("exactly one side must be POD:PATH", "kubecommit cp POD:/etc/hosts ./hosts", usage=True)
    rpc = remote(ctx)
    parent = f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}"
    if src is not None:
        _download(rpc, container_of(rpc, parent, src[0], container), src[1], Path(destination))
    else:
        assert dst is not None
        _upload(rpc, container_of(rpc, parent, dst[0], container), Path(source), dst[1])


def _download(rpc: Remote, container: str, path: str, local: Path) -> None:
    data, is_tar = bytearray(), False
    for reply in rpc.stream(rpc.containers.DownloadFile, containers_pb2.DownloadFileRequest(
            container=container, path=path)):
        data += reply.data
        is_tar = is_tar or reply.tar
    if not is_tar:
        target = local / Path(path).name if local.is_dir() else local
        target.write_bytes(bytes(data))
        return
    local.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(bytes(data))) as archive:
        archive.extractall(local, filter="data")


def _upload(rpc: Remote, container: str, local: Path, path: str) -> None:
    if not local.exists():
        raise CliError(f"{local} does not exist", "check the local path")
    if local.is_dir():
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            archive.add(local, arcname=local.name)
        payload, target = buffer.getvalue(), containers_pb2.UploadTarget(
            container=container, path=path, tar=True, overwrite=True)
    else:
        payload, target = local.read_bytes(), containers_pb2.UploadTarget(
            container=container, path=path, overwrite=True, mode=local.stat().st_mode & 0o777)

    def frames() -> Iterator[containers_pb2.UploadFileRequest]:
        yield containers_pb2.UploadFileRequest(target=target)
        for start in range(0, len(payload), CHUNK):
            yield containers_pb2.UploadFileRequest(data=payload[start:start + CHUNK])

    rpc.call(rpc.containers.UploadFile, frames())


def _in_container(ctx: typer.Context, location: str, container: str, cluster: Optional[str],
                  namespace: Optional[str], example: str) -> tuple[Remote, str, str]:
    """`POD:PATH` -> (the remote, the container's resource name, PATH); anything else is a usage error."""
    spot = _remote_path(location)
    if spot is None:
        raise CliError(f"{location!r} is not POD:PATH", example, usage=True)
    rpc = remote(ctx)
    parent = f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}"
    return rpc, container_of(rpc, parent, spot[0], container), spot[1]


def ls(
    ctx: typer.Context,
    location: str = typer.Argument(..., help="POD:PATH"),
    container: str = CONTAINER,
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
    recursive: bool = typer.Option(False, "--recursive", "-R"),
) -> None:
    """Files in a container, without a shell of your own."""
    rpc, target, path = _in_container(ctx, location, container, cluster, namespace, "kubecommit ls POD:/etc")
    reply = rpc.call(rpc.containers.ListFiles, containers_pb2.ListFilesRequest(
        container=target, path=path or "/", recursive=recursive))
    table(["MODE", "SIZE", "MODIFIED", "PATH"],
          [[stat.filemode(f.mode | (stat.S_IFDIR if f.type == "directory" else stat.S_IFREG)), str(f.size_bytes),
            f.modify_time.ToDatetime().strftime("%Y-%m-%d %H:%M") if f.modify_time.seconds else "", f.path]
           for f in reply.files])
    if reply.truncated:
        sys.stderr.write("warning: more files than shown\n")


def rm(
    ctx: typer.Context,
    location: str = typer.Argument(..., help="POD:PATH"),
    container: str = CONTAINER,
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
    recursive: bool = typer.Option(False, "--recursive", "-r", "-R", help="A directory and everything in it."),
) -> None:
    """Deletes a file (or with -r a directory) in a container (DeleteFile)."""
    rpc, target, path = _in_container(ctx, location, container, cluster, namespace, "kubecommit rm POD:/tmp/file")
    if not path:
        raise CliError(f"{location!r} names no path", "kubecommit rm POD:/tmp/file", usage=True)
    rpc.call(rpc.containers.DeleteFile, containers_pb2.DeleteFileRequest(
        container=target, path=path, recursive=recursive))
    sys.stdout.write(f"removed {location}\n")


def sessions(
    ctx: typer.Context,
    session: str = typer.Argument("", help="One session (execSessions/ID) to show with its output."),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Only this cluster's sessions."),
    caller: str = typer.Option("", help="Only this caller's sessions."),
    terminate: bool = typer.Option(False, "--terminate", help="End the live session SESSION (admins)."),
    reason: str = typer.Option("", help="With --terminate: why, told to the session's user."),
) -> None:
    """Exec sessions recorded by the server (who ran what, where, with which exit code)."""
    rpc = remote(ctx)
    name = f"execSessions/{session.removeprefix('execSessions/')}"
    if terminate:
        if not session:
            raise CliError("--terminate needs a SESSION", "kubecommit sessions ID --terminate", usage=True)
        ended = rpc.call(rpc.admin.TerminateExecSession, admin_pb2.TerminateExecSessionRequest(name=name, reason=reason))
        sys.stdout.write(f"terminated {ended.name} ({shlex.join(ended.command)} by {ended.caller})\n")
        return
    if session:
        s = rpc.call(rpc.containers.GetExecSession, containers_pb2.GetExecSessionRequest(name=name))
        sys.stdout.write(f"{s.name} by {s.caller} in {s.container}: {shlex.join(s.command)} -> "
                         f"{s.exit_code if s.HasField('exit_code') else 'running'}\n")
        sys.stdout.buffer.write(s.stdout + s.stderr)
        return
    parent = cluster_of(ctx, cluster) if cluster else ""
    table(["SESSION", "CALLER", "CONTAINER", "COMMAND", "TTY", "STARTED", "EXIT"],
          [[s.name.removeprefix("execSessions/"), s.caller, s.container, shlex.join(s.command), "yes" if s.tty else "",
            s.start_time.ToDatetime().strftime("%Y-%m-%d %H:%M:%S"),
            str(s.exit_code) if s.HasField("exit_code") else s.error or "running"]
           for s in rpc.pages(rpc.containers.ListExecSessions, lambda t: containers_pb2.ListExecSessionsRequest(
               parent=parent, caller=caller, page_token=t), "sessions")])


exec_policy_app = typer.Typer(help="Which commands may run in a namespace's containers.", no_args_is_help=True)


def _policy_name(ctx: typer.Context, cluster: Optional[str], namespace: Optional[str]) -> str:
    return f"{cluster_of(ctx, cluster)}/namespaces/{namespace_of(ctx, namespace)}/execPolicy"


def _print_policy(policy: containers_pb2.ExecPolicy) -> None:
    sys.stdout.write(f"{policy.name}\n  allow: {', '.join(policy.allow) or '(anything)'}\n"
                     f"  deny: {', '.join(policy.deny) or '(nothing)'}\n"
                     f"  interactive: {'allowed' if policy.allow_interactive else 'refused'}\n")
    if policy.updated_by:
        sys.stdout.write(f"  updated by {policy.updated_by} at {policy.update_time.ToDatetime():%Y-%m-%d %H:%M:%S}\n")


@exec_policy_app.command("get")
def exec_policy_get(ctx: typer.Context, cluster: Optional[str] = CLUSTER,
                    namespace: Optional[str] = typer.Option(None, "--namespace", "-n",
                                                            help="A namespace, or - for the cluster-wide default.")) -> None:
    """The policy in force for a namespace."""
    rpc = remote(ctx)
    _print_policy(rpc.call(rpc.containers.GetExecPolicy, containers_pb2.GetExecPolicyRequest(
        name=_policy_name(ctx, cluster, namespace))))


@exec_policy_app.command("set")
def exec_policy_set(
    ctx: typer.Context,
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="A namespace, or - for the default."),
    allow: Optional[list[str]] = typer.Option(None, "--allow", help="Allowed command pattern (repeatable; '' clears)."),
    deny: Optional[list[str]] = typer.Option(None, "--deny", help="Denied command pattern (repeatable; '' clears)."),
    interactive: Optional[bool] = typer.Option(None, "--interactive/--no-interactive",
                                               help="Allow sessions with stdin or a terminal."),
) -> None:
    """Change only the given parts of a namespace's policy."""
    policy = containers_pb2.ExecPolicy(name=_policy_name(ctx, cluster, namespace), allow=[a for a in allow or [] if a],
                                       deny=[d for d in deny or [] if d], allow_interactive=bool(interactive))
    paths = [p for p, given in (("allow", allow is not None), ("deny", deny is not None),
                                ("allow_interactive", interactive is not None)) if given]
    if not paths:
        raise CliError("nothing to change", "pass --allow, --deny or --interactive/--no-interactive", usage=True)
    rpc = remote(ctx)
    _print_policy(rpc.call(rpc.containers.UpdateExecPolicy, containers_pb2.UpdateExecPolicyRequest(
        policy=policy, update_mask={"paths": paths})))

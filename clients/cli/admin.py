"""Local admin commands on a data directory, like `git` on a repository: `kubecommit token
create|list|revoke` and `kubecommit audit`. They open the same SQLite files the server uses, so
they work while it runs (a revocation applies to the next call) and need no token themselves:
whoever can read the data directory owns the server anyway."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

DATA_DIR = typer.Option(Path(".data"), "--data-dir", envvar="KUBECOMMIT_DATA_DIR",
                        help="The server's data directory.")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")

token_app = typer.Typer(help="Create, list and revoke bearer tokens.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"kubecommit: {message}", err=True)
    return typer.Exit(2)


def _existing(data_dir: Path) -> Path:
    """Refuse a directory that is not there: a typo must not quietly start a new token store."""
    if not data_dir.is_dir():
        raise _fail(f"no data directory at {data_dir}: start `kubecommit serve --data-dir {data_dir}` "
                    "once, or pass the right --data-dir")
    return data_dir


def seconds(text: str) -> float:
    """`90s`, `15m`, `12h`, `30d`, `2w` -> seconds."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a duration like 15m, 12h, 30d")
    return float(match.group(1)) * _UNITS[match.group(2)]


def moment(text: str) -> float:
    """An ISO 8601 time (UTC when no zone is given), or a duration meaning that long ago."""
    if _DURATION.match(text.strip()):
        return time.time() - seconds(text)
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is neither an ISO time (2025-01-31T12:00) nor a duration (2h)")
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()


def _when(epoch: float | None) -> str:
    return "" if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _print(table: Table) -> None:
    """Full width in a terminal; wide enough to keep ids and names whole when piped."""
    console = Console()
    (console if console.is_terminal else Console(width=220)).print(table)


def _csv(text: str) -> list[str]:
    return [part for part in text.split(",") if part.strip()]


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., help="Who the token is for; the author of the commits it makes."),
    role: str = typer.Option(..., help="viewer, operator or admin."),
    clusters: str = typer.Option("", help="Only these clusters (comma-separated); all when empty."),
    namespaces: str = typer.Option("", help="Only these namespaces (comma-separated); all when empty."),
    email: str = typer.Option("", help="Commit author email; NAME@kubecommit.local when empty."),
    expires_in: Optional[str] = typer.Option(None, help="Lifetime such as 12h or 90d; never expires when unset."),
    data_dir: Path = DATA_DIR,
) -> None:
    """Make a token and print it once (stdout, alone on its line); only its hash is kept."""
    from server.errors import KubecommitError
    from server.security.tokens import TokenStore

    store = TokenStore(_existing(data_dir))
    try:
        token, record = store.create(name, role, email, _csv(clusters), _csv(namespaces),
                                     None if expires_in is None else seconds(expires_in))
    except KubecommitError as error:
        raise _fail(str(error))
    finally:
        store.close()
    typer.echo(token)
    scope = "; ".join(f"{k} {','.join(v)}" for k, v in
                      (("clusters", record.clusters), ("namespaces", record.namespaces)) if v)
    typer.echo(f"created token {record.id} for {record.name} ({record.role}{'; ' + scope if scope else ''}); "
               "it is shown only now", err=True)


@token_app.command("list")
def token_list(data_dir: Path = DATA_DIR) -> None:
    """Every token ever made (never the secrets)."""
    from server.security.tokens import TokenStore

    store = TokenStore(_existing(data_dir))
    try:
        records = store.list()
    finally:
        store.close()
    table = Table("id", "name", "role", "clusters", "namespaces", "created (UTC)", "expires (UTC)", "state")
    now = time.time()
    for r in records:
        state = "revoked" if r.revoked_at else "expired" if not r.active(now) else "active"
        table.add_row(r.id, r.name, r.role, ",".join(r.clusters) or "all", ",".join(r.namespaces) or "all",
                      _when(r.created_at), _when(r.expires_at), state)
    _print(table)


@token_app.command("revoke")
def token_revoke(id_or_name: str = typer.Argument(..., help="A token id, or a name to revoke all its tokens."),
                 data_dir: Path = DATA_DIR) -> None:
    """Revoke tokens; the server refuses them from its next call on."""
    from server.errors import KubecommitError
    from server.security.tokens import TokenStore

    store = TokenStore(_existing(data_dir))
    try:
        revoked = store.revoke(id_or_name)
    except KubecommitError as error:
        raise _fail(str(error))
    finally:
        store.close()
    for record in revoked:
        typer.echo(f"revoked {record.id} ({record.name}, {record.role})")


def audit(
    caller: Optional[str] = typer.Option(None, help="Only this caller."),
    since: Optional[str] = typer.Option(None, help="From this time (ISO 8601, UTC) or this long ago (2h)."),
    until: Optional[str] = typer.Option(None, help="Before this time, same forms."),
    rpc: Optional[str] = typer.Option(None, help="RPCs whose name contains this (ApplyManifest)."),
    result: Optional[str] = typer.Option(None, help="Only this status code (OK, PERMISSION_DENIED...)."),
    limit: int = typer.Option(100, min=1, help="The newest N matching events."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    data_dir: Path = DATA_DIR,
) -> None:
    """Show the audit log: mutations, exec sessions, refused calls."""
    from server.security.audit import AuditLog

    log = AuditLog(_existing(data_dir))
    try:
        events = log.query(caller=caller, since=since and moment(since), until=until and moment(until),
                           rpc=rpc, result=result, limit=limit)
    finally:
        log.close()
    if as_json:
        for e in events:
            typer.echo(json.dumps(dataclasses.asdict(e)))
        return
    table = Table("time (UTC)", "caller", "role", "peer", "rpc", "targets", "result", "request id", "ms")
    for e in events:
        table.add_row(_when(e.time), e.caller, e.role, e.peer, e.rpc.removeprefix("/kubecommit.v1."),
                      "\n".join(e.targets), e.code, e.request_id, f"{e.duration_ms:.1f}")
    _print(table)

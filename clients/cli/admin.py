"""`kubecommit token create|list|revoke` and `kubecommit audit`: through the server's AdminService
(an admin token) by default, or offline on a data directory with `--data-dir`, like `git` on a
repository. Offline they open the same files the server uses, so they work while it runs (a
revocation applies to the next call) and need no token: whoever can read the data directory owns
the server anyway."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from google.protobuf.json_format import MessageToDict
from rich.console import Console
from rich.table import Table

from clients.cli.connection import remote
from kubecommit.v1 import admin_pb2

DATA_DIR = typer.Option(None, "--data-dir",
                        help="Work offline on this server data directory instead of through the server's API.")
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


def _stamp(ts: object) -> float | None:
    """A protobuf Timestamp as epoch seconds; None when unset (never expires, not revoked)."""
    return ts.ToDatetime(timezone.utc).timestamp() if ts.seconds else None  # type: ignore[attr-defined]


def _created(token: str, token_id: str, name: str, role: str, clusters: list[str], namespaces: list[str]) -> None:
    typer.echo(token)
    scope = "; ".join(f"{k} {','.join(v)}" for k, v in (("clusters", clusters), ("namespaces", namespaces)) if v)
    typer.echo(f"created token {token_id} for {name} ({role}{'; ' + scope if scope else ''}); "
               "it is shown only now", err=True)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: str = typer.Option(..., help="Who the token is for; the author of the commits it makes."),
    role: str = typer.Option(..., help="viewer, operator or admin."),
    clusters: str = typer.Option("", help="Only these clusters (comma-separated); all when empty."),
    namespaces: str = typer.Option("", help="Only these namespaces (comma-separated); all when empty."),
    email: str = typer.Option("", help="Commit author email; NAME@kubecommit.local when empty."),
    expires_in: Optional[str] = typer.Option(None, help="Lifetime such as 12h or 90d; never expires when unset."),
    data_dir: Optional[Path] = DATA_DIR,
) -> None:
    """Make a token and print it once (stdout, alone on its line); only its hash is kept."""
    lifetime = None if expires_in is None else seconds(expires_in)
    if data_dir is None:
        token = admin_pb2.Token(display_name=name, role=role, email=email, clusters=_csv(clusters),
                                namespaces=_csv(namespaces))
        if lifetime is not None:
            token.ttl.FromSeconds(int(lifetime))
        rpc = remote(ctx)
        made = rpc.call(rpc.admin.CreateToken, admin_pb2.CreateTokenRequest(token=token))
        t = made.token
        _created(made.secret, t.name.removeprefix("tokens/"), t.display_name, t.role, list(t.clusters),
                 list(t.namespaces))
        return
    from server.errors import KubecommitError
    from server.security.tokens import TokenStore

    store = TokenStore(_existing(data_dir))
    try:
        secret, record = store.create(name, role, email, _csv(clusters), _csv(namespaces), lifetime)
    except KubecommitError as error:
        raise _fail(str(error))
    finally:
        store.close()
    _created(secret, record.id, record.name, record.role, record.clusters, record.namespaces)


def _token_table(rows: list[tuple[str, str, str, list[str], list[str], float | None, float | None, str]]) -> None:
    table = Table("id", "name", "role", "clusters", "namespaces", "created (UTC)", "expires (UTC)", "state")
    for token_id, name, role, clusters, namespaces, created, expires, state in rows:
        table.add_row(token_id, name, role, ",".join(clusters) or "all", ",".join(namespaces) or "all",
                      _when(created), _when(expires), state)
    _print(table)


def _remote_tokens(ctx: typer.Context, filter_: str = "") -> list[admin_pb2.Token]:
    rpc = remote(ctx)
    tokens: list[admin_pb2.Token] = []
    page = ""
    while True:
        answer = rpc.call(rpc.admin.ListTokens, admin_pb2.ListTokensRequest(filter=filter_, page_token=page))
        tokens.extend(answer.tokens)
        page = answer.next_page_token
        if not page:
            return tokens


@token_app.command("list")
def token_list(ctx: typer.Context, data_dir: Optional[Path] = DATA_DIR) -> None:
    """Every token ever made (never the secrets)."""
    if data_dir is None:
        _token_table([(t.name.removeprefix("tokens/"), t.display_name, t.role, list(t.clusters), list(t.namespaces),
                       _stamp(t.create_time), _stamp(t.expire_time),
                       admin_pb2.Token.State.Name(t.state).removeprefix("STATE_").lower())
                      for t in _remote_tokens(ctx)])
        return
    from server.security.tokens import TokenStore

    store = TokenStore(_existing(data_dir))
    try:
        records = store.list()
    finally:
        store.close()
    now = time.time()
    _token_table([(r.id, r.name, r.role, r.clusters, r.namespaces, r.created_at, r.expires_at,
                   "revoked" if r.revoked_at else "expired" if not r.active(now) else "active") for r in records])


@token_app.command("revoke")
def token_revoke(ctx: typer.Context,
                 id_or_name: str = typer.Argument(..., help="A token id, or a name to revoke all its tokens."),
                 data_dir: Optional[Path] = DATA_DIR) -> None:
    """Revoke tokens; the server refuses them from its next call on."""
    if data_dir is None:
        if re.fullmatch(r"[0-9a-f]{16}", id_or_name):
            names = [f"tokens/{id_or_name}"]
        else:
            names = [t.name for t in _remote_tokens(
                ctx, f"display_name = {json.dumps(id_or_name)} AND state = \"STATE_ACTIVE\"")]
            if not names:
                raise _fail(f"no active token named {id_or_name!r}")
        rpc = remote(ctx)
        for name in names:
            t = rpc.call(rpc.admin.DeleteToken, admin_pb2.DeleteTokenRequest(name=name))
            typer.echo(f"revoked {t.name.removeprefix('tokens/')} ({t.display_name}, {t.role})")
        return
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


def _audit_filter(caller: Optional[str], since: Optional[float], until: Optional[float], rpc: Optional[str],
                  result: Optional[str]) -> str:
    """The options as the server's AIP-160 filter (docs/security.md)."""
    terms = [f"{field} = {json.dumps(value)}" for field, value in
             (("caller", caller), ("rpc", rpc), ("code", result)) if value]
    terms += [f"time {op} {json.dumps(datetime.fromtimestamp(at, timezone.utc).isoformat())}"
              for op, at in ((">=", since), ("<", until)) if at is not None]
    return " AND ".join(terms)


def _audit_table(rows: list[tuple[float, str, str, str, str, list[str], str, str, float]]) -> None:
    table = Table("time (UTC)", "caller", "role", "peer", "rpc", "targets", "result", "request id", "ms")
    for at, caller, role, peer, rpc, targets, code, request_id, ms in rows:
        table.add_row(_when(at), caller, role, peer, rpc.removeprefix("/kubecommit.v1."), "\n".join(targets), code,
                      request_id, f"{ms:.1f}")
    _print(table)


def audit(
    ctx: typer.Context,
    caller: Optional[str] = typer.Option(None, help="Only this caller."),
    since: Optional[str] = typer.Option(None, help="From this time (ISO 8601, UTC) or this long ago (2h)."),
    until: Optional[str] = typer.Option(None, help="Before this time, same forms."),
    rpc: Optional[str] = typer.Option(None, help="RPCs whose name contains this (ApplyManifest)."),
    result: Optional[str] = typer.Option(None, help="Only this status code (OK, PERMISSION_DENIED...)."),
    limit: int = typer.Option(100, min=1, help="The newest N matching events (at most 1000 through the API)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    data_dir: Optional[Path] = DATA_DIR,
) -> None:
    """Show the audit log: mutations, exec sessions, refused calls."""
    start, end = since and moment(since), until and moment(until)
    if data_dir is None:
        server = remote(ctx)
        entries = server.call(server.admin.ListAuditEntries, admin_pb2.ListAuditEntriesRequest(
            page_size=limit, filter=_audit_filter(caller, start, end, rpc, result))).audit_entries
        if as_json:
            for entry in entries:
                typer.echo(json.dumps(MessageToDict(entry)))
            return
        _audit_table([(_stamp(e.time) or 0.0, e.caller, e.role, e.peer, e.rpc, list(e.targets), e.code, e.request_id,
                       e.duration.ToTimedelta().total_seconds() * 1000) for e in entries])
        return
    from server.security.audit import AuditLog

    log = AuditLog(_existing(data_dir))
    try:
        events = log.query(caller=caller, since=start, until=end, rpc=rpc, result=result, limit=limit)
    finally:
        log.close()
    if as_json:
        for e in events:
            typer.echo(json.dumps(dataclasses.asdict(e)))
        return
    _audit_table([(e.time, e.caller, e.role, e.peer, e.rpc, e.targets, e.code, e.request_id, e.duration_ms)
                  for e in events])

"""The audit trail: who did what to which resources, and how it ended.

Every mutating RPC, every exec session, log export and tool call, and every call refused for
authentication, authorization or abuse limits, is one row in SQLite in the data directory (or in
PostgreSQL, shared by every replica, when `database_url` is set):
time, caller, role, RPC, the client's address, target resource names and the clusters and
namespaces they lie in, result code, request id, duration. Never request bodies, secret values
or tokens: the rows are built from the call context, which holds names only.

Append-only from the server's point of view: it only inserts, and a trigger refuses updates.
Retention keeps the table bounded: rows beyond `max_rows` or older than `max_age` are dropped,
oldest first, at start and every few hundred inserts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import grpc

from server.context import CallContext
from server.security.permissions import RULES
from server.security.scope import where
from server.state import Database, Schema

log = logging.getLogger("kubecommit.audit")

# Refusals worth a row whatever the RPC: someone knocked on a door that stayed shut.
REFUSALS = frozenset({grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED,
                      grpc.StatusCode.RESOURCE_EXHAUSTED})
MAX_TARGETS = 100
_ROTATE_EVERY = 500

_TABLE = """
CREATE TABLE IF NOT EXISTS events (
    seq {serial},
    time {real} NOT NULL,
    caller TEXT NOT NULL,
    role TEXT NOT NULL,
    rpc TEXT NOT NULL,
    targets TEXT NOT NULL,
    code TEXT NOT NULL,
    request_id TEXT NOT NULL,
    duration_ms {real} NOT NULL,
    peer TEXT NOT NULL DEFAULT '',
    clusters TEXT NOT NULL DEFAULT '[]',
    namespaces TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS events_time ON events(time);
CREATE INDEX IF NOT EXISTS events_request ON events(request_id);
CREATE INDEX IF NOT EXISTS events_caller ON events(caller, time);
"""
# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = [
    {"sqlite": _TABLE + """
CREATE TRIGGER IF NOT EXISTS events_append_only BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
""",
     "postgresql": _TABLE + """
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
"""},
]

# Columns added before migrations were versioned: an older audit.db gains them on open.
_ADDED_COLUMNS = {"peer": "TEXT NOT NULL DEFAULT ''", "clusters": "TEXT NOT NULL DEFAULT '[]'",
                  "namespaces": "TEXT NOT NULL DEFAULT '[]'"}
_FIELDS = "seq, time, caller, role, rpc, targets, code, request_id, duration_ms, peer, clusters, namespaces"


@dataclass(frozen=True)
class AuditEvent:
    time: float
    caller: str
    role: str
    rpc: str
    targets: tuple[str, ...]
    code: str
    request_id: str
    duration_ms: float
    # The client's address as gRPC reports it (`ipv4:127.0.0.1:50312`).
    peer: str = ""
    # Where the targets lie: cluster ids and namespaces (`-`: all of them).
    clusters: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    # The row's sequence number once stored (`auditEntries/{seq}`).
    seq: int = 0


# A filter term as SQL: `column op ?`, or membership in a JSON array column.
Condition = tuple[str, object]


def audited(method: str, code: grpc.StatusCode) -> bool:
    rule = RULES.get(method)
    if rule is None:  # health and reflection: public, never audited
        return False
    return rule.audited or code in REFUSALS


SCHEMA = Schema("audit", "audit.db", MIGRATIONS, ("events",))


class AuditLog:
    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, max_rows: int | None = None,
                 max_age_seconds: float | None = None, database_url: str = "") -> None:
        """Without limits (the `kubecommit audit` reader) nothing is ever dropped."""
        self._db = Database.open(database_url, data_dir / self.FILE)
        if self._db.dialect.name == "sqlite":
            self._adopt_unversioned()
        self._db.adopt(SCHEMA)
        self._lock = threading.Lock()
        self.max_rows = max_rows
        self.max_age_seconds = max_age_seconds
        self._inserts = 0
        self.rotate()

    def close(self) -> None:
        self._db.close()

    def _adopt_unversioned(self) -> None:
        """An audit.db from before versioned migrations gets the columns added since; migration
        1 then finds its table in place."""
        present = {row[1] for row in self._db.execute("PRAGMA table_info(events)").fetchall()}
        for column, kind in _ADDED_COLUMNS.items():
            if present and column not in present:
                self._db.execute(f"ALTER TABLE events ADD COLUMN {column} {kind}")

    def members(self, column: str) -> str:
        """A table expression of one column `value`: the members of JSON array `column`
        (targets, clusters, namespaces), for filter conditions."""
        return self._db.dialect.json_members(column)

    def observe(self, call: CallContext, code: grpc.StatusCode, seconds: float) -> None:
        """The RequestInterceptor's completion observer: records the calls the policy names."""
        if not audited(call.method, code):
            return
        names = tuple(dict.fromkeys(call.targets))[:MAX_TARGETS]
        places = [*call.places, *((t.cluster, t.namespace) for n in names for t in where(n))]
        self.record(AuditEvent(
            time=time.time() - seconds, caller=call.caller.name, role=call.caller.role,
            rpc=call.method, targets=names, code=code.name, request_id=call.request_id,
            duration_ms=round(seconds * 1000, 3), peer=call.peer,
            clusters=tuple(sorted({c for c, _ in places if c})),
            namespaces=tuple(sorted({ns for _, ns in places if ns})),
        ))

    def record(self, event: AuditEvent) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO events (time, caller, role, rpc, targets, code, request_id, duration_ms,"
                " peer, clusters, namespaces) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.time, event.caller, event.role, event.rpc, json.dumps(event.targets),
                 event.code, event.request_id, event.duration_ms, event.peer,
                 json.dumps(event.clusters), json.dumps(event.namespaces)),
            )
            self._inserts += 1
        if self._inserts % _ROTATE_EVERY == 0:
            self.rotate()

    def rotate(self) -> int:
        """Drop rows past the retention limits; returns how many went."""
        clauses, values = [], []
        if self.max_age_seconds is not None:
            clauses.append("time < ?")
            values.append(time.time() - self.max_age_seconds)
        if self.max_rows is not None:
            clauses.append("seq <= (SELECT MAX(seq) FROM events) - ?")
            values.append(self.max_rows)
        if not clauses:
            return 0
        cursor = self._db.execute(f"DELETE FROM events WHERE {' OR '.join(clauses)}", values)
        if cursor.rowcount:
            log.info("audit rows past retention dropped", extra={"rows": cursor.rowcount})
        return cursor.rowcount

    def query(
        self,
        caller: str | None = None,
        since: float | None = None,
        until: float | None = None,
        rpc: str | None = None,
        result: str | None = None,
        limit: int = 100,
    ) -> list[AuditEvent]:
        """The newest `limit` events matching every given filter, oldest first. `rpc` matches a
        part of the method name (`ApplyManifest`), `result` a status code name (`OK`)."""
        conditions: list[Condition] = [
            (clause, value) for clause, value in (
                ("caller = ?", caller), ("time >= ?", since), ("time < ?", until),
                ("rpc LIKE ?", rpc and f"%{rpc}%"), ("code = ?", result and result.upper()))
            if value is not None]
        return list(reversed(self.select(conditions, limit)))

    def select(self, conditions: list[Condition], limit: int, before: int | None = None) -> list[AuditEvent]:
        """The newest `limit` events (newest first) below sequence number `before` meeting
        every `(sql clause with one ?, value)` condition."""
        if before is not None:
            conditions = [*conditions, ("seq < ?", before)]
        where_sql = f"WHERE {' AND '.join(c for c, _ in conditions)}" if conditions else ""
        rows = self._db.execute(f"SELECT {_FIELDS} FROM events {where_sql} ORDER BY seq DESC LIMIT ?",
                                (*(v for _, v in conditions), limit)).fetchall()
        return [AuditEvent(t, c, role, r, tuple(json.loads(tg)), code, rid, d, peer,
                           tuple(json.loads(cl)), tuple(json.loads(ns)), seq)
                for seq, t, c, role, r, tg, code, rid, d, peer, cl, ns in rows]

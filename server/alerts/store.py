"""Alerts in `<data_dir>/alerts.db` (0600).

An alert is one condition (rule + subject) while it lasts: observing a firing condition again
only moves `last_seen` (it does not fire twice); observing it clear resolves it. A silenced alert
is still tracked but not delivered until the silence ends. Every change is handed to the
listeners (notification channels, WatchAlerts streams).
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

from server.errors import FailedPrecondition, InvalidArgument, NotFound
from server.state import Database, Schema

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    first_seen {real} NOT NULL,
    last_seen {real} NOT NULL,
    resolved {real},
    silenced_until {real},
    acknowledged_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS alerts_open ON alerts (rule, subject) WHERE state != 'resolved';
CREATE INDEX IF NOT EXISTS alerts_time ON alerts (last_seen);
"""]
_COLUMNS = "id, rule, subject, severity, state, message, first_seen, last_seen, resolved, silenced_until, " \
           "acknowledged_by"


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    CRITICAL = 3


class State(enum.StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, timezone.utc) if value is not None else None


@dataclass(frozen=True)
class Alert:
    id: str
    rule: str
    subject: str  # a resource name: clusters/demo/namespaces/web/resourcequotas/compute
    severity: Severity
    state: State
    message: str
    first_seen: datetime
    last_seen: datetime
    resolved: datetime | None = None
    silenced_until: datetime | None = None
    acknowledged_by: str = ""

    def silenced(self, now: datetime) -> bool:
        return self.silenced_until is not None and self.silenced_until > now


# A change: "firing" (new or more severe), "resolved", "acknowledged" or "silenced".
Listener = Callable[[Alert, str], Awaitable[None]]


def _alert(row: tuple) -> Alert:
    return Alert(row[0], row[1], row[2], Severity[row[3]],
                 State(row[4]), row[5], _time(row[6]), _time(row[7]), _time(row[8]), _time(row[9]), row[10])


SCHEMA = Schema("alerts", "alerts.db", MIGRATIONS, ("alerts",))


class Alerts:
    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        self._db.adopt(SCHEMA)
        self.listeners: list[Listener] = []

    def close(self) -> None:
        self._db.close()

    def _observe(self, rule: str, subject: str, severity: Severity | None, message: str,
                 now: datetime) -> tuple[Alert | None, str]:
        # One transaction (and, on PostgreSQL, one lock) per rule and subject: one open alert each.
        with self._db.transaction(lock=f"kubecommit alert {rule} {subject}") as tx:
            row = tx.execute(f"SELECT {_COLUMNS} FROM alerts WHERE rule = ? AND subject = ? AND state != 'resolved'",
                             (rule, subject)).fetchone()
            current = _alert(row) if row else None
            if severity is None:  # the condition is clear
                if current is None:
                    return None, ""
                tx.execute("UPDATE alerts SET state = 'resolved', resolved = ? WHERE id = ?",
                           (now.timestamp(), current.id))
                return replace(current, state=State.RESOLVED, resolved=now), "resolved"
            if current is None:
                alert = Alert(uuid.uuid4().hex[:16], rule, subject, severity, State.FIRING, message, now, now)
                tx.execute(f"INSERT INTO alerts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, '')",
                           (alert.id, rule, subject, severity.name, alert.state.value, message,
                            now.timestamp(), now.timestamp()))
                return alert, "firing"
            escalated = severity > current.severity
            tx.execute("UPDATE alerts SET last_seen = ?, message = ?, severity = ? WHERE id = ?",
                       (now.timestamp(), message, max(severity, current.severity).name, current.id))
            updated = replace(current, last_seen=now, message=message, severity=max(severity, current.severity))
            return updated, ("firing" if escalated else "")

    async def observe(self, rule: str, subject: str, severity: Severity | None, message: str = "") -> Alert | None:
        """Records what a rule sees for a subject now (severity None = the condition is clear)."""
        alert, change = await asyncio.to_thread(self._observe, rule, subject, severity, message,
                                                datetime.now(timezone.utc))
        if change and alert is not None:
            await self._tell(alert, change)
        return alert

    async def resolve_missing(self, rule: str, seen: set[str], unknown: tuple[str, ...] = ()) -> None:
        """Resolves open alerts of `rule` whose subject an evaluation of everything did not see
        (a deleted quota, pod or cluster), except under the `unknown` prefixes (clusters that
        could not be read: their conditions are not known to be clear)."""
        for alert in await self.list(rule=rule, open_only=True):
            if alert.subject not in seen and not any(alert.subject.startswith(p) for p in unknown):
                await self.observe(rule, alert.subject, None)

    async def watch(self) -> AsyncIterator[tuple[Alert, str]]:
        """The open alerts (change `open`), then every change as it happens. A watcher that
        falls 1000 changes behind loses the oldest ones rather than slowing the jobs down."""
        queue: asyncio.Queue[tuple[Alert, str]] = asyncio.Queue(maxsize=1000)

        async def listener(alert: Alert, change: str) -> None:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait((alert, change))
        self.listeners.append(listener)  # before the listing, so no change falls between
        try:
            for alert in reversed(await self.list(open_only=True)):
                yield alert, "open"
            while True:
                yield await queue.get()
        finally:
            self.listeners.remove(listener)

    async def _tell(self, alert: Alert, change: str) -> None:
        for listener in list(self.listeners):
            await listener(alert, change)

    def _prune(self, before: datetime) -> int:
        return self._db.execute("DELETE FROM alerts WHERE state = 'resolved' AND resolved < ?",
                                (before.timestamp(),)).rowcount

    async def prune(self, before: datetime) -> int:
        """Drops alerts resolved before `before` (the history bound); returns how many."""
        return await asyncio.to_thread(self._prune, before)

    def _list(self, rule: str, open_only: bool) -> list[Alert]:
        query = f"SELECT {_COLUMNS} FROM alerts"
        where, args = [], []
        if rule:
            where.append("rule = ?")
            args.append(rule)
        if open_only:
            where.append("state != 'resolved'")
        if where:
            query += " WHERE " + " AND ".join(where)
        return [_alert(r) for r in self._db.execute(query + " ORDER BY last_seen DESC, id", args).fetchall()]

    async def list(self, rule: str = "", open_only: bool = False) -> list[Alert]:
        return await asyncio.to_thread(self._list, rule, open_only)

    def _get(self, alert_id: str) -> Alert:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)).fetchone()
        if row is None:
            raise NotFound(f"alerts/{alert_id} does not exist", "ALERT_NOT_FOUND", metadata={"alert": alert_id})
        return _alert(row)

    async def get(self, alert_id: str) -> Alert:
        return await asyncio.to_thread(self._get, alert_id)

    def _set(self, alert_id: str, sql: str, args: tuple) -> Alert:
        alert = self._get(alert_id)
        if alert.state is State.RESOLVED:
            raise FailedPrecondition(f"alerts/{alert_id} is resolved", "ALERT_RESOLVED",
                                     metadata={"alert": alert_id})
        self._db.execute(f"UPDATE alerts SET {sql} WHERE id = ?", (*args, alert_id))
        return self._get(alert_id)

    async def acknowledge(self, alert_id: str, by: str) -> Alert:
        alert = await asyncio.to_thread(self._set, alert_id, "state = 'acknowledged', acknowledged_by = ?", (by,))
        await self._tell(alert, "acknowledged")
        return alert

    async def silence(self, alert_id: str, until: datetime) -> Alert:
        alert = await asyncio.to_thread(self._set, alert_id, "silenced_until = ?", (until.timestamp(),))
        await self._tell(alert, "silenced")
        return alert

    async def resolve(self, alert_id: str) -> Alert:
        alert = await asyncio.to_thread(self._set, alert_id, "state = 'resolved', resolved = ?",
                                        (datetime.now(timezone.utc).timestamp(),))
        await self._tell(alert, "resolved")
        return alert


FILTER_KEYS = ("state", "severity", "rule", "subject")


def parse_filter(text: str, keys: tuple[str, ...]) -> dict[str, str]:
    """`key=value` terms separated by spaces (or AND), all of which must hold (a subset of AIP-160)."""
    terms: dict[str, str] = {}
    for term in text.replace(" AND ", " ").split():
        key, sep, value = term.partition("=")
        if not sep or key not in keys or not value:
            raise InvalidArgument.field("filter", f"{term!r}: use key=value terms with keys {', '.join(keys)}")
        terms[key] = value.strip('"')
    return terms


def glob(value: str, pattern: str) -> bool:
    return value.startswith(pattern[:-1]) if pattern.endswith("*") else value == pattern


def matches(alert: Alert, terms: dict[str, str]) -> bool:
    state = terms.get("state", "").lower()
    if state and not (alert.state.value == state or (state == "open" and alert.state is not State.RESOLVED)):
        return False
    if "severity" in terms and alert.severity.name != terms["severity"].upper():
        return False
    return all(glob(getattr(alert, key), terms[key].removeprefix("alertRules/"))
               for key in ("rule", "subject") if key in terms)


def subject_scope(subject: str) -> tuple[str, str] | None:
    """(cluster, namespace) an alert subject belongs to; None for store-wide subjects (backups)."""
    parts = subject.split("/")
    if len(parts) < 2 or parts[0] != "clusters":
        return None
    return parts[1], parts[3] if len(parts) > 3 and parts[2] == "namespaces" else ""

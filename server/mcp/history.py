"""Kept scans in the state database (server/state: `<data_dir>/scans.db`, 0600, or the
PostgreSQL database the replicas share when `database_url` is set, so every replica lists and
compares every scan): each scan's request, state and report, and its findings, so later scans can
say what opened, what was fixed and what stayed open since when.

Findings are stored as JSON rows keyed by their stable id; a scan's report is compared with the
previous finished scan of the same cluster, namespaces and categories.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from server.mcp.scanners import Category, Finding, Severity
from server.state import Database, Executor, Schema

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS scans (
    id TEXT PRIMARY KEY,
    cluster TEXT NOT NULL,
    scope TEXT NOT NULL,
    namespaces TEXT NOT NULL,
    categories TEXT NOT NULL,
    state TEXT NOT NULL,
    created {real} NOT NULL,
    completed {real},
    created_by TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{{}}'
);
CREATE INDEX IF NOT EXISTS scans_by_cluster ON scans (cluster, created);
CREATE TABLE IF NOT EXISTS findings (
    scan TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    first_seen {real} NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (scan, id)
);
"""]

_COLUMNS = "id, cluster, scope, namespaces, categories, state, created, completed, created_by, error, summary"

RUNNING, SUCCEEDED, FAILED, CANCELLED = "running", "succeeded", "failed", "cancelled"


def _time(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, timezone.utc) if value is not None else None


@dataclass
class Seen:
    """A finding as a scan kept it: when it was first seen and its state against the scan before."""

    finding: Finding
    first_seen: datetime
    state: str = "opened"  # opened | still_open | fixed


@dataclass
class Summary:
    """What a finished scan reports besides its findings."""

    scores: dict[str, int] = field(default_factory=dict)
    resources_scanned: int = 0
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)
    previous: str = ""
    fixed: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ScanRecord:
    id: str
    cluster: str
    namespaces: list[str]
    categories: list[str]
    state: str
    created: datetime
    created_by: str
    completed: datetime | None = None
    error: str = ""
    summary: Summary = field(default_factory=Summary)
    findings: list[Seen] = field(default_factory=list)

    @property
    def fixed(self) -> list[Seen]:
        return [_seen(row) for row in self.summary.fixed]


def _body(finding: Finding) -> str:
    data = asdict(finding)
    data["category"], data["severity"] = finding.category.value, finding.severity.name
    return json.dumps(data, sort_keys=True)


def _finding(body: str) -> Finding:
    data = json.loads(body)
    data["category"], data["severity"] = Category(data["category"]), Severity[data["severity"]]
    return Finding(**data)


def _seen(row: dict[str, Any]) -> Seen:
    return Seen(_finding(row["body"]), _time(row["first_seen"]) or datetime.now(timezone.utc), row["state"])


SCHEMA = Schema("scans", "scans.db", MIGRATIONS, ("scans", "findings"))


class ScanHistory:
    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        self._db.adopt(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def start(self, scan_id: str, cluster: str, namespaces: list[str], categories: list[str], created_by: str,
              when: float) -> None:
        scope = json.dumps([sorted(namespaces), sorted(categories)])
        self._db.execute(
            "INSERT INTO scans (id, cluster, scope, namespaces, categories, state, created, created_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (scan_id, cluster, scope, json.dumps(namespaces), json.dumps(categories), RUNNING, when, created_by))

    def fail(self, scan_id: str, error: str, when: float, state: str = FAILED) -> None:
        self._db.execute("UPDATE scans SET state = ?, error = ?, completed = ? WHERE id = ?",
                         (state, error, when, scan_id))

    def finish(self, scan_id: str, findings: list[Finding], summary: Summary, when: float) -> None:
        """Keeps the findings, dated by the previous scan of the same scope, and what it fixed."""
        with self._db.transaction() as tx:
            cluster, scope = tx.execute("SELECT cluster, scope FROM scans WHERE id = ?", (scan_id,)).fetchone()
            previous = tx.execute(
                "SELECT id FROM scans WHERE cluster = ? AND scope = ? AND state = ? AND id != ?"
                " ORDER BY completed DESC LIMIT 1", (cluster, scope, SUCCEEDED, scan_id)).fetchone()
            before = {} if previous is None else {
                fid: (first, body) for fid, first, body in tx.execute(
                    "SELECT id, first_seen, body FROM findings WHERE scan = ?", (previous[0],)).fetchall()}
            now = {f.key for f in findings}
            summary.previous = previous[0] if previous else ""
            summary.fixed = [{"body": body, "first_seen": first, "state": "fixed"}
                             for fid, (first, body) in sorted(before.items()) if fid not in now]
            tx.executemany("INSERT INTO findings (scan, id, first_seen, body) VALUES (?, ?, ?, ?)",
                           [(scan_id, f.key, before.get(f.key, (when,))[0], _body(f)) for f in findings])
            tx.execute("UPDATE scans SET state = ?, completed = ?, summary = ? WHERE id = ?",
                             (SUCCEEDED, when, json.dumps(asdict(summary)), scan_id))

    def get(self, scan_id: str, with_findings: bool = True) -> ScanRecord | None:
        with self._db.transaction() as tx:  # the scan and its findings as of one moment
            row = tx.execute(f"SELECT {_COLUMNS} FROM scans WHERE id = ?", (scan_id,)).fetchone()
            if row is None:
                return None
            record = self._record(row)
            if with_findings:
                self._load(tx, record)
            return record

    def _load(self, tx: Executor, record: ScanRecord) -> None:
        previous = tx.execute("SELECT id FROM findings WHERE scan = ?", (record.summary.previous,)).fetchall()
        known = {r[0] for r in previous}
        record.findings = [Seen(_finding(body), _time(first) or record.created,
                                "still_open" if fid in known else "opened")
                           for fid, first, body in tx.execute(
                               "SELECT id, first_seen, body FROM findings WHERE scan = ?", (record.id,)).fetchall()]
        record.findings.sort(key=lambda s: (-s.finding.severity, s.finding.category, s.finding.resource,
                                            s.finding.rule))

    def _record(self, row: tuple[Any, ...]) -> ScanRecord:
        (scan_id, cluster, _, namespaces, categories, state, created, completed, created_by, error, summary) = row
        return ScanRecord(scan_id, cluster, json.loads(namespaces), json.loads(categories), state,
                          _time(created) or datetime.now(timezone.utc), created_by, _time(completed), error,
                          Summary(**json.loads(summary)))

    def list(self, clusters: set[str] | None = None) -> list[ScanRecord]:
        """Every scan, newest first; only those of `clusters` when given."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM scans ORDER BY created DESC, id DESC").fetchall()
        return [self._record(r) for r in rows if clusters is None or r[1] in clusters]

    def previous(self, record: ScanRecord) -> ScanRecord | None:
        """The finished scan of the same cluster before `record`."""
        row = self._db.execute(
            "SELECT id FROM scans WHERE cluster = ? AND state = ? AND created < ? ORDER BY created DESC LIMIT 1",
            (record.cluster, SUCCEEDED, record.created.timestamp())).fetchone()
        return self.get(row[0]) if row else None

"""Pure pieces of the admin work: the shared AIP-160 term parser, and an audit.db made before
the peer/clusters/namespaces columns existed gaining them on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from server.errors import InvalidArgument
from server.filtering import Term, parse_terms
from server.security.audit import AuditLog

OPS = {"caller": ("=", "!="), "time": (">=", "<"), "tags.": ("=",)}


def test_terms_with_quotes_operators_and_prefixes() -> None:
    assert parse_terms('caller = "a b" AND time >= 2026-01-01T00:00:00Z AND tags.env=prod', OPS) == [
        Term("caller", "=", "a b"), Term("time", ">=", "2026-01-01T00:00:00Z"), Term("tags.env", "=", "prod")]
    assert parse_terms("  ", OPS) == []


@pytest.mark.parametrize("text, says", [
    ("caller", "cannot parse"), ("nobody = x", "unknown filter field"), ("tags. = x", "unknown filter field"),
    ("caller > x", "caller takes = !="), ("time = x", "time takes >= <"), ("caller = a OR caller = b", "cannot parse"),
])
def test_bad_terms_name_the_filter(text: str, says: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_terms(text, OPS)
    assert error.value.violations[0].field == "filter" and says in error.value.message


def test_an_old_audit_db_gains_the_new_columns(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / AuditLog.FILE)
    old.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time REAL NOT NULL, caller TEXT NOT NULL,"
                " role TEXT NOT NULL, rpc TEXT NOT NULL, targets TEXT NOT NULL, code TEXT NOT NULL,"
                " request_id TEXT NOT NULL, duration_ms REAL NOT NULL)")
    old.execute("INSERT INTO events (time, caller, role, rpc, targets, code, request_id, duration_ms)"
                " VALUES (1, 'old', 'admin', 'x', '[]', 'OK', 'r1', 1)")
    old.commit()
    old.close()
    log = AuditLog(tmp_path)
    try:
        (event,) = log.query()
    finally:
        log.close()
    assert (event.caller, event.peer, event.clusters, event.namespaces, event.seq) == ("old", "", (), (), 1)

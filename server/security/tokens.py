"""Bearer tokens, stored hashed in the data directory.

A token reads `kc_<id>_<secret>`: the id finds the record, the 256-bit secret proves possession.
Only SHA-256 of the secret is kept (a high-entropy secret needs no slow hash), compared in
constant time; an unknown id costs the same comparison as a wrong secret, and both fail the same
way, so a caller cannot learn which part was wrong.

The server and the `kubecommit token` command open the same database (the SQLite file, or
PostgreSQL shared by every replica when `database_url` is set); a revocation takes effect on the
next call, without a restart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from server.errors import InvalidArgument, NotFound
from server.security.files import write_private
from server.security.roles import ROLES
from server.security.scope import scope_list
from server.state import Database, Schema

PREFIX = "kc"
_TOKEN = re.compile(r"^kc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_EMAIL = re.compile(r"^[^\s<>@]+@[^\s<>@]+$")
# Compared against when the id is unknown, so that path costs what a wrong secret costs.
_DUMMY_DIGEST = hashlib.sha256(b"kubecommit: no such token").hexdigest()

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    clusters TEXT NOT NULL,
    namespaces TEXT NOT NULL,
    created_at {real} NOT NULL,
    expires_at {real},
    revoked_at {real}
);
CREATE INDEX IF NOT EXISTS tokens_name ON tokens(name);
"""]


@dataclass(frozen=True)
class TokenRecord:
    id: str
    name: str
    email: str
    role: str
    clusters: tuple[str, ...]
    namespaces: tuple[str, ...]
    created_at: float
    expires_at: float | None = None
    revoked_at: float | None = None

    def active(self, now: float) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


SCHEMA = Schema("tokens", "tokens.db", MIGRATIONS, ("tokens",))


class TokenStore:
    FILE = SCHEMA.file

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self._db = Database.open(database_url, data_dir / self.FILE)
        self._db.adopt(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def create(
        self,
        name: str,
        role: str,
        email: str = "",
        clusters: tuple[str, ...] | list[str] = (),
        namespaces: tuple[str, ...] | list[str] = (),
        expires_in: float | None = None,
    ) -> tuple[str, TokenRecord]:
        """A new token; the secret is returned once and never stored."""
        if not _NAME.match(name or ""):
            raise InvalidArgument.field("name", f"{name!r}: letters, digits, '.', '_', '@', '-'; at most 64")
        if role not in ROLES:
            raise InvalidArgument.field("role", f"{role!r} is not one of {', '.join(ROLES)}")
        email = email or f"{name}@kubecommit.local"
        if not _EMAIL.match(email):
            raise InvalidArgument.field("email", f"{email!r} is not an email address")
        if expires_in is not None and expires_in <= 0:
            raise InvalidArgument.field("expires_in", "must be positive")
        now = time.time()
        record = TokenRecord(
            id=secrets.token_hex(8), name=name, email=email, role=role,
            clusters=scope_list(clusters, "clusters"), namespaces=scope_list(namespaces, "namespaces"),
            created_at=now, expires_at=None if expires_in is None else now + expires_in,
        )
        secret = secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO tokens (id, digest, name, email, role, clusters, namespaces, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.id, _digest(secret), name, email, role, json.dumps(record.clusters),
             json.dumps(record.namespaces), now, record.expires_at),
        )
        return f"{PREFIX}_{record.id}_{secret}", record

    def verify(self, token: str) -> TokenRecord | None:
        """The active record the token proves, or None: unknown id, wrong secret, revoked and
        expired all look the same to the caller."""
        match = _TOKEN.match(token)
        if match is None:
            return None
        token_id, secret = match.groups()
        row = self._db.execute(f"SELECT digest, {_COLUMNS} FROM tokens WHERE id = ?", (token_id,)).fetchone()
        stored = row[0] if row else _DUMMY_DIGEST
        if not hmac.compare_digest(stored, _digest(secret)) or row is None:
            return None
        record = _record(row[1:])
        return record if record.active(time.time()) else None

    def list(self) -> list[TokenRecord]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM tokens ORDER BY created_at").fetchall()
        return [_record(row) for row in rows]

    def revoke(self, id_or_name: str, by_name: bool = True) -> list[TokenRecord]:
        """Revoke one token by id, or (`by_name`) every active token of a name; NotFound when
        none matched."""
        now = time.time()
        with self._db.transaction() as tx:
            rows = tx.execute(
                f"SELECT {_COLUMNS} FROM tokens WHERE (id = ? OR name = ?) AND revoked_at IS NULL",
                (id_or_name, id_or_name if by_name else None),
            ).fetchall()
            tx.executemany("UPDATE tokens SET revoked_at = ? WHERE id = ?", [(now, row[0]) for row in rows])
        if not rows:
            raise NotFound(f"no active token with id{' or name' if by_name else ''} {id_or_name!r}",
                           "TOKEN_NOT_FOUND")
        return [dataclasses.replace(_record(row), revoked_at=now) for row in rows]

    def bootstrap_admin(self, path: Path) -> bool:
        """On first start (no token was ever made), make an admin token and write it to `path`,
        readable only by its owner. Never again: revoking it must stick."""
        if self._db.execute("SELECT 1 FROM tokens LIMIT 1").fetchone():
            return False
        token, _ = self.create("admin", "admin")
        write_private(path, token + "\n")
        return True


_COLUMNS = "id, name, email, role, clusters, namespaces, created_at, expires_at, revoked_at"


def _record(row: tuple) -> TokenRecord:
    id_, name, email, role, clusters, namespaces, created_at, expires_at, revoked_at = row
    return TokenRecord(id_, name, email, role, tuple(json.loads(clusters)), tuple(json.loads(namespaces)),
                       created_at, expires_at, revoked_at)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()

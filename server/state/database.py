"""One connection to the relational state of a component, SQLite or PostgreSQL.

Components write their SQL once, with `?` placeholders and the few portable forms both engines
speak (`INSERT ... ON CONFLICT`, `RETURNING`); the `Dialect` names what differs (column types
in migrations, JSON array membership), and PostgreSQL statements get `%s` placeholders here.

Schemas are versioned: a component passes its numbered list of migrations to `migrate`, which
applies the ones the `schema_migrations` table has not recorded, in one transaction, under a
lock (SQLite's write lock, a PostgreSQL advisory lock), so replicas starting together migrate
once; a schema newer than the code is refused (FAILED_PRECONDITION `SCHEMA_TOO_NEW`).

A connection is used by one thread at a time (a lock, as the components did before); the
PostgreSQL one runs in autocommit outside `transaction()` and reconnects when the server went
away. The database URL's password never appears in a log line or an error: `redact_url`.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from server.errors import FailedPrecondition, InvalidArgument, Unavailable
from server.security.files import open_private_db

# A migration: one SQL script for both engines, with `{serial}` (an autoincrementing integer
# primary key), `{real}` (a double) and `{blob}` (bytes) for the types that differ, or one script
# per dialect name.
Migration = str | Mapping[str, str]

_SCHEME = re.compile(r"^postgres(ql)?://")


@dataclass(frozen=True)
class Schema:
    """What one component keeps: its name in `schema_migrations`, its SQLite file in the data
    directory, its migrations and its tables (parents before the tables that refer to them). The
    one list of state tables: servers open components with it, `kubecommit state migrate` copies
    them with it (server/admin/state.py)."""

    component: str
    file: str
    migrations: Sequence[Migration]
    tables: tuple[str, ...]


@dataclass(frozen=True)
class Dialect:
    name: str
    serial: str
    real: str
    blob: str
    # A table expression of one column `value`: the members of a JSON array column.
    members: str

    def script(self, migration: Migration) -> str:
        script = migration if isinstance(migration, str) else migration[self.name]
        return script.format(serial=self.serial, real=self.real, blob=self.blob)

    def json_members(self, column: str) -> str:
        return self.members.format(column=column)


SQLITE = Dialect("sqlite", "INTEGER PRIMARY KEY AUTOINCREMENT", "REAL", "BLOB", "json_each({column})")
POSTGRESQL = Dialect("postgresql", "BIGSERIAL PRIMARY KEY", "DOUBLE PRECISION", "BYTEA",
                     "jsonb_array_elements_text({column}::jsonb) AS member(value)")


def redact_url(url: str) -> str:
    """`url` without its password, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Result:
    rows: list[tuple]
    rowcount: int

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows


class Executor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int: ...


class Database:
    """The state of one component: `Database.open(settings.database_url, data_dir / FILE)`."""

    def __init__(self, dialect: Dialect, connect: Any, where: str) -> None:
        self.dialect = dialect
        self._connect = connect
        self.where = where  # for messages: a file name or a redacted URL
        self._lock = threading.RLock()
        self._conn = connect()

    @classmethod
    def open(cls, url: str, sqlite_path: Path) -> Database:
        """PostgreSQL when `url` is a postgresql:// URL, else the SQLite file (0600)."""
        if not url:
            return cls(SQLITE, lambda: open_private_db(sqlite_path), str(sqlite_path))
        if not _SCHEME.match(url):
            raise InvalidArgument.field("database_url", f"{redact_url(url)!r} is not a postgresql:// URL")
        return cls(POSTGRESQL, lambda: _connect_postgres(url), redact_url(url))

    def __repr__(self) -> str:
        return f"Database({self.dialect.name}, {self.where})"

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        with self._lock, self._errors():
            return _execute(self._live(), self.dialect, sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        with self.transaction() as tx:
            return tx.executemany(sql, rows)

    @contextlib.contextmanager
    def transaction(self, lock: str = "") -> Iterator[Executor]:
        """Statements that commit together or not at all; SQLite takes its write lock at once,
        PostgreSQL also takes the advisory lock named `lock` when one is given."""
        with self._lock:
            conn = self._live()
            if self.dialect is SQLITE:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield _Transaction(conn, self.dialect)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                return
            with self._errors(), conn.transaction():
                if lock:
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
                yield _Transaction(conn, self.dialect)

    def batches(self, sql: str, size: int = 1000) -> Iterator[list[tuple]]:
        """The rows of a query in lists of at most `size`, never all at once (copying a table)."""
        with self._lock, self._errors():
            cursor = self._live().cursor()
            try:
                cursor.execute(sql)
                while rows := cursor.fetchmany(size):
                    yield rows
            finally:
                cursor.close()

    def columns(self, table: str) -> list[str]:
        """The column names of `table`, in order."""
        with self._lock, self._errors():
            cursor = self._live().cursor()
            try:
                cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
                return [d[0] for d in cursor.description]
            finally:
                cursor.close()

    def adopt(self, schema: Schema) -> int:
        """`migrate` for a component's Schema."""
        return self.migrate(schema.component, schema.migrations)

    def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Apply the migrations of `component` not applied yet; returns its schema version. A
        database migrated by a newer server is refused, not written with an older schema's idea
        of its tables (replicas upgrade one by one; roll forward, not back)."""
        with self.transaction(lock="kubecommit schema") as tx:
            tx.execute(f"CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL,"
                       f" version INTEGER NOT NULL, applied_at {self.dialect.real} NOT NULL,"
                       f" PRIMARY KEY (component, version))")
            row = tx.execute("SELECT MAX(version) FROM schema_migrations WHERE component = ?",
                             (component,)).fetchone()
            done = (row[0] if row else None) or 0
            if done > len(migrations):
                raise FailedPrecondition(
                    f"{component} schema in {self.where} is at version {done}; this server knows {len(migrations)}",
                    "SCHEMA_TOO_NEW", metadata={"component": component})
            for version, migration in enumerate(migrations[done:], done + 1):
                for statement in _statements(self.dialect, self.dialect.script(migration)):
                    tx.execute(statement)
                tx.execute("INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
                           (component, version, time.time()))
        return len(migrations)

    def _live(self) -> Any:
        """The connection, made again if the PostgreSQL server closed the last one."""
        if self.dialect is POSTGRESQL and self._conn.closed:
            self._conn = self._connect()
        return self._conn

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        if self.dialect is SQLITE:
            yield
            return
        try:
            yield
        except psycopg.OperationalError as error:
            # libpq's messages name host and port, never the password.
            raise Unavailable(f"database {self.where} unavailable: {error}", "DATABASE_UNAVAILABLE") from None


class _Transaction:
    def __init__(self, conn: Any, dialect: Dialect) -> None:
        self._conn = conn
        self._dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        return _execute(self._conn, self._dialect, sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        if not rows:
            return 0
        if self._dialect is SQLITE:
            return self._conn.executemany(sql, rows).rowcount
        with self._conn.cursor() as cursor:
            cursor.executemany(_postgres_sql(sql), rows)
            return cursor.rowcount


def _execute(conn: Any, dialect: Dialect, sql: str, params: Sequence[Any]) -> Result:
    if dialect is SQLITE:
        cursor = conn.execute(sql, params)
        return Result(cursor.fetchall(), cursor.rowcount)
    with conn.cursor() as cursor:
        cursor.execute(_postgres_sql(sql) if params else sql, params or None)
        return Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)


def _postgres_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _statements(dialect: Dialect, script: str) -> list[str]:
    """A script as single statements (SQLite runs one per call; a trigger's body holds `;`)."""
    if dialect is POSTGRESQL:
        return [script]
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s.strip(" ;\n")]


# Without these a connection whose server the network cut off (no FIN, no RST) waits forever,
# holding a worker thread and the component's lock: keepalive probes find an idle one gone in about
# a minute, `tcp_user_timeout` one whose query the server never acknowledged. The URL's own values win.
NETWORK_DEFAULTS = {"keepalives": "1", "keepalives_idle": "30", "keepalives_interval": "10",
                    "keepalives_count": "3", "tcp_user_timeout": "60000"}


def _connect_postgres(url: str) -> Any:
    try:
        given = conninfo_to_dict(url)
        defaults = {key: value for key, value in NETWORK_DEFAULTS.items() if key not in given}
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **defaults)
    except psycopg.Error as error:
        raise Unavailable(f"cannot connect to database {redact_url(url)}: {error}",
                          "DATABASE_UNAVAILABLE") from None

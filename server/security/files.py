"""Files in the data directory that only the server's user may read: tokens, audit, keys,
exec records, cluster state, the store itself.

`private_files()` is called once when the server starts: it sets the process umask so that
whatever writes into the data directory (dulwich objects, SQLite's WAL and journal files, backups,
caches) creates files 0600 and directories 0700, whoever wrote the code that created them.
`write_private` and `open_private_db` also fix the mode of a file that already existed."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


PRIVATE_UMASK = 0o077


def private_files(data_dir: Path) -> None:
    """From now on this process creates nothing group- or other-accessible; `data_dir` exists
    and is 0700. Process-wide on purpose: the server is the process."""
    os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(data_dir, 0o700)


def write_private(path: Path, content: str | bytes) -> None:
    """Replace `path` atomically with a file only its owner can read, whatever the umask and
    whatever was there before; flushed to disk before it takes the old one's place."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content.encode() if isinstance(content, str) else content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def open_private_db(path: Path) -> sqlite3.Connection:
    """A SQLite database only the owner can read, shared safely by the server and the CLI."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection

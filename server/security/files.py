"""Files in the data directory that only the server's user may read: tokens, audit, keys."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, whatever the umask and whatever was there before."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def open_private_db(path: Path) -> sqlite3.Connection:
    """A SQLite database only the owner can read, shared safely by the server and the CLI."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection

"""The writer lock: one writer at a time per store, across threads and processes.

A ``threading.Lock`` serialises the threads of one ``Store``; ``fcntl.flock`` on a lock file
serialises processes (and separate ``Store`` instances). Readers never take it: git objects
are immutable and refs are replaced atomically (write + rename), so a reader always sees a
complete old or new state. The kernel drops a flock when its holder dies, so a killed writer
never leaves the store locked.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class WriterLock:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread_lock = threading.RLock()
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0

    def _file(self) -> int:
        """The lock file, opened once per process (a forked child must not share the parent's
        open file description, or it would share the parent's flock)."""
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the duration of the block (re-entrant within a thread)."""
        with self._thread_lock:
            if self._depth == 0:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._file(), fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

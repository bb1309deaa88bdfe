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
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Hold the lock for the duration of the block (re-entrant within a thread)."""
        with self._thread_lock:
            if self._depth == 0:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                    os.close(self._fd)
                    self._fd = None

"""A process holding descriptors numbered past 1024, as a server with a thousand open sockets (log
follows, watches) does: every socket it opens next gets a number above 1024, where `select()`
cannot watch it (gitstore/remote.py)."""

from __future__ import annotations

import os
import resource
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def crowded(count: int = 1050) -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count + 150 if hard == resource.RLIM_INFINITY else min(count + 150, hard)
    assert wanted > count + 50, f"the descriptor limit ({hard}) is too low for this test"
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(count)]
    try:
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

"""A kubecommit server on its own event loop in a background thread.

For callers that are not asyncio programs themselves: the test suite (real gRPC channels to a
real server), benchmarks, and tools that embed a server next to other work.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Coroutine, TypeVar

from server.app import KubecommitServer
from server.config import Settings

T = TypeVar("T")


class EmbeddedServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.server = KubecommitServer(settings)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="kubecommit-server", daemon=True)
        self.address = ""

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Runs a coroutine on the server's loop and waits for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> "EmbeddedServer":
        self._thread.start()
        try:
            self.address = self.run(self.server.start())
        except BaseException:
            self._shutdown_loop()
            raise
        return self

    def stop(self, grace: float = 0) -> None:
        if self._thread.is_alive():
            self.run(self.server.stop(grace))
            self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    def __enter__(self) -> "EmbeddedServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""A network partition between kubecommit and a cluster: a TCP proxy in front of kubesim that,
once `cut()`, stops moving bytes either way and answers nothing on new connections, while
keeping every socket open, as a peer behind a dropped route looks (no FIN, no RST)."""

from __future__ import annotations

import asyncio
import threading

from kubesim import Simulator
from kubesim.kubeconfig import kubeconfig_text


class Partition:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self._cut = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="partition")
        self._server: asyncio.Server | None = None
        self._held: list[asyncio.StreamWriter] = []
        self.port = 0

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not self._cut.is_set():
            data = await reader.read(65536)
            if not data or self._cut.is_set():
                break
            writer.write(data)
            await writer.drain()
        if not self._cut.is_set():
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._held.append(writer)
        if self._cut.is_set():
            return  # accepted, never answered
        host, port = self.sim.url.removeprefix("http://").rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        self._held.append(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer),
                             return_exceptions=True)

    def start(self) -> "Partition":
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", 0), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def cut(self) -> None:
        self._cut.set()

    def kubeconfig_text(self, name: str) -> str:
        return kubeconfig_text(f"http://127.0.0.1:{self.port}", name)

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for writer in self._held:
                writer.transport.abort()
            others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in others:  # the connections' pipes, so none is left pending
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

"""A cluster that fails some requests: an HTTP proxy in front of kubesim answering the requests a
predicate picks with the 500 a real API server gives when an admission webhook cannot be called,
and passing everything else through. Tests use it to fail the second of two writes, or a
leader's Lease renewals."""

from __future__ import annotations

import asyncio
import threading
from typing import Callable

import aiohttp
from aiohttp import web

from kubesim import Simulator
from kubesim.kubeconfig import kubeconfig_text

Refuse = Callable[[web.Request], bool]
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


class FaultyCluster:
    """`refuse` decides per request; `refused` counts the requests it answered itself. Requests
    `hold` picks wait (`holding` counts them) until `release` is set, then pass through: a
    request slowed down at a chosen point of a call."""

    def __init__(self, sim: Simulator, refuse: Refuse, hold: Refuse | None = None) -> None:
        self.sim, self.refuse, self.refused = sim, refuse, 0
        self.hold, self.holding, self.release = hold, 0, threading.Event()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if self.refuse(request):
            self.refused += 1
            return web.json_response({
                "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 500, "reason": "InternalError",
                "message": 'Internal error occurred: failed calling webhook "labels.example.com": connection refused'},
                status=500)
        if self.hold is not None and self.hold(request):
            self.holding += 1
            await asyncio.to_thread(self.release.wait)
        # A body without a Content-Type (the kubernetes client sends its JSON so) goes on without one.
        async with aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=("Content-Type",)) as session:
            async with session.request(request.method, f"{self.sim.url}{request.rel_url}", data=await request.read(),
                                       headers={k: v for k, v in request.headers.items()
                                                if k.lower() not in HOP_BY_HOP}) as answer:
                body = await answer.read()
                return web.Response(body=body, status=answer.status,
                                    headers={k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP})

    def start(self) -> "FaultyCluster":
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._forward)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = self._runner.addresses[0][1]

        def run() -> None:
            self._loop.run_until_complete(serve())
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, name="faulty-cluster", daemon=True).start()
        assert ready.wait(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def kubeconfig_text(self, name: str) -> str:
        return kubeconfig_text(f"http://127.0.0.1:{self.port}", name, self.sim.token)

"""Streaming access to one cluster for logs, watches and exec, on the event loop (aiohttp).

The official client is synchronous: a follow or an exec websocket pins one thread for its whole
life, so 500 idle follows would be 500 threads, and `kubernetes.stream` swaps `call_api` on its
ApiClient. Long-lived streams therefore speak HTTP/websocket with aiohttp, built from the same
vetted `kubernetes.client.Configuration` the ClusterConnection loaded from the kubeconfig (server
URL, CA, client certificate, bearer token or basic auth): no thread per stream, cancellation
closes the socket at once, and back-pressure is plain TCP flow control. Short REST calls (pods,
lists) still go through ClusterConnection.

An upstream that breaks (connection refused, reset, a chunked body cut short, a websocket closed
without the exit status) is a domain error naming the cluster, never a quiet end: callers decide
what a lost stream means, and never take it for a finished one.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import ssl
import weakref
from dataclasses import dataclass
from functools import partial
from typing import Any, AsyncIterator

import aiohttp
from aiohttp.connector import AddrInfoType
from kubernetes.client.exceptions import ApiException

from server.errors import FailedPrecondition, KubecommitError, Unavailable
from server.kube import paths
from server.kube.connection import ClusterConnection
from server.kube.errors import translate
from server.kube.resources import ApiResource

# Exec channels (k8s.io/apimachinery remotecommand): v5 adds 255 = close a channel.
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
EXEC_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")

_ssl_contexts: "weakref.WeakKeyDictionary[ClusterConnection, ssl.SSLContext | bool]" = weakref.WeakKeyDictionary()
_sessions: "weakref.WeakKeyDictionary[ClusterConnection, tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]]" = \
    weakref.WeakKeyDictionary()
# Session closes scheduled by a sync `ClusterConnection.close`, held until they finish.
_closing: set[asyncio.Task[None]] = set()


def _ssl_context(conn: ClusterConnection) -> ssl.SSLContext | bool:
    """The TLS settings of the kubeconfig, built once per connection."""
    cached = _ssl_contexts.get(conn)
    if cached is not None:
        return cached
    cfg = conn.configuration
    result: ssl.SSLContext | bool
    if not cfg.host.startswith("https"):
        result = False
    else:
        context = ssl.create_default_context(cafile=cfg.ssl_ca_cert or None)
        if cfg.cert_file:
            context.load_cert_chain(cfg.cert_file, cfg.key_file or None)
        if not cfg.verify_ssl:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif cfg.assert_hostname is False:
            context.check_hostname = False
        result = context
    _ssl_contexts[conn] = result
    return result


def _headers(conn: ClusterConnection) -> dict[str, str]:
    cfg = conn.configuration
    if cfg.refresh_api_key_hook is not None:
        cfg.refresh_api_key_hook(cfg)
    token = cfg.get_api_key_with_prefix("authorization")
    if token:
        return {"Authorization": token}
    if cfg.username and cfg.password:
        return {"Authorization": cfg.get_basic_auth_token()}
    return {}


# TCP keepalive probes: first after this much silence, then every interval, the peer taken for
# gone after this many unanswered (~60 s in all).
KEEPALIVE = {"TCP_KEEPIDLE": 30, "TCP_KEEPINTVL": 10, "TCP_KEEPCNT": 3}


def keepalive_socket(addr_info: AddrInfoType) -> socket.socket:
    """Every stream connection to a cluster probes its peer: a follow of a quiet container reads
    nothing for hours, and across a real partition (no FIN, no RST) only the kernel's keepalive
    finds the peer gone, in about a minute where Linux's defaults take over two hours."""
    family, kind, proto, _, _ = addr_info
    sock = socket.socket(family=family, type=kind, proto=proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in KEEPALIVE.items():
        if hasattr(socket, option):  # Linux names; other systems keep their own timing
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    return sock


def shared_session(conn: ClusterConnection) -> aiohttp.ClientSession:
    """The one aiohttp session (connection pool) of a cluster connection on this event loop.

    A session per stream cost ~13 KB each (500 idle follows: 6.5 MB) and a TLS handshake per
    call; one per connection lets every stream of the cluster share the pool and reuse idle
    keep-alive connections. Each streaming GET still holds a connection of its own for its whole
    life, so the connector is unbounded (`limit=0`, `limit_per_host=0`: every host here is the one
    API server): a cap would make the 501st follow wait for another to end, not share. Releasing
    or closing one response closes only its connection. The session closes with the connection
    (`ClusterPool.forget`, credentials replaced or cluster deleted); auth headers go per request,
    so a refreshed token is used by the next call."""
    loop = asyncio.get_running_loop()
    held = _sessions.get(conn)
    if held is not None and held[0] is loop and not held[1].closed:
        return held[1]
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=_ssl_context(conn), limit=0, limit_per_host=0,
                                       socket_factory=keepalive_socket),
        timeout=aiohttp.ClientTimeout(total=None, connect=conn.timeout, sock_connect=conn.timeout),
        auto_decompress=False)
    _sessions[conn] = (loop, session)
    conn.on_close.append(partial(_close_later, loop, session))
    return session


def _close_later(loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession) -> None:
    """Closes a shared session from the sync `ClusterConnection.close` (on its own loop)."""
    if loop.is_closed() or session.closed:
        return
    task = loop.create_task(session.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


async def _failure(conn: ClusterConnection, status: int, reason: str, body: str) -> KubecommitError:
    error = ApiException(status=status, reason=reason)
    error.body = body
    return translate(error, conn.name)


class ClusterStreams:
    """The streams of one RPC (or one watch cache) on the cluster's shared session; closing it
    closes every upstream it opened, and no other."""

    def __init__(self, conn: ClusterConnection) -> None:
        self.conn = conn
        self.session = shared_session(conn)
        self.host = conn.configuration.host.rstrip("/")
        # Weak: a response the caller released and dropped leaves on its own.
        self._open: "weakref.WeakSet[aiohttp.ClientResponse | aiohttp.ClientWebSocketResponse]" = weakref.WeakSet()

    async def close(self) -> None:
        for upstream in list(self._open):
            if isinstance(upstream, aiohttp.ClientWebSocketResponse):
                await upstream.close()
            else:
                upstream.close()
        self._open.clear()

    async def __aenter__(self) -> "ClusterStreams":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def _lost(self, error: BaseException) -> KubecommitError:
        return translate(ConnectionError(str(error) or type(error).__name__), self.conn.name)

    async def get(self, path: str, query: list[tuple[str, str]], *,
                  read_timeout: float | None = None) -> aiohttp.ClientResponse:
        """Opens a streaming GET; the caller reads it with `chunks` (or `.content`) and must
        release it. Its headers must come within the call timeout, or a cluster that went silent
        (a partition: the connection open, nothing answered) would hold the caller forever;
        `read_timeout` bounds each wait for more of the body (none for a follow: a quiet
        container may say nothing for hours)."""
        timeout = aiohttp.ClientTimeout(total=None, connect=self.conn.timeout, sock_connect=self.conn.timeout,
                                        sock_read=read_timeout)
        try:
            async with asyncio.timeout(self.conn.timeout):
                response = await self.session.get(self.host + path, params=query, headers=_headers(self.conn),
                                                  timeout=timeout)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._lost(error) from None
        self._open.add(response)
        if response.status >= 300:
            body = await response.text(errors="replace")
            response.release()
            raise await _failure(self.conn, response.status, response.reason or "", body)
        return response

    async def chunks(self, response: aiohttp.ClientResponse, size: int = 0) -> AsyncIterator[bytes]:
        """The body of an open response as it arrives (at most `size` bytes a chunk when given);
        a connection lost mid-body is a domain error, not the end of the body."""
        try:
            body = response.content.iter_chunked(size) if size else response.content.iter_any()
            async for chunk in body:
                yield chunk
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._lost(error) from None

    async def open_watch(self, path: str, query: list[tuple[str, str]]) -> aiohttp.ClientResponse:
        """A watch the API server is asked to end after a while: a random 1-2x of the connection's
        `watch_timeout`, as client-go's informers do, so the watches of many clusters do not all
        reopen at once. No silence can then outlast that (plus the call timeout) on a live
        connection: one that does is a partition, and the read fails (the caller reopens or
        reports it) where it would otherwise wait forever while the cache went stale."""
        seconds = max(1, round(self.conn.watch_timeout * random.uniform(1, 2)))
        return await self.get(path, [*query, ("timeoutSeconds", str(seconds))],
                              read_timeout=seconds + self.conn.timeout)

    async def read(self, path: str, query: list[tuple[str, str]]) -> bytes:
        response = await self.get(path, query, read_timeout=self.conn.timeout)
        try:
            return await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._lost(error) from None
        finally:
            response.release()

    async def watch(self, rt: ApiResource, namespace: str, resource_version: str, *, label_selector: str = "",
                    field_selector: str = "") -> AsyncIterator[tuple[str, dict[str, Any]]]:
        """(type, object) for each change after `resource_version`, read from a `watch=true` GET.
        The API server ends a watch after a while: it is reopened from the last version seen, so
        only the caller ends it. An ERROR event (410 Gone: the version is too old) is a domain error."""
        query = [("watch", "true"), ("allowWatchBookmarks", "true")]
        query += [(k, v) for k, v in (("labelSelector", label_selector), ("fieldSelector", field_selector)) if v]
        while True:
            response = await self.open_watch(rt.path(namespace), query + [("resourceVersion", resource_version)])
            try:
                async for line in self._lines(response):
                    event = json.loads(line)
                    kind, obj = event.get("type", ""), event.get("object") or {}
                    if kind == "ERROR":
                        raise await _failure(self.conn, int(obj.get("code") or 500), obj.get("reason") or "",
                                             json.dumps(obj))
                    resource_version = (obj.get("metadata") or {}).get("resourceVersion") or resource_version
                    if kind != "BOOKMARK":
                        yield kind, obj
            finally:
                response.release()

    async def _lines(self, response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        """The non-empty lines of a newline-delimited JSON body as they arrive."""
        try:
            async for line in response.content:
                if line.strip():
                    yield line
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._lost(error) from None

    async def exec(self, namespace: str, pod: str, container: str, command: list[str], *,
                   stdin: bool, tty: bool) -> "ExecChannel":
        query = [("container", paths.check_name(container, paths.CONTAINER, "container")),
                 ("stdin", str(stdin).lower()), ("stdout", "true"), ("stderr", str(not tty).lower()),
                 ("tty", str(tty).lower())]
        query += [("command", part) for part in command]
        try:
            async with asyncio.timeout(self.conn.timeout):  # the handshake, as `get`'s headers
                ws = await self.session.ws_connect(self.host + paths.pod_exec(namespace, pod), params=query,
                                                   protocols=EXEC_PROTOCOLS, max_msg_size=0, autoping=True,
                                                   heartbeat=30, headers=_headers(self.conn))
        except aiohttp.WSServerHandshakeError as error:
            raise await _failure(self.conn, error.status, error.message, "") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise self._lost(error) from None
        self._open.add(ws)
        return ExecChannel(ws, ws.protocol or "", self.conn.name)


@dataclass
class ExecStatus:
    """What channel 3 said: an exit code, or why the command could not run."""

    exit_code: int
    error: str = ""


def parse_status(payload: bytes) -> ExecStatus:
    """The Status JSON on the error channel: Success, NonZeroExitCode with the code in
    `details.causes[reason=ExitCode]`, or another failure (e.g. executable not found)."""
    try:
        status = json.loads(payload)
    except ValueError:
        return ExecStatus(1, payload.decode("utf-8", "replace"))
    if status.get("status") == "Success":
        return ExecStatus(0)
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return ExecStatus(int(cause.get("message", "1")))
            except ValueError:
                break
    return ExecStatus(1, status.get("message") or "command failed")


class ExecChannel:
    """An open exec websocket: frames in both directions and the final status."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, protocol: str, cluster: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self.cluster = cluster
        self.status: ExecStatus | None = None
        # Why the websocket ended, when it ended otherwise than by a close frame.
        self.lost = ""

    async def send(self, channel: int, data: bytes) -> None:
        if not self.ws.closed:
            await self.ws.send_bytes(bytes([channel]) + data)

    async def write(self, data: bytes) -> None:
        await self.send(STDIN, data)

    async def resize(self, width: int, height: int) -> None:
        await self.send(RESIZE, json.dumps({"Width": width, "Height": height}).encode())

    async def close_stdin(self) -> None:
        """v5 can say "end of input"; under v4 the only way is to end the session."""
        if self.protocol.startswith("v5"):
            await self.send(CLOSE, bytes([STDIN]))
        else:
            raise FailedPrecondition("the cluster speaks exec v4, which cannot close stdin alone",
                                     "STDIN_CLOSE_UNSUPPORTED")

    async def frames(self) -> AsyncIterator[tuple[int, bytes]]:
        """(channel, data) for stdout and stderr until the session ends; sets `status`."""
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                data = message.data
            elif message.type == aiohttp.WSMsgType.TEXT:
                data = message.data.encode()
            else:
                if message.type == aiohttp.WSMsgType.ERROR:
                    self.lost = str(message.data or self.ws.exception() or "connection error")
                break
            if not data:
                continue
            channel, payload = data[0], data[1:]
            if channel == ERROR:
                self.status = parse_status(payload)
            elif channel in (STDOUT, STDERR) and payload:
                yield channel, payload

    def exit_status(self) -> ExecStatus:
        """The command's exit status; UNAVAILABLE when the session ended without one (the cluster or
        the connection went away), so a lost session is never taken for a command that exited."""
        if self.status is not None:
            return self.status
        why = self.lost or (f"closed with code {self.ws.close_code}" if self.ws.close_code is not None
                            else "the connection ended")
        raise Unavailable(f"cluster {self.cluster}: the exec session ended without an exit status ({why})",
                          "CLUSTER_STREAM_LOST", metadata={"cluster": self.cluster}, retry_after=2.0)

    async def close(self) -> None:
        await self.ws.close()

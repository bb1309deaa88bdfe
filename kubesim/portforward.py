"""Port-forward to a pod: container ports answer HTTP, reached over the two websocket protocols
clients speak.

- `SPDY/3.1+portforward.k8s.io`: kubectl (1.30+) tunnels SPDY/3.1 through a websocket. Each
  forwarded connection opens an error stream and a data stream (SYN_STREAM with `streamtype`,
  `port`, `requestid` headers, zlib-compressed with the SPDY/3 dictionary, which the `spdy-py`
  package provides); the server answers SYN_REPLY and then DATA frames.
- `v4.channel.k8s.io` / `portforward.k8s.io`: the channel protocol of the Python client, ports in
  the `ports` query parameter, channel 2i data and 2i+1 errors of the i-th port, each channel
  opened by the port number (uint16, little endian).

Behind either, a port a container declares (`containerPort`) runs a small HTTP/1.1 server that
answers every request with 200 and a line naming the pod, container, port, method and path;
other ports refuse the connection with the kubelet's error.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web
from spdy.dictionary import zdict

SPDY_PROTOCOL = "SPDY/3.1+portforward.k8s.io"
CHANNEL_PROTOCOLS = ("v4.channel.k8s.io", "portforward.k8s.io")
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01


def container_ports(pod: dict) -> dict[int, str]:
    """port -> container name, for the ports the pod's containers declare."""
    return {p["containerPort"]: c["name"] for c in pod["spec"].get("containers") or []
            for p in c.get("ports") or [] if isinstance(p.get("containerPort"), int)}


def refused(pod: dict, port: int) -> bytes:
    return (f"error forwarding port {port} to pod {pod['metadata']['uid']}, uid : failed to execute portforward in "
            f"network namespace: failed to connect to localhost:{port} inside namespace, IPv4: dial tcp4 "
            f"127.0.0.1:{port}: connect: connection refused").encode()


@dataclass
class HttpPort:
    """One TCP connection to a simulated HTTP server in a container."""

    pod: dict
    container: str
    port: int
    buffer: bytes = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """Bytes received; returns the response bytes ready and whether the server closes."""
        self.buffer += data
        head, sep, rest = self.buffer.partition(b"\r\n\r\n")
        if not sep:
            return b"", False
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        length = int(headers.get("content-length", "0") or 0)
        if len(rest) < length:
            return b"", False
        self.buffer = rest[length:]
        method, path, *_ = (lines[0].split(" ") + ["", ""])[:3]
        meta = self.pod["metadata"]
        body = f"kubesim {meta['namespace']}/{meta['name']} container {self.container} port {self.port}: " \
               f"{method} {path}\n".encode()
        close = headers.get("connection", "").lower() == "close"
        response = (f"HTTP/1.1 200 OK\r\nServer: kubesim\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    f"Content-Length: {len(body)}\r\n{'Connection: close' + chr(13) + chr(10) if close else ''}\r\n"
                    ).encode() + body
        return response, close


def connect(pod: dict, port: int) -> HttpPort | None:
    container = container_ports(pod).get(port)
    return HttpPort(pod, container, port) if container else None


# -- SPDY/3.1 ---------------------------------------------------------------------------------------

def control_frame(ftype: int, payload: bytes, flags: int = 0) -> bytes:
    return struct.pack(">HHI", 0x8000 | 3, ftype, (flags << 24) | len(payload)) + payload


def data_frame(stream_id: int, data: bytes, flags: int = 0) -> bytes:
    return struct.pack(">II", stream_id & 0x7FFFFFFF, (flags << 24) | len(data)) + data


@dataclass
class SpdySession:
    """Server side of one SPDY/3.1 session carrying port-forward streams."""

    pod: dict
    inflate: zlib._Decompress = field(default_factory=lambda: zlib.decompressobj(zdict=zdict))
    deflate: zlib._Compress = field(default_factory=lambda: zlib.compressobj(zdict=zdict))
    buffer: bytes = b""
    # requestid -> {"error": stream id, "data": stream id}; data stream id -> connection
    requests: dict[str, dict[str, int]] = field(default_factory=dict)
    conns: dict[int, HttpPort] = field(default_factory=dict)
    closed: set[int] = field(default_factory=set)

    def headers(self, block: bytes) -> dict[str, str]:
        raw = self.inflate.decompress(block)
        count, pos, out = struct.unpack_from(">I", raw)[0], 4, {}
        for _ in range(count):
            n = struct.unpack_from(">I", raw, pos)[0]
            name = raw[pos + 4:pos + 4 + n].decode()
            pos += 4 + n
            n = struct.unpack_from(">I", raw, pos)[0]
            out[name.lower()] = raw[pos + 4:pos + 4 + n].decode()
            pos += 4 + n
        return out

    def header_block(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers)) + b"".join(
            struct.pack(">I", len(k)) + k.encode() + struct.pack(">I", len(v)) + v.encode() for k, v in headers.items())
        return self.deflate.compress(raw) + self.deflate.flush(zlib.Z_SYNC_FLUSH)

    def receive(self, data: bytes) -> list[bytes]:
        """Frames in, frames out."""
        self.buffer += data
        out: list[bytes] = []
        while len(self.buffer) >= 8:
            first, second = struct.unpack_from(">II", self.buffer)
            length = second & 0xFFFFFF
            if len(self.buffer) < 8 + length:
                break
            payload, flags = self.buffer[8:8 + length], second >> 24
            self.buffer = self.buffer[8 + length:]
            if first & 0x80000000:
                out += self._control(first & 0xFFFF, flags, payload)
            else:
                out += self._data(first & 0x7FFFFFFF, flags, payload)
        return out

    def _control(self, ftype: int, flags: int, payload: bytes) -> list[bytes]:
        if ftype == PING:
            return [control_frame(PING, payload)]
        if ftype != SYN_STREAM:
            return []  # SETTINGS, WINDOW_UPDATE, RST_STREAM, GOAWAY: nothing to answer
        stream_id = struct.unpack_from(">I", payload)[0] & 0x7FFFFFFF
        headers = self.headers(payload[10:])
        out = [control_frame(SYN_REPLY, struct.pack(">I", stream_id) + self.header_block({}))]
        streams = self.requests.setdefault(headers.get("requestid", str(stream_id)), {})
        streams[headers.get("streamtype", "data")] = stream_id
        port = int(headers.get("port", "0") or 0)
        if headers.get("streamtype") == "data":
            conn = connect(self.pod, port)
            if conn is None:
                out.append(data_frame(streams.get("error", stream_id), refused(self.pod, port), FLAG_FIN))
                out.append(data_frame(stream_id, b"", FLAG_FIN))
                self.closed.add(stream_id)
            else:
                self.conns[stream_id] = conn
        return out

    def _data(self, stream_id: int, flags: int, payload: bytes) -> list[bytes]:
        out = []
        if payload:  # give the window back, for the stream and the session
            out += [control_frame(WINDOW_UPDATE, struct.pack(">II", sid, len(payload))) for sid in (stream_id, 0)]
        conn = self.conns.get(stream_id)
        if conn is not None:
            response, close = conn.feed(payload)
            if response:
                out.append(data_frame(stream_id, response))
            if close or flags & FLAG_FIN:
                out.append(data_frame(stream_id, b"", FLAG_FIN))
                del self.conns[stream_id]
        elif flags & FLAG_FIN and stream_id not in self.closed and self._is_error_stream(stream_id):
            out.append(data_frame(stream_id, b"", FLAG_FIN))  # the error stream: nothing to report
            self.closed.add(stream_id)
        return out

    def _is_error_stream(self, stream_id: int) -> bool:
        return any(s.get("error") == stream_id and s.get("data") in self.conns for s in self.requests.values())


async def serve(request: web.Request, pod: dict) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(protocols=(SPDY_PROTOCOL, *CHANNEL_PROTOCOLS), max_msg_size=0, autoping=True)
    await ws.prepare(request)
    if ws.ws_protocol == SPDY_PROTOCOL:
        session = SpdySession(pod)
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                for frame in session.receive(msg.data):
                    await ws.send_bytes(frame)
        return ws
    ports = [int(p) for p in request.query.getall("ports", []) for p in p.split(",") if p.strip().isdigit()]
    conns = {i: connect(pod, port) for i, port in enumerate(ports)}
    for i, port in enumerate(ports):
        for channel in (2 * i, 2 * i + 1):
            await ws.send_bytes(bytes([channel]) + struct.pack("<H", port))
        if conns[i] is None:
            await ws.send_bytes(bytes([2 * i + 1]) + refused(pod, port))
    async for msg in ws:
        if msg.type != WSMsgType.BINARY or not msg.data:
            continue
        channel, payload = msg.data[0], msg.data[1:]
        conn = conns.get(channel // 2) if channel % 2 == 0 else None
        if conn is not None:
            response, close = conn.feed(payload)
            if response:
                await ws.send_bytes(bytes([channel]) + response)
            if close:
                break
    await ws.close()
    return ws

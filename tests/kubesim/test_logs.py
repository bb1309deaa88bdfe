"""Pod logs: text/plain, filters, previous, follow until the pod goes away, the ticker, append_log."""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from kubesim import Simulator
from kubesim.app import FOLLOW_PIECE_LINES
from kubesim.testing import wait_for


@pytest.fixture
def core(kube_api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api_client)


def frontend_pod(core: client.CoreV1Api) -> str:
    return core.list_namespaced_pod("web", label_selector="app=frontend").items[0].metadata.name


def test_logs_tail_timestamps_limit(core: client.CoreV1Api, kubesim: Simulator) -> None:
    pod = frontend_pod(core)
    kubesim.append_log("web", pod, "frontend", ["alpha", "beta", "gamma"])
    text = core.read_namespaced_pod_log(pod, "web", container="frontend", tail_lines=3)
    assert text.splitlines()[-3:] == ["alpha", "beta", "gamma"] or "gamma" in text
    stamped = core.read_namespaced_pod_log(pod, "web", tail_lines=1, timestamps=True).splitlines()
    ts, _, _ = stamped[0].partition(" ")
    assert datetime.fromisoformat(ts[:26] + "+00:00") > datetime.now(timezone.utc) - timedelta(minutes=1)
    assert len(core.read_namespaced_pod_log(pod, "web", limit_bytes=10)) == 10


def test_logs_since_seconds_and_generator_mix(core: client.CoreV1Api, kubesim: Simulator) -> None:
    pod = frontend_pod(core)
    wait_for(lambda: len(core.read_namespaced_pod_log(pod, "web").splitlines()) > 8, timeout=5)
    lines = core.read_namespaced_pod_log(pod, "web").splitlines()
    assert any(ln.startswith("{") and json.loads(ln)["level"] for ln in lines) or len(lines) < 12
    time.sleep(1.1)
    kubesim.append_log("web", pod, "frontend", ["fresh line"])
    recent = core.read_namespaced_pod_log(pod, "web", since_seconds=1).splitlines()
    assert "fresh line" in recent and len(recent) < len(core.read_namespaced_pod_log(pod, "web").splitlines())


def test_previous_logs_of_crash_looping_pod(core: client.CoreV1Api) -> None:
    pod = core.list_namespaced_pod("shop", label_selector="app=payments-worker").items[0]
    status = pod.status.container_statuses[0]
    assert status.state.waiting.reason == "CrashLoopBackOff" and status.restart_count > 0
    previous = core.read_namespaced_pod_log(pod.metadata.name, "shop", previous=True)
    assert "panic: failed to connect to database" in previous
    healthy = frontend_pod(core)
    with pytest.raises(ApiException) as e:
        core.read_namespaced_pod_log(healthy, "web", previous=True)
    assert e.value.status == 400 and "previous terminated container" in e.value.body


def test_log_errors(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as e:
        core.read_namespaced_pod_log("missing", "web")
    assert e.value.status == 404
    with pytest.raises(ApiException) as e:
        core.read_namespaced_pod_log(frontend_pod(core), "web", container="nope")
    assert e.value.status == 400 and "is not valid for pod" in e.value.body


def test_follow_streams_until_pod_deleted(core: client.CoreV1Api, kubesim: Simulator) -> None:
    pod = frontend_pod(core)
    kubesim.set_log_rate("web", pod, "frontend", 0)
    got: list[bytes] = []

    def follow() -> None:
        resp = core.read_namespaced_pod_log(pod, "web", follow=True, tail_lines=0, _preload_content=False)
        for chunk in resp.stream(64):
            got.append(chunk)

    t = threading.Thread(target=follow)
    t.start()
    time.sleep(0.3)
    assert kubesim.open_follows == 1
    kubesim.append_log("web", pod, "frontend", ["followed-1", "followed-2"])
    wait_for(lambda: b"followed-2" in b"".join(got))
    core.delete_namespaced_pod(pod, "web")
    t.join(5)
    assert not t.is_alive()
    wait_for(lambda: kubesim.open_follows == 0)
    assert b"".join(got) == b"followed-1\nfollowed-2\n"


def test_noisy_container(core: client.CoreV1Api, kubesim: Simulator) -> None:
    pod = frontend_pod(core)
    before = len(core.read_namespaced_pod_log(pod, "web").splitlines())
    kubesim.set_log_rate("web", pod, "frontend", 500)
    wait_for(lambda: len(core.read_namespaced_pod_log(pod, "web").splitlines()) > before + 900, timeout=5)


def test_a_follow_sends_its_backlog_in_pieces_as_a_kubelet_streams_its_file(core: client.CoreV1Api,
                                                                            kubesim: Simulator) -> None:
    """The backlog goes out FOLLOW_PIECE_LINES lines per HTTP chunk, the first written before the
    rest is rendered, and limitBytes still cuts the whole stream at its byte count."""
    pod = frontend_pod(core)
    kubesim.set_log_rate("web", pod, "frontend", 0)
    lines = [f"backlog line {i:05d}" for i in range(2 * FOLLOW_PIECE_LINES + 500)]
    kubesim.append_log("web", pod, "frontend", lines)
    resp = core.read_namespaced_pod_log(pod, "web", follow=True, tail_lines=len(lines), _preload_content=False)
    pieces = []
    for piece in resp.read_chunked(decode_content=False):
        pieces.append(piece)
        if len(pieces) == 3:
            break
    resp.release_conn()
    assert [piece.count(b"\n") for piece in pieces] == [FOLLOW_PIECE_LINES, FOLLOW_PIECE_LINES, 500]
    assert b"".join(pieces) == "".join(line + "\n" for line in lines).encode()
    limit = len(pieces[0]) + 7  # inside the second piece
    cut = core.read_namespaced_pod_log(pod, "web", follow=True, tail_lines=len(lines), limit_bytes=limit,
                                       _preload_content=False)
    assert cut.data == b"".join(pieces)[:limit]


def test_a_line_appended_while_the_backlog_is_written_is_not_held_back(core: client.CoreV1Api,
                                                                       kubesim: Simulator) -> None:
    """The follow waits on the log's change event of the moment it read its lines: a line appended
    while a large backlog is still being written (the reader's small receive buffer full, so
    kubesim's writes wait) arrives without another append after it."""
    pod = frontend_pod(core)
    kubesim.set_log_rate("web", pod, "frontend", 0)
    backlog = [f"{i:05d} " + "x" * 2000 for i in range(10_000)]  # ~20 MB
    kubesim.append_log("web", pod, "frontend", backlog)
    config = core.api_client.configuration
    url = urlsplit(config.host)
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)  # before connect: no autotuning
    reader.connect((url.hostname, url.port))
    reader.settimeout(10)
    token = config.api_key.get("authorization") or config.api_key.get("BearerToken", "")
    auth = token if token.startswith("Bearer ") else f"Bearer {token}"
    reader.sendall(f"GET /api/v1/namespaces/web/pods/{pod}/log?container=frontend&follow=true&tailLines="
                   f"{len(backlog)} HTTP/1.1\r\nHost: {url.netloc}\r\nAuthorization: {auth}\r\n\r\n".encode())
    got = [reader.recv(65536)]
    time.sleep(0.5)  # kubesim is inside the backlog's writes, waiting for the reader
    kubesim.append_log("web", pod, "frontend", ["appended during the backlog"])
    try:
        while b"appended during the backlog" not in b"".join(got[-2:]):
            got.append(reader.recv(1 << 20))
    except TimeoutError:
        pass
    finally:
        reader.close()
    assert b"appended during the backlog" in b"".join(got[-2:])

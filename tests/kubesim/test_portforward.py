"""Port-forward to container ports that answer HTTP: real kubectl (SPDY tunnelled through a websocket)
and the Python client (the websocket channel protocol)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Callable

from kubernetes import client
from kubernetes.stream import portforward

from kubesim.testing import api_client_from, kubectl_binary, wait_for

Kubectl = Callable[..., subprocess.CompletedProcess]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frontend_pod(kubectl: Kubectl) -> str:
    return kubectl("get", "pods", "-n", "web", "-l", "app=frontend", "-o",
                   "jsonpath={.items[0].metadata.name}").stdout.decode()


def forward(kubeconfig: Path, pod: str, local: int, remote: int) -> subprocess.Popen:
    proc = subprocess.Popen([kubectl_binary(), "port-forward", "-n", "web", f"pod/{pod}", f"{local}:{remote}",
                             "--address", "127.0.0.1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, KUBECONFIG=str(kubeconfig)))
    wait_for(lambda: _listening(local) or proc.poll() is not None, timeout=10)
    return proc


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_kubectl_port_forward_reaches_the_container_port(kubectl: Kubectl, kubesim_kubeconfig: Path) -> None:
    pod, local = frontend_pod(kubectl), free_port()
    proc = forward(kubesim_kubeconfig, pod, local, 80)
    try:
        for path in ("/", "/healthz"):
            with urllib.request.urlopen(f"http://127.0.0.1:{local}{path}", timeout=5) as resp:
                assert resp.status == 200 and resp.headers["Server"] == "kubesim"
                assert resp.read().decode() == f"kubesim web/{pod} container frontend port 80: GET {path}\n"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"Forwarding from 127.0.0.1:{local} -> 80".encode() in out


def test_kubectl_port_forward_to_a_closed_port_reports_refusal(kubectl: Kubectl, kubesim_kubeconfig: Path) -> None:
    pod, local = frontend_pod(kubectl), free_port()
    proc = forward(kubesim_kubeconfig, pod, local, 81)
    try:
        with socket.create_connection(("127.0.0.1", local), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                answer = s.recv(100)
            except ConnectionResetError:  # closed while our request sat unread: a reset, not a FIN
                answer = b""
            assert answer == b""  # closed without an answer
        _, err = proc.communicate(timeout=10)  # kubectl gives up on the lost connection
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.communicate(timeout=10)
    assert b"connect: connection refused" in err and b"error forwarding port 81" in err


def test_python_client_port_forward(kubectl: Kubectl, kubesim_kubeconfig: Path) -> None:
    core = client.CoreV1Api(api_client_from(kubesim_kubeconfig))
    pod = frontend_pod(kubectl)
    pf = portforward(core.connect_get_namespaced_pod_portforward, pod, "web", ports="80")
    sock = pf.socket(80)
    sock.setblocking(True)
    sock.sendall(b"GET /py HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data, deadline = b"", time.monotonic() + 5
    while time.monotonic() < deadline and (chunk := sock.recv(4096)):
        data += chunk
    sock.close()
    assert pf.error(80) is None
    pf.close()
    assert data.startswith(b"HTTP/1.1 200 OK\r\n")
    assert data.endswith(f"kubesim web/{pod} container frontend port 80: GET /py\n".encode())

"""`kubecommit serve --demo` as a newcomer runs it (what `make run` does): the demo cluster is
registered through the API, its deployments are listable with `buf curl`, and a restart on the
same data directory re-points the registration at the simulator's new port."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import grpc

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import clusters_pb2_grpc
from tests.support.auth import admin_token, with_token

REPO = Path(__file__).resolve().parents[2]
BUF = REPO / "clients/node/node_modules/.bin/buf"


def serve_demo(data: Path) -> tuple[subprocess.Popen, str, list[str]]:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "kubecommit"), "serve", "--demo", "--listen", "127.0.0.1:0",
         "--data-dir", str(data), "--log-format", "text"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.strip())
        if line.startswith("demo cluster") or len(lines) > 5:
            break
    address = next((m.group(1) for m in map(re.compile(r"kubecommit listening on (\S+)").search, lines) if m), "")
    return process, address, lines


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0


def test_serve_demo_registers_and_re_points_the_demo_cluster(tmp_path):
    process, address, lines = serve_demo(tmp_path)
    try:
        assert address and lines[-1].startswith("demo cluster registered as clusters/demo"), lines
        first_url = re.search(r"\((http://\S+)\)", lines[-1]).group(1)
        reply = subprocess.run(
            [str(BUF), "curl", "--protocol", "grpc", "--http2-prior-knowledge",
             "-H", f"Authorization: Bearer {admin_token(tmp_path)}",
             "-d", '{"parent": "clusters/demo", "resource_type": "deployments.apps"}',
             f"http://{address}/kubecommit.v1.ClustersService/ListResources"],
            capture_output=True, text=True, timeout=60)
        assert reply.returncode == 0, reply.stderr
        names = [r["name"] for r in json.loads(reply.stdout)["resources"]]
        assert "clusters/demo/namespaces/web/deployments.apps/frontend" in names and len(names) == 6
    finally:
        stop(process)

    process, address, lines = serve_demo(tmp_path)
    try:
        assert lines[-1].startswith("demo cluster clusters/demo now points at"), lines
        assert first_url not in lines[-1]
        with grpc.insecure_channel(address) as channel:
            stub = clusters_pb2_grpc.ClustersServiceStub(with_token(channel, admin_token(tmp_path)))
            tested = stub.TestCluster(pb.TestClusterRequest(name="clusters/demo"))
        assert tested.connected and tested.node_count == 4
    finally:
        stop(process)

"""Helpers for the ClustersService tests: stubs with the admin token, kubeconfigs that fail in
specific ways, a server that accepts connections and never answers, and plain `git` on the store."""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
from pathlib import Path

import grpc
import yaml

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, with_token


def stub_for(embedded: EmbeddedServer) -> clusters_pb2_grpc.ClustersServiceStub:
    channel = with_token(grpc.insecure_channel(embedded.address), admin_token(embedded.settings.data_dir))
    return clusters_pb2_grpc.ClustersServiceStub(channel)


def create(stub: clusters_pb2_grpc.ClustersServiceStub, cluster_id: str, kubeconfig: str,
           **fields: object) -> clusters_pb2.Cluster:
    options = {k: fields.pop(k) for k in ("validate_only", "allow_disconnected") if k in fields}
    return stub.CreateCluster(clusters_pb2.CreateClusterRequest(
        cluster_id=cluster_id, cluster=clusters_pb2.Cluster(kubeconfig=kubeconfig, **fields), **options))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kubeconfig_for(server: str, name: str = "kc", token: str | None = None, ca: str | None = None) -> str:
    cluster: dict = {"server": server}
    if ca:
        cluster["certificate-authority-data"] = ca
    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": name,
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": {"token": token} if token else {}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}]})


def closed_port_kubeconfig() -> str:
    """Nothing listens there: connection refused."""
    return kubeconfig_for(f"http://127.0.0.1:{free_port()}")


class Blackhole:
    """Accepts TCP connections (the kernel's backlog does) and never answers: a hung cluster."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"

    def close(self) -> None:
        self.socket.close()


def git(data_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(data_dir / "store"), *args], check=True,
                          capture_output=True, text=True).stdout


def head(data_dir: Path) -> str:
    return git(data_dir, "rev-parse", "HEAD").strip()


def has_credentials(data_dir: Path, cluster_id: str) -> bool:
    """Whether the server keeps sealed credentials for the cluster (its credentials.db)."""
    with contextlib.closing(sqlite3.connect(data_dir / "credentials.db")) as db:
        return db.execute("SELECT COUNT(*) FROM cluster_credentials WHERE cluster = ?",
                          (cluster_id,)).fetchone()[0] == 1

"""Everything the server writes into its data directory is owner-only (files 0600 or stricter,
directories 0700), as docs/security.md promises: exec records with captured output, cluster state
and credentials, the store, tokens, audit and caches, after a real exec, a registration through
the API, an apply and a backup."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Callable

import grpc

from kubecommit.v1 import containers_pb2, containers_pb2_grpc, yaml_versions_pb2
from kubecommit.v1 import yaml_versions_pb2_grpc
from kubesim import Simulator
from server.embedded import EmbeddedServer
from tests.clusters.helpers import create, stub_for
from tests.support.auth import admin_token, with_token

MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: modes, namespace: web}\ndata: {a: b}\n"


def _exposed(data_dir: Path) -> list[str]:
    """Every path under `data_dir` (itself included) that a group or other user could read,
    write or enter."""
    paths = [data_dir, *data_dir.rglob("*")]
    return [f"{p.relative_to(data_dir)} {stat.filemode(p.stat().st_mode)}" for p in paths
            if not p.is_symlink() and p.stat().st_mode & 0o077]


def test_every_file_in_the_data_directory_is_owner_only(server_factory: Callable[..., EmbeddedServer],
                                                        sim: Simulator) -> None:
    embedded = server_factory()
    data = embedded.settings.data_dir
    create(stub_for(embedded), "modes", sim.kubeconfig_text("modes"))
    with grpc.insecure_channel(embedded.address) as raw:
        channel = with_token(raw, admin_token(data))
        containers = containers_pb2_grpc.ContainersServiceStub(channel)
        pods = containers.ListContainers(containers_pb2.ListContainersRequest(
            parent="clusters/modes/namespaces/web", label_selector="app=frontend")).containers
        target = next(c.name for c in pods if c.state == "running")
        ran = containers.Exec(containers_pb2.ExecRequest(container=target, command=["echo", "captured"]))
        assert ran.exit_code == 0 and b"captured" in ran.stdout
        versions = yaml_versions_pb2_grpc.YamlVersionsServiceStub(channel)
        versions.ApplyManifest(yaml_versions_pb2.ApplyManifestRequest(
            cluster="clusters/modes", namespace="web", manifest=MANIFEST))
        versions.CreateBackup(yaml_versions_pb2.CreateBackupRequest(
            backup=yaml_versions_pb2.Backup(clusters=["clusters/modes"])))
    embedded.stop()  # everything flushed: WAL checkpoints, packs, journals
    for expected in ("containers.db", "clusters.sqlite", "tokens.db", "audit.db", "store",
                     "credentials.db"):
        assert (data / expected).exists(), expected
    assert _exposed(data) == []

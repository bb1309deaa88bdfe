"""Secrets go in through the API and come back out of it only as keys: versions, diffs and live
reads withhold the values, the store keeps them encrypted, and rollback still restores them."""

from __future__ import annotations

import base64

import grpc

from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, yaml_versions_pb2 as pb
from tests.support.auth import admin_token, with_token
from tests.versions.conftest import CLUSTER


def secret(namespace: str, password: str) -> str:
    encoded = base64.b64encode(password.encode()).decode()
    return (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: db, namespace: {namespace}}}\n"
            f"type: Opaque\ndata: {{password: {encoded}}}\n")


def test_secret_values_never_leave_the_api(versions, namespace, demo_server, sim) -> None:
    name = f"{CLUSTER}/namespaces/{namespace}/secrets/db"
    first, second = "hunter2-first", "hunter2-second"
    for password in (first, second):
        versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=secret(namespace, password)))
    encoded = {p: base64.b64encode(p.encode()).decode() for p in (first, second)}

    version = versions.GetVersion(pb.GetVersionRequest(name=f"{name}/versions/1"))
    assert dict(version.object["data"]) == {"password": "<redacted>"}
    diff = versions.DiffVersions(pb.DiffVersionsRequest(name=name, **{"from": "1", "to": "2"})).diff
    assert [c.redacted for c in diff.changes] == [True]
    shown = version.yaml + diff.unified_diff + str(diff.changes)
    assert not any(value in shown for value in (*encoded.values(), first, second))

    rolled = versions.RollbackResource(pb.RollbackResourceRequest(name=name, target="1", reason="test"))
    assert rolled.commit
    live = sim.call(lambda c: c.get(c.kind_type("Secret"), namespace, "db"))
    assert live["data"]["password"] == encoded[first]  # the value itself was restored

    with grpc.insecure_channel(demo_server.address) as ch:
        clusters = clusters_pb2_grpc.ClustersServiceStub(with_token(ch, admin_token(demo_server.settings.data_dir)))
        got = clusters.GetResource(clusters_pb2.GetResourceRequest(name=name))
    assert dict(got.object["data"]) == {"password": "<redacted>"}

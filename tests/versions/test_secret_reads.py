"""Secrets go in through the API and come back out of it only as keys: versions, diffs and live
reads withhold the values, the store keeps them encrypted, and rollback still restores them."""

from __future__ import annotations

import base64
import json

import grpc

from gitstore.secrets import LAST_APPLIED
from kubecommit.v1 import clusters_pb2, clusters_pb2_grpc, yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from kubesim.testing import run_kubectl
from tests.support.auth import admin_token, make_token, with_token
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


def test_values_kubectl_apply_records_in_the_last_applied_annotation_are_redacted(
        versions, namespace, demo_server, kubeconfig) -> None:
    """`kubectl apply` keeps the whole Secret it sent, values included, in an annotation; no read
    a viewer can make returns them, in any field of any response."""
    plain, other, later = "s3cret-plain-value", "an0ther-plain-value", "chang3d-plain-value"

    def apply(password: str) -> None:
        manifest = (f"apiVersion: v1\nkind: Secret\nmetadata: {{name: applied, namespace: {namespace}}}\n"
                    f"type: Opaque\ndata: {{password: {base64.b64encode(password.encode()).decode()}}}\n"
                    f"stringData: {{token: {other}}}\n")
        run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=manifest)

    apply(plain)
    run_kubectl(kubeconfig, "create", "secret", "generic", "made", "-n", namespace, f"--from-literal=password={other}")
    values = [plain, other, later, *(base64.b64encode(v.encode()).decode() for v in (plain, other, later))]
    name = f"{CLUSTER}/namespaces/{namespace}/secrets/applied"
    admin_view = clusters_stub(demo_server, admin_token(demo_server.settings.data_dir))
    raw = admin_view.GetResource(clusters_pb2.GetResourceRequest(name=name))
    recorded = json.loads(raw.object["metadata"]["annotations"][LAST_APPLIED])  # the annotation is there
    assert recorded["data"] == {"password": "<redacted>"} and recorded["stringData"] == {"token": "<redacted>"}
    versions.ImportDrift(pb.ImportDriftRequest(cluster=CLUSTER, namespace=namespace, resource_type="secrets",
                                               names=[name]))
    apply(later)  # drift again, with a changed value

    viewer = make_token(demo_server, f"vera-{namespace}", "viewer", clusters=["demo"], namespaces=[namespace])
    live = clusters_stub(demo_server, viewer)
    with grpc.insecure_channel(demo_server.address) as ch:
        history = yaml_versions_pb2_grpc.YamlVersionsServiceStub(with_token(ch, viewer))
        responses = [
            live.GetResource(clusters_pb2.GetResourceRequest(name=name)),
            live.ListResources(clusters_pb2.ListResourcesRequest(parent=CLUSTER, namespace=namespace,
                                                                 resource_type="secrets")),
            live.CompareResources(clusters_pb2.CompareResourcesRequest(
                names=[name, f"{CLUSTER}/namespaces/{namespace}/secrets/made"])),
            history.GetVersion(pb.GetVersionRequest(name=f"{name}/versions/1")),
            history.DiffVersions(pb.DiffVersionsRequest(name=name, **{"from": "1", "to": "live"})),
            history.DetectDrift(pb.DetectDriftRequest(cluster=CLUSTER, namespace=namespace, resource_type="secrets")),
        ]
    for response in responses:
        shown = response.SerializeToString()
        assert not [v for v in values if v.encode() in shown], type(response).__name__
    listed = {o.object_name: o for o in responses[1].resources}
    assert LAST_APPLIED in listed["applied"].yaml and "<redacted>" in listed["applied"].yaml
    assert [c.redacted for c in responses[4].diff.changes] == [True]  # the value changed, unseen
    assert {d.drift_type for d in responses[5].resources} >= {pb.DRIFT_TYPE_MODIFIED}


def clusters_stub(demo_server, token: str) -> clusters_pb2_grpc.ClustersServiceStub:
    channel = grpc.insecure_channel(demo_server.address)
    return clusters_pb2_grpc.ClustersServiceStub(with_token(channel, token))

"""A rollback starts from the live object: its preview shows what the cluster will see change,
and reverting an out-of-band edit is recorded (the drift as an import, then the rollback) even
when the target equals the stored head, so the cluster never changes without a commit."""

from __future__ import annotations

import json

from kubecommit.v1 import yaml_versions_pb2 as pb
from kubesim.testing import run_kubectl
from tests.versions.conftest import CLUSTER, deployment, resource


def _image(kubeconfig, namespace: str) -> str:
    out = run_kubectl(kubeconfig, "get", "deployment", "api", "-n", namespace, "-o", "json")
    return json.loads(out.stdout)["spec"]["template"]["spec"]["containers"][0]["image"]


def test_rollback_to_the_head_after_drift_is_recorded(versions, namespace, kubeconfig) -> None:
    name = resource(namespace, "api")
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=deployment("api", namespace, "nginx:1.25"), message="deploy api"))
    run_kubectl(kubeconfig, "set", "image", "deployment/api", "web=nginx:9.9", "-n", namespace)

    preview = versions.RollbackResource(pb.RollbackResourceRequest(name=name, target="1", dry_run=True))
    image = [c for c in preview.diff.changes if c.path.endswith("image")]
    assert [(c.old_value.string_value, c.new_value.string_value) for c in image] == [("nginx:9.9", "nginx:1.25")]
    assert _image(kubeconfig, namespace) == "nginx:9.9"  # a preview changes nothing

    rolled = versions.RollbackResource(pb.RollbackResourceRequest(name=name, target="1", reason="undo hotfix"))
    assert rolled.commit and rolled.version == 3
    assert _image(kubeconfig, namespace) == "nginx:1.25"
    history = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions
    assert [(v.version, v.operation) for v in history] == [
        (3, pb.OPERATION_ROLLBACK), (2, pb.OPERATION_IMPORT), (1, pb.OPERATION_APPLY)]
    drifted = versions.GetVersion(pb.GetVersionRequest(name=f"{name}/versions/2"))
    assert "nginx:9.9" in drifted.yaml


def test_rollback_without_drift_records_only_the_rollback(versions, namespace) -> None:
    name = resource(namespace, "api")
    for image in ("nginx:1.25", "nginx:1.26"):
        versions.ApplyManifest(pb.ApplyManifestRequest(
            cluster=CLUSTER, manifest=deployment("api", namespace, image), message=image))
    versions.RollbackResource(pb.RollbackResourceRequest(name=name, target="1"))
    history = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions
    assert [v.operation for v in history] == [pb.OPERATION_ROLLBACK, pb.OPERATION_APPLY, pb.OPERATION_APPLY]

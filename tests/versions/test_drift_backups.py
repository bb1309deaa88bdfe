"""Drift made outside kubecommit (kubectl), detected and imported; backups created, verified,
restored into branches, and deleted in dependency order."""

from __future__ import annotations

import grpc
import pytest

from kubecommit.v1 import yaml_versions_pb2 as pb
from kubesim.testing import run_kubectl
from tests.support.status import details
from tests.versions.conftest import CLUSTER, deployment, resource


def test_drift_detected_and_imported(versions, namespace, kubeconfig) -> None:
    manifest = deployment("edited", namespace) + "---\n" + deployment("removed", namespace)
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=manifest))
    clean = versions.DetectDrift(pb.DetectDriftRequest(cluster=CLUSTER, namespace=namespace))
    assert list(clean.resources) == [] and clean.checked == 2

    run_kubectl(kubeconfig, "scale", "deployment/edited", "-n", namespace, "--replicas=4")
    run_kubectl(kubeconfig, "delete", "deployment", "removed", "-n", namespace)
    run_kubectl(kubeconfig, "apply", "--validate=false", "-f", "-", input=deployment("stray", namespace, "busybox"))

    found = versions.DetectDrift(pb.DetectDriftRequest(cluster=CLUSTER, namespace=namespace))
    kinds = {r.name: r.drift_type for r in found.resources}
    assert kinds == {resource(namespace, "edited"): pb.DRIFT_TYPE_MODIFIED,
                     resource(namespace, "removed"): pb.DRIFT_TYPE_DELETED,
                     resource(namespace, "stray"): pb.DRIFT_TYPE_ADDED}
    edited = next(r for r in found.resources if r.drift_type == pb.DRIFT_TYPE_MODIFIED)
    assert [(c.path, c.old_value.number_value, c.new_value.number_value) for c in edited.diff.changes] == [
        ("spec.replicas", 1, 4)]

    only = versions.ImportDrift(pb.ImportDriftRequest(cluster=CLUSTER, names=[resource(namespace, "edited")],
                                                      message="kubectl scale during the incident"))
    assert only.commit and [r.name for r in only.imported] == [resource(namespace, "edited")]
    history = versions.ListVersions(pb.ListVersionsRequest(parent=resource(namespace, "edited")))
    assert history.versions[0].operation == pb.OPERATION_IMPORT and history.total_size == 2

    rest = versions.ImportDrift(pb.ImportDriftRequest(cluster=CLUSTER, namespace=namespace))
    assert {r.name for r in rest.imported} == {resource(namespace, "removed"), resource(namespace, "stray")}
    assert versions.ListVersions(pb.ListVersionsRequest(parent=resource(namespace, "removed"))).versions[0].deleted
    after = versions.DetectDrift(pb.DetectDriftRequest(cluster=CLUSTER, namespace=namespace))
    assert list(after.resources) == []

    with pytest.raises(grpc.RpcError) as missing:
        versions.ImportDrift(pb.ImportDriftRequest(cluster=CLUSTER, names=[resource(namespace, "edited")]))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


def test_diff_against_live(versions, namespace, kubeconfig) -> None:
    name = resource(namespace, "live")
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("live", namespace)))
    run_kubectl(kubeconfig, "label", "deployment", "live", "-n", namespace, "team=ops")
    diff = versions.DiffVersions(pb.DiffVersionsRequest(name=name, **{"from": "1", "to": "live"}))
    assert diff.to_revision == "live"
    assert [(c.path, c.new_value.string_value) for c in diff.diff.changes] == [("metadata.labels.team", "ops")]


def test_backup_verify_restore_delete(versions, namespace, demo_server) -> None:
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("saved", namespace)))
    full = versions.CreateBackup(pb.CreateBackupRequest(
        backup_id=f"full-{namespace}", backup=pb.Backup(clusters=[CLUSTER], description="before the upgrade")))
    assert full.name == f"backups/full-{namespace}" and full.clusters == [CLUSTER]
    assert full.refs["refs/heads/main"] and full.size_bytes > 0 and full.created_by
    on_disk = demo_server.settings.data_dir / "backups" / f"full-{namespace}.bundle.enc"
    assert on_disk.exists() and b"saved" not in on_disk.read_bytes()  # encrypted

    checked = versions.VerifyBackup(pb.VerifyBackupRequest(name=full.name))
    assert checked.valid and checked.commit_count >= 2

    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("saved", namespace, "nginx:2")))
    incremental = versions.CreateBackup(pb.CreateBackupRequest(
        backup_id=f"inc-{namespace}", backup=pb.Backup(base_backup=full.name)))
    assert incremental.base_backup == full.name
    assert versions.VerifyBackup(pb.VerifyBackupRequest(name=incremental.name)).commit_count == 1
    listed = [b.name for b in versions.ListBackups(pb.ListBackupsRequest(page_size=1000)).backups]
    assert {full.name, incremental.name} <= set(listed)

    restored = versions.RestoreBackup(pb.RestoreBackupRequest(name=full.name))
    branch = restored.branches["refs/heads/main"]
    assert branch == f"branches/restore/full-{namespace}/main"
    old = versions.ListVersions(pb.ListVersionsRequest(parent=resource(namespace, "saved"),
                                                       branch=branch.removeprefix("branches/")))
    assert old.total_size == 1  # the branch holds the store as it was
    assert versions.ListVersions(pb.ListVersionsRequest(parent=resource(namespace, "saved"))).total_size == 2

    with pytest.raises(grpc.RpcError) as refused:
        versions.DeleteBackup(pb.DeleteBackupRequest(name=full.name))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # the incremental depends on it
    versions.DeleteBackup(pb.DeleteBackupRequest(name=incremental.name))
    versions.DeleteBackup(pb.DeleteBackupRequest(name=full.name))
    assert not on_disk.exists()


def test_corrupt_backup_reported_invalid(versions, demo_server) -> None:
    backup = versions.CreateBackup(pb.CreateBackupRequest(backup_id="corrupt-me"))
    path = demo_server.settings.data_dir / "backups" / "corrupt-me.bundle.enc"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    checked = versions.VerifyBackup(pb.VerifyBackupRequest(name=backup.name))
    assert not checked.valid and "sha256" in checked.error
    with pytest.raises(grpc.RpcError) as missing:
        versions.VerifyBackup(pb.VerifyBackupRequest(name="backups/nope"))
    assert details(missing.value).code == grpc.StatusCode.NOT_FOUND


def test_restore_applies_the_backup_after_a_dry_run(versions, namespace, sim) -> None:
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("keep", namespace, "nginx:1")))
    backup = versions.CreateBackup(pb.CreateBackupRequest(backup_id=f"apply-{namespace}"))
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("keep", namespace, "nginx:2")))
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("later", namespace)))
    keep, later = resource(namespace, "keep"), resource(namespace, "later")

    def live(name: str) -> dict | None:
        return sim.call(lambda c: c.store.get(c.kind_type("Deployment", "apps").key, namespace, name))

    request = pb.RestoreBackupRequest(name=backup.name, apply=True, dry_run=True,
                                      prefix=f"{CLUSTER}/namespaces/{namespace}")
    preview = versions.RestoreBackup(request)
    assert preview.dry_run and not preview.commit
    assert {r.name: r.result for r in preview.resources} == {keep: "would-apply", later: "would-apply"}
    image = next(r for r in preview.resources if r.name == keep).diff.changes
    assert [(c.path, c.old_value.string_value, c.new_value.string_value) for c in image] == [
        ("spec.template.spec.containers[name=web].image", "nginx:2", "nginx:1")]
    assert live("keep")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"  # untouched

    request.dry_run = False
    done = versions.RestoreBackup(request)  # the branches restored by the preview are reused
    assert done.commit and {r.result for r in done.resources} == {"applied"}
    assert live("keep")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1"
    assert live("later") is None  # made after the backup: gone, as in the backup
    newest = versions.ListVersions(pb.ListVersionsRequest(parent=keep)).versions[0]
    assert newest.operation == pb.OPERATION_ROLLBACK and newest.commit == done.commit
    assert versions.ListVersions(pb.ListVersionsRequest(parent=later)).versions[0].deleted

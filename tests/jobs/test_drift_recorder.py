"""Out-of-band changes become versions by themselves: `kubectl set image` and `kubectl edit` on a
simulated cluster show up in ListVersions within one recorder interval, authored by the recorder
with the field manager that made them, without anyone calling ImportDrift."""

from __future__ import annotations

import uuid

from kubecommit.v1 import operations_pb2 as opb, yaml_versions_pb2 as pb
from kubesim.testing import run_kubectl
from tests.jobs.conftest import operations_stub, versions_stub, wait_for
from tests.versions.conftest import deployment


def _deployed(server, cluster: str):
    """A deployment `web` in a fresh namespace, applied through kubecommit (tracked in main)."""
    versions = versions_stub(server)
    ns = f"d-{uuid.uuid4().hex[:6]}"
    versions.ApplyManifest(pb.ApplyManifestRequest(
        cluster=f"clusters/{cluster}",
        manifest=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n---\n" + deployment("web", ns)))
    return versions, ns, f"clusters/{cluster}/namespaces/{ns}/deployments.apps/web"


def test_kubectl_changes_are_recorded_by_the_recorder(jobs_server, kubeconfig, monkeypatch) -> None:
    server, cluster = jobs_server(drift_recorder_schedule="every 1s")
    versions, ns, name = _deployed(server, cluster)

    run_kubectl(kubeconfig, "set", "image", "deployment/web", "web=nginx:1.27", "-n", ns)

    def recorded():
        top = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions[0]
        return top if top.author_name == "drift-recorder" else None
    top = wait_for(recorded)
    assert top, "the recorder did not import the change within its interval"
    assert top.operation == pb.OPERATION_IMPORT
    assert "by kubectl-set" in top.message and "Field-Manager: kubectl-set" in top.message
    shown = versions.GetVersion(pb.GetVersionRequest(name=top.name))
    assert "nginx:1.27" in shown.yaml

    # `kubectl edit` (its editor a sed script) is a second recorder version.
    monkeypatch.setenv("KUBE_EDITOR", "sed -i -e s/nginx:1.27/nginx:1.28/")
    run_kubectl(kubeconfig, "edit", "--validate=false", "deployment/web", "-n", ns)
    later = wait_for(lambda: (v := versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions[0])
                     .version > top.version and v)
    assert later and later.author_name == "drift-recorder" and "kubectl-edit" in later.message
    assert "nginx:1.28" in versions.GetVersion(pb.GetVersionRequest(name=later.name)).yaml
    # The audit log shows the recorder's runs that imported, with what they touched.
    events = server.server.runtime.audit.query(caller="drift-recorder", rpc=f"job:drift-{cluster}")
    assert any(name in e.targets and e.code == "OK" and e.request_id.startswith("job-") for e in events)
    clean = versions.DetectDrift(pb.DetectDriftRequest(cluster=f"clusters/{cluster}", namespace=ns))
    assert list(clean.resources) == []


def test_alert_mode_and_off_per_cluster_import_nothing(jobs_server, kubeconfig) -> None:
    server, cluster = jobs_server(drift_recorder_schedule="every 1s", drift_recorder_mode="alert")
    versions, ns, name = _deployed(server, cluster)
    run_kubectl(kubeconfig, "scale", "deployment/web", "-n", ns, "--replicas=3")
    operations = server.server.runtime.operations

    def drift_alert():
        alerts = server.run(operations.alerts.list(rule="drift", open_only=True))
        return [a for a in alerts if a.subject == f"clusters/{cluster}"]
    alerts = wait_for(drift_alert)
    assert len(alerts) == 1 and "changed outside kubecommit" in alerts[0].message
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name)).total_size == 1  # nothing imported

    # The cluster is deleted: no recorder runs for it any more; housekeeping resolves its alert.
    server.run(operations.runner.pause(f"drift-{cluster}"))  # no run in flight re-raises it meanwhile
    server.run(server.server.runtime.clusters.delete(cluster))
    ops = operations_stub(server)
    ops.RunJob(opb.RunJobRequest(name="jobs/housekeeping"))
    assert wait_for(lambda: ops.ListAlerts(opb.ListAlertsRequest(
        filter=f"rule=drift subject=clusters/{cluster} state=resolved")).alerts)
    assert f"jobs/drift-{cluster}" not in {j.name for j in ops.ListJobs(opb.ListJobsRequest()).jobs}

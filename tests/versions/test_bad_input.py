"""Bad input gets the right code and names the field; racing writers lose cleanly; a manifest
the cluster refuses leaves both the cluster and the store untouched."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from kubecommit.v1 import yaml_versions_pb2 as pb
from kubesim.testing import run_kubectl
from tests.support.status import details
from tests.versions.conftest import CLUSTER, deployment, resource


def refused(call, request) -> object:
    with pytest.raises(grpc.RpcError) as error:
        call(request)
    return details(error.value)


def test_manifest_errors_name_the_field(versions, namespace) -> None:
    apply = versions.ApplyManifest
    bad_yaml = refused(apply, pb.ApplyManifestRequest(cluster=CLUSTER, manifest="kind: Pod\nmetadata:\n  name: [x\n"))
    assert bad_yaml.code == grpc.StatusCode.INVALID_ARGUMENT and bad_yaml.reason == "YAML_SYNTAX"
    assert "line 4, column 1" in bad_yaml.message and bad_yaml.metadata["line"] == "4"

    nameless = deployment("ok", namespace) + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n"
    missing = refused(apply, pb.ApplyManifestRequest(cluster=CLUSTER, manifest=nameless))
    assert missing.code == grpc.StatusCode.INVALID_ARGUMENT and "manifest[1].metadata.name" in missing.violations
    no_kind = refused(apply, pb.ApplyManifestRequest(cluster=CLUSTER, manifest="apiVersion: v1\nmetadata: {name: x}\n"))
    assert "manifest[0].kind" in no_kind.violations

    unknown = refused(apply, pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest="apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n"))
    assert unknown.code == grpc.StatusCode.INVALID_ARGUMENT and "manifest[0].kind" in unknown.violations

    scoped = refused(apply, pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: x, namespace: {namespace}}}\n"))
    assert "manifest[0].metadata.namespace" in scoped.violations

    assert refused(apply, pb.ApplyManifestRequest(cluster="clusters/nope", manifest=deployment("x", namespace))
                   ).code == grpc.StatusCode.NOT_FOUND
    assert "cluster" in refused(apply, pb.ApplyManifestRequest(cluster="demo", manifest="a: b")).violations
    assert versions.ListCommits(pb.ListCommitsRequest(prefix=f"{CLUSTER}/namespaces/{namespace}")).commits == []


def test_unknown_revisions_and_branch_rules(versions, namespace) -> None:
    name = resource(namespace, "known")
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("known", namespace)))
    not_found = grpc.StatusCode.NOT_FOUND
    assert refused(versions.GetVersion, pb.GetVersionRequest(name=f"{name}/versions/9")).code == not_found
    assert refused(versions.GetVersion, pb.GetVersionRequest(name=f"{name}/versions/no-such-tag")).code == not_found
    assert refused(versions.DiffVersions, pb.DiffVersionsRequest(name=name, **{"from": "tags/nope"})).code == not_found
    assert refused(versions.ListVersions, pb.ListVersionsRequest(parent=name, branch="nope")).code == not_found
    assert refused(versions.ListVersions, pb.ListVersionsRequest(parent=resource(namespace, "never"))
                   ).code == not_found
    assert refused(versions.MergeBranch, pb.MergeBranchRequest(source="branches/nope")).code == not_found

    into_itself = refused(versions.MergeBranch, pb.MergeBranchRequest(source="branches/main"))
    assert into_itself.code == grpc.StatusCode.FAILED_PRECONDITION and into_itself.reason == "MERGE_INTO_ITSELF"
    main = refused(versions.DeleteBranch, pb.DeleteBranchRequest(name="branches/main"))
    assert main.code == grpc.StatusCode.FAILED_PRECONDITION
    assert refused(versions.DeleteTag, pb.DeleteTagRequest(name="tags/nope")).code == not_found
    assert "name" in refused(versions.DiffVersions, pb.DiffVersionsRequest(name="nonsense", **{"from": "1"})
                             ).violations

    branch = f"gone-{namespace}"
    versions.CreateBranch(pb.CreateBranchRequest(branch_id=branch))
    assert refused(versions.CreateBranch, pb.CreateBranchRequest(branch_id=branch)).code == \
        grpc.StatusCode.ALREADY_EXISTS
    versions.DeleteBranch(pb.DeleteBranchRequest(name=f"branches/{branch}"))
    assert f"branches/{branch}" not in [b.name for b in versions.ListBranches(pb.ListBranchesRequest()).branches]


def test_racing_writers_loser_aborted_nothing_lost(versions, namespace, kubeconfig) -> None:
    """Both writers saw version 1 (its commit id is a store etag); exactly one wins."""
    name = resource(namespace, "raced")
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("raced", namespace)))
    seen = versions.ListVersions(pb.ListVersionsRequest(parent=name)).versions[0].commit

    def write(image: str) -> object:
        try:
            return versions.ApplyManifest(pb.ApplyManifestRequest(
                cluster=CLUSTER, manifest=deployment("raced", namespace, image), etags={name: seen}))
        except grpc.RpcError as error:
            return details(error)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(write, ["nginx:a", "nginx:b"]))
    winners = [o for o in outcomes if isinstance(o, pb.ApplyManifestResponse)]
    losers = [o for o in outcomes if not isinstance(o, pb.ApplyManifestResponse)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].code == grpc.StatusCode.ABORTED and losers[0].metadata["etag"]
    # The store and the cluster agree on the winner; the loser changed neither.
    won = winners[0].resources[0].diff.changes[0].new_value.string_value
    stored = versions.GetVersion(pb.GetVersionRequest(name=f"{name}/versions/2"))
    assert stored.object["spec"]["template"]["spec"]["containers"][0]["image"] == won
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name)).total_size == 2
    cluster = run_kubectl(kubeconfig, "get", "deployment", "raced", "-n", namespace,
                          "-o", "jsonpath={.spec.template.spec.containers[0].image}").stdout.decode()
    assert cluster == won

    live_rv = run_kubectl(kubeconfig, "get", "deployment", "raced", "-n", namespace,
                          "-o", "jsonpath={.metadata.resourceVersion}").stdout.decode()
    stale = refused(versions.ApplyManifest, pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=deployment("raced", namespace, "nginx:c"), etags={name: "1"}))
    assert stale.code == grpc.StatusCode.ABORTED and int(stale.metadata["etag"]) >= int(live_rv)
    assert versions.ListVersions(pb.ListVersionsRequest(parent=name)).total_size == 2


def test_refused_document_applies_nothing(versions, namespace, kubeconfig) -> None:
    good = deployment("fine", namespace)
    bad = deployment("broken", namespace).replace("replicas: 1", "replicas: -3")
    error = refused(versions.ApplyManifest, pb.ApplyManifestRequest(cluster=CLUSTER, manifest=good + "---\n" + bad))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and error.message.startswith("manifest[1]")
    assert run_kubectl(kubeconfig, "get", "deployment", "fine", "-n", namespace, check=False).returncode != 0
    assert versions.ListCommits(pb.ListCommitsRequest(prefix=resource(namespace, "fine"))).commits == []


def test_dry_run_and_delete(versions, namespace, kubeconfig) -> None:
    name = resource(namespace, "short")
    dry = versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("short", namespace),
                                                         dry_run=True))
    assert dry.dry_run and not dry.commit and dry.resources[0].action == "created"
    assert dry.resources[0].diff.summary.added > 0
    assert run_kubectl(kubeconfig, "get", "deployment", "short", "-n", namespace, check=False).returncode != 0

    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("short", namespace)))
    assert not versions.DeleteResource(pb.DeleteResourceRequest(name=name, dry_run=True)).commit
    gone = versions.DeleteResource(pb.DeleteResourceRequest(name=name, message="retire"))
    assert gone.commit
    assert run_kubectl(kubeconfig, "get", "deployment", "short", "-n", namespace, check=False).returncode != 0
    history = versions.ListVersions(pb.ListVersionsRequest(parent=name))
    assert [v.deleted for v in history.versions] == [True, False]
    assert history.versions[0].operation == pb.OPERATION_DELETE
    assert refused(versions.DeleteResource, pb.DeleteResourceRequest(name=name)).code == grpc.StatusCode.NOT_FOUND

"""The scope checks services make for what the interceptor cannot see, end to end against a
simulated cluster: the documents of a manifest, the resources a merge carries. And the caller
as the author of the commits it causes, read back through the API."""

from __future__ import annotations

import uuid
from typing import Iterator

import grpc
import pytest

from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from server.embedded import EmbeddedServer
from tests.support.auth import admin_token, make_token, with_token
from tests.support.status import details

CLUSTER = "clusters/demo"


def config_map(name: str, namespace: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {namespace}}}\ndata: {{k: v}}\n"


@pytest.fixture(scope="module")
def channel(demo_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(demo_server.address) as ch:
        yield ch


@pytest.fixture(scope="module")
def admin(channel: grpc.Channel, demo_server: EmbeddedServer) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(with_token(channel, admin_token(demo_server.settings.data_dir)))


@pytest.fixture(scope="module")
def team(admin: yaml_versions_pb2_grpc.YamlVersionsServiceStub) -> str:
    """The namespace the operator's token is scoped to."""
    name = f"team-{uuid.uuid4().hex[:6]}"
    admin.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n"), timeout=30)
    return name


@pytest.fixture(scope="module")
def operator(channel: grpc.Channel, demo_server: EmbeddedServer, team: str) -> yaml_versions_pb2_grpc.YamlVersionsServiceStub:
    token = make_token(demo_server, "olga", "operator", clusters=["demo"], namespaces=[team])
    return yaml_versions_pb2_grpc.YamlVersionsServiceStub(with_token(channel, token))


def test_manifest_documents_outside_the_scope_are_refused(operator, admin, team: str) -> None:
    name = f"cm-{uuid.uuid4().hex[:6]}"
    sneaky = config_map(name, team) + "---\n" + config_map(name, "kube-system")
    with pytest.raises(grpc.RpcError) as refused:
        operator.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, namespace=team, manifest=sneaky), timeout=30)
    got = details(refused.value)
    assert got.code == grpc.StatusCode.PERMISSION_DENIED and "resources.apply" in got.message
    assert "'kube-system'" in got.message
    # Nothing of it was applied or committed.
    history = admin.ListCommits(pb.ListCommitsRequest(prefix=f"{CLUSTER}/namespaces/{team}/"), timeout=30)
    assert not [c for c in history.commits if any(name in r for r in c.resources)]


def test_the_caller_is_the_author_of_its_commits(operator, team: str) -> None:
    name = f"cm-{uuid.uuid4().hex[:6]}"
    applied = operator.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, namespace=team, manifest=config_map(name, team), message="olga's change"), timeout=30)
    history = operator.ListCommits(pb.ListCommitsRequest(prefix=f"{CLUSTER}/namespaces/{team}/"), timeout=30)
    [commit] = [c for c in history.commits if c.id == applied.commit.removeprefix("commits/") or
                c.name == applied.commit]
    assert (commit.author_name, commit.author_email) == ("olga", "olga@kubecommit.local")


def test_a_merge_carrying_resources_outside_the_scope_is_refused(operator, admin, team: str) -> None:
    branch = f"draft-{uuid.uuid4().hex[:6]}"
    admin.CreateBranch(pb.CreateBranchRequest(branch_id=branch), timeout=30)
    admin.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, branch=f"branches/{branch}", manifest=config_map("x", "kube-system")), timeout=30)
    with pytest.raises(grpc.RpcError) as refused:
        operator.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", dry_run=True), timeout=30)
    got = details(refused.value)
    assert got.code == grpc.StatusCode.PERMISSION_DENIED and "'kube-system'" in got.message
    assert admin.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", dry_run=True), timeout=30)

"""Tags, branches and the log under scope, through real channels with tokens of several roles and
scopes: who may delete which ref (docs/security.md, "Refs"), ref names checked like git's
check-ref-format before any lookup, and ListCommits showing a scoped caller only its resources."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Callable, Iterator

import grpc
from dulwich.repo import Repo
import pytest

from gitstore import Author, LogEntry
from kubecommit.v1 import yaml_versions_pb2 as pb, yaml_versions_pb2_grpc
from server.context import Caller
from server.embedded import EmbeddedServer
from server.versions.history import within_scope
from tests.support.auth import admin_token, make_token, with_token
from tests.support.status import Details, details

CLUSTER = "clusters/demo"
Stub = yaml_versions_pb2_grpc.YamlVersionsServiceStub


def config_map(name: str, namespace: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {namespace}}}\ndata: {{k: v}}\n"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def channel(demo_server: EmbeddedServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(demo_server.address) as ch:
        yield ch


@pytest.fixture(scope="module")
def admin(channel: grpc.Channel, demo_server: EmbeddedServer) -> Stub:
    return Stub(with_token(channel, admin_token(demo_server.settings.data_dir)))


@pytest.fixture(scope="module")
def spaces(admin: Stub) -> tuple[str, str]:
    """Two namespaces: `web` for the scoped operator, `shop` for another team."""
    names = unique("web"), unique("shop")
    for name in names:
        admin.ApplyManifest(pb.ApplyManifestRequest(
            cluster=CLUSTER, manifest=f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n"), timeout=30)
    return names


@pytest.fixture(scope="module")
def as_user(channel: grpc.Channel, demo_server: EmbeddedServer) -> Callable[..., Stub]:
    def make(name: str, role: str = "operator", namespaces: tuple[str, ...] = ()) -> Stub:
        token = make_token(demo_server, unique(name), role, clusters=["demo"] if namespaces else [],
                           namespaces=namespaces)
        return Stub(with_token(channel, token))
    return make


def refused(call: Callable[[], object]) -> Details:
    with pytest.raises(grpc.RpcError) as error:
        call()
    return details(error.value)


def draft(stub: Stub, namespace: str) -> str:
    """A branch made by `stub`, carrying one change in `namespace`."""
    branch = unique("draft")
    stub.CreateBranch(pb.CreateBranchRequest(branch_id=branch), timeout=30)
    stub.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, branch=f"branches/{branch}",
                                               manifest=config_map(unique("cm"), namespace)), timeout=30)
    return f"branches/{branch}"


def test_an_admins_tag_is_deleted_by_admins_only(admin, as_user, spaces) -> None:
    web, _ = spaces
    tag = unique("release")
    admin.CreateTag(pb.CreateTagRequest(tag_id=tag, target="main"), timeout=30)
    for stub in (as_user("olga", namespaces=(web,)), as_user("uma")):  # scoped, and unscoped operator
        got = refused(lambda: stub.DeleteTag(pb.DeleteTagRequest(name=f"tags/{tag}"), timeout=30))
        assert (got.code, got.reason) == (grpc.StatusCode.PERMISSION_DENIED, "REF_PROTECTED"), got
    admin.DeleteTag(pb.DeleteTagRequest(name=f"tags/{tag}"), timeout=30)


def test_a_scoped_operator_deletes_only_refs_inside_its_scope_or_its_own(admin, as_user, spaces) -> None:
    web, shop = spaces
    olga, bob, uma = as_user("olga", namespaces=(web,)), as_user("bob", namespaces=(shop,)), as_user("uma")
    shops_draft = draft(bob, shop)
    got = refused(lambda: olga.DeleteBranch(pb.DeleteBranchRequest(name=shops_draft), timeout=30))
    assert (got.code, got.reason) == (grpc.StatusCode.PERMISSION_DENIED, "OUT_OF_SCOPE"), got
    assert shop not in got.message  # the refusal names no resource of the other scope
    # A tag on bob's draft commit carries the shop change too.
    tag = unique("shop-tag")
    bob.CreateTag(pb.CreateTagRequest(tag_id=tag, target=shops_draft), timeout=30)
    got = refused(lambda: olga.DeleteTag(pb.DeleteTagRequest(name=f"tags/{tag}"), timeout=30))
    assert got.reason == "OUT_OF_SCOPE"
    bob.DeleteTag(pb.DeleteTagRequest(name=f"tags/{tag}"), timeout=30)  # its maker may
    bob.DeleteBranch(pb.DeleteBranchRequest(name=shops_draft), timeout=30)

    webs_draft = draft(uma, web)  # made by someone else, all of it inside olga's scope
    olga.DeleteBranch(pb.DeleteBranchRequest(name=webs_draft), timeout=30)
    mixed = draft(uma, web)
    uma.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, branch=mixed, manifest=config_map("x", shop)),
                      timeout=30)
    got = refused(lambda: olga.DeleteBranch(pb.DeleteBranchRequest(name=mixed), timeout=30))
    assert got.reason == "OUT_OF_SCOPE"
    own = draft(olga, web)
    olga.DeleteBranch(pb.DeleteBranchRequest(name=own), timeout=30)
    listed = {b.name for b in admin.ListBranches(pb.ListBranchesRequest(page_size=1000), timeout=30).branches}
    assert mixed in listed and own not in listed and webs_draft not in listed


def test_restored_branches_are_protected(admin, as_user, spaces) -> None:
    web, _ = spaces
    backup = admin.CreateBackup(pb.CreateBackupRequest(backup_id=unique("refs")), timeout=60)
    restored = admin.RestoreBackup(pb.RestoreBackupRequest(name=backup.name), timeout=60)
    main = restored.branches["refs/heads/main"]
    assert main.startswith("branches/restore/")
    for stub in (as_user("olga", namespaces=(web,)), as_user("uma")):
        got = refused(lambda: stub.DeleteBranch(pb.DeleteBranchRequest(name=main), timeout=30))
        assert (got.code, got.reason) == (grpc.StatusCode.PERMISSION_DENIED, "REF_PROTECTED"), got
    admin.DeleteBranch(pb.DeleteBranchRequest(name=main), timeout=30)
    admin.DeleteBackup(pb.DeleteBackupRequest(name=backup.name), timeout=30)


@pytest.mark.parametrize("bad", ["../../HEAD", "a..b", "-rf", "x/.hidden", "ends.lock", "sp ace", "a@{1}",
                                 "col:on", "trailing/", "ctl\x01", "HEAD", "x" * 300])
def test_invalid_ref_names_are_invalid_arguments_naming_the_field(admin, bad: str) -> None:
    calls = {
        "name": lambda: admin.DeleteBranch(pb.DeleteBranchRequest(name=f"branches/{bad}"), timeout=30),
        "branch": lambda: admin.ListCommits(pb.ListCommitsRequest(branch=f"branches/{bad}"), timeout=30),
        "branch_id": lambda: admin.CreateBranch(pb.CreateBranchRequest(branch_id=bad), timeout=30),
        "tag_id": lambda: admin.CreateTag(pb.CreateTagRequest(tag_id=bad), timeout=30),
        "target": lambda: admin.CreateTag(pb.CreateTagRequest(tag_id=unique("t"), target=f"tags/{bad}"),
                                          timeout=30),
        "from": lambda: admin.CreateBranch(pb.CreateBranchRequest(branch_id=unique("b"), **{"from": bad}),
                                           timeout=30),
    }
    for field, call in calls.items():
        got = refused(call)
        assert got.code == grpc.StatusCode.INVALID_ARGUMENT, (field, got)
        assert list(got.violations) == [field], (field, got)
    got = refused(lambda: admin.DeleteTag(pb.DeleteTagRequest(name=f"tags/{bad}"), timeout=30))
    assert (got.code, list(got.violations)) == (grpc.StatusCode.INVALID_ARGUMENT, ["name"])


def test_list_commits_shows_a_scoped_caller_only_its_resources(admin, as_user, spaces) -> None:
    web, shop = spaces
    both = admin.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=config_map("pair", web) + "---\n" + config_map("pair", shop),
        message=f"move the shop's postgres-0 password into {shop}"), timeout=30)
    alone = admin.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=config_map("alone", web), message="web only"), timeout=30)
    viewer = as_user("vera", role="viewer", namespaces=(web,))
    listed = viewer.ListCommits(pb.ListCommitsRequest(prefix=f"{CLUSTER}/namespaces/{web}/"), timeout=30)
    commits = {c.id: c for c in listed.commits}
    shared, own = commits[both.commit.removeprefix("commits/")], commits[alone.commit.removeprefix("commits/")]
    assert list(shared.resources) == [f"{CLUSTER}/namespaces/{web}/configmaps/pair"]
    assert shop not in shared.message and "outside the caller's scope" in shared.message
    assert own.message == "web only" and list(own.resources) == [f"{CLUSTER}/namespaces/{web}/configmaps/alone"]
    assert shop not in listed.SerializeToString().decode(errors="replace")
    full = admin.ListCommits(pb.ListCommitsRequest(prefix=f"{CLUSTER}/namespaces/{web}/"), timeout=30)
    assert {c.id: c for c in full.commits}[shared.id].message.endswith(shop)  # admins see it all
    # The resource's versions withhold the same message.
    pair = f"{CLUSTER}/namespaces/{web}/configmaps/pair"
    [version] = viewer.ListVersions(pb.ListVersionsRequest(parent=pair), timeout=30).versions
    got = viewer.GetVersion(pb.GetVersionRequest(name=version.name), timeout=30)
    assert shop not in version.message + got.message and got.message == shared.message
    assert admin.GetVersion(pb.GetVersionRequest(name=version.name), timeout=30).message.endswith(shop)


def test_commits_with_nothing_in_scope_are_left_out() -> None:
    def entry(*paths: str) -> LogEntry:
        return LogEntry(commit_id="c" * 40, author=Author("a", "a@x"), time=datetime.now(timezone.utc),
                        message="names shop", operation="apply", request_id="", paths=paths)

    web = Caller("vera", "vera@x", "viewer", clusters=("demo",), namespaces=("web",))
    entries = [entry("clusters/demo/namespaces/shop/configmaps/a.yaml"),
               entry("clusters/prod/namespaces/web/configmaps/a.yaml"),
               entry("clusters/demo/namespaces/web/configmaps/a.yaml")]
    assert [e.paths for e in within_scope(web, entries)] == [("clusters/demo/namespaces/web/configmaps/a.yaml",)]
    assert within_scope(Caller("root", "root@x"), entries) == entries


def test_list_tags_withholds_the_message_of_a_tag_whose_commit_reaches_outside_the_scope(
        admin, as_user, spaces) -> None:
    web, shop = spaces
    both = admin.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=config_map("tagged", web) + "---\n" + config_map("tagged", shop)), timeout=30)
    alone = admin.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=config_map("tagged-alone", web)),
                                timeout=30)
    mixed, own = unique("mixed"), unique("web-only")
    admin.CreateTag(pb.CreateTagRequest(tag_id=mixed, target=both.commit.removeprefix("commits/"),
                                        tag=pb.Tag(message=f"rotated {shop}'s database password")), timeout=30)
    admin.CreateTag(pb.CreateTagRequest(tag_id=own, target=alone.commit.removeprefix("commits/"),
                                        tag=pb.Tag(message="web release")), timeout=30)

    def messages(stub: Stub) -> dict[str, str]:
        listed = stub.ListTags(pb.ListTagsRequest(page_size=1000), timeout=30)
        return {t.name: t.message for t in listed.tags}

    seen = messages(as_user("vera", role="viewer", namespaces=(web,)))
    assert shop not in seen[f"tags/{mixed}"] and "outside the caller's scope" in seen[f"tags/{mixed}"]
    assert seen[f"tags/{own}"] == "web release"
    assert messages(as_user("uma", role="viewer"))[f"tags/{mixed}"].endswith("database password")  # unscoped
    assert messages(admin)[f"tags/{mixed}"].endswith("database password")


def test_a_merge_reaching_outside_the_scope_is_refused_before_its_conflicts_are_shown(
        admin, as_user, spaces) -> None:
    web, shop = spaces
    name = unique("clash")

    def value(v: str) -> str:
        return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: {shop}}}\ndata: {{k: {v}}}\n"
    admin.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=value("base")), timeout=30)
    branch = unique("clash")
    admin.CreateBranch(pb.CreateBranchRequest(branch_id=branch), timeout=30)
    admin.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, branch=f"branches/{branch}",
                                                manifest=value("theirs-secret-value")), timeout=30)
    admin.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=value("ours-secret-value")), timeout=30)
    olga = as_user("olga", namespaces=(web,))
    for dry_run in (False, True):
        got = refused(lambda: olga.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}", dry_run=dry_run),
                                               timeout=30))
        assert got.code == grpc.StatusCode.PERMISSION_DENIED, got
        assert "secret-value" not in str(got) and name not in str(got), got
    got = refused(lambda: admin.MergeBranch(pb.MergeBranchRequest(source=f"branches/{branch}"), timeout=30))
    assert got.reason == "MERGE_CONFLICT"  # the conflict is real: an admin is told of it


def forget_maker(server: EmbeddedServer, ref: str) -> None:
    """`ref` as one made before makers were recorded (or pushed by git): no owner blob beside it."""
    repo = Repo(str(server.settings.data_dir / "store"))
    owner = b"refs/owners/" + ref.encode().removeprefix(b"refs/")
    assert repo.refs.remove_if_equals(owner, None) and owner not in repo.refs


def test_a_ref_of_unknown_maker_is_deleted_by_admins_or_a_caller_scoped_to_all_it_carries(
        admin, as_user, spaces, demo_server) -> None:
    web, shop = spaces
    olga, bob, uma = as_user("olga", namespaces=(web,)), as_user("bob", namespaces=(shop,)), as_user("uma")
    webs = draft(olga, web)  # olga's own, until its maker is forgotten
    forget_maker(demo_server, "refs/heads/" + webs.removeprefix("branches/"))
    for stub in (uma, bob):  # an unscoped operator (no scope ties it to the ref); another scope
        got = refused(lambda: stub.DeleteBranch(pb.DeleteBranchRequest(name=webs), timeout=30))
        assert (got.code, got.reason) == (grpc.StatusCode.PERMISSION_DENIED,
                                          "REF_PROTECTED" if stub is uma else "OUT_OF_SCOPE"), got
    olga.DeleteBranch(pb.DeleteBranchRequest(name=webs), timeout=30)  # everything it carries is in web

    empty = unique("empty")  # carries no change: nothing ties it to any scope
    uma.CreateBranch(pb.CreateBranchRequest(branch_id=empty), timeout=30)
    forget_maker(demo_server, f"refs/heads/{empty}")
    got = refused(lambda: olga.DeleteBranch(pb.DeleteBranchRequest(name=f"branches/{empty}"), timeout=30))
    assert got.reason == "REF_PROTECTED", got

    tag = unique("legacy")  # a tag of unknown maker on a commit changing web and shop
    both = admin.ApplyManifest(pb.ApplyManifestRequest(
        cluster=CLUSTER, manifest=config_map("legacy", web) + "---\n" + config_map("legacy", shop)), timeout=30)
    uma.CreateTag(pb.CreateTagRequest(tag_id=tag, target=both.commit.removeprefix("commits/")), timeout=30)
    forget_maker(demo_server, f"refs/tags/{tag}")
    got = refused(lambda: olga.DeleteTag(pb.DeleteTagRequest(name=f"tags/{tag}"), timeout=30))
    assert got.reason == "OUT_OF_SCOPE" and shop not in got.message, got
    got = refused(lambda: uma.DeleteTag(pb.DeleteTagRequest(name=f"tags/{tag}"), timeout=30))
    assert got.reason == "REF_PROTECTED", got
    admin.DeleteTag(pb.DeleteTagRequest(name=f"tags/{tag}"), timeout=30)
    admin.DeleteBranch(pb.DeleteBranchRequest(name=f"branches/{empty}"), timeout=30)

"""GitOps verbs on the store: `history`, `diff`, `rollback`, `tag`, `branch`, `merge`, `drift`,
`backup`, with argocd's care: a rollback shows what it will do to the live object and asks
first; on a non-terminal it needs `--yes`.

Resources are named `clusters/...` or, like kubectl, `TYPE/NAME` (`deploy/frontend`) in the
chosen cluster and namespace.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from clients.cli.clusters import enum_name, follow_progress, full, when
from clients.cli.connection import cluster_of, remote
from clients.cli.diffs import json_value, print_diff
from clients.cli.errors import CliError
from clients.cli.printers import table
from clients.cli.resources import CLUSTER, NAMESPACE, resource_name
from kubecommit.v1 import clusters_pb2, yaml_versions_pb2

RESOURCE = typer.Argument(..., help="TYPE/NAME (deploy/frontend) or a resource name (clusters/...).")
tag_app = typer.Typer(help="Name versions of the store (production-ready).", no_args_is_help=True)
branch_app = typer.Typer(help="Draft branches: apply --branch X, then merge X.", no_args_is_help=True)
drift_app = typer.Typer(help="Live objects that differ from main: detect, then import.", no_args_is_help=True)
backup_app = typer.Typer(help="Encrypted, verifiable backups of the store.", no_args_is_help=True)


def head_version(ctx: typer.Context, name: str) -> str:
    rpc = remote(ctx)
    page = rpc.call(rpc.versions.ListVersions, yaml_versions_pb2.ListVersionsRequest(parent=name, page_size=1))
    if not page.versions:
        raise CliError(f"{name} has no stored version", "apply it or sync its cluster first")
    return str(page.versions[0].version)


def history(ctx: typer.Context, name: str = RESOURCE, cluster: Optional[str] = CLUSTER,
            namespace: Optional[str] = NAMESPACE, branch: str = typer.Option("", help="A draft branch.")) -> None:
    """Versions of one resource, newest first (`*` marks the current one)."""
    full_name = resource_name(ctx, name, cluster, namespace)
    rpc = remote(ctx)
    rows = [[f"{v.version}{'*' if v.current else ''}", v.commit[:12], v.author_name, when(v.commit_time),
             enum_name(yaml_versions_pb2.Operation, "OPERATION_", v.operation).lower(), ",".join(v.tags),
             v.message.splitlines()[0] if v.message else ""]
            for v in rpc.pages(rpc.versions.ListVersions, lambda t: yaml_versions_pb2.ListVersionsRequest(
                parent=full_name, branch=branch, page_token=t), "versions")]
    if not rows:
        raise CliError(f"no versions of {full_name}", "apply it, or sync its cluster, to start its history")
    table(["VERSION", "COMMIT", "AUTHOR", "TIME", "OPERATION", "TAGS", "MESSAGE"], rows)


def show(ctx: typer.Context, name: str = RESOURCE,
         revision: str = typer.Argument("", help="Version number, commit or tag; the current version when empty."),
         cluster: Optional[str] = CLUSTER, namespace: Optional[str] = NAMESPACE) -> None:
    """One stored version of a resource, as YAML (Secret values stay redacted)."""
    full_name = resource_name(ctx, name, cluster, namespace)
    rpc = remote(ctx)
    version = rpc.call(rpc.versions.GetVersion, yaml_versions_pb2.GetVersionRequest(
        name=f"{full_name}/versions/{revision or head_version(ctx, full_name)}"))
    sys.stderr.write(f"# version {version.version}, commit {version.commit[:12]} by {version.author_name} "
                     f"at {when(version.commit_time)}\n")
    sys.stdout.write(version.yaml)


def diff(
    ctx: typer.Context,
    name: str = RESOURCE,
    from_: Optional[str] = typer.Option(None, "--from", help="Version, commit, tag, branches/X or live; "
                                                             "the current version by default."),
    to: str = typer.Option("live", "--to", help="Same forms; the live object by default."),
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
) -> None:
    """What differs between two revisions: by default the stored version (OLD) and the live object (NEW)."""
    full_name = resource_name(ctx, name, cluster, namespace)
    rpc = remote(ctx)
    reply = rpc.call(rpc.versions.DiffVersions, yaml_versions_pb2.DiffVersionsRequest(
        name=full_name, to=to, **{"from": from_ or head_version(ctx, full_name)}))
    if not reply.diff.changes and not reply.diff.unified_diff:
        sys.stderr.write(f"no differences between {reply.from_revision} and {reply.to_revision}\n")
        return
    print_diff(reply.diff, f"OLD ({reply.from_revision})", f"NEW ({reply.to_revision})")


def rollback(
    ctx: typer.Context,
    name: str = RESOURCE,
    target: str = typer.Argument(..., help="Version number, commit id or tag."),
    reason: str = typer.Option("", help="Why; recorded in the commit message."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show what would change on the live object."),
    cluster: Optional[str] = CLUSTER,
    namespace: Optional[str] = NAMESPACE,
) -> None:
    """Restore an earlier version as a new commit, after showing the diff against the live object."""
    full_name = resource_name(ctx, name, cluster, namespace)
    rpc = remote(ctx)
    preview = rpc.call(rpc.versions.DiffVersions, yaml_versions_pb2.DiffVersionsRequest(
        name=full_name, to=target, **{"from": "live"}))
    print_diff(preview.diff, "LIVE", f"AFTER ROLLBACK ({preview.to_revision})")
    if not preview.diff.changes:
        sys.stderr.write("the live object already matches that version\n")
    etag = _live_etag(ctx, full_name)
    if dry_run:
        check = rpc.call(rpc.versions.RollbackResource, yaml_versions_pb2.RollbackResourceRequest(
            name=full_name, target=target, reason=reason, dry_run=True))
        if check.dry_run_error:
            raise CliError(f"the cluster would refuse it: {check.dry_run_error}")
        sys.stderr.write("dry run: nothing applied\n")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise CliError(f"refusing to roll back {full_name} without confirmation (stdin is not a terminal)",
                           "review the diff above, then pass --yes")
        if not typer.confirm(f"Roll back {full_name} to {target}?", default=False):
            raise CliError("rollback cancelled", code=1)
    reply = rpc.call(rpc.versions.RollbackResource, yaml_versions_pb2.RollbackResourceRequest(
        name=full_name, target=target, reason=reason, etag=etag))
    if reply.commit:
        typer.echo(f"rolled back {full_name} to {target}: version {reply.version}, commit {reply.commit[:12]}")
    else:
        # No commit only when nothing changed: a drifted live object is recorded before it is reverted.
        typer.echo(f"{full_name} already is {target}, live and stored: nothing to roll back")


def _live_etag(ctx: typer.Context, name: str) -> str:
    """The live object's etag, so a change between the diff shown and the answer aborts the rollback."""
    rpc = remote(ctx)
    try:
        return rpc.call(rpc.clusters.GetResource, clusters_pb2.GetResourceRequest(name=name)).etag
    except CliError:
        return ""  # gone from the cluster: the rollback re-creates it


# -- tags and branches ----------------------------------------------------------------------

@tag_app.command("create")
def tag_create(ctx: typer.Context, name: str = typer.Argument(...),
               target: str = typer.Option("", help="Commit, branch or {resource}/versions/{n}; head of main "
                                                   "when empty."),
               message: str = typer.Option("", "--message", "-m")) -> None:
    """Tag a commit."""
    rpc = remote(ctx)
    tag = rpc.call(rpc.versions.CreateTag, yaml_versions_pb2.CreateTagRequest(
        tag_id=name, target=target, tag=yaml_versions_pb2.Tag(message=message)))
    typer.echo(f"{tag.name} -> {tag.commit[:12]}")


@tag_app.command("list")
def tag_list(ctx: typer.Context) -> None:
    rpc = remote(ctx)
    table(["NAME", "COMMIT", "TAGGER", "CREATED", "MESSAGE"],
          [[t.name.removeprefix("tags/"), t.commit[:12], t.tagger, when(t.create_time), t.message]
           for t in rpc.pages(rpc.versions.ListTags, lambda p: yaml_versions_pb2.ListTagsRequest(page_token=p), "tags")])


@tag_app.command("delete")
def tag_delete(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    rpc = remote(ctx)
    rpc.call(rpc.versions.DeleteTag, yaml_versions_pb2.DeleteTagRequest(name=f"tags/{name.removeprefix('tags/')}"))
    typer.echo(f"deleted tags/{name.removeprefix('tags/')}")


@branch_app.command("create")
def branch_create(ctx: typer.Context, name: str = typer.Argument(...),
                  from_: str = typer.Option("", "--from", help="Commit, tag or branch; main when empty.")) -> None:
    """A draft branch: `apply --branch NAME` commits there without touching the clusters."""
    rpc = remote(ctx)
    branch = rpc.call(rpc.versions.CreateBranch, yaml_versions_pb2.CreateBranchRequest(
        branch_id=name, **{"from": from_}))
    typer.echo(f"{branch.name} at {branch.head[:12]}")


@branch_app.command("list")
def branch_list(ctx: typer.Context) -> None:
    rpc = remote(ctx)
    table(["NAME", "HEAD", "AHEAD", "BEHIND", "UPDATED"],
          [[b.name.removeprefix("branches/"), b.head[:12], str(b.ahead), str(b.behind), when(b.update_time)]
           for b in rpc.pages(rpc.versions.ListBranches,
                              lambda p: yaml_versions_pb2.ListBranchesRequest(page_token=p), "branches")])


@branch_app.command("delete")
def branch_delete(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    rpc = remote(ctx)
    rpc.call(rpc.versions.DeleteBranch, yaml_versions_pb2.DeleteBranchRequest(
        name=f"branches/{name.removeprefix('branches/')}"))
    typer.echo(f"deleted branches/{name.removeprefix('branches/')}")


def merge(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="The branch to merge."),
    into: str = typer.Option("", "--into", help="Target branch; main (applied to the clusters) when empty."),
    message: str = typer.Option("", "--message", "-m"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would merge and the conflicts only."),
) -> None:
    """Merge a draft branch; into main, its changes are applied to the clusters."""
    rpc = remote(ctx)
    reply = rpc.call(rpc.versions.MergeBranch, yaml_versions_pb2.MergeBranchRequest(
        source=f"branches/{source.removeprefix('branches/')}", target=into, message=message, dry_run=dry_run))
    if reply.resources:
        table(["RESOURCE", "RESULT", "ERROR"], [[r.name, r.result, r.error] for r in reply.resources])
    if reply.conflicts:
        sys.stdout.write("\nconflicts:\n")
        table(["RESOURCE", "FIELD", "BASE", "OURS", "THEIRS"],
              [[c.resource, c.path, *(json_value(c, f) for f in ("base", "ours", "theirs"))] for c in reply.conflicts])
        raise CliError(f"{len(reply.conflicts)} conflict(s): nothing merged",
                       "resolve them on the branch (apply --branch), then merge again")
    if dry_run:
        sys.stderr.write("dry run: nothing merged\n")
    else:
        typer.echo(f"merged {source}: commit {reply.commit[:12]}{' (fast-forward)' if reply.fast_forward else ''}")


# -- drift ----------------------------------------------------------------------------------

def _drift_scope(ctx: typer.Context, cluster: Optional[str], namespace: Optional[str],
                 resource_type: str) -> dict[str, str]:
    return {"cluster": cluster_of(ctx, cluster), "namespace": namespace or "", "resource_type": resource_type}


@drift_app.command("detect")
def drift_detect(ctx: typer.Context, cluster: Optional[str] = CLUSTER,
                 namespace: Optional[str] = typer.Option(None, "--namespace", "-n", help="Every namespace by default."),
                 resource_type: str = typer.Option("", "--type", help="Only this resource type.")) -> None:
    """Live objects that differ from main (exit 1 when any does, like `diff`)."""
    rpc = remote(ctx)
    reply = rpc.call(rpc.versions.DetectDrift, yaml_versions_pb2.DetectDriftRequest(
        **_drift_scope(ctx, cluster, namespace, resource_type)))
    if not reply.resources:
        sys.stderr.write(f"no drift ({reply.checked} resources checked)\n")
        return
    table(["RESOURCE", "DRIFT", "FIELDS"],
          [[d.name, enum_name(yaml_versions_pb2.DriftType, "DRIFT_TYPE_", d.drift_type).lower(),
            ",".join(c.path for c in d.diff.changes)] for d in reply.resources])
    raise typer.Exit(1)


@drift_app.command("import")
def drift_import(ctx: typer.Context, names: list[str] = typer.Argument(None, help="Only these resources."),
                 cluster: Optional[str] = CLUSTER,
                 namespace: Optional[str] = typer.Option(None, "--namespace", "-n"),
                 resource_type: str = typer.Option("", "--type"),
                 message: str = typer.Option("", "--message", "-m")) -> None:
    """Accept the live state of drifted resources into main as one commit."""
    rpc = remote(ctx)
    reply = rpc.call(rpc.versions.ImportDrift, yaml_versions_pb2.ImportDriftRequest(
        names=names or [], message=message, **_drift_scope(ctx, cluster, namespace, resource_type)))
    for d in reply.imported:
        typer.echo(f"imported {d.name}")
    typer.echo(f"commit {reply.commit[:12]}" if reply.commit else "nothing drifted: no commit")


# -- backups --------------------------------------------------------------------------------

def _backup(name: str) -> str:
    return f"backups/{name.removeprefix('backups/')}"


def _backup_operation(ctx: typer.Context, description: str, **operation: object
                      ) -> yaml_versions_pb2.StreamBackupOperationResponse:
    """One backup operation over StreamBackupOperation: a bar of the objects packed, checked or
    restored (on a terminal), then the server's answer."""
    rpc = remote(ctx)
    answer = follow_progress(rpc.stream(rpc.versions.StreamBackupOperation,
                                        yaml_versions_pb2.StreamBackupOperationRequest(**operation)), description)
    if answer is None:
        raise CliError(f"the server ended the backup {description} without an answer", "check the server's log")
    return answer  # type: ignore[return-value]


@backup_app.command("create")
def backup_create(ctx: typer.Context, name: str = typer.Argument("", help="Backup id; generated when empty."),
                  cluster: list[str] = typer.Option([], "--cluster", help="Only these clusters (repeatable)."),
                  base: str = typer.Option("", help="Incremental since this earlier backup."),
                  description: str = typer.Option("")) -> None:
    """Write an encrypted git bundle of the store (a bar of the objects packed on a terminal)."""
    backup = _backup_operation(ctx, "writing backup", create=yaml_versions_pb2.CreateBackupRequest(
        backup_id=name, backup=yaml_versions_pb2.Backup(
            clusters=[full(c) for c in cluster], base_backup=_backup(base) if base else "",
            description=description))).created
    typer.echo(f"{backup.name}: {backup.size_bytes} bytes, {backup.object_count} objects, {len(backup.refs)} refs, "
               f"sha256 {backup.sha256[:16]}")


@backup_app.command("list")
def backup_list(ctx: typer.Context) -> None:
    rpc = remote(ctx)
    table(["NAME", "CREATED", "BY", "SIZE", "OBJECTS", "BASE", "CLUSTERS", "DESCRIPTION"],
          [[b.name.removeprefix("backups/"), when(b.create_time), b.created_by, str(b.size_bytes), str(b.object_count),
            b.base_backup.removeprefix("backups/"), ",".join(c.removeprefix("clusters/") for c in b.clusters) or "all",
            b.description]
           for b in rpc.pages(rpc.versions.ListBackups, lambda p: yaml_versions_pb2.ListBackupsRequest(page_token=p),
                              "backups")])


@backup_app.command("verify")
def backup_verify(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Check a backup's checksum and every object of it and its bases (exit 1 when it is damaged)."""
    reply = _backup_operation(ctx, "verifying", verify=yaml_versions_pb2.VerifyBackupRequest(
        name=_backup(name))).verified
    if not reply.valid:
        raise CliError(f"{_backup(name)} is damaged: {reply.error}", "restore from another backup")
    typer.echo(f"{_backup(name)} is valid ({reply.commit_count} commits)")


@backup_app.command("restore")
def backup_restore(ctx: typer.Context, name: str = typer.Argument(...),
                   apply: bool = typer.Option(False, "--apply", help="Also make main and the clusters match it."),
                   dry_run: bool = typer.Option(False, "--dry-run", help="With --apply: show, change nothing."),
                   prefix: str = typer.Option("", help="With --apply: only resources under this name prefix."),
                   branch_prefix: str = typer.Option("", help="Where the refs land (branches PREFIX/...); "
                                                                  "restore/{backup} by default.")) -> None:
    """Restore a backup's refs as branches (and, with --apply, its state to main and the clusters)."""
    reply = _backup_operation(ctx, "restoring", restore=yaml_versions_pb2.RestoreBackupRequest(
        name=_backup(name), apply=apply, dry_run=dry_run, prefix=prefix, branch_prefix=branch_prefix)).restored
    for ref, branch in sorted(reply.branches.items()):
        typer.echo(f"{ref} -> {branch}")
    if reply.resources:
        table(["RESOURCE", "RESULT", "ERROR"], [[r.name, r.result, r.error] for r in reply.resources])
    if reply.commit:
        typer.echo(f"commit {reply.commit[:12]}")


@backup_app.command("delete")
def backup_delete(ctx: typer.Context, name: str = typer.Argument(...)) -> None:
    """Delete a backup (refused while a later incremental backup is based on it)."""
    rpc = remote(ctx)
    rpc.call(rpc.versions.DeleteBackup, yaml_versions_pb2.DeleteBackupRequest(name=_backup(name)))
    typer.echo(f"{_backup(name)} deleted")


def commits(ctx: typer.Context, prefix: str = typer.Option("", help="Only commits touching resources under this "
                                                                     "name prefix (clusters/demo/namespaces/web)."),
            author: str = typer.Option("", help="Only this author."),
            branch: str = typer.Option("", help="A draft branch; main when empty."),
            limit: int = typer.Option(50, min=1, help="The newest N.")) -> None:
    """The store's log, newest first."""
    rpc = remote(ctx)
    rows = []
    for c in rpc.pages(rpc.versions.ListCommits, lambda t: yaml_versions_pb2.ListCommitsRequest(
            prefix=prefix, author=author, branch=branch, page_token=t, page_size=min(limit, 500)), "commits"):
        rows.append([c.id[:12], c.author_name, when(c.commit_time),
                     enum_name(yaml_versions_pb2.Operation, "OPERATION_", c.operation).lower(), str(len(c.resources)),
                     c.message.splitlines()[0] if c.message else ""])
        if len(rows) == limit:
            break
    table(["COMMIT", "AUTHOR", "TIME", "OPERATION", "RESOURCES", "MESSAGE"], rows)

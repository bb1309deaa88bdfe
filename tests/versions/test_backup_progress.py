"""StreamBackupOperation: a backup made, verified and restored with its progress streamed. The
steps only go forward, each stage ends at its total, and the totals are the work really done:
the objects of the bundle, counted here independently with `git rev-list --objects` over the
commits the backup holds."""

from __future__ import annotations

import subprocess
from typing import Any

import grpc
import pytest

from kubecommit.v1 import yaml_versions_pb2 as pb
from server.embedded import EmbeddedServer
from tests.support.status import details
from tests.versions.conftest import CLUSTER, deployment


def _run(versions: Any, **operation: Any) -> tuple[list[tuple[str, int, int]], pb.StreamBackupOperationResponse]:
    """The (stage, done, total) steps and the one answer of a stream."""
    steps, answers = [], []
    for event in versions.StreamBackupOperation(pb.StreamBackupOperationRequest(**operation)):
        if event.WhichOneof("event") == "progress":
            steps.append((event.progress.stage, event.progress.done, event.progress.total))
        else:
            answers.append(event)
    assert len(answers) == 1, answers
    return steps, answers[0]


def _forward(steps: list[tuple[str, int, int]], stage: str) -> list[tuple[str, int, int]]:
    """The stage's steps, after checking they never go back and end at the total."""
    mine = [s for s in steps if s[0] == stage]
    assert mine and mine[0][1] == 0, steps
    assert all(a[1] <= b[1] and a[2] == b[2] for a, b in zip(mine, mine[1:])), mine
    assert mine[-1][1] == mine[-1][2] > 0, mine
    return mine


def _objects(server: EmbeddedServer, commits: list[str]) -> int:
    listed = subprocess.run(["git", "--git-dir", str(server.settings.data_dir / "store"), "rev-list", "--objects",
                             *commits], capture_output=True, text=True, check=True)
    return len(listed.stdout.splitlines())


def test_progress_of_create_verify_restore_matches_the_objects(versions, namespace, demo_server) -> None:
    steps, answer = _run(versions, create=pb.CreateBackupRequest(backup_id=f"prog-{namespace}"))
    backup = answer.created
    packed = _forward(steps, "pack")
    assert {s[0] for s in steps} == {"pack"} and len(packed) <= 102  # whole percents, not one per object
    assert packed[-1][2] == backup.object_count == _objects(demo_server, sorted(set(backup.refs.values())))

    steps, answer = _run(versions, verify=pb.VerifyBackupRequest(name=backup.name))
    assert answer.verified.valid and _forward(steps, "verify")[-1][2] == backup.object_count

    steps, answer = _run(versions, restore=pb.RestoreBackupRequest(name=backup.name,
                                                                   branch_prefix=f"prog-{namespace}"))
    assert answer.restored.branches["refs/heads/main"] == f"branches/prog-{namespace}/main"
    assert [s[0] for s in steps] == sorted((s[0] for s in steps), key=["verify", "restore"].index)
    assert _forward(steps, "verify")[-1][2] == _forward(steps, "restore")[-1][2] == backup.object_count

    # An incremental backup packs (and verifying it checks, with its base) only what it holds.
    versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=deployment("after", namespace),
                                                   message="after the backup"))
    steps, answer = _run(versions, create=pb.CreateBackupRequest(
        backup_id=f"prog-inc-{namespace}", backup=pb.Backup(base_backup=backup.name)))
    assert _forward(steps, "pack")[-1][2] == answer.created.object_count < backup.object_count
    steps, _ = _run(versions, verify=pb.VerifyBackupRequest(name=answer.created.name))
    assert _forward(steps, "verify")[-1][2] == backup.object_count + answer.created.object_count
    for name in (answer.created.name, backup.name):
        versions.DeleteBackup(pb.DeleteBackupRequest(name=name))


def test_a_stream_without_an_operation_names_the_field(versions) -> None:
    with pytest.raises(grpc.RpcError) as refused:
        _run(versions)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "operation" in details(refused.value).violations
    with pytest.raises(grpc.RpcError) as missing:
        _run(versions, verify=pb.VerifyBackupRequest(name="backups/nope"))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND

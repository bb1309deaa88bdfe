"""Plain git must accept the store: log, show, fsck, clone (it reads like the clusters)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitstore import Change, Store

from .conftest import ALICE, API, DB_SECRET, DEPLOYMENT, NODE, SECRET, deployment, git


def test_git_cli_accepts_the_store(store: Store, tmp_path: Path) -> None:
    store.commit([Change.put(API, DEPLOYMENT), Change.put(DB_SECRET, SECRET)], author=ALICE,
                 message="initial import", operation="import")
    store.commit([Change.put(API, deployment(replicas=4))], author=ALICE, message="scale api")
    store.create_tag("v1", message="annotated")
    store.create_branch("draft")
    store.commit([Change.put(NODE, {"kind": "Node"})], author=ALICE, branch="draft")
    plan = store.compute_merge("draft")
    store.commit_merge(plan, author=ALICE)
    store.pack()
    assert git(store.path, "fsck", "--strict", "--no-dangling").stdout == ""
    log = git(store.path, "log", "--format=%an|%s", "--", API).stdout.splitlines()
    assert log == ["Alice|scale api", "Alice|initial import"]
    shown = git(store.path, "show", "v1:" + API).stdout
    assert "replicas: 4" in shown
    assert git(store.path, "rev-parse", "--is-bare-repository").stdout.strip() == "true"
    assert git(store.path, "symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(store.path), str(clone)], check=True)
    files = sorted(str(p.relative_to(clone)) for p in clone.rglob("*.yaml") if ".git" not in p.parts)
    assert files == [API, DB_SECRET, NODE]
    assert not (clone / "kubecommit").exists()  # the index stays out of clones

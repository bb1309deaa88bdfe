"""Benchmark of gitstore against the git CLI doing the same work: ``python -m bench.store``.

Measures, in one run and on the same data:
1. commit throughput, one ~2 KB document per commit, in stores of 1,000 and 10,000 documents,
   against git plumbing (hash-object / ls-tree / mktree / commit-tree / update-ref);
2. listing the versions of one path as the store grows to ``--commits`` commits over 10,000
   paths, against ``git log --format=%H -- path``;
3. a field-level diff of two ~2 KB Deployments, parsing included (CSafeLoader), against the
   same diff with PyYAML's pure-Python ``safe_load``.
Prints each figure with its ratio to the baseline and rewrites its own section of
docs/benchmarks.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from bench.sections import replace_section
from gitstore import Author, Change, Store, field_diff, packs
from gitstore.documents import dump, load

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN gitstore-bench -->", "<!-- END gitstore-bench -->"
AUTHOR = Author("bench", "bench@example.com")
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def deployment(i: int, version: int) -> dict[str, Any]:
    """A ~2 KB Deployment; ``version`` changes the image, replicas and one label."""
    env = [{"name": f"SETTING_{k}", "value": f"value-{k}-" + "x" * 24} for k in range(14)]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": f"app-{i}", "namespace": f"ns-{i % 50}",
                     "labels": {"app": f"app-{i}", "revision": str(version)},
                     "annotations": {"kubecommit.io/owner": "team-a"}},
        "spec": {"replicas": 1 + version % 5, "selector": {"matchLabels": {"app": f"app-{i}"}},
                 "template": {"metadata": {"labels": {"app": f"app-{i}"}}, "spec": {"containers": [
                     {"name": "web", "image": f"registry.example.com/web:{version}", "env": env,
                      "ports": [{"containerPort": 8080, "name": "http"}],
                      "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}},
                     {"name": "proxy", "image": "envoyproxy/envoy:v1.30",
                      "ports": [{"containerPort": 9901}]}]}}},
    }


def layout_path(i: int) -> str:
    return f"clusters/c{i % 10}/namespaces/ns-{i % 50}/deployments.apps/app-{i}.yaml"


def new_store(root: Path, name: str, docs: int) -> Store:
    """A store holding ``docs`` documents, imported in one commit."""
    store = Store.open(root / name)
    for start in range(0, docs, 5000):
        store.commit([Change.put(layout_path(i), deployment(i, 0))
                      for i in range(start, min(docs, start + 5000))],
                     author=AUTHOR, operation="import", message="import")
    return store


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", "--git-dir", str(repo), *args], input=stdin, env=GIT_ENV,
                          capture_output=True, check=True).stdout


def git_plumbing_commit(repo: Path, path: str, content: bytes, message: str) -> None:
    """What a shell script would do without an index: rewrite the trees down the path."""
    head = git(repo, "rev-parse", "refs/heads/main").strip().decode()
    blob = git(repo, "hash-object", "-w", "--stdin", stdin=content).strip().decode()
    names = path.split("/")
    trees = [git(repo, "rev-parse", "refs/heads/main^{tree}").strip().decode()]
    listings = []
    for name in names[:-1]:
        listing = git(repo, "ls-tree", trees[-1]).decode()
        listings.append(listing)
        trees.append(next(line.split()[2] for line in listing.splitlines()
                          if line.split("\t")[1] == name))
    listings.append(git(repo, "ls-tree", trees[-1]).decode())
    new_id, mode, kind = blob, "100644", "blob"
    for depth in range(len(names) - 1, -1, -1):
        entries = [line for line in listings[depth].splitlines()
                   if line.split("\t")[1] != names[depth]]
        entries.append(f"{mode} {kind} {new_id}\t{names[depth]}")
        new_id = git(repo, "mktree", stdin=("\n".join(entries) + "\n").encode()).strip().decode()
        mode, kind = "040000", "tree"
    commit = git(repo, "commit-tree", new_id, "-p", head, "-m", message).strip().decode()
    git(repo, "update-ref", "refs/heads/main", commit, head)


def rate(count: int, fn: Callable[[int], None], rounds: int = 3) -> float:
    """Best operations/s over ``rounds`` equal rounds: the machines are shared, and the best
    round is the least disturbed by other load (applied to gitstore and git alike)."""
    per_round, best, k = max(1, count // rounds), 0.0, 0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            fn(k)
            k += 1
        best = max(best, per_round / (time.perf_counter() - start))
    return best


def bench_throughput(root: Path, docs: int, commits: int, git_commits: int) -> dict[str, float]:
    store = new_store(root, f"tp-{docs}.git", docs)
    git_copy = root / f"tp-{docs}-git.git"
    shutil.copytree(store.path, git_copy)
    rng = random.Random(docs)
    picks = [rng.randrange(docs) for _ in range(max(commits, git_commits))]
    ours = rate(commits, lambda k: store.commit(
        [Change.put(layout_path(picks[k]), deployment(picks[k], k + 1))], author=AUTHOR))
    theirs = rate(git_commits, lambda k: git_plumbing_commit(
        git_copy, layout_path(picks[k]), dump(deployment(picks[k], k + 1)).encode(), "edit"))
    store.close()
    return {"ours": ours, "git": theirs}


def time_calls(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds per call."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_history(root: Path, total_commits: int, paths: int) -> dict[str, Any]:
    store = new_store(root, "history.git", paths)
    rng = random.Random(7)
    checkpoints = sorted({max(1, total_commits // 4), max(1, total_commits // 2), total_commits})
    points: list[tuple[int, float]] = []
    made, build_start = 1, time.perf_counter()
    while made < total_commits:
        i = rng.randrange(paths)
        store.commit([Change.put(layout_path(i), deployment(i, made))], author=AUTHOR)
        made += 1
        if made in checkpoints:
            sample = [layout_path(rng.randrange(paths)) for _ in range(300)]
            full, newest = iter(sample), iter(sample)
            page = time_calls(lambda: store.list_versions(next(full)), 300)
            one = time_calls(lambda: store.list_versions(next(newest), page_size=1), 300)
            points.append((made, page, one))
            print(f"  list_versions at {made:>7} commits (~{1 + made / paths:.1f} versions/path):"
                  f" whole history {page * 1e6:7.1f} µs, newest only {one * 1e6:7.1f} µs",
                  flush=True)
    build_rate = (total_commits - 1) / (time.perf_counter() - build_start)
    pack_count = len(packs.list_packs(store.path / "objects" / "pack"))
    git(store.path, "repack", "-adq")  # give git its best case: everything in one pack
    sample = [layout_path(rng.randrange(paths)) for _ in range(5)]
    it = iter(sample)
    git_log = time_calls(lambda: git(store.path, "log", "--format=%H", "--", next(it)), 5)
    checked = store.list_versions(sample[0], page_size=1000)[0]
    assert len(checked) == len(git(store.path, "log", "--format=%H", "--", sample[0]).split())
    store.close()
    return {"points": points, "git_log": git_log, "build_rate": build_rate, "packs": pack_count}


def bench_diff(repeat: int) -> dict[str, float]:
    old_text = dump(deployment(1, 1))
    new_doc = deployment(1, 2)
    new_doc["spec"]["template"]["spec"]["containers"].reverse()
    new_text = dump(new_doc)
    changes = field_diff(load(old_text), load(new_text)).changes
    assert len(changes) == 3, changes  # image, replicas, label: order of containers ignored
    fast = time_calls(lambda: field_diff(load(old_text), load(new_text)), repeat)
    slow = time_calls(lambda: field_diff(yaml.safe_load(old_text), yaml.safe_load(new_text)),
                      max(20, repeat // 10))
    return {"ours": fast, "baseline": slow, "bytes": len(old_text)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=20_000,
                        help="size of the history store (the full figure is 100000)")
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--throughput-commits", type=int, default=600)
    parser.add_argument("--git-commits", type=int, default=45)
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp)
        print("commit throughput (one ~2 KB document per commit)")
        tp = {}
        for docs in (1_000, 10_000):
            tp[docs] = bench_throughput(root, docs, args.throughput_commits, args.git_commits)
            print(f"  {docs:>6} docs: gitstore {tp[docs]['ours']:7.1f}/s   git plumbing"
                  f" {tp[docs]['git']:6.1f}/s   ratio {tp[docs]['ours'] / tp[docs]['git']:5.1f}x",
                  flush=True)
        print(f"history of one path ({args.commits} commits over {args.paths} paths)")
        hist = bench_history(root, args.commits, args.paths)
        last = hist["points"][-1][1]  # the whole history of the path, as git log gives it
        print(f"  git log --format=%H -- path: {hist['git_log'] * 1e3:8.1f} ms   ratio"
              f" {hist['git_log'] / last:8.0f}x   (store built at {hist['build_rate']:.0f} commits/s,"
              f" {hist['packs']} packs)")
        print("field diff of two ~2 KB Deployments, parsing included")
        diff = bench_diff(1000)
        print(f"  CSafeLoader + field_diff {diff['ours'] * 1e3:6.2f} ms   safe_load + field_diff"
              f" {diff['baseline'] * 1e3:6.2f} ms   ratio {diff['baseline'] / diff['ours']:4.1f}x")

    rows = [
        "## gitstore (`make bench-store` = `python -m bench.store`)",
        "",
        f"Last run: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs,"
        f" Python {sys.version.split()[0]}, `--commits {args.commits}`. Baselines run in the"
        " same process on the same data. Written by the benchmark; do not edit by hand.",
        "",
        "| measure | gitstore | baseline | ratio | aim |",
        "| --- | --- | --- | --- | --- |",
    ]
    for docs, r in tp.items():
        rows.append(f"| commits/s, one ~2 KB doc per commit, {docs:,} docs | {r['ours']:.0f}/s |"
                    f" git plumbing {r['git']:.1f}/s | {r['ours'] / r['git']:.1f}x |"
                    " ≥300/s at 10k, ≥10x |")
    for commits, page, one in hist["points"]:
        rows.append(f"| list versions of one path (all ~{1 + commits / args.paths:.1f}; newest only),"
                    f" {commits:,} commits / {args.paths:,} paths |"
                    f" {page * 1e6:.0f} µs; {one * 1e6:.0f} µs | | | <1 ms, flat |")
    rows.append(f"| versions of one path at {args.commits:,} commits vs git |"
                f" {last * 1e6:.0f} µs | `git log --format=%H -- path` {hist['git_log'] * 1e3:.0f} ms"
                f" (packed) | {hist['git_log'] / last:.0f}x | |")
    rows.append(f"| field diff of two {diff['bytes']:,}-byte Deployments incl. parsing |"
                f" {diff['ours'] * 1e3:.2f} ms | pure-Python `safe_load` {diff['baseline'] * 1e3:.2f} ms |"
                f" {diff['baseline'] / diff['ours']:.1f}x | <5 ms |")
    rows += [
        "",
        f"Building the history store ran at {hist['build_rate']:.0f} commits/s (pack"
        f" consolidation included); it ended with {hist['packs']} packs (bound:"
        f" {packs.MAX_PACKS}, plus one per {packs.MAX_MERGE_BYTES >> 20} MiB of packs too big"
        " to merge).",
        "",
        "How to read these figures:",
        "- Documents sit at `clusters/c{0-9}/namespaces/ns-{0-49}/deployments.apps/app-N.yaml`:"
        " at 10,000 documents each leaf directory holds 200 entries (20 at 1,000), so every commit"
        " rewrites six trees, one of them ~200 entries. The git baseline rewrites the same trees"
        " with `ls-tree` + `mktree` per level, then `commit-tree` and `update-ref`.",
        "- A commit writes its ~8 new objects as ONE pack (a .pack and an .idx) and moves one"
        " ref (a lock file renamed over it, fsynced): three new files, where loose objects made"
        " nine. On these shared 2-CPU machines creating a file costs 0.1-1 ms (kernel CPU,"
        " worse under load), so throughput swings run to run (best of 3 rounds is reported for"
        " both sides); the ratio to the git baseline is the steadier figure.",
        "- Listing versions reads the SQLite index: the cost is O(versions of that path); the"
        " 'newest only' column (page_size=1) is constant work and shows flatness as the store"
        " grows. `git log` runs on a fully repacked repository (its best case).",
    ]
    if not args.no_docs:
        replace_section(DOCS, BEGIN, END, f"{BEGIN}\n" + "\n".join(rows) + f"\n{END}")
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

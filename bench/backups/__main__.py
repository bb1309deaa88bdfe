"""Benchmark of backup progress reporting: ``python -m bench.backups``.

StreamBackupOperation asks gitstore to report every object it packs, checks or restores; the
server's ProgressFeed coalesces those reports to whole percents. This measures, in one run and
on the same store, what that costs: create_backup and verify_backup with a reporter doing the
feed's coalescing, against the same calls with gitstore's silent default (the baseline, what the
unary RPCs do). Rewrites its own section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from bench.sections import replace_section
from bench.store.__main__ import AUTHOR, deployment, layout_path
from gitstore import Change, Store, StoreKey, no_progress

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- BEGIN backups-bench -->", "<!-- END backups-bench -->"


class Coalescing:
    """What server.versions.backups.ProgressFeed.report does per call, minus the hand-off to the
    event loop (at most ~100 calls a stage reach it)."""

    def __init__(self) -> None:
        self.last: tuple[str, int] | None = None
        self.passed = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        mark = (stage, done * 100 // total if total else done)
        if mark == self.last and done != total:
            return
        self.last = mark
        self.passed += 1


def best(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=3000, help="documents in the store")
    parser.add_argument("--commits", type=int, default=300, help="commits changing one document each, after the import")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = Store.open(root / "store", key=StoreKey.generate())
        store.commit([Change.put(layout_path(i), deployment(i, 0)) for i in range(args.docs)], author=AUTHOR,
                     operation="import", message="import")
        for k in range(args.commits):
            store.commit([Change.put(layout_path(k), deployment(k, k + 1))], author=AUTHOR)
        counter = iter(range(10**6))

        def create(progress: Callable[[str, int, int], None]) -> object:
            return store.create_backup(root / "backups", backup_id=f"b{next(counter)}", progress=progress)

        manifest = create(no_progress)
        silent_create = best(args.runs, lambda: create(no_progress))
        feed = Coalescing()
        fed_create = best(args.runs, lambda: create(feed))
        silent_verify = best(args.runs, lambda: store.verify_backup(root / "backups", manifest.backup_id))
        fed_verify = best(args.runs, lambda: store.verify_backup(root / "backups", manifest.backup_id, Coalescing()))
    objects = manifest.object_count
    rows = [("create_backup", silent_create, fed_create), ("verify_backup", silent_verify, fed_verify)]
    lines = [BEGIN, "## backup progress (`make bench-backups` = `python -m bench.backups`)", "",
             f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on a shared 2-core machine (noisy): a store of "
             f"{args.docs} documents and {args.commits} more commits, {objects} objects in a full backup; median of "
             f"{args.runs} runs. Baseline: the same call with gitstore's silent default (the unary RPCs).", "",
             "| operation | silent (baseline) | with progress | ratio |", "| --- | --- | --- | --- |"]
    lines += [f"| {name} | {a * 1000:.0f} ms | {b * 1000:.0f} ms | {b / a:.2f}x |" for name, a, b in rows]
    lines += ["", f"The reporter passed on {feed.passed // args.runs} of {objects} reports per backup "
                  "(whole percents, first and last of the stage).", END]
    print("\n".join(lines))
    replace_section(DOCS, BEGIN, END, "\n".join(lines))


if __name__ == "__main__":
    main()

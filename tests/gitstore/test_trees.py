"""Tree rewrites: splicing ids into existing trees gives exactly the trees a rebuild gives."""

from __future__ import annotations

import random

from dulwich.objects import Blob, ShaFile

from gitstore.trees import TreeCache


def _history(splice: bool) -> tuple[list[bytes], int]:
    """Root ids after 600 random puts/deletes (spaces in some names), and how many trees
    carry spliceable offsets."""
    rng = random.Random(5)
    objects: dict[bytes, ShaFile] = {}
    cache = TreeCache(objects.__getitem__)
    if not splice:
        cache._spliced = lambda old, updates: None  # type: ignore[method-assign]
    root: bytes | None = None
    roots = []
    for _ in range(600):
        n = rng.randrange(60)
        path = f"c/d{n % 3}/x y{n}.yaml" if n % 7 == 0 else f"c/d{n % 3}/f{n}.yaml"
        blob = None if rng.random() < 0.1 else Blob.from_string(rng.randbytes(8)).id
        if blob is None and cache.lookup(root, path) is None:
            continue
        root, written = cache.apply(root, {path: blob})
        objects.update((t.id, t) for t in written)
        roots.append(root)
    return roots, len(cache._offsets)


def test_spliced_trees_equal_rebuilt_trees() -> None:
    spliced, with_offsets = _history(splice=True)
    rebuilt, _ = _history(splice=False)
    assert with_offsets > 100  # the splice path did the work
    assert spliced == rebuilt

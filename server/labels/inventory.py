"""The label keys in use and which of them are probably one key written differently: `App` vs
`app` (case), `app_name` vs `app-name` (separators), `app` vs `application` (synonyms), `regoin`
vs `region` (one edit or swap, for keys long enough that one edit is a typo rather than another word)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Mapping

from rapidfuzz.distance import OSA

# Words people use for the same label; each maps to one canonical word.
_SYNONYMS = {"application": "app", "apps": "app", "environment": "env", "envs": "env", "ver": "version",
             "tier": "tier", "owner": "team", "teams": "team", "squad": "team", "component": "component",
             "comp": "component", "svc": "service", "proj": "project"}
_SEPARATORS = re.compile(r"[-_.]")
MIN_EDIT_LENGTH = 5


@dataclass
class KeyUsage:
    key: str
    count: int
    values: list[tuple[str, int]]  # most frequent first


@dataclass(frozen=True)
class Similar:
    keys: tuple[str, ...]
    reason: str  # case-or-separator | synonym | edit-distance


def usage(pairs: Mapping[tuple[str, str], int]) -> list[KeyUsage]:
    """Keys by name from how many objects carry each (key, value), values most frequent first."""
    counts: dict[str, Counter[str]] = {}
    for (key, value), count in pairs.items():
        if count > 0:
            counts.setdefault(key, Counter())[value] += count
    return [KeyUsage(key, sum(c.values()), sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            for key, c in sorted(counts.items())]


def _name(key: str) -> str:
    """The name part, lowercased, without separators (the prefix is ignored: `app` and
    `example.com/app` are compared by name)."""
    return _SEPARATORS.sub("", key.rpartition("/")[2].lower())


def similar(keys: list[str]) -> list[Similar]:
    """Groups of at least two keys, each key in at most one group (the first rule that groups it)."""
    groups: list[Similar] = []
    grouped: set[str] = set()

    def take(members: list[str], reason: str) -> None:
        members = sorted(k for k in members if k not in grouped)
        if len(members) > 1:
            groups.append(Similar(tuple(members), reason))
            grouped.update(members)

    buckets: dict[str, list[str]] = {}
    for key in keys:
        buckets.setdefault(_SYNONYMS.get(_name(key), _name(key)), []).append(key)
    for members in buckets.values():
        take(members, "case-or-separator" if len({_name(k) for k in members}) == 1 else "synonym")
    rest = sorted(k for k in keys if k not in grouped)
    for i, a in enumerate(rest):
        close = [b for b in rest[i + 1:] if min(len(_name(a)), len(_name(b))) >= MIN_EDIT_LENGTH
                 and OSA.distance(_name(a), _name(b)) == 1]
        if close and a not in grouped:
            take([a, *close], "edit-distance")
    return groups

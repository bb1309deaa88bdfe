"""YamlVersionsService's domain: manifests applied to clusters and recorded as commits, history,
diffs, rollback, tags, branches, merges, drift and backups on top of gitstore.

`main` is what was applied to the clusters: every write to it goes to the cluster first and is
committed only for what the cluster accepted. Other branches are drafts. See docs/versions.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from server.kube import ClusterPool
from server.security.audit import AuditLog
from server.storage import Storage
from server.versions.apply import Admission, ManifestValidator, Writer
from server.versions.backups import Backups
from server.versions.common import PathLocks
from server.versions.history import History
from server.versions.intents import IntentJournal
from server.versions.recovery import Recovery


@dataclass(frozen=True)
class Versions:
    """The versions domain, built once by the composition root (server/runtime.py)."""

    writer: Writer
    history: History
    backups: Backups
    # Run once at start: writes a killed process made to clusters without committing them.
    recovery: Recovery

    @classmethod
    def create(cls, storage: Storage, pool: ClusterPool, intents: IntentJournal, locks: PathLocks,
               audit: AuditLog, data_dir: Path, validator: ManifestValidator | None = None,
               admission: Admission | None = None) -> Versions:
        """`validator`: the local check of a manifest's documents before any cluster call (the
        CRD domain's schema validation); `admission`: the check every manifest passes before it
        is applied (enforcing label policies). Both given to the writer."""
        return cls(writer=Writer(storage, pool, intents, locks, validator, admission), history=History(storage, pool),
                   backups=Backups(storage, data_dir / "backups"),
                   recovery=Recovery(storage, pool, intents, audit))

"""On start (with replicas: when a replica takes the lease over, before it writes): writes that
reached a cluster but not the store, found from leftover intents.

For each intent a killed process left behind (server/versions/intents.py), oldest first, every
resource it names is read from its cluster and compared with `main`. Those that differ are
committed as ONE import commit (Operation: import) authored by the original caller, with the
original request id as its Request-Id trailer and the intent named in the message; then the
intent is cleared. Nothing differs: the process died before the cluster write, or after the
commit, and the intent is simply cleared. A cluster that cannot be read keeps the intent for the
next start and is reported: a warning in the log and a row in the audit log (rpc
`recovery/intent`, the error's code), as is every recovery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from gitstore import Change
from server.errors import KubecommitError, NotFound
from server.kube import ClusterPool, normalize
from server.security.audit import AuditEvent, AuditLog
from server.security.scope import where
from server.versions.common import MAIN, read_stored
from server.storage import Storage
from server.versions.intents import Intent, IntentEntry, IntentJournal

log = logging.getLogger("kubecommit.recovery")

AUDIT_RPC = "recovery/intent"


@dataclass
class Recovered:
    intent: Intent
    # Resource names committed by the import ([] when the cluster matched the store).
    imported: list[str]
    commit: str = ""
    # Why the intent was kept ("" when it was resolved).
    error: str = ""
    code: str = "OK"  # the canonical status code of the error


class Recovery:
    """Resolves leftover intents once at start, before the server takes calls (with replicas, at
    each takeover, while the new leader still refuses writes)."""

    def __init__(self, storage: Storage, pool: ClusterPool, intents: IntentJournal, audit: AuditLog) -> None:
        self.storage = storage
        self.pool = pool
        self.intents = intents
        self.audit = audit

    async def _live(self, entry: IntentEntry) -> dict | None:
        """The object as its cluster has it now; None when absent (or its kind is no longer served)."""
        rn = entry.resource
        conn = await self.pool.get(rn.cluster)  # an unknown cluster is an error, not an absence
        try:
            rt = await conn.resolve(rn.resource, "name")
            return normalize(await conn.get_object(rt, rn.namespace, rn.name))
        except NotFound:
            return None

    async def _resolve(self, intent: Intent, failed: dict[str, KubecommitError]) -> Recovered:
        changes: list[Change] = []
        imported: list[str] = []
        matched = 0
        for entry in intent.entries:
            rn = entry.resource
            try:
                live = await self._live(entry)
            except KubecommitError as error:
                failed[rn.cluster] = error
                raise
            stored = await self.storage.run(read_stored, self.storage.sync, rn.store_path, MAIN)
            if (stored.data if stored else None) == live:
                continue
            matched += self.intents.fingerprint(live) == entry.fingerprint
            changes.append(Change.put(rn.store_path, live) if live is not None else Change.delete(rn.store_path))
            imported.append(str(rn))
        result = Recovered(intent, imported)
        if changes:
            message = (f"Recover {intent.operation} of request {intent.request_id} by {intent.author.name} "
                       f"(intent {intent.id}): written to the cluster, the server stopped before committing "
                       f"it; {matched} of {len(changes)} resource(s) exactly as intended")
            info = await self.storage.run(self.storage.sync.commit, changes, author=intent.author, message=message,
                                          operation="import", request_id=intent.request_id, branch=MAIN)
            result.commit = info.commit_id if info else ""
        return result

    def _report(self, result: Recovered) -> None:
        intent = result.intent
        names = tuple(e.name for e in intent.entries)
        places = [t for n in names for t in where(n)]
        self.audit.record(AuditEvent(
            time=time.time(), caller=intent.author.name, role="", rpc=AUDIT_RPC, targets=names,
            code=result.code, request_id=intent.request_id, duration_ms=0.0, peer="",
            clusters=tuple(sorted({t.cluster for t in places})),
            namespaces=tuple(sorted({t.namespace for t in places if t.namespace}))))
        extra = {"intent": intent.id, "request_id": intent.request_id, "author": intent.author.name,
                 "operation": intent.operation, "resources": ",".join(names)}
        if result.error:
            log.warning("a write may have reached a cluster without a commit; kept for the next start: %s",
                        result.error, extra=extra)
        elif result.imported:
            log.warning("recorded writes that reached a cluster without a commit",
                        extra={**extra, "commit": result.commit, "imported": ",".join(result.imported)})
        else:
            log.info("leftover intent matched the store", extra=extra)

    async def recover(self) -> list[Recovered]:
        """Resolve every leftover intent (before the server takes calls, so no writer races it). A
        cluster that failed once is not asked again in this run: one timeout per cluster, not per
        intent."""
        results = []
        failed: dict[str, KubecommitError] = {}
        for intent in await asyncio.to_thread(self.intents.pending):
            clusters = {e.resource.cluster for e in intent.entries}
            try:
                known = next((failed[c] for c in sorted(clusters) if c in failed), None)
                if known is not None:
                    raise known
                result = await self._resolve(intent, failed)
            except KubecommitError as error:
                result = Recovered(intent, [], error=error.message, code=error.code)
            else:
                await self.intents.done(intent.id)
            self._report(result)
            results.append(result)
        return results

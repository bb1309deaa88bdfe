"""On start: writes that reached a cluster but not the store, found from leftover intents.

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

import grpc

from gitstore import Change, GitStoreError
from server.errors import KubecommitError, NotFound, from_store_error
from server.kube import normalize
from server.runtime import Runtime
from server.security.audit import AuditEvent
from server.security.scope import where
from server.versions.common import MAIN, read_stored
from server.versions.intents import Intent, IntentEntry

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
    code: grpc.StatusCode = grpc.StatusCode.OK


async def _live(runtime: Runtime, entry: IntentEntry) -> dict | None:
    """The object as its cluster has it now; None when absent (or its kind is no longer served)."""
    rn = entry.resource
    conn = await runtime.pool.get(rn.cluster)  # an unknown cluster is an error, not an absence
    try:
        rt = await conn.resolve(rn.resource, "name")
        return normalize(await conn.get_object(rt, rn.namespace, rn.name))
    except NotFound:
        return None


async def _resolve(runtime: Runtime, intent: Intent, failed: dict[str, KubecommitError]) -> Recovered:
    changes: list[Change] = []
    imported: list[str] = []
    matched = 0
    for entry in intent.entries:
        rn = entry.resource
        try:
            live = await _live(runtime, entry)
        except KubecommitError as error:
            failed[rn.cluster] = error
            raise
        stored = await asyncio.to_thread(read_stored, runtime.store, rn.store_path, MAIN)
        if (stored.data if stored else None) == live:
            continue
        matched += runtime.intents.fingerprint(live) == entry.fingerprint
        changes.append(Change.put(rn.store_path, live) if live is not None else Change.delete(rn.store_path))
        imported.append(str(rn))
    result = Recovered(intent, imported)
    if changes:
        message = (f"Recover {intent.operation} of request {intent.request_id} by {intent.author.name} "
                   f"(intent {intent.id}): written to the cluster, the server stopped before committing it; "
                   f"{matched} of {len(changes)} resource(s) exactly as intended")
        info = await asyncio.to_thread(runtime.store.commit, changes, author=intent.author, message=message,
                                       operation="import", request_id=intent.request_id, branch=MAIN)
        result.commit = info.commit_id if info else ""
    return result


def _report(runtime: Runtime, result: Recovered) -> None:
    intent = result.intent
    names = tuple(e.name for e in intent.entries)
    places = [t for n in names for t in where(n)]
    runtime.audit.record(AuditEvent(
        time=time.time(), caller=intent.author.name, role="", rpc=AUDIT_RPC, targets=names,
        code=result.code.name, request_id=intent.request_id, duration_ms=0.0, peer="",
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


async def recover_intents(runtime: Runtime) -> list[Recovered]:
    """Resolve every leftover intent (before the server takes calls, so no writer races it). A
    cluster that failed once is not asked again in this run: one timeout per cluster, not per
    intent."""
    results = []
    failed: dict[str, KubecommitError] = {}
    for intent in await asyncio.to_thread(runtime.intents.pending):
        clusters = {e.resource.cluster for e in intent.entries}
        try:
            known = next((failed[c] for c in sorted(clusters) if c in failed), None)
            if known is not None:
                raise known
            result = await _resolve(runtime, intent, failed)
        except (KubecommitError, GitStoreError) as error:
            error = from_store_error(error) if isinstance(error, GitStoreError) else error
            result = Recovered(intent, [], error=error.message, code=error.code)
        else:
            await runtime.intents.done(intent.id)
        _report(runtime, result)
        results.append(result)
    return results

"""The store mirrored to a git remote and back, with dulwich's client (git://, ssh://,
http(s):// or a path): branches and tags only, the remote made equal to the store.

A push sends what the remote lacks and sets every `refs/heads/*` and `refs/tags/*` there to the
store's value (deleting those the store no longer has; `refs/owners/*` too), unless the remote holds a commit the
store has never seen (another writer took over: refused, never overwritten); a fetch does the reverse, for a replica
that only reads. Neither holds the writer lock while talking to the network except the fetch,
which moves this store's refs.

dulwich asks whether the remote has more to say with `select()`, which cannot watch a descriptor
numbered 1024 or above: in a server holding a thousand sockets (log follows, watches) every fetch
that negotiates (the store already has commits and the remote has new ones) would fail. Its
check is replaced here by `poll()`, which has no such limit (tests/gitstore/test_remote.py).
"""

from __future__ import annotations

import os
import select
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from dulwich import client as dulwich_client
from dulwich.client import get_transport_and_path
from dulwich.errors import GitProtocolError, HangupException
from dulwich.objects import ZERO_SHA
from dulwich.repo import Repo

from .errors import GitStoreError

# Branches, tags, and who made each (refs/owners/, which protection reads).
MIRRORED = (b"refs/heads/", b"refs/tags/", b"refs/owners/")
# What a network, protocol or remote-side failure raises in dulwich's clients.
_FAILURES = (OSError, GitProtocolError, HangupException, ValueError)


class RemoteError(GitStoreError):
    """The remote could not be reached or refused an update; the local store is unchanged."""


def _fileno_can_read(fileno: int) -> bool:
    """Whether a read would not block (data, end of stream or an error), for any descriptor."""
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


if hasattr(select, "poll"):  # where there is none (Windows), dulwich does not use select() either
    dulwich_client._fileno_can_read = _fileno_can_read


def redact(url: str) -> str:
    """The URL without a password or token, fit for logs and errors."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def _mirrored(refs: dict[bytes, bytes]) -> dict[bytes, bytes]:
    return {r: v for r, v in refs.items() if r.startswith(MIRRORED) and not r.endswith(b"^{}")}


def push(repo_path: str | os.PathLike[str], url: str) -> dict[str, str]:
    """Makes the remote's branches and tags equal to the store's; returns them (ref -> id)."""
    client, path = get_transport_and_path(url)
    repo = Repo(str(repo_path))
    try:
        local = _mirrored(repo.get_refs())

        def update_refs(remote: dict[bytes, bytes]) -> dict[bytes, bytes]:
            # A remote ref holding a commit this store never had was written by someone else (a
            # replica that took over): it is never overwritten or deleted from here.
            foreign = sorted(r.decode() for r, v in _mirrored(remote).items()
                             if local.get(r) != v and v not in repo.object_store)
            if foreign:
                raise RemoteError(f"{redact(url)} has commits this store lacks on {foreign}: "
                                  "not overwritten", subject="remote")
            wanted = dict(remote)
            wanted.update(local)
            for ref in _mirrored(remote):
                if ref not in local:
                    wanted[ref] = ZERO_SHA
            return wanted

        try:
            result = client.send_pack(path, update_refs, generate_pack_data=repo.generate_pack_data)
        except _FAILURES as error:
            raise RemoteError(f"push to {redact(url)} failed: {error}", subject="remote") from None
        refused = {r.decode(): e for r, e in (result.ref_status or {}).items() if e}
        if refused:
            raise RemoteError(f"{redact(url)} refused {refused}", subject="remote")
        return {r.decode(): v.decode() for r, v in local.items()}
    finally:
        repo.close()


def fetch(repo_path: Path, url: str) -> dict[str, str]:
    """Makes the store's branches and tags equal to the remote's (objects first, then refs;
    the caller holds the writer lock and reindexes); returns them (ref -> id)."""
    client, path = get_transport_and_path(url)
    repo = Repo(str(repo_path))
    try:
        try:
            result = client.fetch(path, repo)
        except _FAILURES as error:
            raise RemoteError(f"fetch from {redact(url)} failed: {error}", subject="remote") from None
        remote = _mirrored(result.refs)
        for ref, value in remote.items():
            repo.refs[ref] = value
        for ref in _mirrored(repo.get_refs()):
            if ref not in remote:
                repo.refs.remove_if_equals(ref, None)
        return {r.decode(): v.decode() for r, v in remote.items()}
    finally:
        repo.close()

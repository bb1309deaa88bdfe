"""Reads: versions of a resource, any revision of it (including `live`), diffs between two
revisions, the log, tags and branches."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Protocol, TypeVar

from gitstore import (Author, BranchInfo, Document, DocumentDiff, LogEntry, RefOwner, Store, TagInfo, Version,
                      document_diff)
from server import context, paging
from server.context import Caller
from server.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from server.kube import ClusterPool, normalize
from server.names import ResourceName, parse_cluster
from server.security import Permission, authorize, scope
from server.security.roles import ADMIN, permissions_of
from server.storage import Storage
from server.versions.common import (MAIN, branch_id, is_commit_id, path_scope, read_stored, ref_name,
                                    store_ref)

LIVE = "live"


def version_document(store: Store, rn: ResourceName, ref: str, field: str) -> Document:
    """A resource's version named by number, commit id (or `commits/{id}`) or tag (or `tags/{t}`)."""
    path = rn.store_path
    if not ref:
        raise InvalidArgument.field(field, "a version number, commit id or tag is required")
    if ref.isdigit():
        return store.get_version(path, version=int(ref))
    commit = ref.removeprefix("commits/")
    if is_commit_id(commit):
        return store.get_version(path, commit=commit)
    return store.get_version(path, tag="refs/tags/" + ref_name(ref.removeprefix("tags/"), field, "tag"))


def parse_version_name(name: str, field: str = "name") -> tuple[ResourceName, str]:
    """`{resource}/versions/{ref}` -> (resource, ref)."""
    resource, sep, ref = name.rpartition("/versions/")
    if not sep or not ref:
        raise InvalidArgument.field(field, f"{name!r} is not a version name ({{resource}}/versions/{{ref}})")
    return ResourceName.parse(resource, field), ref


@dataclass
class Revision:
    label: str  # what the caller asked for, resolved (e.g. `3`, `live`, `tags/prod`, a commit id)
    data: dict[str, Any] | None  # None: the resource does not exist there


class History:
    def __init__(self, storage: Storage, pool: ClusterPool) -> None:
        self.storage = storage
        self.store = storage.sync
        self.pool = pool

    async def list_versions(self, parent: str, branch: str, size: int, token: str
                            ) -> tuple[ResourceName, list[Version], str, int]:
        rn = ResourceName.parse(parent, "parent")
        ref = branch_id(branch, "branch") if branch else MAIN
        caller = context.current().caller

        query = ("versions", rn.store_path, ref)
        cursor = paging.decode(token, query, s=str).get("s")

        def read() -> tuple[list[Version], str | None, int]:
            versions, next_cursor = self.store.list_versions(rn.store_path, ref, paging.page_size(size), cursor)
            total = versions[0].number if versions and not token else \
                self.store.list_versions(rn.store_path, ref, 1)[0][0].number
            return [self._version_in_scope(caller, v) for v in versions], next_cursor, total
        versions, next_cursor, total = await self.storage.run(read)
        return rn, versions, paging.encode(query, s=next_cursor) if next_cursor else "", total

    async def get_version(self, name: str) -> tuple[ResourceName, Document]:
        rn, ref = parse_version_name(name)
        caller = context.current().caller

        def read() -> Document:
            doc = version_document(self.store, rn, ref, "name")
            assert doc.version is not None
            return dataclasses.replace(doc, version=self._version_in_scope(caller, doc.version))
        return rn, await self.storage.run(read)

    def _version_in_scope(self, caller: Caller, version: Version) -> Version:
        """A version as `caller` may see it: its commit's message withheld as ListCommits does."""
        return message_in_scope(caller, version, lambda: self.store.commit_paths(version.commit_id))

    async def revision(self, rn: ResourceName, spec: str, field: str) -> Revision:
        """One side of a diff: a version number, commit, tag, branch head, or `live`."""
        if spec == LIVE:
            conn = await self.pool.get(rn.cluster)
            rt = await conn.resolve(rn.resource, "name")
            try:
                return Revision(LIVE, normalize(await conn.get_object(rt, rn.namespace, rn.name)))
            except NotFound:
                return Revision(LIVE, None)
        if spec.isdigit():
            doc = await self.storage.run(version_document, self.store, rn, spec, field)
            return Revision(spec, doc.data)

        def read() -> Revision:
            ref = store_ref(spec or MAIN, field)
            try:
                commit = self.store.resolve(ref)
            except NotFound:
                raise NotFound(f"{field}: no version, branch, tag or commit named {spec!r}", "UNKNOWN_REVISION",
                               metadata={"revision": spec}) from None
            doc = read_stored(self.store, rn.store_path, commit)
            return Revision(spec or MAIN, doc.data if doc else None)
        return await self.storage.run(read)

    async def diff(self, name: str, old: str, new: str) -> tuple[DocumentDiff, str, str]:
        rn = ResourceName.parse(name, "name")
        before = await self.revision(rn, old, "from")
        after = await self.revision(rn, new, "to")
        if before.data is None and after.data is None:
            raise NotFound(f"{rn} exists at neither {before.label} nor {after.label}", "NOT_FOUND",
                           metadata={"resource": str(rn)})
        return document_diff(str(rn), before.data, after.data), before.label, after.label

    async def log(self, *, branch: str, prefix: str, author: str, since: datetime | None,
                  until: datetime | None, operation: str | None, size: int, token: str
                  ) -> tuple[list[LogEntry], str]:
        ref = branch_id(branch, "branch") if branch else MAIN
        store_prefix = _log_prefix(prefix)
        query = ("commits", ref, store_prefix, author, since, until, operation)
        cursor = paging.decode(token, query, s=str).get("s")
        entries, next_cursor = await self.storage.run(
            self.store.log, prefix=store_prefix, author=author or None, since=since, until=until,
            operation=operation, ref=ref, page_size=paging.page_size(size), page_token=cursor)
        return (within_scope(context.current().caller, entries),
                paging.encode(query, s=next_cursor) if next_cursor else "")

    # -- tags -------------------------------------------------------------------------------

    async def create_tag(self, tag: str, target: str, message: str) -> TagInfo:
        ref_name(tag, "tag_id", "tag")
        owner = ref_owner()

        def create() -> TagInfo:
            commit = self._tag_target(target)
            return self.store.create_tag(tag, commit, message=message, tagger=owner.author, owner=owner)
        return await self.storage.run(create)

    def _tag_target(self, target: str) -> str:
        if "/versions/" in target:
            rn, ref = parse_version_name(target, "target")
            doc = version_document(self.store, rn, ref, "target")
            assert doc.version is not None
            return doc.version.commit_id
        try:
            return self.store.resolve(store_ref(target or MAIN, "target"))
        except NotFound:
            raise NotFound(f"target: no branch, tag or commit named {target!r}", "UNKNOWN_REVISION",
                           metadata={"revision": target}) from None

    async def list_tags(self, size: int, token: str) -> tuple[list[TagInfo], str]:
        """A page of tags; a tag's message is withheld from a scoped caller when the commit it
        names also changed resources outside the caller's scope (the rule of ListCommits)."""
        caller = context.current().caller
        tags, next_token = paging.offset_page(await self.storage.run(self.store.list_tags), ("tags",), size, token)

        def shown() -> list[TagInfo]:
            return [message_in_scope(caller, t, lambda t=t: self.store.ref_changes(f"refs/tags/{t.name}"))
                    for t in tags]
        return await self.storage.run(shown), next_token

    async def delete_tag(self, name: str) -> None:
        tag = tag_id(name)
        caller = context.current().caller

        def delete() -> None:
            may_delete_ref(self.store, caller, f"refs/tags/{tag}", f"tags/{tag}")
            self.store.delete_tag(tag)
        await self.storage.run(delete)

    # -- branches ---------------------------------------------------------------------------

    async def create_branch(self, branch: str, start: str) -> tuple[BranchInfo, datetime]:
        branch = branch_id(branch, "branch_id")
        owner = ref_owner()

        def create() -> tuple[BranchInfo, datetime]:
            try:
                commit = self.store.resolve(store_ref(start or MAIN, "from"))
            except NotFound:
                raise NotFound(f"from: no branch, tag or commit named {start!r}", "UNKNOWN_REVISION",
                               metadata={"revision": start}) from None
            info = self.store.create_branch(branch, commit, owner=owner)
            return info, self._head_time(branch)
        return await self.storage.run(create)

    def _head_time(self, branch: str) -> datetime:
        entries, _ = self.store.log(ref=branch, page_size=1)
        return entries[0].time

    async def list_branches(self, size: int, token: str) -> tuple[list[tuple[BranchInfo, datetime]], str]:
        def read() -> list[tuple[BranchInfo, datetime]]:
            return [(b, self._head_time(b.name)) for b in self.store.list_branches()]
        branches, next_token = paging.offset_page(await self.storage.run(read), ("branches",), size, token)
        return branches, next_token

    async def delete_branch(self, name: str) -> None:
        branch = branch_id(name, "name")
        if branch == MAIN:
            raise FailedPrecondition("branch main holds what was applied to the clusters; it cannot be deleted",
                                     "MAIN_BRANCH", metadata={"branch": MAIN})
        caller = context.current().caller

        def delete() -> None:
            may_delete_ref(self.store, caller, f"refs/heads/{branch}", f"branches/{branch}")
            self.store.delete_branch(branch)
        await self.storage.run(delete)


HIDDEN_MESSAGE = "(message withheld: this commit also changes resources outside the caller's scope)"


class _Described(Protocol):
    message: str


Described = TypeVar("Described", bound=_Described)


def _visible_paths(caller: Caller, paths: Iterable[str]) -> tuple[str, ...]:
    return tuple(p for p in paths if scope.visible(caller, *path_scope(p)))


def message_in_scope(caller: Caller, item: Described, changed: Callable[[], Iterable[str]]) -> Described:
    """`item` (a version or tag) as `caller` may see it: its message withheld when the change it
    describes (`changed()`, read only for scoped callers) also reached resources outside the
    caller's scope, since a message may name them."""
    if not scope.scoped(caller) or not item.message:
        return item
    paths = tuple(changed())
    if len(_visible_paths(caller, paths)) == len(paths):
        return item
    return dataclasses.replace(item, message=HIDDEN_MESSAGE)


def within_scope(caller: Caller, entries: list[LogEntry]) -> list[LogEntry]:
    """The log as a scoped caller may see it: only the paths it may read; a commit that also
    changed others keeps its place with its message withheld (a message may name them); one
    that changed nothing it may read is left out. A page may so hold fewer commits than asked."""
    if not scope.scoped(caller):
        return entries
    shown = []
    for entry in entries:
        paths = _visible_paths(caller, entry.paths)
        if paths:
            shown.append(entry if paths == entry.paths else
                         dataclasses.replace(entry, paths=paths, message=HIDDEN_MESSAGE))
    return shown


def tag_id(name: str) -> str:
    tag = name.removeprefix("tags/")
    if not tag:
        raise InvalidArgument.field("name", f"{name!r} is not a tag name (tags/{{tag}})")
    return ref_name(tag, "name", "tag")


def ref_owner() -> RefOwner:
    """The caller as the maker of a ref; an admin's refs are protected (restores make their own)."""
    return RefOwner(context.commit_author(), is_admin(context.current().caller))


def is_admin(caller: Caller) -> bool:
    return permissions_of(caller.role) == ADMIN


def may_delete_ref(store: Store, caller: Caller, ref: str, shown: str) -> None:
    """The ref rules (docs/security.md, "Refs"): refs made by an admin or by a restore are deleted
    by admins only; a caller scoped to clusters or namespaces deletes only refs it made or whose
    changes all lie inside its scope. A ref whose maker was never recorded (made before makers
    were, or pushed by git) may have been an admin's: only a scoped caller whose scope holds
    every change it carries (at least one) deletes it besides an admin, since that caller could
    write all of it anyway; an unscoped non-admin holds no scope that ties it to the ref."""
    store.resolve(ref)  # NOT_FOUND before any verdict on a ref that does not exist
    owner = store.ref_owner(ref)
    admin = is_admin(caller)
    if owner is not None and owner.protected and not admin:
        raise _protected(shown, "made by an admin or a restore, only an admin deletes it")
    changes = store.ref_changes(ref) if scope.scoped(caller) else []
    if owner is None and not admin and not changes:  # unscoped, or nothing ties the ref to the scope
        raise _protected(shown, "its maker was never recorded; only an admin, or a caller whose scope holds "
                                "every change it carries, deletes it")
    if not scope.scoped(caller) or (owner is not None and owner.author == Author(caller.name, caller.email)):
        return
    for path in changes:
        try:
            authorize(caller, Permission.VERSIONS_WRITE, *path_scope(path))
        except PermissionDenied:
            raise PermissionDenied(f"{shown} carries changes outside the caller's scope; only a caller whose "
                                   "scope holds all of them (or who made it) deletes it", "OUT_OF_SCOPE",
                                   metadata={"ref": shown, "permission": str(Permission.VERSIONS_WRITE)}) from None


def _protected(shown: str, why: str) -> PermissionDenied:
    return PermissionDenied(f"{shown} is protected: {why}", "REF_PROTECTED",
                            metadata={"ref": shown, "permission": str(Permission.VERSIONS_WRITE)})


def _log_prefix(prefix: str) -> str:
    """A cluster, directory or resource name -> the store prefix; a resource names its file."""
    if not prefix:
        return ""
    parse_cluster("/".join(prefix.split("/")[:2]), "prefix")
    parts = prefix.split("/")
    is_resource = (len(parts) == 6 and parts[2] == "namespaces") or (len(parts) == 4 and parts[2] != "namespaces")
    if is_resource:
        return ResourceName.parse(prefix, "prefix").store_path
    return prefix

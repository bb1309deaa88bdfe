"""Alert rules and notification channels, versioned in the store like the exec policy: each is
one YAML document under `kubecommit/alerting/`, and every change is a commit by its caller, so who
changed a threshold or a webhook is history too.

A channel's signing secret is not in git: it is made when the channel is created, shown once,
and kept sealed with the store key in the state database (server/security/credentials.py), shared
by the replicas, so whichever leads signs for every channel.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from gitstore import Change, StoreKey
from server import context
from server.alerts.store import Severity
from server.errors import AlreadyExists, InvalidArgument, NotFound
from server.names import check_dns_label
from server.security.credentials import SealedTable, destroy_file
from server.storage import Storage

ROOT = "kubecommit/alerting"
FORMATS = ("json", "slack")
KINDS = ("quota", "health", "drift", "backup", "mirror")


@dataclass
class AlertRule:
    id: str
    kind: str  # quota | health | drift | backup | mirror
    enabled: bool = True
    # quota: percent of hard used; health: score below warning/critical.
    warning_percent: float = 0.0
    critical_percent: float = 0.0
    severity: str = "WARNING"  # drift, backup and mirror rules: the severity they raise
    description: str = ""
    etag: str = ""
    updated_by: str = ""

    def check(self) -> None:
        check_dns_label(self.id, "rule.name", "alert rule")
        if self.kind not in KINDS:
            raise InvalidArgument.field("rule.kind", f"one of {', '.join(KINDS)}")
        if self.severity not in Severity.__members__:
            raise InvalidArgument.field("rule.severity", f"one of {', '.join(Severity.__members__)}")
        if self.kind == "quota" and not 0 < self.warning_percent <= self.critical_percent <= 1000:
            raise InvalidArgument.field("rule.warning_percent", "0 < warning <= critical <= 1000 (percent of hard)")


# Rules in force until someone stores their own (the quota policy's 80/95 %).
DEFAULT_RULES = [
    AlertRule("quota-usage", "quota", warning_percent=80, critical_percent=95,
              description="quota usage per resource against its hard limit"),
    AlertRule("cluster-health", "health", warning_percent=70, critical_percent=40,
              description="unreachable cluster (critical), health score below the thresholds, crash loops"),
    AlertRule("drift", "drift", severity="WARNING", description="changes made outside kubecommit"),
    AlertRule("backup-failure", "backup", severity="CRITICAL", description="a scheduled backup failed"),
    AlertRule("mirror-failure", "mirror", severity="CRITICAL",
              description="the store's git remote out of reach: the leader cannot push, or a follower cannot fetch"),
]


@dataclass
class Channel:
    id: str
    url: str
    format: str = "json"  # json (Alertmanager-like) | slack
    min_severity: str = "WARNING"
    enabled: bool = True
    description: str = ""
    etag: str = ""
    updated_by: str = ""

    def check(self) -> None:
        check_dns_label(self.id, "channel.name", "notification channel")
        url = urlparse(self.url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise InvalidArgument.field("channel.url", "an http(s) URL")
        if self.format not in FORMATS:
            raise InvalidArgument.field("channel.format", f"one of {', '.join(FORMATS)}")
        if self.min_severity not in Severity.__members__:
            raise InvalidArgument.field("channel.min_severity", f"one of {', '.join(Severity.__members__)}")


T = TypeVar("T", AlertRule, Channel)
_STORED = {AlertRule: ("rules", "AlertRule"), Channel: ("channels", "NotificationChannel")}
_LOCAL = ("id", "etag", "updated_by")


class ChannelSecrets:
    """Channels' signing secrets, sealed with the store key and bound to their channel."""

    LEGACY_DIR = "channels"  # older servers: one plain 0600 file per channel, `<channel>.key`

    def __init__(self, table: SealedTable, key: StoreKey, data_dir: Path) -> None:
        self._table, self._key = table, key
        self._import_legacy(data_dir / self.LEGACY_DIR)

    def _seal(self, channel: str, secret: bytes) -> bytes:
        return self._key.encrypt(secret, self._purpose(channel))

    @staticmethod
    def _purpose(channel: str) -> bytes:
        return f"channel-secret:{channel}".encode()

    def _import_legacy(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for file in sorted(folder.glob("*.key")):
            channel = file.name.removesuffix(".key")
            self._table.adopt([(channel, self._seal(channel, file.read_bytes()), file.stat().st_mtime)])
            destroy_file(file)
        if not any(folder.iterdir()):
            folder.rmdir()

    def new(self, channel: str) -> str:
        """A fresh secret for `channel`, replacing any; returned once, to its creator."""
        secret = secrets.token_urlsafe(32)
        self._table.write(channel, self._seal(channel, secret.encode()))
        return secret

    def read(self, channel: str) -> bytes:
        """The secret, or b"" when this channel has none (nothing may be signed with it)."""
        sealed = self._table.read(channel)
        return self._key.decrypt(sealed, self._purpose(channel)) if sealed is not None else b""

    def forget(self, channel: str) -> None:
        self._table.delete(channel)


class AlertingConfig:
    def __init__(self, storage: Storage, signing: ChannelSecrets) -> None:
        self.storage = storage
        self.store = storage.sync
        self.signing = signing
        # Creating a channel writes its secret, then commits it: one creation at a time, so a
        # second create of the same id cannot replace the first one's secret.
        self._creating = asyncio.Lock()

    @staticmethod
    def path(kind: type[T], item_id: str) -> str:
        return f"{ROOT}/{_STORED[kind][0]}/{item_id}.yaml"

    def _read(self, kind: type[T], path: str) -> T:
        doc = self.store.read(path)
        versions, _ = self.store.list_versions(path, page_size=1)
        spec = {k: v for k, v in (doc.data.get("spec") or {}).items() if k in {f.name for f in fields(kind)}}
        return kind(id=doc.data["metadata"]["name"], **spec, etag=doc.etag,
                    updated_by=versions[0].author.name if versions else "")

    def _list(self, kind: type[T]) -> list[T]:
        return [self._read(kind, p) for p in self.store.list_paths(f"{ROOT}/{_STORED[kind][0]}")]

    async def list(self, kind: type[T]) -> list[T]:
        return await self.storage.run(self._list, kind)

    async def get(self, kind: type[T], item_id: str) -> T:
        path = self.path(kind, item_id)
        if await self.storage.run(self.store.read_if_exists, path) is None:
            raise NotFound(f"{_STORED[kind][0]}/{item_id} does not exist", "NOT_FOUND", metadata={"name": item_id})
        return await self.storage.run(self._read, kind, path)

    async def rule(self, item_id: str) -> AlertRule:
        """A stored rule, or the built-in default of that id."""
        try:
            return await self.get(AlertRule, item_id)
        except NotFound:
            default = next((r for r in DEFAULT_RULES if r.id == item_id), None)
            if default is None:
                raise
            return replace(default)

    async def update(self, kind: type[T], item_id: str, values: dict[str, Any], mask: list[str], etag: str) -> T:
        """Changes the fields in `mask` (all mutable ones when empty) to `values`, as a commit."""
        current: AlertRule | Channel = await (self.rule(item_id) if kind is AlertRule else self.get(kind, item_id))
        mutable = [f.name for f in fields(kind) if f.name not in _LOCAL and f.name != "kind"]
        for name in mask or mutable:
            if name not in mutable:
                raise InvalidArgument.field("update_mask", f"{name!r} cannot be updated")
            setattr(current, name, values[name])
        current.etag = etag
        return await self.put(current, create=False)

    async def rules(self) -> list[AlertRule]:
        """The stored rules, and the defaults for every default id not stored."""
        stored = await self.list(AlertRule)
        ids = {r.id for r in stored}
        return stored + [r for r in DEFAULT_RULES if r.id not in ids]

    async def enabled_rule(self, kind: str) -> AlertRule | None:
        """The rule in force for `kind`: None when it is turned off."""
        return next((r for r in await self.rules() if r.kind == kind and r.enabled), None)

    async def put(self, item: T, *, create: bool) -> T:
        """Creates (must not exist) or replaces (etag checked when given) one rule or channel."""
        await self._check(item, create=create)
        return await self._commit(item, create=create)

    async def _check(self, item: T, *, create: bool) -> None:
        item.check()
        kind = type(item)
        exists = await self.storage.run(self.store.read_if_exists, self.path(kind, item.id)) is not None
        if create and exists:
            raise AlreadyExists(f"{_STORED[kind][0]}/{item.id} already exists", "ALREADY_EXISTS",
                                metadata={"name": item.id})
        if not create and not exists and not (kind is AlertRule and item.id in {r.id for r in DEFAULT_RULES}):
            raise NotFound(f"{_STORED[kind][0]}/{item.id} does not exist", "NOT_FOUND", metadata={"name": item.id})

    async def _commit(self, item: T, *, create: bool) -> T:
        """The commit's own precondition (absent, or the etag) still catches a concurrent writer."""
        kind, path = type(item), self.path(type(item), item.id)
        spec = {k: v for k, v in asdict(item).items() if k not in _LOCAL}
        document = {"apiVersion": "kubecommit.io/v1", "kind": _STORED[kind][1], "metadata": {"name": item.id},
                    "spec": spec}
        expected: dict[str, str | None] | None = {path: None} if create else (
            {path: item.etag} if item.etag else None)
        await self.storage.run(
            self.store.commit, [Change.put(path, document)], author=context.commit_author(),
            message=f"{'create' if create else 'update'} {_STORED[kind][1]} {item.id}", operation="apply",
            request_id=context.commit_request_id(), expected=expected)
        return await self.get(kind, item.id)

    async def delete(self, kind: type[T], item_id: str) -> None:
        await self.get(kind, item_id)
        await self.storage.run(
            self.store.commit, [Change.delete(self.path(kind, item_id))], author=context.commit_author(),
            message=f"delete {_STORED[kind][1]} {item_id}", operation="delete", request_id=context.commit_request_id())
        if kind is Channel:
            await asyncio.to_thread(self.signing.forget, item_id)

    async def create_channel(self, channel: Channel) -> tuple[Channel, str]:
        """Creates a channel and its signing secret, returned once. The secret is written before
        the commit: deliveries start as soon as the channel is listed (an alert firing meanwhile)
        and must find it; a failed commit takes it away again."""
        async with self._creating:
            # Taken: refused (ALREADY_EXISTS) before the existing channel's secret is touched.
            await self._check(channel, create=True)
            secret = await asyncio.to_thread(self.signing.new, channel.id)
            try:
                return await self._commit(channel, create=True), secret
            except BaseException:
                await asyncio.to_thread(self.signing.forget, channel.id)
                raise

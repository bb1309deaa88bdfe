"""Delivery of alert changes to notification channels: webhooks with a JSON body (Alertmanager's
webhook payload, or Slack's `text`), signed with HMAC-SHA256, retried with exponential backoff,
and logged per attempt in `<data_dir>/notifications.db` (0600).

Signature: `X-Kubecommit-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
with the timestamp in `X-Kubecommit-Timestamp` (seconds); receivers recompute it and refuse old
timestamps, so a captured delivery cannot be replayed later. See docs/jobs.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp

from server.alerts.config import AlertingConfig, Channel
from server.alerts.store import Alert, Alerts, Severity, State
from server.state import Database, Schema

log = logging.getLogger("kubecommit.alerts")
SIGNATURE_HEADER = "X-Kubecommit-Signature"
TIMESTAMP_HEADER = "X-Kubecommit-Timestamp"

# Numbered migrations (server/state): append, never edit one that shipped.
MIGRATIONS = ["""
CREATE TABLE IF NOT EXISTS deliveries (
    id {serial},
    channel TEXT NOT NULL,
    alert TEXT NOT NULL,
    change TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    time {real} NOT NULL,
    status INTEGER NOT NULL,
    error TEXT NOT NULL
);
"""]


@dataclass(frozen=True)
class Delivery:
    alert: str
    change: str
    attempt: int
    time: datetime
    status: int  # HTTP status, 0 when no answer came
    error: str


def _iso(when: datetime | None) -> str:
    return when.isoformat().replace("+00:00", "Z") if when else "0001-01-01T00:00:00Z"


def payload(alert: Alert, change: str, channel: Channel) -> dict[str, Any]:
    """The body a channel receives for one alert change."""
    if channel.format == "slack":
        icon = ":large_green_circle:" if change == "resolved" else ":red_circle:"
        return {"text": f"{icon} [{change.upper()}] {alert.severity.name} {alert.rule}: {alert.subject}\n{alert.message}"}
    labels = {"alertname": alert.rule, "severity": alert.severity.name.lower(), "subject": alert.subject}
    return {
        "version": "4", "receiver": channel.id, "status": change, "groupKey": f"{alert.rule}:{alert.subject}",
        "groupLabels": {"alertname": alert.rule}, "commonLabels": labels,
        "commonAnnotations": {"summary": alert.message},
        "alerts": [{"status": change, "labels": labels, "annotations": {"summary": alert.message},
                    "startsAt": _iso(alert.first_seen),
                    "endsAt": _iso(alert.resolved) if change == "resolved" else "0001-01-01T00:00:00Z",
                    "fingerprint": alert.id, "id": f"alerts/{alert.id}"}],
    }


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


SCHEMA = Schema("notifications", "notifications.db", MIGRATIONS, ("deliveries",))


class Notifier:
    FILE = SCHEMA.file

    def __init__(self, alerts: Alerts, config: AlertingConfig, data_dir: Path, *, timeout: float,
                 attempts: int, backoff: float = 0.5, database_url: str = "") -> None:
        self.config = config
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._db = Database.open(database_url, data_dir / self.FILE)
        self._db.adopt(SCHEMA)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        alerts.listeners.append(self.notify)

    async def notify(self, alert: Alert, change: str) -> None:
        """Queues deliveries to every enabled channel whose filter admits the alert; a silenced
        alert is delivered to nobody. Returns at once: jobs never wait on receivers."""
        if change not in ("firing", "resolved") or alert.silenced(datetime.now(alert.last_seen.tzinfo)):
            return
        for channel in await self.config.list(Channel):
            if channel.enabled and alert.severity >= Severity[channel.min_severity]:
                task = asyncio.create_task(self._deliver(channel, alert, change))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def test(self, channel: Channel) -> list[Delivery]:
        """A made-up alert of the channel's minimum severity delivered now as change `test`
        (whether the channel is enabled or not), awaited: its attempts, first first."""
        now = datetime.now(timezone.utc)
        alert = Alert(id=f"test-{secrets.token_hex(6)}", rule="test-notification",
                      subject=f"notificationChannels/{channel.id}", severity=Severity[channel.min_severity],
                      state=State.FIRING, message="kubecommit test notification: this channel works",
                      first_seen=now, last_seen=now)
        await self._deliver(channel, alert, "test")
        attempts = [d for d in await self.deliveries_async(channel.id, self.attempts * 4) if d.alert == alert.id]
        return attempts[::-1]

    async def _deliver(self, channel: Channel, alert: Alert, change: str) -> None:
        body = json.dumps(payload(alert, change, channel), separators=(",", ":")).encode()
        secret = await asyncio.to_thread(self.config.signing.read, channel.id)
        if not secret:
            # Its secret is gone (a state database restored from before the channel, a channel
            # brought back by a rollback after its deletion destroyed the secret): a signature
            # made with an empty key is one anybody can make, so nothing is sent; the attempt is
            # logged for the channel's deliveries.
            await asyncio.to_thread(self._log, channel.id, alert.id, change, 1, 0,
                                    "not sent: the channel has no signing secret (delete and recreate it)")
            log.warning("webhook delivery refused: no signing secret", extra={"channel": channel.id})
            return
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        for attempt in range(1, self.attempts + 1):
            stamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp,
                       SIGNATURE_HEADER: sign(secret, stamp, body)}
            status, error = 0, ""
            try:
                async with self._session.post(channel.url, data=body, headers=headers) as response:
                    status = response.status
                    error = "" if status < 300 else f"HTTP {status}"
            except (aiohttp.ClientError, TimeoutError) as failure:
                error = f"{type(failure).__name__}: {failure}"[:500]
            await asyncio.to_thread(self._log, channel.id, alert.id, change, attempt, status, error)
            if not error:
                return
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        log.warning("webhook delivery failed", extra={"channel": channel.id, "alert": alert.id, "error": error})

    def _log(self, channel: str, alert: str, change: str, attempt: int, status: int, error: str) -> None:
        self._db.execute("INSERT INTO deliveries (channel, alert, change, attempt, time, status, error) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", (channel, alert, change, attempt, time.time(), status, error))

    def _deliveries(self, channel: str, limit: int) -> list[Delivery]:
        rows = self._db.execute("SELECT alert, change, attempt, time, status, error FROM deliveries "
                                "WHERE channel = ? ORDER BY id DESC LIMIT ?", (channel, limit)).fetchall()
        return [Delivery(r[0], r[1], r[2], datetime.fromtimestamp(r[3], timezone.utc), r[4], r[5]) for r in rows]

    async def deliveries_async(self, channel: str, limit: int = 1000) -> list[Delivery]:
        """The channel's newest delivery attempts, newest first."""
        return await asyncio.to_thread(self._deliveries, channel, limit)

    def _prune(self, before: datetime) -> int:
        return self._db.execute("DELETE FROM deliveries WHERE time < ?", (before.timestamp(),)).rowcount

    async def prune(self, before: datetime) -> int:
        """Drops delivery log rows older than `before`; returns how many."""
        return await asyncio.to_thread(self._prune, before)

    def close_db(self) -> None:
        self._db.close()

    async def close(self) -> None:
        """Stops deliveries in flight (their attempts so far are logged) and closes."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        self.close_db()

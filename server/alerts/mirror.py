"""The store's git remote out of reach, as an alert (rule kind `mirror`; `mirror-failure` by
default, CRITICAL): the mirror reports every failed push or fetch and the first success after
one, so the alert fires while the remote cannot be reached (its message the last failure, the URL
redacted) and resolves when it can. Whichever replica leads pushes: one subject, `mirror/push`;
each follower fetches for itself: `mirror/fetch/{replica}`. Store-wide subjects: only unscoped
callers see them (server/alerts/access.py)."""

from __future__ import annotations

from server.alerts.config import AlertingConfig
from server.alerts.store import Alerts, Severity


class MirrorAlerts:
    def __init__(self, alerts: Alerts, config: AlertingConfig, replica: str) -> None:
        self.alerts, self.config, self.replica = alerts, config, replica

    def subject(self, operation: str) -> str:
        return "mirror/push" if operation == "push" else f"mirror/fetch/{self.replica}"

    async def report(self, operation: str, reached: bool, detail: str) -> None:
        subject = self.subject(operation)
        if reached:  # under every mirror rule: one turned off during the outage leaves nothing open
            for rule in await self.config.rules():
                if rule.kind == "mirror":
                    await self.alerts.observe(rule.id, subject, None)
            return
        rule = await self.config.enabled_rule("mirror")
        if rule is not None:
            await self.alerts.observe(rule.id, subject, Severity[rule.severity], detail)

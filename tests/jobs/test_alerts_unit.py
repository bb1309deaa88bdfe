"""The alert store's rules on a real event loop: one alert per condition, escalation notifies
again, clearing resolves, silences, resolved alerts pruned by age, filters; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.alerts.store import Alert, Alerts, Severity, State, matches, parse_filter, subject_scope
from server.errors import FailedPrecondition, InvalidArgument

SUBJECT = "clusters/prod/namespaces/web/resourcequotas/compute/requests.cpu"


async def test_one_alert_per_condition_until_it_clears(tmp_path: Path, database_url: str) -> None:
    alerts = Alerts(tmp_path, database_url)
    told: list[tuple[str, Severity, str]] = []

    async def listener(alert: Alert, change: str) -> None:
        told.append((change, alert.severity, alert.id))
    alerts.listeners.append(listener)
    first = await alerts.observe("quota-usage", SUBJECT, Severity.WARNING, "85%")
    again = await alerts.observe("quota-usage", SUBJECT, Severity.WARNING, "86%")
    assert first.id == again.id and again.message == "86%" and again.last_seen >= first.last_seen
    worse = await alerts.observe("quota-usage", SUBJECT, Severity.CRITICAL, "97%")
    assert worse.severity is Severity.CRITICAL and worse.id == first.id
    await alerts.observe("quota-usage", SUBJECT, Severity.WARNING, "90%")  # never downgraded while open
    resolved = await alerts.observe("quota-usage", SUBJECT, None)
    assert resolved.state is State.RESOLVED
    assert [c for c, _, _ in told] == ["firing", "firing", "resolved"]
    assert await alerts.observe("quota-usage", SUBJECT, None) is None  # nothing open, nothing told
    reopened = await alerts.observe("quota-usage", SUBJECT, Severity.WARNING, "81%")
    assert reopened.id != first.id and reopened.first_seen >= resolved.resolved
    with pytest.raises(FailedPrecondition):
        await alerts.acknowledge(first.id, "me")
    silenced = await alerts.silence(reopened.id, datetime.now(timezone.utc) + timedelta(minutes=5))
    assert silenced.silenced(datetime.now(timezone.utc))
    assert not silenced.silenced(datetime.now(timezone.utc) + timedelta(minutes=6))

    assert await alerts.prune(datetime.now(timezone.utc) - timedelta(days=1)) == 0
    assert await alerts.prune(datetime.now(timezone.utc) + timedelta(seconds=1)) == 1  # the resolved one
    assert [a.id for a in await alerts.list()] == [reopened.id]
    alerts.close()


def test_filters_and_scopes() -> None:
    now = datetime.now(timezone.utc)
    alert = Alert("a1", "quota-usage", SUBJECT, Severity.WARNING, State.ACKNOWLEDGED, "", now, now)
    assert matches(alert, parse_filter("state=open severity=warning subject=clusters/prod/*", ("state", "severity",
                                                                                                "subject")))
    assert not matches(alert, parse_filter("state=firing", ("state",)))
    assert matches(alert, parse_filter("rule=alertRules/quota-usage", ("rule",)))
    with pytest.raises(InvalidArgument):
        parse_filter("state", ("state",))
    assert subject_scope(SUBJECT) == ("prod", "web")
    assert subject_scope("clusters/prod") == ("prod", "")
    assert subject_scope("backups") is None

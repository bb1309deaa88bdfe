"""Who sees and handles which alert and series: a subject under `clusters/{c}[/namespaces/{ns}]`
belongs to that scope; store-wide subjects (backups) only to unscoped callers."""

from __future__ import annotations

from server import context
from server.alerts.store import Alert, NotFound, subject_scope
from server.security import Permission, authorize
from server.security.scope import scoped, visible


def may_see(subject: str) -> bool:
    caller = context.current().caller
    where = subject_scope(subject)
    return not scoped(caller) if where is None else visible(caller, *where)


def seen(alert: Alert) -> Alert:
    """The alert, or NOT_FOUND when it is outside the caller's scope (its existence is not told)."""
    if not may_see(alert.subject):
        raise NotFound(f"alerts/{alert.id} does not exist", "ALERT_NOT_FOUND", metadata={"alert": alert.id})
    return alert


def may_handle(alert: Alert) -> Alert:
    """Acknowledging, resolving or silencing needs the permission where the alert's subject is."""
    caller = context.current().caller
    where = subject_scope(seen(alert).subject)
    if where is not None:
        authorize(caller, Permission.ALERTS_MANAGE, *where)
    return alert

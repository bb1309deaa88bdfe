"""Roles: named sets of permissions. A token or JWT carries one role, optionally narrowed to
some clusters and namespaces (see scope.py). A role missing from this table grants nothing, and
a credential naming it is refused as unauthenticated."""

from __future__ import annotations

from server.security.permissions import DESCRIPTIONS, Permission

VIEWER = frozenset({
    Permission.CLUSTERS_READ, Permission.RESOURCES_READ, Permission.POLICIES_READ,
})
OPERATOR = VIEWER | {
    Permission.RESOURCES_APPLY, Permission.RESOURCES_ROLLBACK, Permission.VERSIONS_WRITE,
    Permission.LOGS_READ, Permission.EXEC_RUN, Permission.ALERTS_MANAGE,
}
ADMIN = frozenset(Permission)

ROLES: dict[str, frozenset[Permission]] = {"viewer": VIEWER, "operator": OPERATOR, "admin": ADMIN}


def permissions_of(role: str) -> frozenset[Permission]:
    return ROLES.get(role, frozenset())


def markdown() -> str:
    """The roles table for docs/security.md."""
    lines = ["| permission | allows | " + " | ".join(ROLES) + " |", "| --- | --- |" + " --- |" * len(ROLES)]
    for permission in Permission:
        marks = " | ".join("yes" if permission in granted else "" for granted in ROLES.values())
        lines.append(f"| `{permission}` | {DESCRIPTIONS[permission]} | {marks} |")
    return "\n".join(lines) + "\n"

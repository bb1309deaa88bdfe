"""What a cluster serves, from discovery: one ApiResource per listable kind, with the REST path
for any object of it."""

from __future__ import annotations

from dataclasses import dataclass

from server.kube import paths


def resource_type(plural: str, group: str) -> str:
    """`{plural}[.{group}]`, the segment used in resource names and store paths."""
    return f"{plural}.{group}" if group else plural


@dataclass(frozen=True)
class ApiResource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...]
    short_names: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def type(self) -> str:
        """`{plural}[.{group}]`, the segment used in resource names and store paths."""
        return resource_type(self.plural, self.group)

    def path(self, namespace: str = "", name: str = "", subresource: str = "") -> str:
        """The REST path of the collection or of one object; names are checked (server.kube.paths)."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return paths.object_path(base, self.namespaced, namespace, self.plural, name, subresource)

    def matches(self, query: str) -> bool:
        """A user may name a type as `deployments.apps`, `deployments`, `Deployment`,
        `deploy` or `Deployment.apps`."""
        q = query.strip()
        kind, _, group = q.partition(".")
        if q in (self.type, self.plural) or q in self.short_names:
            return True
        if kind == self.kind and (not group or group == self.group):
            return True
        return q.lower() == self.kind.lower()

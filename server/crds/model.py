"""What the CRD domain returns: plain values, no protobuf."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.crds.schema import Difference, SchemaField
from server.crds.validation import Violation
from server.errors import InvalidArgument


@dataclass(frozen=True)
class PrinterColumn:
    name: str
    type: str
    json_path: str
    format: str = ""
    description: str = ""
    priority: int = 0


@dataclass
class CrdVersion:
    name: str
    served: bool
    storage: bool
    deprecated: bool
    deprecation_warning: str
    schema: dict[str, Any] | None
    status_subresource: bool
    scale_subresource: bool
    columns: list[PrinterColumn]
    object_count: int | None = None


@dataclass
class Crd:
    """One CustomResourceDefinition as read from `cluster`."""

    cluster: str
    crd_name: str  # `{plural}.{group}`
    group: str
    plural: str
    singular: str
    kind: str
    list_kind: str
    short_names: list[str]
    categories: list[str]
    namespaced: bool
    versions: list[CrdVersion]
    stored_versions: list[str]
    conditions: dict[str, str]
    conversion_strategy: str
    etag: str
    create_time: str
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return f"clusters/{self.cluster}/customresourcedefinitions.apiextensions.k8s.io/{self.crd_name}"

    @property
    def storage_version(self) -> str:
        return next((v.name for v in self.versions if v.storage), "")

    @property
    def established(self) -> bool:
        return self.conditions.get("Established") == "True"

    @property
    def names_accepted(self) -> bool:
        return self.conditions.get("NamesAccepted") == "True"

    def version(self, name: str, field: str = "version") -> CrdVersion:
        """The version `name` (the storage version when empty); INVALID_ARGUMENT naming `field`
        for a version the CRD does not define."""
        wanted = name or self.storage_version
        for v in self.versions:
            if v.name == wanted:
                return v
        raise InvalidArgument.field(field, f"{self.crd_name} has no version {wanted!r} (versions: "
                                    f"{', '.join(v.name for v in self.versions)})", "UNKNOWN_VERSION")


@dataclass
class CrdPage:
    crds: list[Crd]
    next_page_token: str
    unreachable: dict[str, str]


@dataclass
class CrdInCluster:
    cluster: str
    crd: Crd | None
    # (version, difference) from the reference cluster's schema of that version.
    differences: list[tuple[str, Difference]] = field(default_factory=list)


@dataclass
class Comparison:
    crd_name: str
    reference: str
    clusters: list[CrdInCluster]
    skewed: bool
    unreachable: dict[str, str]


@dataclass
class SchemaView:
    name: str
    version: str
    field_path: str
    schema: dict[str, Any]
    fields: list[SchemaField]


@dataclass
class Row:
    name: str
    namespace: str
    object_name: str
    cells: list[str]
    etag: str


@dataclass
class Rows:
    columns: list[PrinterColumn]
    rows: list[Row]
    next_page_token: str


@dataclass
class ObjectValidation:
    name: str
    document: str
    crd_name: str
    version: str
    violations: list[Violation]
    checked_by_cluster: list[str]
    cluster_accepted: bool = False

    @property
    def valid(self) -> bool:
        return not self.violations


@dataclass
class BrokenObject:
    name: str
    version: str
    violations: list[Violation]


@dataclass
class UpdateCheck:
    crd_name: str
    new_definition: bool
    differences: list[tuple[str, Difference]]
    broken: list[BrokenObject]
    removed_stored_versions: list[str]
    checked_objects: int

    @property
    def safe(self) -> bool:
        return not self.broken and not self.removed_stored_versions

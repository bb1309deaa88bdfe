"""The kinds the simulator serves: built-in API resources plus CRDs registered at runtime.

Everything that varies per kind (URL plural, scope, short names, verbs, subresources) lives here so
the HTTP layer, discovery and the store stay kind-agnostic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")


@dataclass(frozen=True)
class ResourceType:
    """One servable resource (e.g. apps/v1 deployments)."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    custom: bool = False  # a CRD: refuses strategic merge patch, like a real server
    extra_versions: tuple[str, ...] = ()  # further served versions (CRDs), same storage

    @property
    def key(self) -> str:
        """Storage key shared by all versions of the resource."""
        return f"{self.group}/{self.plural}"

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def versions(self) -> tuple[str, ...]:
        return (self.version, *self.extra_versions)

    def api_version(self, version: str | None = None) -> str:
        v = version or self.version
        return f"{self.group}/{v}" if self.group else v


@dataclass
class Registry:
    """Lookup of resource types by (group, version, plural), kind or short name."""

    types: dict[str, ResourceType] = field(default_factory=dict)

    def add(self, rt: ResourceType) -> None:
        self.types[rt.key] = rt

    def remove(self, key: str) -> None:
        self.types.pop(key, None)

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        rt = self.types.get(f"{group}/{plural}")
        if rt is None or version not in rt.versions:
            return None
        return rt

    def by_kind(self, group: str, kind: str) -> ResourceType | None:
        for rt in self.types.values():
            if rt.group == group and rt.kind == kind:
                return rt
        return None

    def group_versions(self) -> dict[str, list[str]]:
        """group -> served versions, preferred first; core group is ''."""
        out: dict[str, list[str]] = {}
        for rt in self.types.values():
            for v in rt.versions:
                vs = out.setdefault(rt.group, [])
                if v not in vs:
                    vs.append(v)
        return out

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [rt for rt in self.types.values() if rt.group == group and version in rt.versions]


def _rt(gv: str, plural: str, kind: str, namespaced: bool = True, short: tuple[str, ...] = (),
        sub: tuple[str, ...] = ("status",), verbs: tuple[str, ...] = ALL_VERBS,
        cats: tuple[str, ...] = ()) -> ResourceType:
    group, _, version = gv.rpartition("/")
    return ResourceType(group, version, plural, kind, namespaced, short, verbs, sub, cats)


ALL = ("all",)

BUILTIN_TYPES: tuple[ResourceType, ...] = (
    _rt("v1", "pods", "Pod", short=("po",), sub=("status", "log", "exec", "attach", "eviction", "portforward"), cats=ALL),
    _rt("v1", "services", "Service", short=("svc",), cats=ALL),
    _rt("v1", "configmaps", "ConfigMap", short=("cm",), sub=()),
    _rt("v1", "secrets", "Secret", sub=()),
    _rt("v1", "namespaces", "Namespace", False, ("ns",), ("status", "finalize"),
        ("create", "delete", "get", "list", "patch", "update", "watch")),
    _rt("v1", "nodes", "Node", False, ("no",)),
    _rt("v1", "persistentvolumeclaims", "PersistentVolumeClaim", short=("pvc",)),
    _rt("v1", "persistentvolumes", "PersistentVolume", False, ("pv",)),
    _rt("v1", "serviceaccounts", "ServiceAccount", short=("sa",), sub=()),
    _rt("v1", "endpoints", "Endpoints", short=("ep",), sub=()),
    _rt("v1", "events", "Event", short=("ev",), sub=()),
    _rt("v1", "resourcequotas", "ResourceQuota", short=("quota",)),
    _rt("v1", "limitranges", "LimitRange", short=("limits",), sub=()),
    _rt("v1", "replicationcontrollers", "ReplicationController", short=("rc",), sub=("status", "scale"), cats=ALL),
    _rt("apps/v1", "deployments", "Deployment", short=("deploy",), sub=("status", "scale"), cats=ALL),
    _rt("apps/v1", "replicasets", "ReplicaSet", short=("rs",), sub=("status", "scale"), cats=ALL),
    _rt("apps/v1", "statefulsets", "StatefulSet", short=("sts",), sub=("status", "scale"), cats=ALL),
    _rt("apps/v1", "daemonsets", "DaemonSet", short=("ds",), cats=ALL),
    _rt("batch/v1", "jobs", "Job", cats=ALL),
    _rt("batch/v1", "cronjobs", "CronJob", short=("cj",), cats=ALL),
    _rt("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", short=("hpa",), cats=ALL),
    _rt("networking.k8s.io/v1", "ingresses", "Ingress", short=("ing",)),
    _rt("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", short=("netpol",), sub=()),
    _rt("networking.k8s.io/v1", "ingressclasses", "IngressClass", False, sub=()),
    _rt("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", short=("pdb",)),
    _rt("rbac.authorization.k8s.io/v1", "roles", "Role", sub=()),
    _rt("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", sub=()),
    _rt("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", False, sub=()),
    _rt("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", False, sub=()),
    _rt("storage.k8s.io/v1", "storageclasses", "StorageClass", False, ("sc",), sub=()),
    _rt("coordination.k8s.io/v1", "leases", "Lease", sub=()),
    _rt("apiregistration.k8s.io/v1", "apiservices", "APIService", False),
    _rt("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", False,
        ("crd", "crds")),
    _rt("metrics.k8s.io/v1beta1", "nodes", "NodeMetrics", False, sub=(), verbs=READ_VERBS),
    _rt("metrics.k8s.io/v1beta1", "pods", "PodMetrics", sub=(), verbs=READ_VERBS),
)

# Resources whose objects are computed on read instead of stored.
COMPUTED_GROUPS = frozenset({"metrics.k8s.io"})

# Scale subresource lives in autoscaling/v1 whatever the parent's group.
SCALE_GROUP_VERSION = ("autoscaling", "v1")


def crd_resource_type(crd: dict) -> ResourceType:
    """Turn an apiextensions.k8s.io/v1 CustomResourceDefinition into a servable type."""
    spec = crd["spec"]
    names = spec["names"]
    served = [v for v in spec.get("versions", []) if v.get("served", True)]
    storage = next((v for v in served if v.get("storage")), served[0])
    subs: list[str] = []
    for sub in ("status", "scale"):
        if sub in (storage.get("subresources") or {}):
            subs.append(sub)
    return ResourceType(
        group=spec["group"],
        version=storage["name"],
        plural=names["plural"],
        kind=names["kind"],
        namespaced=spec.get("scope", "Namespaced") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        subresources=tuple(subs),
        categories=tuple(names.get("categories") or ()),
        custom=True,
        extra_versions=tuple(v["name"] for v in served if v is not storage),
    )


def new_registry() -> Registry:
    reg = Registry()
    for rt in BUILTIN_TYPES:
        reg.add(rt)
    return reg

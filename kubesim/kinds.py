"""Per-kind defaulting and validation: the subset clients notice (typed models that insist on
fields, 422s for objects a real apiserver would refuse)."""

from __future__ import annotations

import base64
import itertools
import re
from typing import Callable

from kubesim.errors import invalid
from kubesim.selectors import label_selector_from_dict, labels_match

Cause = tuple[str, str, str]  # reason, field, message

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAMED_KINDS = frozenset({"Namespace", "Service"})
_service_ips = itertools.count(10)


def validate_name(kind: str, name: str) -> list[Cause]:
    if kind in _LABEL_NAMED_KINDS:
        if not _LABEL.match(name) or len(name) > 63:
            return [("FieldValueInvalid", "metadata.name",
                     f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of lower case '
                     "alphanumeric characters or '-', and must start and end with an alphanumeric "
                     "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")]
    elif not _SUBDOMAIN.match(name) or len(name) > 253:
        return [("FieldValueInvalid", "metadata.name",
                 f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case '
                 "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")]
    return []


def _required(obj: dict, path: str) -> list[Cause]:
    cur: object = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return [] if cur not in (None, "", []) else [("FieldValueRequired", path, "Required value")]


def _validate_pod_spec(spec: dict | None, prefix: str) -> list[Cause]:
    if not isinstance(spec, dict):
        return [("FieldValueRequired", prefix, "Required value")]
    causes: list[Cause] = []
    containers = spec.get("containers")
    if not containers:
        return [("FieldValueRequired", f"{prefix}.containers", "Required value")]
    seen: set[str] = set()
    for i, c in enumerate(containers):
        p = f"{prefix}.containers[{i}]"
        if not isinstance(c, dict):
            causes.append(("FieldValueInvalid", p, "Invalid value: must be an object"))
            continue
        if not c.get("name"):
            causes.append(("FieldValueRequired", f"{p}.name", "Required value"))
        elif c["name"] in seen:
            causes.append(("FieldValueDuplicate", f"{p}.name", f'Duplicate value: "{c["name"]}"'))
        seen.add(c.get("name", ""))
        if not c.get("image"):
            causes.append(("FieldValueRequired", f"{p}.image", "Required value"))
    return causes


def _validate_workload(obj: dict) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes = _required(obj, "spec.selector")
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if spec.get("selector") and not labels_match(label_selector_from_dict(spec["selector"]), template_labels):
        causes.append(("FieldValueInvalid", "spec.template.metadata.labels",
                       f"Invalid value: {template_labels}: `selector` does not match template `labels`"))
    replicas = spec.get("replicas", 1)
    if not isinstance(replicas, int) or replicas < 0:
        causes.append(("FieldValueInvalid", "spec.replicas",
                       f"Invalid value: {replicas}: must be greater than or equal to 0"))
    return causes + _validate_pod_spec((spec.get("template") or {}).get("spec"), "spec.template.spec")


def _validate_service(obj: dict) -> list[Cause]:
    causes = []
    for i, port in enumerate((obj.get("spec") or {}).get("ports") or []):
        if not isinstance(port.get("port"), int) or not 0 < port["port"] < 65536:
            causes.append(("FieldValueInvalid", f"spec.ports[{i}].port",
                           f"Invalid value: {port.get('port')}: must be between 1 and 65535, inclusive"))
    return causes


def _validate_configmap(obj: dict) -> list[Cause]:
    return [("FieldValueInvalid", f"data[{k}]", "Invalid value: must be a string")
            for k, v in (obj.get("data") or {}).items() if not isinstance(v, str)]


def _validate_crd(obj: dict) -> list[Cause]:
    causes = _required(obj, "spec.group") + _required(obj, "spec.names.plural") + \
        _required(obj, "spec.names.kind") + _required(obj, "spec.versions")
    spec = obj.get("spec") or {}
    expected = f"{(spec.get('names') or {}).get('plural')}.{spec.get('group')}"
    if not causes and obj["metadata"]["name"] != expected:
        causes.append(("FieldValueInvalid", "metadata.name",
                       f'Invalid value: "{obj["metadata"]["name"]}": must be spec.names.plural+"."+spec.group'))
    if not causes and not any(v.get("storage") for v in spec["versions"]):
        causes.append(("FieldValueInvalid", "spec.versions", "Invalid value: must have exactly one version marked as storage version"))
    return causes


VALIDATORS: dict[str, Callable[[dict], list[Cause]]] = {
    "Pod": lambda o: _validate_pod_spec(o.get("spec"), "spec"),
    "Deployment": _validate_workload, "ReplicaSet": _validate_workload,
    "StatefulSet": _validate_workload, "DaemonSet": _validate_workload,
    "ReplicationController": lambda o: _validate_workload(dict(o, spec=dict(o.get("spec") or {}, selector={
        "matchLabels": (o.get("spec") or {}).get("selector")}))),
    "Service": _validate_service, "ConfigMap": _validate_configmap,
    "CustomResourceDefinition": _validate_crd,
}


def validate(kind: str, obj: dict) -> list[Cause]:
    fn = VALIDATORS.get(kind)
    return fn(obj) if fn else []


# -- defaulting ----------------------------------------------------------------------------

def _default_container(c: dict) -> None:
    image = c.get("image", "")
    tag = image.rsplit("/", 1)[-1]
    c.setdefault("imagePullPolicy", "Always" if ":" not in tag or tag.endswith(":latest") else "IfNotPresent")
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("resources", {})
    for p in c.get("ports") or []:
        p.setdefault("protocol", "TCP")


def default_pod_spec(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for c in spec.get("containers") or []:
        _default_container(c)
    for c in spec.get("initContainers") or []:
        _default_container(c)


def qos_class(spec: dict) -> str:
    res = [c.get("resources") or {} for c in spec.get("containers") or []]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    guaranteed = all(
        (r.get("limits") or {}).get(k) and (r.get("requests") or {}).get(k, (r.get("limits") or {})[k])
        == (r.get("limits") or {})[k] for r in res for k in ("cpu", "memory"))
    return "Guaranteed" if guaranteed else "Burstable"


def _default_pod(obj: dict) -> None:
    default_pod_spec(obj.setdefault("spec", {}))
    obj["spec"].setdefault("serviceAccountName", "default")
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status["qosClass"] = qos_class(obj["spec"])


def _default_workload(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if obj["kind"] != "DaemonSet":
        spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    if obj["kind"] == "Deployment":
        # Field by field, as the API server's SetDefaults_Deployment does (a partial strategy is filled in).
        strategy = spec.setdefault("strategy", {})
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", "25%")
            rolling.setdefault("maxSurge", "25%")
        spec.setdefault("progressDeadlineSeconds", 600)
    if obj["kind"] == "StatefulSet":
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("serviceName", "")
    default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))
    obj.setdefault("status", dict(EMPTY_STATUS.get(obj["kind"], {})))


# Status fields the typed clients insist on, before any controller has filled them in.
EMPTY_STATUS: dict[str, dict] = {
    "ReplicaSet": {"replicas": 0},
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
    "DaemonSet": {"currentNumberScheduled": 0, "desiredNumberScheduled": 0, "numberMisscheduled": 0,
                  "numberReady": 0},
    "HorizontalPodAutoscaler": {"desiredReplicas": 0, "currentReplicas": 0},
}


def _default_replication_controller(obj: dict) -> None:
    """An RC's selector is a label map and defaults to the template's labels."""
    spec = obj.setdefault("spec", {})
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    spec.setdefault("selector", dict(labels))
    obj["metadata"].setdefault("labels", dict(labels))
    spec.setdefault("replicas", 1)
    default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))
    obj.setdefault("status", {"replicas": 0})


def _default_hpa(obj: dict) -> None:
    obj.setdefault("status", dict(EMPTY_STATUS["HorizontalPodAutoscaler"]))


def _default_service(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec.get("clusterIP") != "None":
        n = next(_service_ips)
        spec.setdefault("clusterIP", f"10.96.{n // 250}.{n % 250 + 1}")
    spec["clusterIPs"] = [spec["clusterIP"]]
    spec.setdefault("ipFamilies", ["IPv4"])
    for p in spec.get("ports") or []:
        p.setdefault("protocol", "TCP")
        p.setdefault("targetPort", p.get("port"))
    obj.setdefault("status", {"loadBalancer": {}})


def _default_namespace(obj: dict) -> None:
    obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    obj.setdefault("spec", {"finalizers": ["kubernetes"]})
    obj["status"] = {"phase": "Active"}


def _default_secret(obj: dict) -> None:
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None) or {}
    data = obj.setdefault("data", {})
    for k, v in string_data.items():
        data[k] = base64.b64encode(str(v).encode()).decode()


def _default_crd(obj: dict) -> None:
    names = obj["spec"]["names"]
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", names["kind"] + "List")
    obj["status"] = {
        "acceptedNames": dict(names),
        "storedVersions": [v["name"] for v in obj["spec"]["versions"] if v.get("storage")],
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": obj["metadata"]["creationTimestamp"]},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted",
             "lastTransitionTime": obj["metadata"]["creationTimestamp"]},
        ],
    }


DEFAULTERS: dict[str, Callable[[dict], None]] = {
    "Pod": _default_pod, "Deployment": _default_workload, "ReplicaSet": _default_workload,
    "ReplicationController": _default_replication_controller,
    "StatefulSet": _default_workload, "DaemonSet": _default_workload, "Service": _default_service,
    "Namespace": _default_namespace, "Secret": _default_secret, "CustomResourceDefinition": _default_crd,
    "HorizontalPodAutoscaler": _default_hpa,
}


def apply_defaults(kind: str, obj: dict) -> None:
    fn = DEFAULTERS.get(kind)
    if fn:
        fn(obj)


def require_valid(group: str, kind: str, obj: dict) -> None:
    name = obj.get("metadata", {}).get("name", "")
    causes = validate_name(kind, name) + validate(kind, obj)
    if causes:
        raise invalid(group, kind, name, causes)

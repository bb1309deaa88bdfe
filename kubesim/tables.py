"""Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which is how
`kubectl get` gets its columns."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable

Column = tuple[str, str, Callable[[dict], object], int]  # name, type, cell, priority


def age(obj: dict) -> str:
    ts = obj.get("metadata", {}).get("creationTimestamp")
    if not ts:
        return "<unknown>"
    secs = int((datetime.now(timezone.utc) - datetime.fromisoformat(ts.replace("Z", "+00:00"))).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size * (2 if unit != "d" else 1):
            return f"{secs // size}{unit}"
    return f"{max(secs, 0)}s"


def _pod_status(p: dict) -> str:
    if p["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for cs in p.get("status", {}).get("containerStatuses") or []:
        waiting = cs.get("state", {}).get("waiting")
        if waiting:
            return waiting.get("reason", "Waiting")
    return p.get("status", {}).get("phase", "Unknown")


def _ready_containers(p: dict) -> str:
    cs = p.get("status", {}).get("containerStatuses") or []
    return f"{sum(1 for c in cs if c.get('ready'))}/{len(p['spec'].get('containers') or [])}"


def _ports(svc: dict) -> str:
    ports = svc.get("spec", {}).get("ports") or []
    return ",".join(f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
                    for p in ports) or "<none>"


def _node_status(n: dict) -> str:
    ready = next((c["status"] for c in n.get("status", {}).get("conditions") or [] if c["type"] == "Ready"), "Unknown")
    status = "Ready" if ready == "True" else "NotReady"
    return status + (",SchedulingDisabled" if n.get("spec", {}).get("unschedulable") else "")


def _roles(n: dict) -> str:
    roles = [k.split("/", 1)[1] for k in n["metadata"].get("labels") or {} if k.startswith("node-role.kubernetes.io/")]
    return ",".join(roles) or "<none>"


def _api_service_backend(a: dict) -> str:
    svc = a["spec"].get("service")
    return f"{svc.get('namespace', '')}/{svc.get('name', '')}" if svc else "Local"


def _status(path: str, default: object = 0) -> Callable[[dict], object]:
    def get(o: dict) -> object:
        return (o.get("status") or {}).get(path, default)
    return get


NAME: Column = ("Name", "string", lambda o: o["metadata"]["name"], 0)
AGE: Column = ("Age", "string", age, 0)

COLUMNS: dict[str, list[Column]] = {
    "Pod": [NAME, ("Ready", "string", _ready_containers, 0), ("Status", "string", _pod_status, 0),
            ("Restarts", "string", lambda p: str(sum(c.get("restartCount", 0) for c in
                                                    p.get("status", {}).get("containerStatuses") or [])), 0),
            AGE, ("IP", "string", lambda p: p.get("status", {}).get("podIP", "<none>"), 1),
            ("Node", "string", lambda p: p["spec"].get("nodeName", "<none>"), 1)],
    "Deployment": [NAME, ("Ready", "string", lambda d: f"{_status('readyReplicas')(d)}/{d['spec'].get('replicas', 1)}", 0),
                   ("Up-to-date", "integer", _status("updatedReplicas"), 0),
                   ("Available", "integer", _status("availableReplicas"), 0), AGE],
    "ReplicaSet": [NAME, ("Desired", "integer", lambda r: r["spec"].get("replicas", 1), 0),
                   ("Current", "integer", _status("replicas"), 0), ("Ready", "integer", _status("readyReplicas"), 0), AGE],
    "ReplicationController": [NAME, ("Desired", "integer", lambda r: r["spec"].get("replicas", 1), 0),
                              ("Current", "integer", _status("replicas"), 0),
                              ("Ready", "integer", _status("readyReplicas"), 0), AGE],
    "APIService": [NAME, ("Service", "string", _api_service_backend, 0),
        ("Available", "string", lambda a: next((f"{c['status']} ({c.get('reason', '')})" if c["status"] != "True"
                                                 else "True" for c in (a.get("status") or {}).get("conditions") or []
                                                 if c["type"] == "Available"), "Unknown"), 0), AGE],
    "StatefulSet": [NAME, ("Ready", "string", lambda s: f"{_status('readyReplicas')(s)}/{s['spec'].get('replicas', 1)}", 0), AGE],
    "Service": [NAME, ("Type", "string", lambda s: s["spec"].get("type", "ClusterIP"), 0),
                ("Cluster-IP", "string", lambda s: s["spec"].get("clusterIP", "<none>"), 0),
                ("External-IP", "string", lambda s: "<none>", 0), ("Port(s)", "string", _ports, 0), AGE],
    "Node": [NAME, ("Status", "string", _node_status, 0), ("Roles", "string", _roles, 0), AGE,
             ("Version", "string", lambda n: n.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", ""), 0)],
    "Namespace": [NAME, ("Status", "string", _status("phase", "Active"), 0), AGE],
    "ConfigMap": [NAME, ("Data", "integer", lambda c: len(c.get("data") or {}) + len(c.get("binaryData") or {}), 0), AGE],
    "PodDisruptionBudget": [NAME, ("Min Available", "string", lambda b: str(b["spec"].get("minAvailable", "N/A")), 0),
                            ("Max Unavailable", "string", lambda b: str(b["spec"].get("maxUnavailable", "N/A")), 0),
                            ("Allowed Disruptions", "integer", _status("disruptionsAllowed"), 0), AGE],
    "Event": [("Last Seen", "string", lambda e: age({"metadata": {"creationTimestamp": e.get("lastTimestamp")}}), 0),
              ("Type", "string", lambda e: e.get("type", ""), 0), ("Reason", "string", lambda e: e.get("reason", ""), 0),
              ("Object", "string", lambda e: f"{e['involvedObject'].get('kind', '').lower()}/"
                                             f"{e['involvedObject'].get('name', '')}", 0),
              ("Message", "string", lambda e: e.get("message", ""), 0)],
    "Secret": [NAME, ("Type", "string", lambda s: s.get("type", "Opaque"), 0),
               ("Data", "integer", lambda s: len(s.get("data") or {}), 0), AGE],
}


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\?\(@\.([^=]+)==[\"']([^\"']*)[\"']\)\]")


def json_path(obj: object, path: str) -> object:
    """The subset of JSONPath printer columns use: `.a.b`, `[0]` and `[?(@.type=="Ready")]`."""
    cur: object = obj
    for m in _STEP.finditer(path):
        key, index, fkey, fval = m.groups()
        if key is not None:
            cur = cur.get(key) if isinstance(cur, dict) else None
        elif index is not None:
            cur = cur[int(index)] if isinstance(cur, list) and int(index) < len(cur) else None
        else:
            cur = next((x for x in cur if isinstance(x, dict) and str(x.get(fkey)) == fval), None) \
                if isinstance(cur, list) else None
        if cur is None:
            return None
    return cur


def _printer_cell(path: str, ctype: str) -> Callable[[dict], object]:
    def cell(obj: dict) -> object:
        value = json_path(obj, path)
        if value is None:
            return None
        if ctype == "date":
            return age({"metadata": {"creationTimestamp": value}})
        return value
    return cell


def crd_columns(crd: dict, version: str) -> list[Column] | None:
    """additionalPrinterColumns of a served version: NAME then those (Age only if listed), as the
    apiextensions table convertor does; None when the version defines none."""
    v = next((v for v in crd["spec"].get("versions") or [] if v["name"] == version), {})
    defined = v.get("additionalPrinterColumns")
    if not defined:
        return None
    return [NAME] + [(c["name"], "string" if c.get("type") == "date" else c.get("type", "string"),
                      _printer_cell(c["jsonPath"], c.get("type", "string")), c.get("priority", 0)) for c in defined]


def to_table(kind: str, items: list[dict], resource_version: str, include_object: str = "PartialObjectMetadata",
             continue_token: str = "", columns: list[Column] | None = None) -> dict:
    cols = columns or COLUMNS.get(kind, [NAME, AGE])
    rows = []
    for obj in items:
        row: dict = {"cells": [fn(obj) for _, _, fn, _ in cols]}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": obj["metadata"]}
        rows.append(row)
    meta = {"resourceVersion": resource_version}
    if continue_token:
        meta["continue"] = continue_token
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": [{"name": n, "type": t, "format": "name" if n == "Name" else "",
                                   "description": n, "priority": p} for n, t, _, p in cols],
            "rows": rows}

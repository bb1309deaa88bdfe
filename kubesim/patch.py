"""The four PATCH flavours: JSON patch (RFC 6902), merge patch (RFC 7386), strategic merge patch
and server-side apply with a per-field-manager ownership model.

Strategic merge uses a field-name table of patch merge keys instead of the Go struct tags; that
covers the lists clients actually patch (containers, ports, env, volumes, ...).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch

from kubesim.errors import ApiError, bad_request

# List fields merged by key in strategic merge patch / apply (field name -> merge key).
MERGE_KEYS: dict[str, str] = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name",
    "env": "name", "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
    "imagePullSecrets": "name", "hostAliases": "ip", "conditions": "type",
    "ownerReferences": "uid", "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name", "readinessGates": "conditionType",
}
# Lists of scalars merged as sets.
SET_LISTS = frozenset({"finalizers"})


def merge_key_for(field: str, items: list[Any]) -> str | None:
    """Patch merge key of a list field; `ports` differs between containers and services."""
    if field == "ports":
        dicts = [i for i in items if isinstance(i, dict)]
        if dicts and all("containerPort" in i for i in dicts):
            return "containerPort"
        return "port"
    return MERGE_KEYS.get(field)


# -- JSON patch ------------------------------------------------------------------------------

def json_patch(obj: dict, ops: Any) -> dict:
    if not isinstance(ops, list):
        raise bad_request("json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp")
    try:
        return jsonpatch.JsonPatch(ops).apply(obj)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, KeyError, IndexError,
            TypeError, ValueError) as e:
        raise ApiError(422, "Invalid", f"the server rejected our request due to an error in our "
                                       f"request: {e}") from e


# -- merge patch -----------------------------------------------------------------------------

def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


# -- strategic merge patch -------------------------------------------------------------------

def strategic_merge(target: Any, patch: Any, field: str = "") -> Any:
    """Strategic merge: like merge patch, but keyed lists merge item-by-item and `$patch`
    directives (delete/replace) are honoured."""
    if isinstance(patch, list):
        return _merge_list(target if isinstance(target, list) else [], patch, field)
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k.startswith("$deleteFromPrimitiveList/"):
            if k.startswith("$deleteFromPrimitiveList/"):
                name = k.split("/", 1)[1]
                result[name] = [x for x in result.get(name) or [] if x not in v]
            continue
        if k.startswith("$"):
            continue
        if v is None:
            result.pop(k, None)
        else:
            result[k] = strategic_merge(result.get(k), v, k)
    return result


def _merge_list(target: list, patch: list, field: str) -> list:
    if field in SET_LISTS:
        return target + [x for x in patch if x not in target]
    key = merge_key_for(field, patch + target)
    if key is None or not all(isinstance(i, dict) for i in patch):
        return [i for i in copy.deepcopy(patch) if not (isinstance(i, dict) and "$patch" in i)]
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [i for i in copy.deepcopy(patch) if i.get("$patch") != "replace"]
    result = copy.deepcopy(target)
    for item in patch:
        if key not in item:
            raise bad_request(f"map: {item} does not contain declared merge key: {key}")
        idx = next((n for n, t in enumerate(result) if isinstance(t, dict) and t.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                result.pop(idx)
        elif idx is None:
            result.append({k: v for k, v in copy.deepcopy(item).items() if v is not None})
        else:
            result[idx] = strategic_merge(result[idx], item, "")
    return result


# -- server-side apply -----------------------------------------------------------------------
# Field paths are tuples of path elements; a list item is ("k", json-of-key) as in fieldsV1.

Path = tuple[str, ...]


def field_paths(obj: Any, prefix: Path = ()) -> set[Path]:
    """Leaf fields set by an applied configuration (lists without merge key are atomic)."""
    out: set[Path] = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if prefix == () and k in ("apiVersion", "kind"):
                continue
            if prefix == ("metadata",) and k in ("name", "namespace", "managedFields",
                                                 "resourceVersion", "uid", "creationTimestamp"):
                continue
            p = prefix + (f"f:{k}",)
            if isinstance(v, dict) and v:
                out |= field_paths(v, p)
            elif isinstance(v, list) and v and merge_key_for(k, v) and all(
                    isinstance(i, dict) and merge_key_for(k, v) in i for i in v):
                key = merge_key_for(k, v)
                for item in v:
                    kp = p + ("k:" + json.dumps({key: item[key]}, separators=(",", ":")),)
                    out.add(kp + (".",))
                    out |= field_paths(item, kp)
            else:
                out.add(p)
    return out


def _get_path(obj: Any, path: Path) -> Any:
    cur = obj
    for el in path:
        if el == ".":
            continue
        if el.startswith("f:"):
            cur = cur.get(el[2:]) if isinstance(cur, dict) else None
        else:
            (k, v), = json.loads(el[2:]).items()
            cur = next((i for i in cur or [] if isinstance(i, dict) and i.get(k) == v), None)
        if cur is None:
            return None
    return cur


def _remove_path(obj: Any, path: Path) -> None:
    parent = _get_path(obj, path[:-1])
    el = path[-1]
    if el == ".":
        _remove_path(obj, path[:-1])
    elif el.startswith("f:") and isinstance(parent, dict):
        parent.pop(el[2:], None)
    elif el.startswith("k:") and isinstance(parent, list):
        (k, v), = json.loads(el[2:]).items()
        parent[:] = [i for i in parent if not (isinstance(i, dict) and i.get(k) == v)]


def encode_fields(paths: set[Path]) -> dict:
    tree: dict = {}
    for p in sorted(paths):
        node = tree
        for el in p:
            node = node.setdefault(el, {})
    return tree


def decode_fields(tree: dict, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for k, v in tree.items():
        if v:
            out |= decode_fields(v, prefix + (k,))
        else:
            out.add(prefix + (k,))
    return out


def _display(path: Path) -> str:
    parts = []
    for el in path:
        if el.startswith("f:"):
            parts.append("." + el[2:])
        elif el.startswith("k:"):
            parts.append("[" + ",".join(f"{k}=\"{v}\"" if isinstance(v, str) else f"{k}={v}"
                                        for k, v in json.loads(el[2:]).items()) + "]")
    return "".join(parts)


def _managers(obj: dict) -> list[dict]:
    return obj.get("metadata", {}).get("managedFields") or []


def _owned(entry: dict) -> set[Path]:
    return decode_fields(entry.get("fieldsV1") or {})


def server_side_apply(current: dict | None, applied: dict, manager: str, force: bool,
                      api_version: str, now: str) -> dict:
    """Merge an applied configuration into the live object, honouring field ownership.

    409 Conflict when another manager owns a field whose value would change and force is off;
    fields this manager applied before and no longer applies are removed unless someone else
    still owns them.
    """
    applied_paths = field_paths(applied)
    base = copy.deepcopy(current) if current is not None else {}
    entries = [copy.deepcopy(e) for e in _managers(base)]
    mine_before: set[Path] = set()
    conflicts: list[tuple[str, Path]] = []
    for e in entries:
        owned = _owned(e)
        if e.get("manager") == manager and e.get("operation") == "Apply":
            mine_before = owned
            continue
        for p in owned & applied_paths:
            if p[-1] != "." and _get_path(base, p) != _get_path(applied, p):
                conflicts.append((e.get("manager", ""), p))
    if conflicts and not force:
        n = len(conflicts)
        lines = "\n".join(f'- conflict with "{m}": {_display(p)}' for m, p in conflicts)
        raise ApiError(409, "Conflict", f"Apply failed with {n} conflict{'s' if n > 1 else ''}:\n{lines}", {
            "causes": [{"reason": "FieldManagerConflict",
                        "message": f'conflict with "{m}"', "field": _display(p)} for m, p in conflicts]})
    merged = strategic_merge(base, applied)
    others: set[Path] = set()
    new_entries = []
    for e in entries:
        if e.get("manager") == manager and e.get("operation") == "Apply":
            continue
        owned = _owned(e) - {p for m, p in conflicts if m == e.get("manager", "")}
        if owned:
            e["fieldsV1"] = encode_fields(owned)
            new_entries.append(e)
            others |= owned
    for p in sorted(mine_before - applied_paths - others, key=len, reverse=True):
        _remove_path(merged, p)
    new_entries.append({"manager": manager, "operation": "Apply", "apiVersion": api_version,
                        "time": now, "fieldsType": "FieldsV1",
                        "fieldsV1": encode_fields(applied_paths)})
    merged.setdefault("metadata", {})["managedFields"] = new_entries
    return merged


def record_update(old: dict | None, new: dict, manager: str, api_version: str, now: str,
                  subresource: str = "") -> None:
    """Track fields changed by a non-apply write (PUT/PATCH/POST) as owned by `manager`."""
    before = field_paths(_strip(old)) if old else set()
    after = field_paths(_strip(new))
    changed = {p for p in after if p not in before or _get_path(old, p) != _get_path(new, p)}
    entries = []
    for e in (old or {}).get("metadata", {}).get("managedFields") or []:
        if e.get("manager") == manager and e.get("operation") == "Update" \
                and e.get("subresource", "") == subresource:
            changed |= _owned(e) & after
            continue
        owned = (_owned(e) - changed) & after
        if owned:
            e = dict(e, fieldsV1=encode_fields(owned))
            entries.append(e)
    if changed:
        entry = {"manager": manager, "operation": "Update", "apiVersion": api_version, "time": now,
                 "fieldsType": "FieldsV1", "fieldsV1": encode_fields(changed)}
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
    new.setdefault("metadata", {})["managedFields"] = entries


def _strip(obj: dict) -> dict:
    """Object without server-managed bookkeeping, for field tracking."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items()
            if k not in ("managedFields", "generation", "selfLink")}
    out["metadata"] = meta
    return out

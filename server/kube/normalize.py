"""Turns a live object into the desired state people edit: without the fields the API server
manages, so that versions, syncs and drift compare what people changed and nothing else."""

from __future__ import annotations

import copy
from typing import Any

_SERVER_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
                    "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds")
_SERVER_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",
                       "deployment.kubernetes.io/revision")


def normalize(obj: dict[str, Any], include_status: bool = False) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    metadata = out.get("metadata") or {}
    for key in _SERVER_METADATA:
        metadata.pop(key, None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        for key in _SERVER_ANNOTATIONS:
            annotations.pop(key, None)
        if not annotations:
            metadata.pop("annotations", None)
    if not include_status:
        out.pop("status", None)
    return out

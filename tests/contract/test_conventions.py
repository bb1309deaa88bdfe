"""One set of field names for every service designed after the first release (docs/http.md):
`validate_only` as the only dry-run spelling, `message` for the commit message, and `name` (a
resource) or `parent` (a collection) as what a route binds. The three services of the first
release keep the names they were released with (`buf breaking` holds them)."""

from __future__ import annotations

import re

from google.protobuf import descriptor

from server.contract import SERVICES
from tests.contract.routes import bindings

# Released before these rules existed; their field names are frozen.
FIRST_RELEASE = {"kubecommit/v1/clusters.proto", "kubecommit/v1/yaml_versions.proto", "kubecommit/v1/containers.proto"}
CHECKED = [s for s in SERVICES.values() if s.file.name not in FIRST_RELEASE]
OTHER_SPELLINGS = {"dry_run", "server_dry_run", "commit_message"}


def _messages(message: descriptor.Descriptor, seen: set[str]) -> list[descriptor.Descriptor]:
    """A message and every message it contains, from this package."""
    if message.full_name in seen or not message.full_name.startswith("kubecommit."):
        return []
    seen.add(message.full_name)
    found = [message]
    for field in message.fields:
        if field.message_type is not None:
            found += _messages(field.message_type, seen)
    return found


def test_every_later_service_is_checked() -> None:
    assert {s.name for s in CHECKED} >= {"QuotasService", "LabelsService", "AffinityService", "CrdService",
                                         "McpService", "AdminService", "OperationsService"}


def test_later_services_services_spell_dry_run_and_commit_message_one_way() -> None:
    seen: set[str] = set()
    wrong = [f"{m.full_name}.{f.name}" for service in CHECKED for method in service.methods
             for message in (method.input_type, method.output_type) for m in _messages(message, seen)
             for f in m.fields if f.name in OTHER_SPELLINGS]
    assert not wrong, f"use validate_only / message instead: {wrong}"


def test_later_services_routes_bind_name_or_parent() -> None:
    wrong = []
    for binding in bindings(CHECKED):
        for field in re.findall(r"\{([\w.]+)", binding.template):
            if field.rsplit(".", 1)[-1] not in ("name", "parent"):
                wrong.append(f"{binding}: {field}")
    assert not wrong, wrong

"""One set of field names for the services not yet shipped (docs/http.md): `validate_only` as the
only dry-run spelling, `message` for the commit message, and `name` (a resource) or `parent` (a
collection) as what a route binds. Shipped services keep the names they were released with."""

from __future__ import annotations

import re

from google.protobuf import descriptor

from server.contract import SERVICES
from tests.conftest import REPO
from tests.contract.routes import bindings

RELEASED = {line.strip() for line in (REPO / "protos/released-services.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")}
UNSHIPPED = [s for s in SERVICES.values() if s.file.name not in RELEASED]
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


def test_there_are_unshipped_services_to_check() -> None:
    assert {s.name for s in UNSHIPPED} >= {"QuotasService", "LabelsService", "AffinityService", "CrdService",
                                           "McpService"}


def test_unshipped_services_spell_dry_run_and_commit_message_one_way() -> None:
    seen: set[str] = set()
    wrong = [f"{m.full_name}.{f.name}" for service in UNSHIPPED for method in service.methods
             for message in (method.input_type, method.output_type) for m in _messages(message, seen)
             for f in m.fields if f.name in OTHER_SPELLINGS]
    assert not wrong, f"use validate_only / message instead: {wrong}"


def test_unshipped_routes_bind_name_or_parent() -> None:
    wrong = []
    for binding in bindings(UNSHIPPED):
        for field in re.findall(r"\{([\w.]+)", binding.template):
            if field.rsplit(".", 1)[-1] not in ("name", "parent"):
                wrong.append(f"{binding}: {field}")
    assert not wrong, wrong

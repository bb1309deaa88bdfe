"""deploy/envoy/envoy.yaml transcodes every service of the contract: a service missing from its
list would fall through to a 404 over HTTP although its annotations declare routes."""

from __future__ import annotations

import re

from server.contract import SERVICES
from tests.conftest import REPO


def test_envoy_transcodes_every_service() -> None:
    config = (REPO / "deploy/envoy/envoy.yaml").read_text()
    block = re.search(r"\n(\s*)services:\n((?:\1\s*- .*\n)+)", config)
    assert block, "envoy.yaml has no transcoder services list"
    listed = set(re.findall(r"- (\S+)", block.group(2)))
    assert listed == {s.full_name for s in SERVICES.values()}

"""Fixtures for the gitstore tests: a fresh store with a key in a temporary directory."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitstore import Author, Store, StoreKey

ALICE = Author("Alice", "alice@example.com")
BOB = Author("Bob", "bob@example.com")
API = "clusters/prod/namespaces/web/deployments.apps/api.yaml"
DB_SECRET = "clusters/prod/namespaces/web/secrets/db.yaml"
NODE = "clusters/prod/nodes/node-1.yaml"

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api", "namespace": "web", "labels": {"app": "api"}},
    "spec": {
        "replicas": 2,
        "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
             "env": [{"name": "MODE", "value": "prod"}]},
            {"name": "sidecar", "image": "envoy:1.30"},
        ]}},
    },
}

SECRET: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "web"},
    "type": "Opaque",
    "data": {"password": "c3VwZXItc2VjcmV0LXBhc3N3b3Jk"},  # base64 of super-secret-password
    "stringData": {"token": "plain-token-value-1234"},
}


def deployment(**changes: Any) -> dict[str, Any]:
    """A copy of DEPLOYMENT with ``image``/``replicas`` overridden."""
    doc = copy.deepcopy(DEPLOYMENT)
    if "image" in changes:
        doc["spec"]["template"]["spec"]["containers"][0]["image"] = changes["image"]
    if "replicas" in changes:
        doc["spec"]["replicas"] = changes["replicas"]
    return doc


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "--git-dir", str(repo), *args], capture_output=True, text=True,
                          check=check)


@pytest.fixture
def key(tmp_path: Path) -> StoreKey:
    return StoreKey.load_or_create(tmp_path / "keys" / "store.key")


@pytest.fixture
def store(tmp_path: Path, key: StoreKey) -> Store:
    s = Store.open(tmp_path / "store.git", key=key)
    yield s
    s.close()

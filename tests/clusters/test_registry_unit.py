"""The registry on its own (no server): concurrent registration changes keep credentials and
registration in agreement."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from gitstore import Store, StoreKey
from server.registry import ClusterRecord, ClusterRegistry
from server.errors import AlreadyExists
from server.security.credentials import CredentialStore
from server.kube import parse_kubeconfig
from server.storage import Storage
from tests.clusters.helpers import kubeconfig_for


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[ClusterRegistry]:
    key = StoreKey.generate()
    store = Store.open(tmp_path / "store", key=key)
    credentials = CredentialStore(tmp_path)
    registry = ClusterRegistry(Storage(store), key, tmp_path, credentials.clusters)
    yield registry
    registry.close()
    credentials.close()
    store.close()


def _slow_commits(registry: ClusterRegistry, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every commit takes `seconds`, so two changes started together overlap."""
    commit = registry.store.commit

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return commit(*args, **kwargs)

    monkeypatch.setattr(registry.store, "commit", slow)


def test_a_losing_create_leaves_the_winners_credentials(registry: ClusterRegistry,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_commits(registry, monkeypatch, 0.3)
    configs = {who: parse_kubeconfig(kubeconfig_for(f"https://{who}.example:6443", who)) for who in ("a", "b")}
    errors: dict[str, Exception] = {}

    def create(who: str) -> None:
        try:
            registry._create(ClusterRecord(id="prod"), configs[who])
        except Exception as error:  # the loser's error, whatever it is
            errors[who] = error

    first = threading.Thread(target=create, args=("a",))
    first.start()
    time.sleep(0.1)  # `a` is committing when `b` starts
    second = threading.Thread(target=create, args=("b",))
    second.start()
    first.join()
    second.join()
    # The registration that won still has its credentials, and they are its own.
    assert registry._read_kubeconfig("prod").server == "https://a.example:6443"
    assert list(errors) == ["b"] and isinstance(errors["b"], AlreadyExists)

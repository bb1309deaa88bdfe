"""Watch through kubernetes.watch.Watch: initial state, resourceVersion resumption, namespaces,
timeouts and 410 Expired."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from kubesim import Simulator


def cm(name: str) -> dict:
    return {"metadata": {"name": name}, "data": {"k": "v"}}


def test_watch_from_resource_version_sees_changes(kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    rv = core.list_namespaced_config_map("web").metadata.resource_version
    core.create_namespaced_config_map("web", cm("w1"))
    core.patch_namespaced_config_map("w1", "web", {"data": {"k": "v2"}})
    core.delete_namespaced_config_map("w1", "web")
    core.create_namespaced_config_map("shop", cm("elsewhere"))
    events = [(e["type"], e["object"].metadata.name) for e in watch.Watch().stream(
        core.list_namespaced_config_map, "web", resource_version=rv, timeout_seconds=1)]
    assert events == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]


def test_watch_streams_live_events_across_namespaces(kube_api_client: client.ApiClient, kubesim: Simulator) -> None:
    core = client.CoreV1Api(kube_api_client)
    rv = core.list_config_map_for_all_namespaces().metadata.resource_version
    seen: list[tuple[str, str, str]] = []
    w = watch.Watch()

    def consume() -> None:
        for e in w.stream(core.list_config_map_for_all_namespaces, resource_version=rv, timeout_seconds=5):
            seen.append((e["type"], e["object"].metadata.namespace, e["object"].metadata.name))
            if len(seen) == 2:
                w.stop()

    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.3)
    core.create_namespaced_config_map("web", cm("live-a"))
    core.create_namespaced_config_map("shop", cm("live-b"))
    t.join(5)
    assert seen == [("ADDED", "web", "live-a"), ("ADDED", "shop", "live-b")]


def test_watch_without_resource_version_starts_with_current_objects(kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    events = list(watch.Watch().stream(core.list_namespaced_pod, "web", label_selector="app=frontend",
                                       timeout_seconds=1))
    assert len(events) == 3 and all(e["type"] == "ADDED" for e in events)


def test_watch_with_expired_resource_version_gets_410(kube_api_client: client.ApiClient, kubesim: Simulator) -> None:
    core = client.CoreV1Api(kube_api_client)
    old_rv = core.list_namespaced_config_map("web").metadata.resource_version
    core.create_namespaced_config_map("web", cm("after"))
    kubesim.compact()
    with pytest.raises(ApiException) as e:
        list(watch.Watch().stream(core.list_namespaced_config_map, "web", resource_version=old_rv, timeout_seconds=1))
    assert e.value.status == 410
    # a continue token from before compaction is expired too
    first = core.list_namespaced_pod("web", limit=1)
    kubesim.compact()
    core.create_namespaced_config_map("web", cm("bump"))
    kubesim.compact()
    with pytest.raises(ApiException) as e:
        core.list_namespaced_pod("web", limit=1, _continue=first.metadata._continue)
    assert e.value.status == 410


def test_watch_timeout_ends_stream(kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    rv = core.list_namespaced_secret("web").metadata.resource_version
    start = time.monotonic()
    assert list(watch.Watch().stream(core.list_namespaced_secret, "web", resource_version=rv, timeout_seconds=1)) == []
    assert 0.9 < time.monotonic() - start < 3


def _stream(sim: Simulator, path: str, stop_after: int, timeout: float = 5) -> list[dict]:
    """Raw watch events, read line by line as client-go's watch decoder does."""
    events = []
    with urllib.request.urlopen(sim.url + path, timeout=timeout) as resp:
        for line in resp:
            events.append(json.loads(line))
            if len(events) == stop_after:
                break
    return events


def test_watch_list_sends_initial_events_then_a_bookmark(kubesim: Simulator, kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    pods = core.list_namespaced_pod("web", label_selector="app=frontend").items
    events = _stream(kubesim, "/api/v1/namespaces/web/pods?watch=true&sendInitialEvents=true&labelSelector=app%3Dfrontend"
                     "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=2", len(pods) + 1)
    assert [e["type"] for e in events] == ["ADDED"] * len(pods) + ["BOOKMARK"]
    assert {e["object"]["metadata"]["name"] for e in events[:-1]} == {p.metadata.name for p in pods}
    end = events[-1]["object"]
    assert end["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(end["metadata"]["resourceVersion"]) >= max(int(p.metadata.resource_version) for p in pods)


def test_watch_list_needs_not_older_than(kubesim: Simulator) -> None:
    with pytest.raises(urllib.error.HTTPError) as e:
        _stream(kubesim, "/api/v1/namespaces/web/pods?watch=true&sendInitialEvents=true", 1)
    assert e.value.code == 422
    assert "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan" in json.loads(e.value.read())["message"]


def test_list_resource_version_match(kubesim: Simulator, kube_api_client: client.ApiClient) -> None:
    core = client.CoreV1Api(kube_api_client)
    before = core.list_namespaced_config_map("web").metadata.resource_version
    core.create_namespaced_config_map("web", cm("later"))
    core.patch_namespaced_config_map("frontend-config", "web", {"data": {"LOG_LEVEL": "debug"}})
    at = core.list_namespaced_config_map("web", resource_version=before, resource_version_match="Exact")
    assert at.metadata.resource_version == before
    assert "later" not in {c.metadata.name for c in at.items}
    old = next(c for c in at.items if c.metadata.name == "frontend-config")
    assert old.data["LOG_LEVEL"] == "info"
    now = core.list_namespaced_config_map("web", resource_version=before, resource_version_match="NotOlderThan")
    assert "later" in {c.metadata.name for c in now.items}
    with pytest.raises(ApiException) as e:
        core.list_namespaced_config_map("web", resource_version="99999999", resource_version_match="NotOlderThan")
    assert e.value.status == 504 and "Too large resource version" in e.value.body
    with pytest.raises(ApiException) as e:
        core.list_namespaced_config_map("web", resource_version_match="Exact")
    assert e.value.status == 422
    kubesim.compact()
    with pytest.raises(ApiException) as e:
        core.list_namespaced_config_map("web", resource_version=before, resource_version_match="Exact")
    assert e.value.status == 410


def test_expire_watches_ends_open_watches_and_their_version_is_gone(kube_api_client: client.ApiClient,
                                                                      kubesim: Simulator) -> None:
    """An open watch ends when the simulator expires watches, and resuming from the last version
    it saw (nothing changed in its own collection meanwhile) is 410: the client must list again."""
    core = client.CoreV1Api(kube_api_client)
    rv = core.list_namespaced_secret("web").metadata.resource_version
    ended = threading.Event()

    def consume() -> None:
        list(watch.Watch().stream(core.list_namespaced_secret, "web", resource_version=rv, timeout_seconds=30))
        ended.set()

    threading.Thread(target=consume, daemon=True).start()
    time.sleep(0.3)
    kubesim.expire_watches()
    assert ended.wait(10), "the open watch was not ended"
    with pytest.raises(ApiException) as e:
        list(watch.Watch().stream(core.list_namespaced_secret, "web", resource_version=rv, timeout_seconds=1))
    assert e.value.status == 410
    fresh = core.list_namespaced_secret("web").metadata.resource_version  # a new list watches on
    assert list(watch.Watch().stream(core.list_namespaced_secret, "web", resource_version=fresh, timeout_seconds=1)) == []

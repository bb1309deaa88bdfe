"""Watch through kubernetes.watch.Watch: initial state, resourceVersion resumption, namespaces,
timeouts and 410 Expired."""

from __future__ import annotations

import threading
import time

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

"""The watch cache (server/kube/cache.py) behind SelectResources, ListLabelKeys and compliance,
through a real channel: answers from a synced cache are the clusters' own answers (compared with a
second server that has no cache, over the same two kubesim clusters), a change made on the
cluster by kubectl reaches the cache through its watch, and a watch whose version has expired
(410 Gone) makes the informer list again."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import grpc
import pytest

from kubecommit.v1 import labels_pb2 as pb, labels_pb2_grpc
from kubesim import Simulator
from kubesim.testing import run_kubectl, wait_for
from server.embedded import EmbeddedServer
from server.kube.cache import KindStatus
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster

POLICY = "labelPolicies/cache-team"


@pytest.fixture(scope="module")
def direct_server(server_factory: Callable[..., EmbeddedServer], sims: dict[str, Simulator]) -> EmbeddedServer:
    embedded = server_factory(watch_cache_enabled=False)
    for name, sim in sims.items():
        register_cluster(embedded, name, sim.kubeconfig_text(name))
    return embedded


@pytest.fixture(scope="module")
def direct(direct_server: EmbeddedServer) -> Iterator[labels_pb2_grpc.LabelsServiceStub]:
    with grpc.insecure_channel(direct_server.address) as ch:
        yield labels_pb2_grpc.LabelsServiceStub(with_token(ch, admin_token(direct_server.settings.data_dir)))


def _status(server: EmbeddedServer) -> list[KindStatus]:
    runtime = server.server.runtime
    assert runtime is not None
    return server.run(_read(runtime.cache.status))


async def _read(fn: Callable[[], list[KindStatus]]) -> list[KindStatus]:
    return fn()  # on the server's loop, where the informers run


def _synced(server: EmbeddedServer, clusters: set[str]) -> list[KindStatus]:
    """Waits until every informer of the clusters is synced; returns their status."""
    def ready() -> list[KindStatus] | None:
        status = [s for s in _status(server) if s.cluster in clusters]
        return status if status and {s.cluster for s in status} == clusters and all(s.synced for s in status) else None
    try:
        return wait_for(ready, timeout=60)
    except AssertionError:
        raise AssertionError(f"not synced: {_status(server)}") from None


def _select_all(stub: labels_pb2_grpc.LabelsServiceStub, page_token: str = "", **fields: object
                ) -> list[pb.SelectResourcesResponse]:
    pages, token = [], page_token
    while True:
        page = stub.SelectResources(pb.SelectResourcesRequest(page_token=token, **fields))
        pages.append(page)
        token = page.next_page_token
        if not token:
            return pages


def _comparable(pages: list[pb.SelectResourcesResponse]) -> list[list[bytes]]:
    """Each page's objects (tokens differ: a cache token holds a key, a cluster's its continue token)."""
    return [[r.SerializeToString(deterministic=True) for r in p.resources] for p in pages]


def _policy(stub: labels_pb2_grpc.LabelsServiceStub) -> None:
    stub.CreateLabelPolicy(pb.CreateLabelPolicyRequest(label_policy_id="cache-team", label_policy=pb.LabelPolicy(
        required_keys=["team"], kinds=["Deployment"], default_values={"team": "unowned"},
        enforcement=pb.LABEL_POLICY_ENFORCEMENT_AUDIT)))


def test_synced_cache_answers_as_the_clusters_do(labels_server, labels, direct, sims) -> None:
    labels.ListLabelKeys(pb.ListLabelKeysRequest(parent="clusters/-"))  # a first read starts every kind's informer
    status = _synced(labels_server, {"east", "west"})
    assert {"pods", "deployments.apps", "services", "namespaces"} <= {s.resource for s in status}
    assert all(s.lists == 1 and s.objects >= 0 for s in status)
    _policy(labels)
    _policy(direct)
    queries = [dict(parent="clusters/-", label_selector="app", page_size=4, include_object=True),
               dict(parent="clusters/-", label_selector="app in (cart,checkout),tier!=db",
                    resource_types=["deployments", "services", "pods"], namespaces=["shop", "web"], page_size=3),
               dict(parent="clusters/west", label_selector="!app", page_size=50),
               dict(parent="clusters/-", clusters=["clusters/east"], page_size=1000)]
    for query in queries:
        before = {name: len(sim.request_paths) for name, sim in sims.items()}
        cached = _select_all(labels, **query)
        # answered from memory: no list of the clusters (the request log only grows by watches' ends)
        lists = [p for name, sim in sims.items() for p in sim.request_paths[before[name]:]
                 if "watch=" not in p and not p.startswith(("/api?", "/apis?")) and p not in ("/api", "/apis")]
        assert not lists, lists
        listed = _select_all(direct, **query)
        assert _comparable(cached) == _comparable(listed), query
        assert sum(len(p.resources) for p in cached) > 0
    for scope in (dict(parent="clusters/-"), dict(parent="clusters/east", namespaces=["shop"])):
        keys = labels.ListLabelKeys(pb.ListLabelKeysRequest(page_size=1000, **scope))
        assert keys == direct.ListLabelKeys(pb.ListLabelKeysRequest(page_size=1000, **scope)) and keys.keys
        check = pb.CheckLabelComplianceRequest(policies=[POLICY], **scope)
        report = labels.CheckLabelCompliance(check)
        assert report == direct.CheckLabelCompliance(check) and report.violations


def _kubeconfig(sim: Simulator, tmp_path: Path) -> Path:
    path = tmp_path / "kubeconfig"
    path.write_text(sim.kubeconfig_text("east"))
    return path


def test_a_change_made_with_kubectl_reaches_the_cache(labels_server, labels, direct, sims, tmp_path) -> None:
    request = pb.SelectResourcesRequest(parent="clusters/-", label_selector="cached=yes",
                                        resource_types=["deployments"], include_object=True)
    labels.SelectResources(request)
    _synced(labels_server, {"east", "west"})
    kubeconfig = _kubeconfig(sims["east"], tmp_path)
    run_kubectl(kubeconfig, "label", "deployment", "cart", "-n", "shop", "cached=yes")
    seen = wait_for(lambda: labels.SelectResources(request).resources or None, timeout=30)
    assert [r.name for r in seen] == ["clusters/east/namespaces/shop/deployments.apps/cart"]
    assert list(seen) == list(direct.SelectResources(request).resources)
    # the key inventory is counted from the informers' tallies, kept with every event
    inventory = pb.ListLabelKeysRequest(parent="clusters/east", namespaces=["shop"], page_size=1000)
    assert "cached" in {k.key for k in labels.ListLabelKeys(inventory).keys}
    assert labels.ListLabelKeys(inventory) == direct.ListLabelKeys(inventory)
    run_kubectl(kubeconfig, "label", "deployment", "cart", "-n", "shop", "app=changed", "--overwrite")
    wait_for(lambda: labels.SelectResources(pb.SelectResourcesRequest(
        parent="clusters/east", label_selector="app=changed", resource_types=["deployments"])).resources, timeout=30)
    assert labels.ListLabelKeys(inventory) == direct.ListLabelKeys(inventory)
    run_kubectl(kubeconfig, "label", "deployment", "cart", "-n", "shop", "cached-", "app=cart", "--overwrite")
    wait_for(lambda: not labels.SelectResources(request).resources, timeout=30)
    assert "cached" not in {k.key for k in labels.ListLabelKeys(inventory).keys}


def test_an_expired_watch_lists_again(labels_server, labels, direct, sims) -> None:
    request = pb.SelectResourcesRequest(parent="clusters/east", label_selector="relisted=yes",
                                        resource_types=["configmaps"])
    labels.SelectResources(request)
    before = {s.resource: s.lists for s in _synced(labels_server, {"east", "west"}) if s.cluster == "east"}

    def expire(cluster) -> None:
        # In one step of the simulator's loop: every watch ends, an object changes, and the
        # history is compacted, so each informer's next watch gets 410 Gone.
        cluster.store.close_watchers()
        cluster.put_object({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "relisted", "namespace": "web", "labels": {"relisted": "yes"}}, "data": {"a": "b"}})
        cluster.store.compact()
    sims["east"].call(expire)
    relisted = wait_for(lambda: [s for s in _status(labels_server) if s.cluster == "east" and s.resource == "configmaps"
                                 and s.lists > before["configmaps"] and s.synced] or None, timeout=60)
    assert relisted[0].lists == before["configmaps"] + 1
    found = labels.SelectResources(request)
    assert [r.name for r in found.resources] == ["clusters/east/namespaces/web/configmaps/relisted"]
    assert list(found.resources) == list(direct.SelectResources(request).resources)


def test_over_its_bound_the_cache_steps_aside(server_factory, sims) -> None:
    small = server_factory(watch_cache_enabled=True, watch_cache_max_objects=3)
    register_cluster(small, "east", sims["east"].kubeconfig_text("east"))
    with grpc.insecure_channel(small.address) as ch:
        stub = labels_pb2_grpc.LabelsServiceStub(with_token(ch, admin_token(small.settings.data_dir)))
        request = pb.SelectResourcesRequest(parent="clusters/east", resource_types=["pods"], page_size=2)
        first = _select_all(stub, **{f.name: v for f, v in request.ListFields()})
        over = wait_for(lambda: [s for s in _status(small) if s.resource == "pods" and "bound" in s.problem] or None,
                        timeout=30)
        assert not over[0].synced and over[0].objects == 0
        again = _select_all(stub, **{f.name: v for f, v in request.ListFields()})
        assert _comparable(first) == _comparable(again) and sum(len(p.resources) for p in again) > 3


def test_pages_go_on_when_the_cache_stops_answering(labels_server, labels, direct) -> None:
    """A page token from the cache (a key) goes on from the cluster when the cache no longer
    answers; one from the cluster (its continue token) goes on there when the cache does."""
    query = dict(parent="clusters/-", label_selector="app", resource_types=["pods", "services"], page_size=3)
    labels.ListLabelKeys(pb.ListLabelKeysRequest(parent="clusters/-"))
    _synced(labels_server, {"east", "west"})
    expected = _comparable(_select_all(direct, **query))
    runtime = labels_server.server.runtime
    assert runtime is not None
    for first_from_cache in (True, False):
        runtime.cache.enabled = first_from_cache
        try:
            first = labels.SelectResources(pb.SelectResourcesRequest(**query))
            runtime.cache.enabled = not first_from_cache
            rest = _select_all(labels, page_token=first.next_page_token, **query)
        finally:
            runtime.cache.enabled = True
        assert _comparable([first, *rest]) == expected

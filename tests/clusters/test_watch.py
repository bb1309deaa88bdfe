"""WatchResources through a real channel against kubesim: the current objects, then changes made
with kubectl, Secret values redacted, scope refusals, and a cluster that goes away."""

from __future__ import annotations

import queue
import threading
import uuid
from pathlib import Path

import grpc
import pytest

from kubecommit.v1 import clusters_pb2 as pb
from kubecommit.v1 import clusters_pb2_grpc
from kubesim import Simulator
from kubesim.testing import run_kubectl
from tests.clusters.helpers import create
from tests.support.auth import make_token, with_token

ADDED, MODIFIED, DELETED = pb.WATCH_EVENT_TYPE_ADDED, pb.WATCH_EVENT_TYPE_MODIFIED, pb.WATCH_EVENT_TYPE_DELETED


class Watch:
    """A WatchResources call read on a thread, so the test can act while events arrive."""

    def __init__(self, stub: clusters_pb2_grpc.ClustersServiceStub, **fields: str) -> None:
        self.call = stub.WatchResources(pb.WatchResourcesRequest(**fields))
        self.events: queue.Queue = queue.Queue()
        self.ended: grpc.RpcError | None = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for event in self.call:
                self.events.put(event)
        except grpc.RpcError as error:
            self.ended = error
        self.events.put(None)

    def next_for(self, name: str, timeout: float = 10) -> pb.WatchResourcesResponse:
        """The next event about the object called `name`."""
        while True:
            event = self.events.get(timeout=timeout)
            assert event is not None, f"watch ended: {self.ended}"
            if event.resource.name.endswith(f"/{name}"):
                return event

    def close(self) -> grpc.RpcError | None:
        self.call.cancel()
        self.thread.join(10)
        return self.ended


@pytest.fixture(scope="module")
def kubeconfig(sim: Simulator, stub, tmp_path_factory: pytest.TempPathFactory) -> Path:
    create(stub, "watched", sim.kubeconfig_text())
    path = sim.write_kubeconfig(tmp_path_factory.mktemp("watch") / "kubeconfig")
    for namespace in ("team", "other"):
        run_kubectl(path, "create", "namespace", namespace)
    return path


def test_initial_objects_then_changes_made_with_kubectl(stub, kubeconfig):
    run_kubectl(kubeconfig, "create", "configmap", "before", "-n", "team", "--from-literal=a=1")
    watch = Watch(stub, parent="clusters/watched", resource_type="configmaps", namespace="team")
    try:
        first = watch.next_for("before")
        assert first.type == ADDED and first.resource.name == "clusters/watched/namespaces/team/configmaps/before"
        run_kubectl(kubeconfig, "create", "configmap", "live", "-n", "team", "--from-literal=colour=red")
        added = watch.next_for("live")
        assert added.type == ADDED and "colour: red" in added.resource.yaml
        run_kubectl(kubeconfig, "patch", "configmap", "live", "-n", "team", "-p", '{"data":{"colour":"blue"}}')
        changed = watch.next_for("live")
        assert changed.type == MODIFIED and "colour: blue" in changed.resource.yaml
        run_kubectl(kubeconfig, "delete", "configmap", "live", "-n", "team")
        assert watch.next_for("live").type == DELETED
    finally:
        ended = watch.close()
    assert ended is not None and ended.code() == grpc.StatusCode.CANCELLED


def test_name_and_other_namespaces_are_not_seen(stub, kubeconfig):
    watch = Watch(stub, parent="clusters/watched", resource_type="cm", namespace="team", name="mine")
    try:
        run_kubectl(kubeconfig, "create", "configmap", "mine", "-n", "other")
        run_kubectl(kubeconfig, "create", "configmap", "theirs", "-n", "team")
        run_kubectl(kubeconfig, "create", "configmap", "mine", "-n", "team")
        event = watch.events.get(timeout=10)
        assert event.type == ADDED and event.resource.name == "clusters/watched/namespaces/team/configmaps/mine"
    finally:
        watch.close()


def test_secret_values_are_redacted(stub, kubeconfig):
    watch = Watch(stub, parent="clusters/watched", resource_type="secrets", namespace="team")
    try:
        run_kubectl(kubeconfig, "create", "secret", "generic", "creds", "-n", "team",
                    "--from-literal=password=hunter2-sekrit")
        event = watch.next_for("creds")
        assert event.type == ADDED and "password" in event.resource.yaml
        assert "aHVudGVyMi1zZWtyaXQ" not in event.resource.yaml and "hunter2" not in event.resource.yaml
    finally:
        watch.close()


def test_scoped_token_cannot_watch_outside_its_namespace(stub, kubeconfig, cserver):
    channel = with_token(grpc.insecure_channel(cserver.address),
                         make_token(cserver, "team-viewer", "viewer", clusters=["watched"], namespaces=["team"]))
    scoped = clusters_pb2_grpc.ClustersServiceStub(channel)
    with pytest.raises(grpc.RpcError) as caught:
        next(iter(scoped.WatchResources(pb.WatchResourcesRequest(
            parent="clusters/watched", resource_type="configmaps", namespace="other"))))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    watch = Watch(scoped, parent="clusters/watched", resource_type="configmaps")  # every namespace: only its own
    try:
        run_kubectl(kubeconfig, "create", "configmap", "scoped-probe", "-n", "other")
        run_kubectl(kubeconfig, "create", "configmap", "scoped-probe", "-n", "team")
        event = watch.next_for("scoped-probe")
        assert event.resource.name == "clusters/watched/namespaces/team/configmaps/scoped-probe"
        seen = [watch.events.get_nowait() for _ in range(watch.events.qsize())]
        assert all("/namespaces/team/" in e.resource.name for e in seen if e is not None)
    finally:
        watch.close()
    channel.close()


def test_cluster_that_goes_away_ends_the_watch_unavailable(stub):
    doomed = Simulator(seed=True, log_interval=None).start()
    try:
        create(stub, "doomed", doomed.kubeconfig_text())
        watch = Watch(stub, parent="clusters/doomed", resource_type="namespaces")
        assert watch.events.get(timeout=10).type == ADDED
    finally:
        doomed.stop()
    watch.thread.join(15)
    assert watch.ended is not None and watch.ended.code() == grpc.StatusCode.UNAVAILABLE


def test_an_expired_watch_lists_again_and_sends_only_what_changed(stub, kubeconfig, sim):
    """410 Gone on resuming (the simulator compacts past the watch, changing things while no watch
    is open): the server lists again and sends the difference — no error, no gap, no repeat."""
    ns = f"expiry-{uuid.uuid4().hex[:6]}"
    run_kubectl(kubeconfig, "create", "namespace", ns)
    for name in ("stays", "changes", "goes"):
        run_kubectl(kubeconfig, "create", "configmap", name, "-n", ns, "--from-literal=v=1")
    watch = Watch(stub, parent="clusters/watched", resource_type="configmaps", namespace=ns)
    try:
        initial = {watch.events.get(timeout=10).resource.object_name for _ in range(3)}
        assert initial == {"stays", "changes", "goes"}

        def meanwhile(cluster):
            cm = cluster.kind_type("ConfigMap")
            cluster.create(cm, ns, {"metadata": {"name": "arrives"}, "data": {"v": "1"}}, "v1")
            cluster.patch(cm, ns, "changes", "application/merge-patch+json", {"data": {"v": "2"}}, "v1")
            cluster.delete(cm, ns, "goes")
        sim.expire_watches(meanwhile)
        caught_up = {}
        while len(caught_up) < 3:
            event = watch.events.get(timeout=15)
            assert event is not None, f"watch ended: {watch.ended}"
            caught_up[event.resource.object_name] = event
        assert {name: e.type for name, e in caught_up.items()} == {
            "arrives": ADDED, "changes": MODIFIED, "goes": DELETED}, caught_up
        assert "v: '2'" in caught_up["changes"].resource.yaml
        run_kubectl(kubeconfig, "create", "configmap", "after", "-n", ns)  # and it watches on
        after = watch.events.get(timeout=15)
        assert after.type == ADDED and after.resource.object_name == "after"  # nothing repeated before it
    finally:
        ended = watch.close()
    assert ended is not None and ended.code() == grpc.StatusCode.CANCELLED


def test_every_cluster_merged_and_a_failing_one_reported(stub, kubeconfig, sim):
    other = Simulator(seed=True, log_interval=None).start()
    try:
        create(stub, "second", other.kubeconfig_text())
        second = other.write_kubeconfig(kubeconfig.parent / "second")
        run_kubectl(second, "create", "namespace", "other")
        watch = Watch(stub, parent="clusters/-", clusters=["watched", "clusters/second"],  # type: ignore[arg-type]
                      resource_type="configmaps", namespace="other")
        run_kubectl(kubeconfig, "create", "configmap", "in-first", "-n", "other")
        run_kubectl(second, "create", "configmap", "in-second", "-n", "other")
        seen = set()
        while len(seen) < 2:
            event = watch.events.get(timeout=15)
            assert event is not None, f"watch ended: {watch.ended}"
            if event.resource.object_name.startswith("in-"):
                seen.add(event.resource.name)
        assert seen == {"clusters/watched/namespaces/other/configmaps/in-first",
                        "clusters/second/namespaces/other/configmaps/in-second"}
    finally:
        other.stop()
    try:
        while True:  # the stopped cluster is reported once; the other one is still watched
            event = watch.events.get(timeout=15)
            assert event is not None, f"watch ended: {watch.ended}"
            if event.unreachable:
                assert list(event.unreachable) == ["clusters/second"]
                break
        run_kubectl(kubeconfig, "create", "configmap", "still-watched", "-n", "other")
        assert watch.next_for("still-watched").type == ADDED
    finally:
        watch.close()

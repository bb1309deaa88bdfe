"""`difference`: what a re-listed watch sends after a 410, from what it had sent before."""

from __future__ import annotations

from server.clusters.model import WatchEventType
from server.clusters.watch import difference


def obj(name: str, version: str, namespace: str = "web") -> dict:
    return {"metadata": {"name": name, "namespace": namespace, "resourceVersion": version}}


def test_only_the_changes_are_sent_and_the_record_follows_the_list() -> None:
    sent = {("web", n): obj(n, "1") for n in ("same", "moved", "gone")}
    sent[("shop", "same")] = obj("same", "1", "shop")
    listed = [obj("same", "1"), obj("moved", "5"), obj("new", "6"), obj("same", "1", "shop")]
    events = difference(sent, listed)
    assert [(kind, o["metadata"]["name"], o["metadata"]["resourceVersion"]) for kind, o in events] == [
        (WatchEventType.MODIFIED, "moved", "5"), (WatchEventType.ADDED, "new", "6"),
        (WatchEventType.DELETED, "gone", "1")]  # the last state sent, for DELETED
    assert set(sent) == {("web", "same"), ("web", "moved"), ("web", "new"), ("shop", "same")}
    assert difference(sent, listed) == []  # listed again with nothing new: nothing to send


def test_the_first_list_is_all_added() -> None:
    sent: dict = {}
    assert [k for k, _ in difference(sent, [obj("a", "1"), obj("b", "2")])] == [WatchEventType.ADDED] * 2

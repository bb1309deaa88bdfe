"""Streams tell the truth when the cluster under them dies, and stay usable behind proxies: a lost
exec ends UNAVAILABLE (never a made-up exit code), a lost one-pod follow ends UNAVAILABLE, a selector
follow reports a lost container in-stream and ends UNAVAILABLE once every upstream is gone; idle
streams get heartbeats, filter changes are acknowledged in order, and a half-close ends a follow.

Each test runs its own simulator (so it can be stopped) registered in a server whose heartbeat
interval is short."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Callable, Iterator

import grpc
import pytest
from kubernetes import client

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc
from kubesim import Simulator
from kubesim.testing import api_client_from, wait_for
from server.containers.streams import PAUSE_BUFFER
from server.embedded import EmbeddedServer
from tests.containers.test_exec import Terminal
from tests.containers.test_streams import VIEWS, Follow
from tests.support.auth import admin_token, with_token
from tests.support.clusters import register_cluster
from tests.support.status import details

HEARTBEAT = 0.3


@pytest.fixture(scope="module")
def server(server_factory: Callable[..., EmbeddedServer]) -> EmbeddedServer:
    return server_factory(stream_heartbeat_seconds=HEARTBEAT)


@pytest.fixture()
def stub(server: EmbeddedServer) -> Iterator[containers_pb2_grpc.ContainersServiceStub]:
    with grpc.insecure_channel(server.address) as ch:
        yield containers_pb2_grpc.ContainersServiceStub(with_token(ch, admin_token(server.settings.data_dir)))


@pytest.fixture()
def cluster(server: EmbeddedServer) -> Iterator[tuple[Simulator, str]]:
    """A simulator of its own (no log ticker: logs change only when a test writes them), registered
    under a fresh id; stopped at the end if the test did not stop it."""
    sim = Simulator(seed=True, log_interval=None).start()
    cluster_id = f"c-{uuid.uuid4().hex[:8]}"
    register_cluster(server, cluster_id, sim.kubeconfig_text(cluster_id))
    yield sim, cluster_id
    sim.stop()


def frontends(stub, cluster_id: str) -> list[pb.Container]:
    found = stub.ListContainers(pb.ListContainersRequest(parent=f"clusters/{cluster_id}/namespaces/web",
                                                         label_selector="app=frontend")).containers
    return sorted((c for c in found if c.state == "running"), key=lambda c: c.pod)


def _stop_later(sim: Simulator, delay: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay), sim.stop()), daemon=True)
    thread.start()
    return thread


def _assert_cluster_lost(error: grpc.RpcError | None, cluster_id: str) -> None:
    assert error is not None, "the stream ended with OK"
    d = details(error)
    assert d.code == grpc.StatusCode.UNAVAILABLE, (d.code, d.message)
    assert d.reason.startswith("CLUSTER_") and d.metadata.get("cluster") == cluster_id, d
    assert cluster_id in d.message


def test_exec_stream_lost_with_the_cluster_ends_unavailable(stub, cluster) -> None:
    sim, cluster_id = cluster
    target = frontends(stub, cluster_id)[0].name
    term = Terminal(stub, pb.ExecStart(container=target, command=["sh"], stdin=True))
    session = next(term.responses).session
    sim.stop()
    frames = []
    with pytest.raises(grpc.RpcError) as error:
        for response in term.responses:
            frames.append(response)
    term.outbox.put(None)
    _assert_cluster_lost(error.value, cluster_id)
    assert not [f for f in frames if f.HasField("exit")]
    record = stub.GetExecSession(pb.GetExecSessionRequest(name=session))
    assert not record.HasField("exit_code") and "without an exit status" in record.error


def test_one_shot_exec_lost_with_the_cluster_ends_unavailable(stub, cluster) -> None:
    sim, cluster_id = cluster
    target = frontends(stub, cluster_id)[0].name
    stopper = _stop_later(sim, 0.5)
    with pytest.raises(grpc.RpcError) as error:
        stub.Exec(pb.ExecRequest(container=target, command=["sleep", "5"]))
    stopper.join()
    _assert_cluster_lost(error.value, cluster_id)


@pytest.mark.parametrize("view", VIEWS)
def test_one_pod_follow_lost_with_the_cluster_ends_unavailable(stub, cluster, view: dict) -> None:
    sim, cluster_id = cluster
    pod = frontends(stub, cluster_id)[0].pod
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod, tail_lines=1, **view))
    wait_for(follow.joined)
    sim.stop()
    follow.thread.join(10)
    assert not follow.thread.is_alive()
    _assert_cluster_lost(follow.error, cluster_id)
    follow.cancel()


def test_one_pod_follow_of_a_deleted_pod_still_ends_ok(stub, cluster) -> None:
    """The truth the other way round: a pod that goes away ends the follow normally."""
    sim, cluster_id = cluster
    pod = frontends(stub, cluster_id)[0].pod
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod, tail_lines=1))
    wait_for(follow.joined)
    sim.call(lambda c: c.delete(c.resource("", "v1", "pods"), "web", pod))
    follow.thread.join(10)
    assert not follow.thread.is_alive() and follow.error is None
    assert f"{pod}/frontend" in {k for r in follow.responses for k in r.left}
    follow.cancel()


@pytest.mark.parametrize("view", VIEWS)
def test_selector_follow_reports_a_lost_container_and_goes_on(stub, cluster, view: dict) -> None:
    sim, cluster_id = cluster
    pods = [c.pod for c in frontends(stub, cluster_id)]
    assert len(pods) >= 2
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web",
                                      label_selector="app=frontend", tail_lines=0, **view))
    wait_for(lambda: follow.joined() == {f"{p}/frontend" for p in pods})
    # The first pod's log stream is cut while its container runs on: its upstream is lost.
    sim.call(lambda c: c.logs.get(("web", pods[0], "frontend")).close())
    lost = wait_for(lambda: [e for r in follow.responses for e in r.errors], timeout=10)
    assert [e.container for e in lost] == [f"{pods[0]}/frontend"]
    assert lost[0].status.code == grpc.StatusCode.UNAVAILABLE.value[0] and cluster_id in lost[0].status.message
    assert f"{pods[0]}/frontend" in {k for r in follow.responses for k in r.left}
    # The others go on.
    sim.append_log("web", pods[1], "frontend", ["still here"])
    wait_for(lambda: "still here" in follow.raws())
    assert follow.error is None and follow.thread.is_alive()
    follow.cancel()


@pytest.mark.parametrize("view", VIEWS)
def test_selector_follow_ends_unavailable_when_every_upstream_is_gone(stub, cluster, view: dict) -> None:
    sim, cluster_id = cluster
    pods = [c.pod for c in frontends(stub, cluster_id)]
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web",
                                      label_selector="app=frontend", tail_lines=0, **view))
    wait_for(lambda: follow.joined() == {f"{p}/frontend" for p in pods})
    started = time.monotonic()
    sim.stop()
    follow.thread.join(20)
    assert not follow.thread.is_alive(), "the follow stayed open after its cluster died"
    assert time.monotonic() - started < 20
    _assert_cluster_lost(follow.error, cluster_id)
    follow.cancel()


def test_idle_streams_get_heartbeats(stub, cluster) -> None:
    _, cluster_id = cluster
    pod = frontends(stub, cluster_id)[0]
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod.pod, tail_lines=0))
    beats = wait_for(lambda: [r for r in follow.responses if r.HasField("heartbeat_time")][2:], timeout=5)
    assert all(not (r.entries or r.joined or r.left) for r in beats)
    assert abs(beats[0].heartbeat_time.ToSeconds() - time.time()) < 60
    follow.cancel()

    term = Terminal(stub, pb.ExecStart(container=pod.name, command=["sh"], stdin=True))
    assert next(term.responses).session
    got = [next(term.responses) for _ in range(2)]
    assert all(r.WhichOneof("frame") == "heartbeat_time" for r in got)
    term.send(stdin=b"echo alive\n")
    assert b"alive" in term.read_until(b"alive")
    term.send(stdin=b"exit 3\n")
    term.read_until(b"\x00never")
    assert term.last.exit.exit_code == 3
    term.outbox.put(None)


@pytest.mark.parametrize("view", VIEWS)
def test_filter_change_is_acknowledged_in_order(stub, cluster, view: dict) -> None:
    sim, cluster_id = cluster
    pod = frontends(stub, cluster_id)[0].pod
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod, tail_lines=0, **view))
    wait_for(follow.joined)
    sim.append_log("web", pod, "frontend", ["before one", "before two"])
    wait_for(lambda: "before two" in follow.raws())
    wanted = pb.LogFilter(contains="keep")
    follow.send(filter=wanted)
    ack = wait_for(lambda: [i for i, r in enumerate(follow.responses) if r.HasField("filter_applied")])
    assert follow.responses[ack[0]].filter_applied == wanted
    sim.append_log("web", pod, "frontend", ["drop me", "keep me"])
    wait_for(lambda: "keep me" in follow.raws())
    follow.responses = follow.responses[ack[0] + 1:]
    assert follow.raws() == ["keep me"]
    follow.cancel()


def test_half_close_ends_a_follow_with_ok(stub, cluster) -> None:
    sim, cluster_id = cluster
    pod = frontends(stub, cluster_id)[0].pod
    sim.append_log("web", pod, "frontend", ["last words"])
    seen = threading.Event()

    def requests() -> Iterator[pb.StreamLogsRequest]:
        yield pb.StreamLogsRequest(query=pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod,
                                                     tail_lines=1))
        seen.wait(5)  # then half-close: the follow would otherwise go on for ever

    responses = []
    started = time.monotonic()
    for response in stub.StreamLogs(requests()):  # ends with OK, or raises
        responses.append(response)
        if "last words" in [e.raw for e in response.entries]:
            seen.set()
    assert seen.is_set() and time.monotonic() - started < 5
    # The upstream is closed too (kubesim sees it when it next writes).
    sim.append_log("web", pod, "frontend", ["after the end"])
    wait_for(lambda: sim.open_follows == 0)


def test_raw_view_is_byte_identical_to_the_direct_client(stub, cluster, tmp_path) -> None:
    """LOG_VIEW_RAW hands over the bytes the container wrote: unicode, a long line, CRLF, an empty
    line and a last line without its newline come out as the kubernetes client reads them."""
    sim, cluster_id = cluster
    pod = frontends(stub, cluster_id)[0].pod
    sim.append_log("web", pod, "frontend", ["héllo wörld ✓ 日本語 🚀", "x" * 200_000, "windows line\r", "",
                                            "last line without newline"], final_newline=False)
    core = client.CoreV1Api(api_client_from(sim.write_kubeconfig(tmp_path / "kubeconfig", name=cluster_id)))
    direct = core.read_namespaced_pod_log(pod, "web", container="frontend", _preload_content=False).data
    assert direct.endswith("🚀\n".encode() + b"x" * 200_000 + b"\nwindows line\r\n\nlast line without newline")
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod, container="frontend",
                                      view=pb.LOG_VIEW_RAW))
    wait_for(follow.joined)
    # ListLogEntries in LOG_VIEW_RAW reads the same bytes as chunks, pages counting lines.
    query = pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod, container="frontend",
                        view=pb.LOG_VIEW_RAW)
    pages, token = [], ""
    while not pages or token:
        pages.append(stub.ListLogEntries(pb.ListLogEntriesRequest(query=query, page_size=3, page_token=token)))
        token = pages[-1].next_page_token
    assert b"".join(c.data for p in pages for c in p.chunks) == direct
    assert [sum(c.line_count for c in p.chunks) for p in pages[:-1]] == [3] * (len(pages) - 1)
    sim.call(lambda c: c.delete(c.resource("", "v1", "pods"), "web", pod))  # the log ends
    follow.thread.join(10)
    assert follow.error is None
    assert b"".join(c.data for r in follow.responses for c in r.chunks) == direct
    assert sum(c.line_count for r in follow.responses for c in r.chunks) == direct.count(b"\n") + 1
    follow.cancel()


@pytest.mark.parametrize("view", VIEWS[1:])
def test_pause_past_the_buffer_counts_what_it_drops(stub, cluster, view: dict) -> None:
    """Paused past PAUSE_BUFFER lines, the oldest are dropped and counted; on resume the newest
    arrive in order, and kept + dropped is everything written (RAW drops whole chunks)."""
    sim, cluster_id = cluster
    pod = frontends(stub, cluster_id)[0].pod
    follow = Follow(stub, pb.LogQuery(parent=f"clusters/{cluster_id}/namespaces/web", pod=pod, container="frontend",
                                      tail_lines=0, **view))
    wait_for(follow.joined)
    time.sleep(0.3)  # the log so far (startup lines) has arrived
    before = len(follow.raws())
    follow.send(pause=True)
    time.sleep(0.3)
    written = [f"paused line {i}" for i in range(PAUSE_BUFFER + 2_000)]
    for start in range(0, len(written), 4_000):  # kubesim keeps 10,000 lines: let the follow read each part
        sim.append_log("web", pod, "frontend", written[start:start + 4_000])
        time.sleep(0.5)
    assert len(follow.raws()) == before
    follow.send(resume=True)
    dropped = lambda: sum(r.dropped for r in follow.responses)  # noqa: E731
    wait_for(lambda: len(follow.raws()) - before + dropped() == len(written))
    kept = follow.raws()[before:]
    assert dropped() > 0 and len(kept) <= PAUSE_BUFFER and kept == written[-len(kept):]
    follow.cancel()

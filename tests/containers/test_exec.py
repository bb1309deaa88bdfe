"""Exec through the API: one-shot with exit codes, working directory and stdin; an interactive tty
session with a resize; the exec policy (versioned in the store) refusing commands; recorded
sessions with their callers; containers that cannot run commands."""

from __future__ import annotations

import json
import queue
from typing import Iterator

import grpc
import pytest
from google.protobuf import field_mask_pb2

from kubecommit.v1 import containers_pb2 as pb
from kubecommit.v1 import containers_pb2_grpc
from kubesim.testing import wait_for
from server.embedded import EmbeddedServer
from tests.containers.conftest import WEB, container_name, ticker_pods
from tests.support.auth import make_token, with_token
from tests.support.status import details


def test_one_shot_exit_code_output_and_session(stub) -> None:
    name = container_name(stub)
    response = stub.Exec(pb.ExecRequest(container=name, command=["sh", "-c", "echo out; echo err >&2; exit 3"]))
    assert (response.stdout, response.stderr, response.exit_code) == (b"out\n", b"err\n", 3)
    assert response.duration.ToNanoseconds() > 0
    session = stub.GetExecSession(pb.GetExecSessionRequest(name=response.session))
    assert session.exit_code == 3 and session.stdout == b"out\n" and list(session.command)[0] == "sh"
    assert session.container == name and session.caller and session.end_time.seconds >= session.start_time.seconds
    assert not session.interactive


def test_working_dir_and_stdin(stub) -> None:
    name = container_name(stub)
    assert stub.Exec(pb.ExecRequest(container=name, command=["pwd"], working_dir="/etc")).stdout == b"/etc\n"
    assert stub.Exec(pb.ExecRequest(container=name, command=["wc", "-l"], stdin=b"a\nb\nc\n")).stdout.strip() == b"3"
    missing = stub.Exec(pb.ExecRequest(container=name, command=["pwd"], working_dir="/nope"))
    assert missing.exit_code != 0 and b"can't cd" in missing.stderr


class Terminal:
    def __init__(self, stub, start: pb.ExecStart) -> None:
        self.outbox: queue.Queue[pb.ExecStreamRequest | None] = queue.Queue()
        self.outbox.put(pb.ExecStreamRequest(start=start))
        self.responses = stub.ExecStream(self._requests())

    def _requests(self) -> Iterator[pb.ExecStreamRequest]:
        while (item := self.outbox.get()) is not None:
            yield item

    def send(self, **frame: object) -> None:
        self.outbox.put(pb.ExecStreamRequest(**frame))

    def read_until(self, marker: bytes) -> bytes:
        out = b""
        for response in self.responses:
            out += response.stdout + response.stderr
            if marker in out or response.HasField("exit"):
                self.last = response
                return out
        return out


def test_interactive_tty_session(stub) -> None:
    name = container_name(stub)
    term = Terminal(stub, pb.ExecStart(container=name, command=["sh"], tty=True, stdin=True,
                                       size=pb.TerminalSize(width=100, height=30)))
    first = next(term.responses)
    assert first.session.startswith("execSessions/")
    term.read_until(b"# ")
    term.send(stdin=b"echo hi\r")
    assert b"hi\r\n" in term.read_until(b"hi\r\n")
    term.send(resize=pb.TerminalSize(width=120, height=40))
    term.send(stdin=b"stty size\r")
    assert b"40 120" in term.read_until(b"40 120")
    term.send(stdin=b"exit 7\r")
    term.read_until(b"\x00never")
    assert term.last.exit.exit_code == 7 and term.last.exit.session == first.session
    term.outbox.put(None)
    session = stub.GetExecSession(pb.GetExecSessionRequest(name=first.session))
    assert session.interactive and session.tty and session.exit_code == 7
    lines = session.transcript.splitlines()
    assert json.loads(lines[0])["width"] == 100
    events = [json.loads(line) for line in lines[1:]]
    assert ["i", "echo hi\r"] in [e[1:] for e in events] and ["r", "120x40"] in [e[1:] for e in events]
    assert any(e[1] == "o" and "hi" in e[2] for e in events)


def test_interactive_without_tty_and_close_stdin(stub) -> None:
    term = Terminal(stub, pb.ExecStart(container=container_name(stub), command=["cat"], stdin=True))
    assert next(term.responses).session
    term.send(stdin=b"piped\n")
    term.send(close_stdin=True)
    out = term.read_until(b"\x00never")
    assert out == b"piped\n" and term.last.exit.exit_code == 0
    term.outbox.put(None)


def policy_name(namespace: str) -> str:
    return f"clusters/demo/namespaces/{namespace}/execPolicy"


def test_policy_refuses_rm_and_is_versioned(stub, kube, namespace: str) -> None:
    pod = wait_for(lambda: ticker_pods(kube, namespace))[0]
    target = f"clusters/demo/namespaces/{namespace}/pods/{pod}/containers/app"
    inherited = stub.GetExecPolicy(pb.GetExecPolicyRequest(name=policy_name(namespace)))
    assert inherited.etag == "" and inherited.allow_interactive and not inherited.deny

    policy = stub.UpdateExecPolicy(pb.UpdateExecPolicyRequest(policy=pb.ExecPolicy(
        name=policy_name(namespace), deny=["rm", "*shutdown*"], allow_interactive=False)))
    assert policy.etag and policy.updated_by and list(policy.deny) == ["rm", "*shutdown*"]
    for command in (["rm", "-rf", "/app"], ["/bin/rm", "x"], ["sh", "-c", "echo ok && rm -rf /"]):
        with pytest.raises(grpc.RpcError) as error:
            stub.Exec(pb.ExecRequest(container=target, command=command))
        d = details(error.value)
        assert d.code == grpc.StatusCode.PERMISSION_DENIED and d.metadata["rule"] == "deny:rm", command
    assert stub.Exec(pb.ExecRequest(container=target, command=["ls", "/app"])).exit_code == 0
    with pytest.raises(grpc.RpcError) as error:
        list(stub.ExecStream(iter([pb.ExecStreamRequest(start=pb.ExecStart(container=target, command=["sh"],
                                                                            tty=True, stdin=True))])))
    assert details(error.value).metadata["rule"] == "allow_interactive"
    with pytest.raises(grpc.RpcError) as error:  # file operations run commands too
        stub.DeleteFile(pb.DeleteFileRequest(container=target, path="/app/README.md"))
    assert details(error.value).code == grpc.StatusCode.PERMISSION_DENIED

    # An allow-list, changed through a mask; a stale etag is refused.
    updated = stub.UpdateExecPolicy(pb.UpdateExecPolicyRequest(
        policy=pb.ExecPolicy(name=policy_name(namespace), allow=["ls", "cat"], etag=policy.etag),
        update_mask=field_mask_pb2.FieldMask(paths=["allow"])))
    assert list(updated.deny) == ["rm", "*shutdown*"] and list(updated.allow) == ["ls", "cat"]
    with pytest.raises(grpc.RpcError) as error:
        stub.Exec(pb.ExecRequest(container=target, command=["echo", "x"]))
    assert details(error.value).metadata["rule"] == "allow"
    with pytest.raises(grpc.RpcError) as error:
        stub.UpdateExecPolicy(pb.UpdateExecPolicyRequest(policy=pb.ExecPolicy(
            name=policy_name(namespace), etag=policy.etag)))
    assert error.value.code() == grpc.StatusCode.ABORTED

    # The cluster default applies where a namespace has none.
    default = stub.GetExecPolicy(pb.GetExecPolicyRequest(name="clusters/demo/namespaces/-/execPolicy"))
    assert default.etag == ""


def test_sessions_listed_with_callers(stub, demo_server: EmbeddedServer) -> None:
    name = container_name(stub)
    token = make_token(demo_server, "alice", "operator")
    with grpc.insecure_channel(demo_server.address) as ch:
        alice = containers_pb2_grpc.ContainersServiceStub(with_token(ch, token))
        mine = alice.Exec(pb.ExecRequest(container=name, command=["echo", "from alice"])).session
    admins = stub.Exec(pb.ExecRequest(container=name, command=["echo", "from admin"])).session
    listed = stub.ListExecSessions(pb.ListExecSessionsRequest(parent=name, page_size=50)).sessions
    callers = {s.name: s.caller for s in listed}
    assert callers[mine] == "alice" and callers[admins] != "alice"
    only_alice = stub.ListExecSessions(pb.ListExecSessionsRequest(caller="alice")).sessions
    assert {s.caller for s in only_alice} == {"alice"} and mine in {s.name for s in only_alice}
    page = stub.ListExecSessions(pb.ListExecSessionsRequest(parent=WEB, page_size=1))
    assert len(page.sessions) == 1 and page.next_page_token
    with pytest.raises(grpc.RpcError) as error:
        stub.GetExecSession(pb.GetExecSessionRequest(name="execSessions/nope"))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_containers_that_cannot_run_commands(stub) -> None:
    distroless = container_name(stub, "clusters/demo/namespaces/shop", "app=api-gateway")
    with pytest.raises(grpc.RpcError) as error:
        stub.Exec(pb.ExecRequest(container=distroless, command=["sh", "-c", "ls"]))
    d = details(error.value)
    assert d.code == grpc.StatusCode.FAILED_PRECONDITION and d.reason == "EXECUTABLE_NOT_FOUND"
    crashing = next(c for c in stub.ListContainers(pb.ListContainersRequest(
        parent="clusters/demo/namespaces/shop", label_selector="app=payments-worker")).containers)
    assert crashing.state == "waiting" and crashing.reason == "CrashLoopBackOff"
    assert crashing.state_code == pb.CONTAINER_STATE_WAITING
    with pytest.raises(grpc.RpcError) as error:
        stub.Exec(pb.ExecRequest(container=crashing.name, command=["ls"]))
    assert details(error.value).code == grpc.StatusCode.FAILED_PRECONDITION
    # ... but its previous instance's logs can be read.
    previous = stub.ListLogEntries(pb.ListLogEntriesRequest(query=pb.LogQuery(
        parent="clusters/demo/namespaces/shop", pod=crashing.pod, previous=True)))
    assert previous.entries


@pytest.mark.parametrize("container, code", [
    (f"{WEB}/pods/no-such-pod/containers/x", grpc.StatusCode.NOT_FOUND),
    ("clusters/demo/pods/x", grpc.StatusCode.INVALID_ARGUMENT),
])
def test_bad_exec_targets(stub, container: str, code: grpc.StatusCode) -> None:
    with pytest.raises(grpc.RpcError) as error:
        stub.Exec(pb.ExecRequest(container=container, command=["ls"]))
    assert error.value.code() == code


def test_unknown_container_of_a_real_pod(stub) -> None:
    name = container_name(stub).rsplit("/", 1)[0] + "/nope"
    with pytest.raises(grpc.RpcError) as error:
        stub.Exec(pb.ExecRequest(container=name, command=["ls"]))
    assert details(error.value).reason == "CONTAINER_NOT_FOUND"

"""Page tokens are client input: forged or garbled ones are InvalidArgument naming page_token,
never another exception, in every decoder (server.paging, which every List uses, the log pages
built on it, and the store's own history cursors)."""

from __future__ import annotations

import base64
from typing import Iterator

import pytest
from hypothesis import example, given, strategies as st

import gitstore
from gitstore import Author, Change, Store
from kubecommit.v1 import containers_pb2 as pb
from server import paging
from server.containers.convert import parse_query
from server.containers.logs.pages import page_offset
from server.containers.logs.queries import Query
from server.errors import InvalidArgument


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


tokens = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(b64),
    st.sampled_from(['{"q":"x","o":1}', '{"o":1e400,"q":""}', '{"o":-1,"q":"x"}', '[1]', '"s"', "null",
                     '{"q":"x","c":[],"k":{}}', '{"o":true,"q":"x"}', "offset:-3", "offset:1e9", "seq:x",
                     "seq:" + "9" * 5000, "[" * 5000]).map(lambda t: b64(t.encode())),
    # The signed shape: body.mac, both parts arbitrary.
    st.tuples(st.binary(max_size=80).map(b64), st.binary(max_size=40).map(b64)).map(".".join),
)


def refused_or_fine(call) -> None:
    try:
        call()
    except InvalidArgument as error:
        assert error.violations[0].field == "page_token"


@pytest.fixture(scope="module")
def query() -> Query:
    return parse_query(pb.LogQuery(parent="clusters/demo/namespaces/web", label_selector="app=x"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = Store.open(tmp_path_factory.mktemp("fuzz-tokens") / "repo", committer=Author("k", "k@x"))
    for i in range(3):
        opened.commit([Change.put(f"clusters/c/configmaps/a{i}.yaml",
                                  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"a{i}"}})],
                      author=Author("a", "a@x"), message=f"c{i}")
    yield opened
    opened.close()


@given(tokens)
@example(b64(b"[" * 100_000))
def test_server_page_tokens(query: Query, token: str) -> None:
    refused_or_fine(lambda: paging.decode(token, ("x",), c=str, k=str, o=int))
    refused_or_fine(lambda: page_offset(token, query))
    refused_or_fine(lambda: paging.offset_page(list(range(10)), ("x",), 3, token))


@given(tokens)
def test_store_page_tokens(store: Store, token: str) -> None:
    for call in (lambda: store.log(page_token=token, page_size=1),
                 lambda: store.list_versions("clusters/c/configmaps/a1.yaml", page_size=1, page_token=token)):
        try:
            call()
        except gitstore.InvalidArgument as error:
            assert error.subject == "page_token"

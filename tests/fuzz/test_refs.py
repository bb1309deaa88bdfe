"""Ref names under generated input: accepted names obey git's check-ref-format rules, refused ones
are the store's InvalidArgument (the server's, naming the field, through branch_id/store_ref),
and no name makes the store read outside refs/ (`../../HEAD`) or fail otherwise."""

from __future__ import annotations

from typing import Iterator

import pytest
from dulwich.refs import check_ref_format
from hypothesis import example, given, strategies as st

import gitstore
from gitstore import Author, Change, Store, check_ref_name
from server.errors import InvalidArgument
from server.versions.common import branch_id, store_ref

names = st.one_of(st.text(max_size=60),
                  st.lists(st.sampled_from(["..", ".", "/", "-", "@{", "@", "HEAD", "a", "b.lock", ".x", " ", "~", "^",
                                            ":", "?", "*", "[", "\\", "\x00", "\x7f", "main", "refs", "heads", "é"]),
                           max_size=12).map("".join))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = Store.open(tmp_path_factory.mktemp("fuzz-refs") / "repo", committer=Author("k", "k@x"))
    opened.commit([Change.put("clusters/c/namespaces/n/configmaps/a.yaml",
                              {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})],
                  author=Author("a", "a@x"), message="seed")
    yield opened
    opened.close()


@given(names)
@example("../../HEAD")
@example("HEAD")
@example("-rf")
@example("x" * 500)
def test_ref_names_are_checked_like_git(name: str) -> None:
    try:
        accepted = check_ref_name(name, "branch")
    except gitstore.InvalidArgument as error:
        assert error.subject == "branch"
    else:
        assert accepted == name and check_ref_format(b"refs/heads/" + name.encode())
        assert not name.startswith("-") and ".." not in name
    for parse in (lambda: branch_id(f"branches/{name}", "branch"), lambda: store_ref(f"tags/{name}", "target")):
        try:
            parse()
        except InvalidArgument as error:
            assert error.violations[0].field in ("branch", "target")


@given(names)
@example("../../HEAD")
@example("refs/../HEAD")
@example("../config")
def test_the_store_resolves_any_name_without_leaving_refs(store: Store, name: str) -> None:
    for call in (lambda: store.resolve(name), lambda: store.log(ref=name, page_size=1),
                 lambda: store.read_if_exists("clusters/c/namespaces/n/configmaps/a.yaml", name)):
        try:
            call()
        except (gitstore.InvalidArgument, gitstore.NotFound):
            pass

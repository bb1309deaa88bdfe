"""server.paging on its own: the AIP-158 size rule and signed tokens bound to their query."""

from __future__ import annotations

import pytest

from server import paging
from server.errors import InvalidArgument


def test_page_size_rule() -> None:
    assert paging.page_size(0) == paging.DEFAULT_PAGE_SIZE
    assert paging.page_size(10**6) == paging.MAX_PAGE_SIZE
    assert paging.page_size(0, default=7, maximum=9) == 7 and paging.page_size(12, maximum=9) == 9
    with pytest.raises(InvalidArgument) as refused:
        paging.page_size(-1)
    assert [v.field for v in refused.value.violations] == ["page_size"]


def test_tokens_round_trip_for_their_query_only() -> None:
    token = paging.encode(("m", "filter"), c="alpha", k="x")
    assert paging.decode(token, ("m", "filter"), c=str, k=str) == {"c": "alpha", "k": "x"}
    assert paging.decode("", ("m", "filter")) == {}
    with pytest.raises(InvalidArgument, match="different query"):
        paging.decode(token, ("m", "other"), c=str, k=str)


@pytest.mark.parametrize("position", [{"o": "ten"}, {"o": -5}, {"o": 1.5}, {"o": True}, {"x": 1}])
def test_signed_positions_of_the_wrong_type_are_refused(position: dict) -> None:
    with pytest.raises(InvalidArgument) as refused:
        paging.decode(paging.encode(("q",), **position), ("q",), o=int)
    assert [v.field for v in refused.value.violations] == ["page_token"]


def test_unsigned_or_edited_tokens_are_refused() -> None:
    token = paging.encode(("q",), o=10)
    body, _, mac = token.partition(".")
    for forged in ("!!!", body, body + "." + mac[:-2] + "AA", paging.encode(("q",), o=11)[:-1] + "."):
        with pytest.raises(InvalidArgument):
            paging.decode(forged, ("q",), o=int)


def test_offset_pages_walk_the_list() -> None:
    items = list(range(5))
    page, token = paging.offset_page(items, ("q",), 2, "")
    seen = list(page)
    while token:
        page, token = paging.offset_page(items, ("q",), 2, token)
        seen += page
    assert seen == items

"""Pure output logic of the CLI (the verbs themselves are tested end to end beside this)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest

from clients.cli.errors import CliError
from clients.cli.printers import age, exact, jsonpath, table

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("seconds,shown", [
    (5, "5s"), (119, "119s"), (150, "2m30s"), (600, "10m"), (4 * 3600 + 600, "4h10m"), (30 * 3600, "30h"),
    (3 * 86400 + 4 * 3600, "3d4h"), (40 * 86400, "40d"), (800 * 86400, "2y"),
])
def test_ages_read_like_kubectl(seconds: int, shown: str) -> None:
    assert age(NOW - timedelta(seconds=seconds), NOW) == shown


def test_columns_are_aligned_and_never_cut() -> None:
    out = io.StringIO()
    long = "x" * 150
    table(["NAME", "AGE"], [[long, "1s"], ["a", "10m"]], out)
    assert out.getvalue().splitlines() == ["NAME" + " " * 149 + "AGE", long + "   1s", "a" + " " * 152 + "10m"]


def test_exact_numbers() -> None:
    assert exact({"a": [3.0, 2.5, "3.0"], "b": {"c": 0.0}}) == {"a": [3, 2.5, "3.0"], "b": {"c": 0}}


def test_jsonpath_subset() -> None:
    data = {"items": [{"metadata": {"name": "a"}, "spec": {"replicas": 2}}, {"metadata": {"name": "b"}}]}
    assert jsonpath("{.items[*].metadata.name}", data) == "a b"
    assert jsonpath('{.items[0].spec.replicas}{"\\n"}', data) == "2\n"
    assert jsonpath(".items[-1].metadata.name", data) == "b"
    assert jsonpath("{.items[5].metadata}", data) == ""
    with pytest.raises(CliError):
        jsonpath("{range .items[*]}", data)

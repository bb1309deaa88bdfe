"""server/kube/quantity.py: the grammar, values, canonical forms and comparisons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.errors import InvalidArgument
from server.kube import quantity


@pytest.mark.parametrize(("text", "value"), [
    ("500m", Decimal("0.5")), ("2Gi", Decimal(2 * 2**30)), ("1e3", Decimal(1000)), ("1.5", Decimal("1.5")),
    ("100M", Decimal(10**8)), ("1k", Decimal(1000)), ("1Ki", Decimal(1024)), (".5", Decimal("0.5")),
    ("250u", Decimal("0.00025")), ("3", Decimal(3)), ("0", Decimal(0)), ("1E2", Decimal(100)),
])
def test_values(text: str, value: Decimal) -> None:
    assert quantity.parse(text) == value


@pytest.mark.parametrize("text", ["2GG", "1.5.3", "abc", "", "1 Gi", "Gi", "1gi", "--1", "1e", "0x10"])
def test_malformed_names_field_and_value(text: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        quantity.parse(text, "hard[cpu]")
    assert error.value.violations[0].field == "hard[cpu]"
    assert repr(text) in error.value.violations[0].description


def test_negative_refused_unless_allowed() -> None:
    with pytest.raises(InvalidArgument, match="must not be negative"):
        quantity.parse("-1")
    assert quantity.parse("-1", allow_negative=True) == -1


@pytest.mark.parametrize(("text", "canonical"), [
    ("2048Mi", "2Gi"), ("1536Mi", "1536Mi"), ("0.5", "500m"), ("1000", "1k"), ("1500m", "1500m"),
    ("1e3", "1k"), ("0.1", "100m"), ("1024Ki", "1Mi"), ("3", "3"), ("1.5Gi", "1536Mi"), ("0", "0"),
])
def test_canonical(text: str, canonical: str) -> None:
    assert quantity.canonical(text) == canonical


def test_compare_and_percent() -> None:
    assert quantity.compare("1Gi", "1G") == 1 and quantity.compare("500m", "0.5") == 0
    assert quantity.compare("100m", "1") == -1
    assert quantity.percent(Decimal("0.85"), Decimal(1)) == pytest.approx(85)
    assert quantity.percent(Decimal(1), Decimal(0)) == 100 and quantity.percent(Decimal(0), Decimal(0)) == 0


def test_value_of_cluster_input_is_lenient() -> None:
    assert quantity.value_of(None) == 0 and quantity.value_of("junk") == 0 and quantity.value_of("1Mi") == 2**20


def test_tiny_amounts_round_up_to_nano() -> None:
    assert quantity.parse("0.0000000001") == Decimal("1E-9")
    assert quantity.format_quantity(Decimal("0.0000000001")) == "1n"

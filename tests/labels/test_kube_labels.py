"""Label keys, values and selectors (server/kube/labels.py), as apimachinery checks them."""

from __future__ import annotations

import pytest

from server.errors import InvalidArgument
from server.kube.labels import (Operator, check_key, check_labels, key_problem, parse_selector,
                                value_problem)


@pytest.mark.parametrize("key", ["app", "app.kubernetes.io/name", "a", "A_b-c.d", "x" * 63,
                                 "example.com/" + "y" * 63, ("a" * 63 + ".") * 3 + "b" * 61 + "/k"])
def test_valid_keys(key: str) -> None:
    assert key_problem(key) == ""


@pytest.mark.parametrize("key,problem", [
    ("", "name part must be non-empty"),
    ("/app", "prefix part must be non-empty"),
    ("a/b/c", "at most one '/'"),
    ("x" * 64, "no more than 63"),
    ("p" * 254 + "/app", "no more than 253"),
    ("Example.com/app", "DNS subdomain"),
    ("ex_ample.com/app", "DNS subdomain"),
    ("-app", "start and end with an alphanumeric"),
    ("app-", "start and end"),
    ("a b", "alphanumeric characters"),
    ("app/", "name part must be non-empty"),
])
def test_invalid_keys(key: str, problem: str) -> None:
    assert problem in key_problem(key)


def test_values() -> None:
    assert value_problem("") == ""
    assert value_problem("v1.2-rc_3") == ""
    assert "no more than 63" in value_problem("v" * 64)
    assert "alphanumeric" in value_problem("a/b")
    assert "alphanumeric" in value_problem("-x")


def test_check_names_the_field() -> None:
    with pytest.raises(InvalidArgument) as caught:
        check_labels({"ok": "fine", "team": "x" * 64}, "patch.set_labels")
    assert caught.value.violations[0].field == "patch.set_labels[team]"
    with pytest.raises(InvalidArgument) as caught:
        check_key("bad key", "remove_labels[0]")
    assert caught.value.violations[0].field == "remove_labels[0]"


@pytest.mark.parametrize("text,labels,expected", [
    ("", {}, True),
    ("app=web", {"app": "web"}, True),
    ("app==web", {"app": "web"}, True),
    ("app=web", {"app": "api"}, False),
    ("app!=web", {}, True),
    ("app!=web", {"app": "web"}, False),
    ("app", {"app": ""}, True),
    ("app", {}, False),
    ("!app", {}, True),
    ("!app", {"app": "x"}, False),
    ("tier in (fe, be)", {"tier": "be"}, True),
    ("tier in (fe,be)", {"tier": "db"}, False),
    ("tier in (fe,be)", {}, False),
    ("tier notin (fe,be)", {}, True),
    ("tier notin (fe,be)", {"tier": "fe"}, False),
    ("app=web , tier in (fe,be),!legacy", {"app": "web", "tier": "fe"}, True),
    ("app=web,tier in (fe,be),!legacy", {"app": "web", "tier": "fe", "legacy": "1"}, False),
    ("replicas>2", {"replicas": "3"}, True),
    ("replicas<2", {"replicas": "3"}, False),
    ("app=", {"app": ""}, True),
    ("example.com/team in ()", {"example.com/team": ""}, True),
])
def test_selector_matches(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_selector(text).matches(labels) is expected


def test_selector_structure_and_text() -> None:
    selector = parse_selector("app=web,tier in (fe,be),!legacy,env")
    assert [r.operator for r in selector.requirements] == [Operator.EQUALS, Operator.IN,
                                                            Operator.DOES_NOT_EXIST, Operator.EXISTS]
    assert str(selector) == "app=web,tier in (fe,be),!legacy,env"
    assert parse_selector(str(selector)) == selector


@pytest.mark.parametrize("text,position,words", [
    ("app=web,", 8, "requirement after ','"),
    ("app=web tier=x", 8, "expected ','"),
    ("tier in fe", 8, "expected '('"),
    ("tier in (fe", 11, "',' or ')'"),
    ("tier within (fe)", 5, "expected an operator"),
    ("=web", 0, "expected a label key"),
    ("app=web,bad key=1", 12, "expected an operator"),
    ("-app=web", 0, "invalid label key"),
    ("app=" + "v" * 64, 4, "no more than 63"),
    ("n>x", 2, "integer"),
    ("!", 1, "expected a label key"),
])
def test_selector_errors_name_the_position(text: str, position: int, words: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_selector(text, "label_selector")
    error = caught.value
    assert error.violations[0].field == "label_selector"
    assert f"at position {position}:" in error.message
    assert words in error.message

"""The JSON fast path of safeyaml.load_all: the same documents as the YAML path, and the same
limits refused for the same reasons."""

from __future__ import annotations

import json

import pytest
import yaml

from gitstore.safeyaml import YamlLimitExceeded, YamlLimits, check, load_all

OBJECT = {"apiVersion": "v1", "kind": "List", "items": [
    {"kind": "Widget", "metadata": {"name": f"w{i}"}, "spec": {"size": i, "ratio": 0.5, "on": True, "off": None,
                                                                "tags": ["a", "é", ""], "empty": {}}}
    for i in range(3)]}


def yaml_path(text: str) -> list:
    check(text)
    return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]


@pytest.mark.parametrize("text", [
    json.dumps(OBJECT), json.dumps(OBJECT, indent=2), json.dumps(OBJECT["items"]), "  \n[]", "{}",
    '{"big": 123456789012345678901234567890, "neg": -0, "f": -1.25e+3, "dup": 1, "dup": 2}',
    "---\n" + "\n---\n".join(json.dumps(o) for o in OBJECT["items"]) + "\n---\n",
    '{"a": 1}\r\n--- \r\n[2]', '{"a": "x\\n---\\n"}',
    # JSON whose numbers or words YAML reads as strings, and flow YAML: both answered as YAML
    '{"exp": 1e5, "exp2": 1.0e5}', "[NaN, Infinity]", "{a: b, c: [d]}",
    '{"a": 1}\n--- # c\n{"b": 2}', '{"a": 1}\n--- {"b": 2}', '{"a": 1}\n---\nb: 2', '{"a": 1}\n...\n---\n{"b": 2}',
])
def test_json_gives_what_the_yaml_path_gives(text: str) -> None:
    assert load_all(text) == yaml_path(text)


def refused(text: str, limits: YamlLimits) -> tuple[str, str, int]:
    with pytest.raises(YamlLimitExceeded) as error:
        load_all(text, limits)
    assert f"limit {error.value.limit} = {error.value.value}" in str(error.value)
    return error.value.reason, error.value.limit, error.value.document


def refused_by_yaml(text: str, limits: YamlLimits) -> tuple[str, str, int]:
    with pytest.raises(YamlLimitExceeded) as error:
        check(text, limits)
    return error.value.reason, error.value.limit, error.value.document


@pytest.mark.parametrize("text, limits", [
    ("[" * 11 + "]" * 11, YamlLimits(max_depth=10)),
    (json.dumps({"a": {"b": [[{"c": 1}]]}}), YamlLimits(max_depth=4)),
    (json.dumps(list(range(100))), YamlLimits(max_nodes=100)),
    (json.dumps({f"k{i}": i for i in range(50)}), YamlLimits(max_nodes=100)),  # keys are nodes
    (json.dumps(["x" * 100] * 10), YamlLimits(max_expanded_bytes=999)),
    (json.dumps({"é" * 60: "y"}), YamlLimits(max_expanded_bytes=120)),  # key bytes, UTF-8
    (json.dumps(OBJECT), YamlLimits(max_bytes=100)),
    ("{}\n---\n" * 5 + "[[[]]]", YamlLimits(max_depth=2)),  # names the document at fault
    ("{}\n---\n" * 5, YamlLimits(max_documents=4)),
    ("\n---\n".join([json.dumps(list(range(30)))] * 4), YamlLimits(max_nodes=100)),
])
def test_json_crossing_a_limit_is_refused_as_yaml_is(text: str, limits: YamlLimits) -> None:
    assert refused(text, limits) == refused_by_yaml(text, limits)


@pytest.mark.parametrize("text, limits", [
    ("[" * 10 + "]" * 10, YamlLimits(max_depth=10)),
    (json.dumps(list(range(99))), YamlLimits(max_nodes=100)),
    (json.dumps(["x" * 100] * 10), YamlLimits(max_expanded_bytes=1000)),
])
def test_json_at_a_limit_is_read(text: str, limits: YamlLimits) -> None:
    assert load_all(text, limits) == [json.loads(text)]


def test_json_deeper_than_the_decoder_recurses_is_too_deep() -> None:
    text = "[" * 200_000 + "]" * 200_000
    with pytest.raises(RecursionError):
        json.loads(text)
    assert refused(text, YamlLimits(max_bytes=1_000_000)) == ("YAML_TOO_DEEP", "max_depth", 0)


def test_a_lone_surrogate_is_left_to_the_yaml_path() -> None:
    with pytest.raises(yaml.YAMLError):
        load_all('{"a": "\\ud800"}')


def test_json_never_reaches_libyaml_and_flow_yaml_does(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_yaml(*args: object, **kwargs: object) -> None:
        raise AssertionError("took the YAML path")

    monkeypatch.setattr(yaml, "parse", no_yaml)
    monkeypatch.setattr(yaml, "load_all", no_yaml)
    assert load_all(json.dumps(OBJECT)) == [OBJECT]
    with pytest.raises(YamlLimitExceeded):
        load_all(json.dumps(OBJECT), YamlLimits(max_nodes=10))
    with pytest.raises(AssertionError, match="YAML path"):
        load_all("{a: b}")

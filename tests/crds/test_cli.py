"""`kubecommit crds list | explain | validate -f` as a person runs them: the console script as a
subprocess against the CRD tests' server (two kubesim clusters)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.support import run
from tests.crds.test_crds import FIXED, WRONG


def test_list_every_cluster(crd_server) -> None:
    listed = run(crd_server, "crds", "list", "--cluster", "-", "--count")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["CLUSTER", "NAME", "KIND", "SCOPE", "SERVED", "STORAGE", "ESTABLISHED", "OBJECTS", "AGE"]
    widgets = [r.split() for r in rows if "widgets.example.com" in r]
    assert sorted(r[0] for r in widgets) == ["east", "west"]
    assert all(r[2:7] == ["Widget", "Namespaced", "v1,v1beta1", "v1", "True"] for r in widgets)


def test_explain_a_nested_field(crd_server) -> None:
    explained = run(crd_server, "crds", "explain", "widgets.example.com", "spec", "--cluster", "east")
    assert explained.returncode == 0, explained.stderr
    text = explained.stdout
    assert "FIELD: spec <object>" in text and "VERSION:    v1" in text
    assert "  size\t<integer>  -required-" in text and "    How big the widget is." in text
    assert "    minimum: 1" in text and "    maximum: 10" in text
    assert "    enum: blue, red, green" in text and "    default: blue" in text
    unknown = run(crd_server, "crds", "explain", "widgets.example.com", "spec.nope", "--cluster", "east")
    assert unknown.returncode != 0 and "nope" in unknown.stderr


def test_validate_a_file(crd_server, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(WRONG)
    refused = run(crd_server, "crds", "validate", "-f", str(wrong), "--cluster", "east")
    assert refused.returncode == 1
    for line in ("  spec.color: FieldValueTypeInvalid:", "  spec.size: FieldValueRequired:",
                 "  spec.shape: FieldValueUnknown:"):
        assert line in refused.stdout
    assert "1 of 1 custom objects are invalid" in refused.stderr
    accepted = run(crd_server, "crds", "validate", "-f", "-", "--cluster", "east", "--in-cluster", stdin=FIXED)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.startswith("clusters/east/namespaces/shop/widgets.example.com/gadget (manifest[0], "
                                      "widgets.example.com/v1): valid (cluster accepted)")

"""`kubecommit crds list | get | explain | rows | validate -f | check-update -f | compare` as a person runs them: the console script as a
subprocess against the CRD tests' server (two kubesim clusters)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.support import run
from tests.crds.conftest import widget_crd
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


def test_get_rows_check_update_and_compare(crd_server, tmp_path: Path) -> None:
    shown = run(crd_server, "crds", "get", "widgets.example.com", "--cluster", "east", "--count")
    assert shown.returncode == 0, shown.stderr
    assert "kind:       Widget (list WidgetList)" in shown.stdout and "storage:    v1" in shown.stdout
    assert [line.split() for line in shown.stdout.splitlines() if line.startswith("v1")] == [
        ["v1", "True", "True", "2"], ["v1beta1", "True", "False", "2"]]
    as_yaml = run(crd_server, "crds", "get", "widgets.example.com", "--cluster", "east", "-o", "yaml")
    assert yaml.safe_load(as_yaml.stdout)["spec"]["names"]["kind"] == "Widget"

    rows = run(crd_server, "crds", "rows", "widgets.example.com", "--cluster", "east", "-n", "shop", "-l", "color=red")
    assert rows.returncode == 0, rows.stderr
    assert [line.split()[:4] for line in rows.stdout.splitlines()] == [["NAME", "SIZE", "COLOR", "PHASE"],
                                                                       ["sprocket", "5", "red", "Ready"]]

    without_color = tmp_path / "crd.yaml"
    without_color.write_text(widget_crd(lambda spec: spec["properties"].pop("color")))
    check = run(crd_server, "crds", "check-update", "-f", str(without_color), "--cluster", "east")
    assert check.returncode == 1 and "NOT safe" in check.stderr, check.stdout + check.stderr
    assert any(line.split()[:3] == ["v1", "spec.color", "deleted"] for line in check.stdout.splitlines())
    assert "breaks clusters/east/namespaces/shop/widgets.example.com/sprocket (v1): spec.color:" in check.stdout
    harmless = run(crd_server, "crds", "check-update", "-f", "-", "--cluster", "east",
                   stdin=widget_crd(lambda spec: spec["properties"].update(note={"type": "string"})))
    assert harmless.returncode == 0 and "; safe" in harmless.stderr, harmless.stdout + harmless.stderr

    same = run(crd_server, "crds", "compare", "widgets.example.com")
    assert same.returncode == 0 and [line.split()[:2] for line in same.stdout.splitlines()[1:3]] == [
        ["east", "True"], ["west", "True"]], same.stdout + same.stderr
    bigger = run(crd_server, "apply", "-f", "-", "--cluster", "west", "-m", "bigger widgets",
                 stdin=widget_crd(lambda spec: spec["properties"]["size"].update(maximum=20)))
    assert bigger.returncode == 0, bigger.stderr
    skewed = run(crd_server, "crds", "compare", "widgets.example.com", "--cluster", "east", "--cluster", "west")
    assert skewed.returncode == 1 and "differs across clusters" in skewed.stderr
    assert ["v1", "spec.size", "modified", "maximum", "10", "20"] in [line.split() for line in skewed.stdout.splitlines()]


def test_get_prints_a_custom_resource_with_its_printer_columns(crd_server) -> None:
    """`get widgets` (and its short name) shows the CRD's additionalPrinterColumns, like kubectl."""
    shown = run(crd_server, "get", "wg", "--cluster", "east", "-n", "shop", "-l", "color=red")
    assert shown.returncode == 0, shown.stderr
    assert [line.split()[:4] for line in shown.stdout.splitlines()] == [["NAME", "SIZE", "COLOR", "PHASE"],
                                                                       ["sprocket", "5", "red", "Ready"]]
    every = run(crd_server, "get", "widgets.example.com", "gizmo", "--cluster", "east", "-A")
    assert [line.split()[:2] for line in every.stdout.splitlines()] == [["NAMESPACE", "NAME"], ["shop", "gizmo"]]
    plain = run(crd_server, "get", "configmaps", "--cluster", "east", "-n", "web")  # no CRD: kubectl's NAME AGE
    assert plain.stdout.split()[:2] == ["NAME", "AGE"], (plain.stdout, plain.stderr)
    grouped = run(crd_server, "get", "deployments.apps", "--cluster", "east", "-n", "shop")  # a group, still no CRD
    assert grouped.returncode == 0 and grouped.stdout.split()[:2] == ["NAME", "READY"], grouped.stderr
    jobs = run(crd_server, "get", "cronjobs.batch", "--cluster", "east", "-A")
    assert jobs.returncode == 0 and "error" not in jobs.stderr, jobs.stderr

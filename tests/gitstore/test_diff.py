from __future__ import annotations

import yaml

from gitstore import Change, Store, field_diff, unified_diff

from .conftest import ALICE, API, DB_SECRET, DEPLOYMENT, SECRET, deployment


def _changes(old, new):
    return {(c.path, c.change): (c.old, c.new) for c in field_diff(old, new).changes}


def test_named_lists_match_by_name_not_position() -> None:
    new = deployment(image="nginx:1.26")
    containers = new["spec"]["template"]["spec"]["containers"]
    containers.reverse()  # order changes alone are not differences
    assert _changes(DEPLOYMENT, new) == {
        ("spec.template.spec.containers[name=web].image", "modified"): ("nginx:1.25", "nginx:1.26"),
    }


def test_added_deleted_items_and_fallback_keys() -> None:
    new = deployment()
    web = new["spec"]["template"]["spec"]["containers"][0]
    web["ports"] = [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}]
    web["env"].append({"name": "DEBUG", "value": "1"})
    del new["spec"]["template"]["spec"]["containers"][1]
    new["spec"]["template"]["spec"]["volumes"] = [{"name": "data"}]
    got = _changes(DEPLOYMENT, new)
    base = "spec.template.spec.containers[name=web]"
    assert got[(f"{base}.ports[containerPort=80].protocol", "added")] == (None, "TCP")
    assert got[(f"{base}.ports[containerPort=443]", "added")] == (None, {"containerPort": 443})
    assert got[(f"{base}.env[name=DEBUG]", "added")][1] == {"name": "DEBUG", "value": "1"}
    assert got[("spec.template.spec.containers[name=sidecar]", "deleted")][0]["image"] == "envoy:1.30"
    assert got[("spec.template.spec.volumes", "added")] == (None, [{"name": "data"}])
    summary = field_diff(DEPLOYMENT, new).summary
    assert summary == {"added": 4, "modified": 0, "deleted": 1}


def test_other_fallback_keys_and_positional_lists() -> None:
    old = {"spec": {"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a"]}],
                    "items": [{"key": "k1", "path": "p"}], "args": ["a", "b"],
                    "mounts": [{"mountPath": "/x", "readOnly": True}]}}
    new = {"spec": {"hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a", "b"]}],
                    "items": [{"key": "k1", "path": "q"}], "args": ["a", "c", "d"],
                    "mounts": [{"mountPath": "/x", "readOnly": False}]}}
    got = _changes(old, new)
    assert ("spec.hostAliases[ip=10.0.0.1].hostnames[1]", "added") in got
    assert ("spec.items[key=k1].path", "modified") in got
    assert got[("spec.args[1]", "modified")] == ("b", "c")
    assert ("spec.args[2]", "added") in got
    assert ("spec.mounts[mountPath=/x].readOnly", "modified") in got


def test_quoted_keys_and_whole_documents() -> None:
    old = {"metadata": {"annotations": {"app.kubernetes.io/name": "a"}}}
    new = {"metadata": {"annotations": {"app.kubernetes.io/name": "b"}}}
    assert _changes(old, new) == {
        ('metadata.annotations["app.kubernetes.io/name"]', "modified"): ("a", "b")}
    assert field_diff(None, {"a": 1}).summary == {"added": 1, "modified": 0, "deleted": 0}
    assert field_diff(old, old).changes == ()


def test_secret_values_are_redacted_in_field_diff() -> None:
    new = yaml.safe_load(yaml.safe_dump(SECRET))
    new["data"]["password"] = "bmV3LXBhc3N3b3Jk"
    new["metadata"]["labels"] = {"x": "y"}
    diff = field_diff(SECRET, new)
    by_path = {c.path: c for c in diff.changes}
    assert by_path["data.password"].redacted and by_path["data.password"].old is None \
        and by_path["data.password"].new is None
    assert by_path["metadata.labels"].new == {"x": "y"}
    assert "bmV3" not in repr(diff) and "c3Vw" not in repr(diff)


def test_unified_diff_text() -> None:
    text = unified_diff("a: 1\nb: 2\n", "a: 1\nb: 3\n", "old", "new")
    assert text.splitlines()[:2] == ["--- old", "+++ new"]
    assert "-b: 2" in text and "+b: 3" in text
    assert unified_diff("x\n", "x\n") == ""


def test_store_diff_between_versions_and_with_a_document(store: Store) -> None:
    store.commit([Change.put(API, DEPLOYMENT)], author=ALICE)
    store.commit([Change.put(API, deployment(replicas=5))], author=ALICE)
    d = store.diff(API, 1, 2)
    assert [(c.path, c.old, c.new) for c in d.fields.changes] == [("spec.replicas", 2, 5)]
    assert "-  replicas: 2" in d.unified and "+  replicas: 5" in d.unified
    assert store.diff(API, 1).fields.summary["modified"] == 1  # default: against the head
    live = deployment(replicas=5, image="nginx:9")
    d2 = store.diff(API, "main", document=live)
    assert [c.path for c in d2.fields.changes] == ["spec.template.spec.containers[name=web].image"]
    created = store.diff(API, 1, 1).fields.changes
    assert created == ()


def test_store_diff_of_secrets_never_shows_values(store: Store) -> None:
    store.commit([Change.put(DB_SECRET, SECRET)], author=ALICE)
    changed = yaml.safe_load(yaml.safe_dump(SECRET))
    changed["stringData"]["token"] = "another-plain-token-5678"
    store.commit([Change.put(DB_SECRET, changed)], author=ALICE)
    d = store.diff(DB_SECRET, 1, 2)
    assert [(c.path, c.redacted) for c in d.fields.changes] == [("stringData.token", True)]
    for secret in ("plain-token", "another-plain", "c3VwZXI", "ENC["):
        assert secret not in d.unified
    assert "+  token: <redacted-changed>" in d.unified
    assert "-  token: <redacted>" in d.unified  # the old side never shows a value either

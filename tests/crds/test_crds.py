"""The issue's "Done when", through a real gRPC channel against two kubesim clusters: the seed
CRD listed across clusters with a skew once one has a newer schema; explain of a nested field;
a custom object with a wrong type, a missing required field and an unknown field rejected
locally with all three paths (ValidateCustomObject and ApplyManifest), then fixed, applied and
versioned; a CRD update that removes a field in use reported with the objects it breaks;
printer columns in a list; bad input naming the field."""

from __future__ import annotations

import json
import re
import socket

import grpc
import pytest

from kubecommit.v1 import common_pb2, crd_pb2 as pb, crd_pb2_grpc, yaml_versions_pb2 as vpb
from kubesim.seed import WIDGET_CRD
from tests.crds.conftest import CRDS, WIDGETS, widget_crd
from tests.support.auth import make_token, with_token
from tests.support.clusters import register_cluster
from tests.support.status import details

WRONG = """apiVersion: example.com/v1
kind: Widget
metadata: {name: gadget, namespace: shop}
spec:
  color: 7
  shape: round
"""
FIXED = """apiVersion: example.com/v1
kind: Widget
metadata: {name: gadget, namespace: shop}
spec:
  color: green
  size: 4
"""


def test_seed_crd_across_clusters_then_skew_after_a_newer_schema(crds, versions) -> None:
    listed = crds.ListCustomResourceDefinitions(pb.ListCustomResourceDefinitionsRequest(
        parent="clusters/-", count_objects=True))
    widgets = {c.name: c for c in listed.custom_resource_definitions if c.name.endswith(WIDGETS)}
    assert set(widgets) == {f"clusters/{c}/{CRDS}/{WIDGETS}" for c in ("east", "west")}
    east = widgets[f"clusters/east/{CRDS}/{WIDGETS}"]
    assert (east.group, east.names.kind, east.scope) == ("example.com", "Widget", pb.CUSTOM_RESOURCE_SCOPE_NAMESPACED)
    assert east.established and east.names_accepted and east.conversion_strategy == "None"
    assert east.storage_version == "v1"
    assert [(v.name, v.served, v.storage, v.object_count) for v in east.versions] == \
        [("v1", True, True, 2), ("v1beta1", True, False, 2)]
    assert [c.json_path for c in east.versions[0].printer_columns] == \
        [".spec.size", ".spec.color", ".status.phase", ".metadata.creationTimestamp"]

    same = crds.CompareCustomResourceDefinitions(pb.CompareCustomResourceDefinitionsRequest(
        name=f"clusters/-/{CRDS}/{WIDGETS}"))
    assert not same.skewed and same.reference_cluster == "clusters/east"

    # west gets a newer schema, applied (and committed) like any other change
    newer = widget_crd(lambda spec: spec["properties"].update(
        shape={"type": "string", "enum": ["round", "square"]}) or spec["properties"]["size"].update(maximum=20))
    applied = versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/west", manifest=newer,
                                                              message="widgets: shape, bigger sizes"))
    assert applied.commit and applied.resources[0].version == 1  # first version in the store

    skew = crds.CompareCustomResourceDefinitions(pb.CompareCustomResourceDefinitionsRequest(
        name=f"clusters/-/{CRDS}/{WIDGETS}"))
    assert skew.skewed
    west = next(c for c in skew.clusters if c.cluster == "clusters/west")
    assert west.schema_digests["v1"] != skew.clusters[0].schema_digests["v1"]
    found = {(d.version, d.field, d.change_type, d.attribute) for d in west.differences}
    assert ("v1", "spec.shape", common_pb2.CHANGE_TYPE_ADDED, "") in found
    assert ("v1", "spec.size", common_pb2.CHANGE_TYPE_MODIFIED, "maximum") in found
    size = next(d for d in west.differences if d.field == "spec.size" and d.version == "v1")
    assert (size.reference_value.number_value, size.value.number_value) == (10, 20)


def test_explain_a_nested_field_and_an_unknown_one(crds) -> None:
    name = f"clusters/east/{CRDS}/{WIDGETS}/schema"
    size = crds.GetCustomResourceSchema(pb.GetCustomResourceSchemaRequest(name=name, field_path="spec.size"))
    assert size.version == "v1" and size.field_path == "spec.size"
    field = size.fields[0]
    assert (field.path, field.type, field.required, field.minimum, field.maximum, field.depth) == \
        ("spec.size", "integer", True, 1, 10, 0)
    assert field.description == "How big the widget is."
    assert size.open_api_v3_schema["type"] == "integer"

    spec = crds.GetCustomResourceSchema(pb.GetCustomResourceSchemaRequest(name=name, field_path="spec"))
    color = next(f for f in spec.fields if f.path == "spec.color")
    assert [v.string_value for v in color.enum_values] == ["blue", "red", "green"]
    assert color.default_value.string_value == "blue" and not color.required
    assert next(f for f in spec.fields if f.path == "spec.labels").preserve_unknown_fields

    whole = crds.GetCustomResourceSchema(pb.GetCustomResourceSchemaRequest(name=name, version="v1beta1"))
    assert {"spec", "spec.size", "status.phase"} <= {f.path for f in whole.fields}

    with pytest.raises(grpc.RpcError) as caught:
        crds.GetCustomResourceSchema(pb.GetCustomResourceSchemaRequest(name=name, field_path="spec.nope"))
    got = details(caught.value)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT and "nope" in got.violations["field_path"]


def test_wrong_object_rejected_locally_with_three_paths_then_fixed_applied_and_versioned(crds, versions) -> None:
    checked = crds.ValidateCustomObject(pb.ValidateCustomObjectRequest(
        parent="clusters/east", custom_object=common_pb2.KubernetesObject(yaml=WRONG)))
    assert not checked.valid and checked.custom_resource_definition == WIDGETS and checked.version == "v1"
    assert {(v.field, v.reason) for v in checked.violations} == {
        ("spec.color", "FieldValueTypeInvalid"), ("spec.size", "FieldValueRequired"),
        ("spec.shape", "FieldValueUnknown")}

    with pytest.raises(grpc.RpcError) as caught:  # the apply path: the same check, before the cluster
        versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/east", manifest=WRONG, message="gadget"))
    got = details(caught.value)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT and got.reason == "SCHEMA_VIOLATION"
    assert set(got.violations) == {"manifest[0].spec.color", "manifest[0].spec.size", "manifest[0].spec.shape"}

    fixed = crds.ValidateCustomObject(pb.ValidateCustomObjectRequest(
        parent="clusters/east", manifest=FIXED, validate_in_cluster=True))
    assert fixed.valid and fixed.objects[0].cluster_accepted
    assert fixed.objects[0].name == f"clusters/east/namespaces/shop/{WIDGETS}/gadget"
    applied = versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/east", manifest=FIXED,
                                                              message="gadget, size 4"))
    assert applied.commit and [(r.action, r.version) for r in applied.resources] == [("created", 1)]
    history = versions.ListVersions(vpb.ListVersionsRequest(parent=f"clusters/east/namespaces/shop/{WIDGETS}/gadget"))
    assert [v.message for v in history.versions] == ["gadget, size 4"]


def test_crd_update_removing_a_field_in_use_names_the_objects_it_breaks(crds) -> None:
    without_color = widget_crd(lambda spec: spec["properties"].pop("color"))
    check = crds.CheckCustomResourceDefinitionUpdate(pb.CheckCustomResourceDefinitionUpdateRequest(
        parent="clusters/west", manifest=without_color))
    assert not check.safe and not check.new_definition and check.checked_objects == 2
    assert any(d.field == "spec.color" and d.change_type == common_pb2.CHANGE_TYPE_DELETED for d in check.differences)
    broken = {(b.name, b.version) for b in check.broken_objects}
    assert {(f"clusters/west/namespaces/shop/{WIDGETS}/{n}", "v1") for n in ("gizmo", "sprocket")} <= broken
    assert all({v.field for v in b.violations} == {"spec.color"} for b in check.broken_objects)

    def require_shape(spec: dict) -> None:
        spec["properties"]["shape"] = {"type": "string"}
        spec["required"] = ["size", "shape"]

    required = crds.CheckCustomResourceDefinitionUpdate(pb.CheckCustomResourceDefinitionUpdateRequest(
        parent="clusters/west", manifest=widget_crd(require_shape)))
    assert {(b.name.rpartition("/")[2], v.field, v.reason) for b in required.broken_objects for v in b.violations
            if b.version == "v1"} == {("gizmo", "spec.shape", "FieldValueRequired"),
                                      ("sprocket", "spec.shape", "FieldValueRequired")}

    harmless = widget_crd(lambda spec: spec["properties"].update(note={"type": "string"}))
    assert crds.CheckCustomResourceDefinitionUpdate(pb.CheckCustomResourceDefinitionUpdateRequest(
        parent="clusters/west", manifest=harmless)).safe


def test_rows_show_printer_columns_filtered_by_selectors(crds) -> None:
    rows = crds.ListCustomObjectRows(pb.ListCustomObjectRowsRequest(
        parent=f"clusters/east/{CRDS}/{WIDGETS}", namespace="shop", label_selector="color=red"))
    assert [c.name for c in rows.columns] == ["Name", "Size", "Color", "Phase", "Age"]
    assert [r.cells[:4] for r in rows.rows] == [["sprocket", "5", "red", "Ready"]]
    assert rows.rows[0].name == f"clusters/east/namespaces/shop/{WIDGETS}/sprocket" and rows.rows[0].etag
    by_name = crds.ListCustomObjectRows(pb.ListCustomObjectRowsRequest(
        parent=f"clusters/east/{CRDS}/{WIDGETS}", field_selector="metadata.name=gizmo"))
    assert [r.object_name for r in by_name.rows] == ["gizmo"]
    paged = crds.ListCustomObjectRows(pb.ListCustomObjectRowsRequest(parent=f"clusters/west/{CRDS}/{WIDGETS}",
                                                                     page_size=1))
    rest = crds.ListCustomObjectRows(pb.ListCustomObjectRowsRequest(parent=f"clusters/west/{CRDS}/{WIDGETS}",
                                                                    page_size=1, page_token=paged.next_page_token))
    assert len(paged.rows) == 1 and len(rest.rows) == 1 and paged.rows[0].name != rest.rows[0].name


@pytest.mark.parametrize(("call", "request_", "code", "field"), [
    ("GetCustomResourceDefinition", pb.GetCustomResourceDefinitionRequest(name=f"clusters/east/{CRDS}/widgets"),
     grpc.StatusCode.INVALID_ARGUMENT, "name"),
    ("GetCustomResourceSchema", pb.GetCustomResourceSchemaRequest(name=f"clusters/east/{CRDS}/{WIDGETS}/schema",
                                                                  version="v9"),
     grpc.StatusCode.INVALID_ARGUMENT, "version"),
    ("ValidateCustomObject", pb.ValidateCustomObjectRequest(
        parent="clusters/east", custom_object=common_pb2.KubernetesObject(yaml=FIXED.replace("/v1", "/v9"))),
     grpc.StatusCode.INVALID_ARGUMENT, "custom_object.apiVersion"),
    ("CheckCustomResourceDefinitionUpdate", pb.CheckCustomResourceDefinitionUpdateRequest(
        parent="clusters/east", manifest=widget_crd(lambda spec: spec.pop("type"))),
     grpc.StatusCode.FAILED_PRECONDITION, "spec"),
])
def test_bad_input_names_the_field(crds, call, request_, code, field) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        getattr(crds, call)(request_)
    got = details(caught.value)
    assert got.code == code and field in got.violations, (got.message, got.violations)


def test_objects_of_a_crd_not_established_are_refused(crds, sims) -> None:
    cluster = sims["east"].cluster
    crd = json.loads(json.dumps(WIDGET_CRD).replace("widget", "gadget").replace("Widget", "Gadget"))
    cluster.put_object(crd, "apiextensions.k8s.io")
    rt = cluster.kind_type("CustomResourceDefinition", "apiextensions.k8s.io")
    stored = cluster.get(rt, "", "gadgets.example.com")
    stored["status"]["conditions"] = [{"type": "Established", "status": "False", "reason": "Installing"}]
    cluster.save(rt, stored)  # what a real API server shows while it installs a CRD
    listed = crds.GetCustomResourceDefinition(pb.GetCustomResourceDefinitionRequest(
        name=f"clusters/east/{CRDS}/gadgets.example.com"))
    assert not listed.established and listed.conditions["Established"] == "False"
    with pytest.raises(grpc.RpcError) as caught:
        crds.ValidateCustomObject(pb.ValidateCustomObjectRequest(parent="clusters/east", manifest=FIXED.replace(
            "Widget", "Gadget")))
    got = details(caught.value)
    assert got.code == grpc.StatusCode.FAILED_PRECONDITION and got.reason == "CRD_NOT_ESTABLISHED"
    assert "manifest[0].kind" in got.violations


def test_a_caller_scoped_to_one_cluster_sees_only_its_crds(crd_server) -> None:
    token = make_token(crd_server, "east-viewer", "viewer", clusters=["east"])
    with grpc.insecure_channel(crd_server.address) as raw:
        scoped = crd_pb2_grpc.CrdServiceStub(with_token(raw, token))
        listed = scoped.ListCustomResourceDefinitions(pb.ListCustomResourceDefinitionsRequest(parent="clusters/-"))
        assert {c.name.split("/")[1] for c in listed.custom_resource_definitions} == {"east"}
        compared = scoped.CompareCustomResourceDefinitions(pb.CompareCustomResourceDefinitionsRequest(
            name=f"clusters/-/{CRDS}/{WIDGETS}"))
        assert [c.cluster for c in compared.clusters] == ["clusters/east"]
        with pytest.raises(grpc.RpcError) as caught:
            scoped.GetCustomResourceDefinition(pb.GetCustomResourceDefinitionRequest(
                name=f"clusters/west/{CRDS}/{WIDGETS}"))
        assert caught.value.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)


def test_crds_page_across_clusters(crds) -> None:
    seen, token = [], ""
    while True:
        page = crds.ListCustomResourceDefinitions(pb.ListCustomResourceDefinitionsRequest(
            parent="clusters/-", page_size=1, page_token=token))
        assert len(page.custom_resource_definitions) <= 1
        seen.extend(c.name for c in page.custom_resource_definitions)
        token = page.next_page_token
        if not token:
            break
    everything = crds.ListCustomResourceDefinitions(pb.ListCustomResourceDefinitionsRequest(parent="clusters/-"))
    assert seen == [c.name for c in everything.custom_resource_definitions] and len(seen) >= 2
    with pytest.raises(grpc.RpcError) as caught:  # a token is bound to its query
        crds.ListCustomResourceDefinitions(pb.ListCustomResourceDefinitionsRequest(
            parent="clusters/east", page_size=1, page_token=crds.ListCustomResourceDefinitions(
                pb.ListCustomResourceDefinitionsRequest(parent="clusters/-", page_size=1)).next_page_token))
    assert "page_token" in details(caught.value).violations


def test_an_unreachable_cluster_is_reported_not_fatal(crds, crd_server, sims) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{port}", sims["east"].kubeconfig_text("gone"))
    register_cluster(crd_server, "gone", kubeconfig)
    try:
        listed = crds.ListCustomResourceDefinitions(pb.ListCustomResourceDefinitionsRequest(parent="clusters/-"))
        assert "clusters/gone" in listed.unreachable
        assert {c.name.split("/")[1] for c in listed.custom_resource_definitions} == {"east", "west"}
        compared = crds.CompareCustomResourceDefinitions(pb.CompareCustomResourceDefinitionsRequest(
            name=f"clusters/-/{CRDS}/{WIDGETS}"))
        assert "clusters/gone" in compared.unreachable
    finally:
        crd_server.run(crd_server.server.runtime.clusters.delete("gone"))


def test_a_caller_scoped_to_a_namespace_validates_only_objects_there(crd_server) -> None:
    token = make_token(crd_server, "shop-viewer", "viewer", clusters=["east"], namespaces=["web"])
    with grpc.insecure_channel(crd_server.address) as raw:
        scoped = crd_pb2_grpc.CrdServiceStub(with_token(raw, token))
        with pytest.raises(grpc.RpcError) as caught:  # FIXED names namespace shop
            scoped.ValidateCustomObject(pb.ValidateCustomObjectRequest(parent="clusters/east", manifest=FIXED))
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
        ok = scoped.ValidateCustomObject(pb.ValidateCustomObjectRequest(
            parent="clusters/east", manifest=FIXED.replace("namespace: shop", "namespace: web")))
        assert ok.valid
        rows = scoped.ListCustomObjectRows(pb.ListCustomObjectRowsRequest(parent=f"clusters/east/{CRDS}/{WIDGETS}"))
        assert rows.rows == []  # the widgets live in shop


def test_a_changed_crd_is_validated_with_its_new_schema(crds, versions) -> None:
    """The compiled validator is cached per CRD version and replaced when the CRD changes."""
    with_note = FIXED.replace("size: 4", "size: 4\n  note: hello").replace("gadget", "noted")

    def violations() -> set[str]:
        reply = crds.ValidateCustomObject(pb.ValidateCustomObjectRequest(parent="clusters/west", manifest=with_note))
        return {v.field for v in reply.violations}

    assert violations() == {"spec.note"}
    assert violations() == {"spec.note"}  # from the cache
    versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/west", message="widgets: note", manifest=widget_crd(
        lambda spec: spec["properties"].update(note={"type": "string"}, shape={"type": "string"}))))
    assert violations() == set()


def test_a_non_structural_schema_is_named_by_validation_and_left_to_the_cluster_by_apply(crds, versions, sims) -> None:
    crd = json.loads(json.dumps(WIDGET_CRD).replace("widget", "loose").replace("Widget", "Loose"))
    del crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["labels"]["type"]
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["labels"].pop(
        "x-kubernetes-preserve-unknown-fields")
    sims["west"].cluster.put_object(crd, "apiextensions.k8s.io")  # kubesim, unlike an API server, takes it
    loose = FIXED.replace("Widget", "Loose").replace("gadget", "lax")
    with pytest.raises(grpc.RpcError) as caught:
        crds.ValidateCustomObject(pb.ValidateCustomObjectRequest(parent="clusters/west", manifest=loose))
    got = details(caught.value)
    assert got.code == grpc.StatusCode.FAILED_PRECONDITION and got.reason == "NON_STRUCTURAL_SCHEMA"
    assert "spec.labels" in got.violations
    applied = versions.ApplyManifest(vpb.ApplyManifestRequest(cluster="clusters/west", manifest=loose, message="lax"))
    assert applied.commit  # the cluster's dry run decided

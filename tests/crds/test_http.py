"""CrdService over HTTP/JSON through Envoy's transcoder: the typed `/v1/crds/` routes, the
`:compare` and `:checkUpdate` custom methods, and ValidateCustomObject's body."""

from __future__ import annotations

from pathlib import Path

from server.embedded import EmbeddedServer
from tests.crds.conftest import CRDS, WIDGETS
from tests.crds.test_crds import WRONG
from tests.server.test_http_json import _call, _envoy
from tests.support.auth import admin_token


def test_crd_routes_transcode(crd_server: EmbeddedServer, tmp_path: Path) -> None:
    headers = {"authorization": f"Bearer {admin_token(crd_server.settings.data_dir)}"}
    with _envoy(crd_server.address, tmp_path) as gateway:
        status, listed = _call(f"{gateway}/v1/crds/clusters/-/{CRDS}?countObjects=true", headers=headers)
        assert status == 200, listed
        assert {c["name"] for c in listed["customResourceDefinitions"]} >= {
            f"clusters/east/{CRDS}/{WIDGETS}", f"clusters/west/{CRDS}/{WIDGETS}"}
        status, schema = _call(f"{gateway}/v1/crds/clusters/east/{CRDS}/{WIDGETS}/schema?fieldPath=spec.size",
                               headers=headers)
        assert status == 200 and schema["fields"][0]["maximum"] == 10, schema
        status, compared = _call(f"{gateway}/v1/crds/clusters/-/{CRDS}/{WIDGETS}:compare", headers=headers)
        assert status == 200 and compared["referenceCluster"] == "clusters/east", compared
        status, rows = _call(f"{gateway}/v1/crds/clusters/east/{CRDS}/{WIDGETS}/rows?labelSelector=color%3Dblue",
                             headers=headers)
        assert status == 200 and [r["cells"][0] for r in rows["rows"]] == ["gizmo"], rows
        status, checked = _call(f"{gateway}/v1/clusters/east:validateCustomObject", "POST",
                                {"manifest": WRONG}, headers)
        assert status == 200 and checked["valid"] is False and len(checked["violations"]) == 3, checked
        status, refused = _call(f"{gateway}/v1/crds/clusters/east/{CRDS}/widgets/schema", headers=headers)
        assert status == 400 and refused["details"], refused

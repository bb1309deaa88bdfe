"""Manifests that bring their own foundations: a Namespace and the objects inside it, in one
manifest and one commit, the way `kubectl apply -f` takes them."""

from __future__ import annotations

import uuid

from kubecommit.v1 import yaml_versions_pb2 as pb
from tests.versions.conftest import CLUSTER, deployment


def test_namespace_and_its_objects_in_one_manifest(versions, sim) -> None:
    namespace = f"new-{uuid.uuid4().hex[:8]}"
    manifest = deployment("api", namespace) + f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n"

    preview = versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=manifest, dry_run=True))
    assert [r.action for r in preview.resources] == ["created", "created"] and not preview.commit
    assert sim.call(lambda c: c.store.peek(c.kind_type("Namespace").key, "", namespace)) is None

    applied = versions.ApplyManifest(pb.ApplyManifestRequest(cluster=CLUSTER, manifest=manifest, message="new app"))
    assert applied.commit and [r.action for r in applied.resources] == ["created", "created"]
    deployments = sim.call(lambda c: c.store.peek(c.kind_type("Deployment", "apps").key, namespace, "api"))
    assert deployments is not None

"""Fixtures for the kubesim suite; the reusable ones live in kubesim.testing."""

from __future__ import annotations

from kubesim.testing import kube_api_client, kubectl, kubesim, kubesim_kubeconfig, kubesim_server  # noqa: F401

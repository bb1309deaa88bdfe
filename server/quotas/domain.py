"""The quotas domain's parts, built once by the composition root (server/services/quotas.py
until the runtime wires every domain)."""

from __future__ import annotations

from dataclasses import dataclass

from server.quotas.check import ManifestCheck
from server.quotas.objects import QuotaObjects
from server.quotas.policies import Policies
from server.quotas.usage import QuotaUsage


@dataclass
class Quotas:
    objects: QuotaObjects
    usage: QuotaUsage
    policies: Policies
    manifests: ManifestCheck

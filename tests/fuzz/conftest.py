"""Hypothesis settings for the fuzz set: bounded so the whole folder runs in well under 30 s,
reproducible (derandomized: CI sees the same examples), no example database on disk."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile("kubecommit", max_examples=200, deadline=1000, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kubecommit")

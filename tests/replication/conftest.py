"""Fixtures shared with other suites: the webhook receiver alerts are delivered to."""

from tests.jobs.conftest import receiver  # noqa: F401 (a fixture)

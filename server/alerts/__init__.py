"""Alerts raised by the jobs (quota, health, drift, backup failure), their rules and the
notification channels that deliver them. See docs/jobs.md."""

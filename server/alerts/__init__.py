"""Alerts raised by the jobs (quota, health, drift, backup failure) and by the store's git mirror
(its remote out of reach), their rules and the notification channels that deliver them. See
docs/jobs.md."""

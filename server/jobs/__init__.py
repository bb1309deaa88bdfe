"""Work the server does by itself: the job runner (runner.py) and the jobs it runs (drift
recording, scheduled backups, samplers, health watch). See docs/jobs.md."""

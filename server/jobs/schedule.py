"""When a job runs: a cron expression (parsed by croniter) or a fixed interval, and the pure rule
for missed runs: a job due while the server was down runs once, not once per missed slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from croniter import croniter

from server.errors import InvalidArgument


@dataclass(frozen=True)
class Schedule:
    # Exactly one of the two: a five-field cron expression (UTC) or an interval in seconds.
    cron: str = ""
    interval: float = 0.0

    @classmethod
    def parse(cls, text: str, field: str) -> "Schedule":
        """`every 5m`, `every 30s`, `every 2h` or a cron expression such as `0 2 * * *`."""
        text = text.strip()
        if text.startswith("every "):
            amount = text.removeprefix("every ").strip()
            units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
            try:
                seconds = float(amount[:-1]) * units[amount[-1]] if amount[-1] in units else float(amount)
            except (ValueError, IndexError, KeyError):
                seconds = 0
            if seconds <= 0:
                raise InvalidArgument.field(field, f"{text!r}: an interval is `every <number>[s|m|h|d]`")
            return cls(interval=seconds)
        if not croniter.is_valid(text) or len(text.split()) != 5:
            raise InvalidArgument.field(field, f"{text!r} is neither a five-field cron expression nor `every <n>[smhd]`")
        return cls(cron=text)

    def __str__(self) -> str:
        return self.cron or f"every {self.interval:g}s"

    def next_after(self, when: datetime) -> datetime:
        """The first run strictly after `when` (UTC)."""
        if self.interval:
            return when + timedelta(seconds=self.interval)
        return croniter(self.cron, when.astimezone(timezone.utc)).get_next(datetime)

    def first_due(self, created: datetime) -> datetime:
        """When a job never run before is due: an interval job at once (its first sample or drift
        check should not wait a whole interval), a cron job at its next slot."""
        return created if self.interval else self.next_after(created)


def due_time(schedule: Schedule, last_run: datetime | None, created: datetime) -> datetime:
    """When the job is next due. Computed from the last run only, so however many slots passed
    while the server was down, the job is due once (now), and the next slot follows that run."""
    if last_run is None:
        return schedule.first_due(created)
    return schedule.next_after(last_run)

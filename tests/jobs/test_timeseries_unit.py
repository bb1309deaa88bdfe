"""Downsampling and range reads of the time series (on SQLite and PostgreSQL), and the pure rules of backup retention and
webhook signing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gitstore import BackupManifest
from server.alerts.notify import sign
from server.errors import InvalidArgument
from server.jobs.timeseries import TimeSeries
from server.jobs.work import BackupScheduler, field_manager

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture()
def series(tmp_path: Path, database_url: str) -> TimeSeries:
    ts = TimeSeries(tmp_path, retention_days=30, database_url=database_url)
    yield ts
    ts.close()


def _fill(series: TimeSeries, start: datetime, minutes: int, value=lambda i: float(i)) -> None:
    for i in range(minutes):
        series.write([("s", value(i)), ("other", 1.0)], start + timedelta(minutes=i))


def test_raw_reads_average_per_step(series: TimeSeries) -> None:
    _fill(series, NOW - timedelta(hours=1), 60)
    raw = series.query("s", NOW - timedelta(hours=1), NOW, 0, now=NOW)
    assert raw.resolution == "raw" and len(raw.points) == 60 and raw.points[5].value == 5.0
    ten = series.query("s", NOW - timedelta(hours=1), NOW, 600, now=NOW)
    assert [p.value for p in ten.points] == [4.5, 14.5, 24.5, 34.5, 44.5, 54.5]
    assert series.query("missing", NOW - timedelta(hours=1), NOW, 0, now=NOW).points == []
    with pytest.raises(InvalidArgument):
        series.query("s", NOW, NOW - timedelta(hours=1), 0, now=NOW)


def test_downsampling_keeps_averages_and_drops_old_levels(series: TimeSeries) -> None:
    start = NOW - timedelta(days=3)
    _fill(series, start, 120, value=lambda i: 10.0 if i < 60 else 20.0)
    series.downsample(NOW)
    # Raw samples older than a day are gone; the 5-minute and hourly levels hold their averages.
    assert series.query("s", start, start + timedelta(hours=2), 0, now=start + timedelta(hours=2)).points == []
    five = series.query("s", start, start + timedelta(hours=2), 0, now=NOW)
    assert five.resolution == "m5" and five.step == 300 and len(five.points) == 24
    assert {p.value for p in five.points} == {10.0, 20.0}
    hourly = series.query("s", start, start + timedelta(hours=2), 0, now=NOW + timedelta(days=5))
    assert hourly.resolution == "h1" and [p.value for p in hourly.points] == [10.0, 20.0]
    # A month later only what the retention bound keeps is left.
    series.downsample(NOW + timedelta(days=31))
    assert series.query("s", start, start + timedelta(hours=2), 0, now=NOW + timedelta(days=31)).points == []


def test_downsampling_corrects_a_bucket_still_filling(series: TimeSeries) -> None:
    bucket = datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)
    series.write([("s", 1.0)], bucket)
    series.downsample(bucket + timedelta(minutes=1))
    series.write([("s", 3.0)], bucket + timedelta(minutes=2))
    series.downsample(bucket + timedelta(minutes=3))
    level = series.query("s", bucket - timedelta(days=2), bucket + timedelta(minutes=5), 300,
                         now=bucket + timedelta(days=2) - timedelta(minutes=1))
    assert [p.value for p in level.points] == [2.0]


def _manifest(backup_id: str, created: datetime, base: str | None = None) -> BackupManifest:
    return BackupManifest(backup_id, created, {}, (), base, "", 0, 0)


def test_retention_never_drops_the_base_of_a_kept_incremental(tmp_path: Path) -> None:
    scheduler = BackupScheduler(None, None, None, schedule=None, mode="incremental", full_every=3,  # type: ignore[arg-type]
                                keep_count=2, keep_days=7)
    chain = [_manifest("f1", NOW - timedelta(days=10)), _manifest("i1", NOW - timedelta(days=9), "f1"),
             _manifest("f2", NOW - timedelta(days=3)), _manifest("i2", NOW - timedelta(days=2), "f2"),
             _manifest("i3", NOW - timedelta(days=1), "i2")]
    # Newest two are i3 and i2; i2's base f2 stays; f1 and i1 go, dependant first.
    assert scheduler.expired(chain, NOW) == ["i1", "f1"]
    # By age: i2 is past 7 days but i3 (kept) builds on it, and i2 on f2: the chain stays.
    assert scheduler.expired(chain, NOW + timedelta(days=5, hours=12)) == ["i1", "f1"]
    assert scheduler.expired(chain, NOW + timedelta(days=30)) == ["i3", "i2", "f2", "i1", "f1"]


def test_signature_and_field_manager() -> None:
    body, secret = b'{"status":"firing"}', b"s3cret"
    expected = hmac.new(secret, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(secret, "1700000000", body) == f"sha256={expected}"
    managed = {"metadata": {"managedFields": [
        {"manager": "kubecommit", "operation": "Apply", "time": "2026-11-30T10:00:00Z"},
        {"manager": "kube-controller", "operation": "Update", "time": "2026-11-30T12:00:00Z", "subresource": "status"},
        {"manager": "kubectl-edit", "operation": "Update", "time": "2026-11-30T11:00:00Z"}]}}
    assert field_manager(managed) == "kubectl-edit"
    assert field_manager({"metadata": {}}) == ""

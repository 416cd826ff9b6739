"""manage.py purge_expired and the retention registry: exactly what is due goes, per kind."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from common import retention
from common.management.commands import purge_expired
from common.retention import (
    delete_in_batches,
    retention_cutoff,
    retention_purge,
    retention_purgers,
)
from common.tasks import purge_expired_task
from telemetry.models import TelemetryEvent
from tests.factories import TelemetryEventFactory

pytestmark = pytest.mark.django_db


def events_aged(**ages: timedelta) -> dict[str, int]:
    """Create one event per name, `age` old; return their primary keys by name."""
    now = timezone.now()
    return {name: TelemetryEventFactory(created_at=now - age).pk for name, age in ages.items()}


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out, stderr=out)
    return out.getvalue()


def remaining() -> set[int]:
    return set(TelemetryEvent.objects.values_list("pk", flat=True))


def test_purge_expired__deletes_exactly_the_telemetry_past_retention(settings):
    settings.TELEMETRY_RETENTION_DAYS = 30
    ids = events_aged(
        long_gone=timedelta(days=400),
        just_expired=timedelta(days=30, minutes=1),
        just_kept=timedelta(days=29, hours=23, minutes=59),
        fresh=timedelta(minutes=5),
    )
    output = purge()
    assert remaining() == {ids["just_kept"], ids["fresh"]}
    assert "telemetry events: deleted 2" in output
    assert "Total deleted: 2" in output
    assert "telemetry events: deleted 0" in purge()


def test_purge_expired__follows_the_retention_setting(settings):
    settings.TELEMETRY_RETENTION_DAYS = 7
    ids = events_aged(eight_days=timedelta(days=8), six_days=timedelta(days=6))
    purge()
    assert remaining() == {ids["six_days"]}


def test_purge_expired__dry_run_only_counts(settings):
    settings.TELEMETRY_RETENTION_DAYS = 30
    events_aged(a=timedelta(days=31), b=timedelta(days=60), c=timedelta(days=1))
    output = purge("--dry-run")
    assert "telemetry events: would delete 2" in output
    assert "Total would delete: 2" in output
    assert len(remaining()) == 3


def test_purge_expired__small_batches_delete_the_same_and_print_progress(settings, monkeypatch):
    settings.TELEMETRY_RETENTION_DAYS = 30
    monkeypatch.setattr(purge_expired, "PROGRESS_INTERVAL_SECONDS", 0)
    old = timezone.now() - timedelta(days=45)
    TelemetryEventFactory.create_batch(7, created_at=old)
    kept = TelemetryEventFactory(created_at=timezone.now())
    output = purge("--batch-size", "3")
    assert remaining() == {kept.pk}
    progress = [line for line in output.splitlines() if "deleted so far" in line]
    assert [line.split(":")[1].split()[0] for line in progress] == ["3", "6", "7"]
    assert "telemetry events: deleted 7" in output


def test_purge_expired__a_failing_kind_does_not_stop_the_others(settings, monkeypatch):
    settings.TELEMETRY_RETENTION_DAYS = 30
    ids = events_aged(old=timedelta(days=31), new=timedelta(days=1))

    def broken(**options):
        raise RuntimeError("lock timeout")

    monkeypatch.setattr(retention, "_purgers", {"broken kind": broken, **retention._purgers})
    out = io.StringIO()
    with pytest.raises(CommandError, match="Purging failed for: broken kind") as raised:
        call_command("purge_expired", stdout=out, stderr=out)
    assert raised.value.returncode == 1
    assert "broken kind: failed" in out.getvalue() and "lock timeout" in out.getvalue()
    assert remaining() == {ids["new"]}


def test_purge_expired__batch_size_below_one_is_misuse():
    with pytest.raises(CommandError, match="at least 1") as raised:
        purge("--batch-size", "0")
    assert raised.value.returncode == 2


def test_retention_registry__telemetry_is_registered_by_its_app():
    assert "telemetry events" in retention_purgers()


def test_delete_in_batches__reports_running_totals_per_batch():
    TelemetryEventFactory.create_batch(7, type="action")
    TelemetryEventFactory.create_batch(2, type="page_view")
    seen = []
    deleted = delete_in_batches(
        TelemetryEvent.objects.filter(type="action"), batch_size=3, progress=seen.append
    )
    assert deleted == 7
    assert seen == [3, 6, 7]
    assert TelemetryEvent.objects.filter(type="page_view").count() == 2


def test_delete_in_batches__rests_between_batches_in_proportion_to_their_time(
    settings, monkeypatch
):
    settings.RETENTION = {"BATCH_PAUSE_RATIO": 2.0}
    pauses = []
    monkeypatch.setattr(retention.time, "sleep", pauses.append)
    ticks = iter(range(0, 1000, 3))
    monkeypatch.setattr(retention.time, "monotonic", lambda: next(ticks))
    TelemetryEventFactory.create_batch(7)
    deleted = delete_in_batches(TelemetryEvent.objects.all(), batch_size=3)
    assert deleted == 7
    assert TelemetryEvent.objects.count() == 0
    # Each batch "took" 3 s: 6 s of rest after each full batch, none after the last.
    assert pauses == [6.0, 6.0]


def test_delete_in_batches__does_not_rest_with_a_zero_ratio(settings, monkeypatch):
    settings.RETENTION = {"BATCH_PAUSE_RATIO": 0}
    pauses = []
    monkeypatch.setattr(retention.time, "sleep", pauses.append)
    TelemetryEventFactory.create_batch(5)
    assert delete_in_batches(TelemetryEvent.objects.all(), batch_size=2) == 5
    assert pauses == []


def test_purge_expired_task__runs_the_purge_and_is_scheduled_daily(settings):
    settings.TELEMETRY_RETENTION_DAYS = 30
    ids = events_aged(old=timedelta(days=31), new=timedelta(days=1))
    purge_expired_task()
    assert remaining() == {ids["new"]}
    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired-daily"]
    assert schedule["task"] == "common.purge_expired"
    once_a_day = schedule["schedule"]
    assert (len(once_a_day.hour), len(once_a_day.minute), len(once_a_day.day_of_week)) == (1, 1, 7)


def test_retention_purge__counts_with_dry_run_and_deletes_without():
    now = timezone.now()
    old = TelemetryEventFactory(created_at=now - timedelta(days=2)).pk
    kept = TelemetryEventFactory(created_at=now).pk
    expired = TelemetryEvent.objects.filter(created_at__lt=retention_cutoff(days=1))

    assert retention_purge(expired, dry_run=True, batch_size=10) == 1
    assert set(TelemetryEvent.objects.values_list("pk", flat=True)) == {old, kept}
    assert retention_purge(expired, dry_run=False, batch_size=10) == 1
    assert list(TelemetryEvent.objects.values_list("pk", flat=True)) == [kept]

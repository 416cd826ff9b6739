"""The hourly roll-up: the histogram's error bound, idempotence, late events, command and task."""

import random
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from telemetry.aggregation import floor_hour, rollup_watermark, telemetry_rollup
from telemetry.models import (
    TelemetryAggregate,
    TelemetryDailyAggregate,
    TelemetryDailyDurationAggregate,
    TelemetryDailySketch,
    TelemetryDailyUnique,
    TelemetryDurationAggregate,
    TelemetryEvent,
    TelemetryRollupState,
)
from telemetry.sketches import (
    RELATIVE_ERROR,
    SKETCH_REGISTERS,
    ZERO_BUCKET,
    bucket_index,
    bucket_value,
    histogram_merge,
    histogram_quantiles,
    sketch_add,
    sketch_estimate,
    sketch_merge,
    value_hash,
)
from telemetry.sql import db_dialect
from telemetry.tasks import telemetry_rollup_task
from tests.factories import TelemetryEventFactory
from tests.telemetry.factories import exact_percentile, generate_events


def snapshot() -> dict:
    """Return every roll-up row without its primary key, to compare two states."""
    return {
        "aggregates": sorted(
            TelemetryAggregate.objects.values_list(
                "hour", "type", "page", "device_type", "count", "duration_count", "duration_sum"
            )
        ),
        "durations": sorted(
            (hour, type_, count, total, maximum, sorted(histogram.items()))
            for hour, type_, count, total, maximum, histogram in (
                TelemetryDurationAggregate.objects.values_list(
                    "hour", "type", "count", "total", "maximum", "histogram"
                )
            )
        ),
        "daily": sorted(
            TelemetryDailyAggregate.objects.values_list(
                "day", "type", "page", "device_type", "count", "duration_count", "duration_sum"
            )
        ),
        "dailyDurations": sorted(
            (day, type_, count, total, maximum, sorted(histogram.items()))
            for day, type_, count, total, maximum, histogram in (
                TelemetryDailyDurationAggregate.objects.values_list(
                    "day", "type", "count", "total", "maximum", "histogram"
                )
            )
        ),
        "uniques": sorted(
            TelemetryDailyUnique.objects.values_list("day", "type", "kind", "value_hash")
        ),
        "sketches": sorted(
            (kind, type_, day, count, bytes(registers))
            for kind, type_, day, count, registers in TelemetryDailySketch.objects.values_list(
                "kind", "type", "day", "distinct_count", "registers"
            )
        ),
    }


def test_bucket_value__is_within_one_percent_of_every_duration_up_to_a_day():
    assert RELATIVE_ERROR < 0.01
    durations = [*range(1, 20_000), *range(20_000, 86_400_000, 9_973)]
    for duration in durations:
        estimate = bucket_value(bucket_index(duration))
        assert abs(estimate - duration) <= RELATIVE_ERROR * duration + 1e-9, duration
    assert bucket_value(bucket_index(0)) == 0.0
    assert bucket_index(0) == ZERO_BUCKET


def test_histogram_quantiles__merged_histograms_answer_like_one_within_one_percent():
    first = [3, 9, 40, 41, 42, 500, 1_000, 70_000]
    second = [0, 0, 7, 250, 251, 252, 9_999]
    merged = histogram_merge(
        [Counter(str(bucket_index(d)) for d in first), Counter(bucket_index(d) for d in second)]
    )
    values = first + second
    quantiles = (0.1, 0.5, 0.95, 0.99)
    for estimate, quantile in zip(histogram_quantiles(merged, quantiles), quantiles, strict=True):
        exact = exact_percentile(values, quantile)
        assert abs(estimate - exact) <= 0.01 * exact
    assert histogram_quantiles({}, (0.5,)) == [None]


@pytest.mark.django_db
def test_bucket_sql__matches_python_on_this_database():
    durations = [0, 1, 2, 3, 50, 51, 99, 100, 101, 1_000, 65_535, 86_400_000]
    expression = db_dialect().bucket("%s")
    with connection.cursor() as cursor:
        for duration in durations:
            cursor.execute(f"SELECT {expression}", [duration, duration, duration])
            assert cursor.fetchone()[0] == bucket_index(duration), duration


@pytest.mark.django_db
def test_rollup__running_twice_changes_nothing():
    now = timezone.now()
    generate_events(now=now, days=3, per_day=200)
    telemetry_rollup(since=now - timedelta(days=3), now=now)
    first = snapshot()
    assert first["aggregates"] and first["durations"] and first["uniques"]
    result = telemetry_rollup(since=now - timedelta(days=3), now=now)
    assert snapshot() == first
    assert result.events == TelemetryEvent.objects.filter(created_at__lt=result.until).count()


@pytest.mark.django_db
def test_rollup__rows_hold_the_hours_counts_and_durations():
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=5)
    for minute, duration in ((1, 100), (20, 300), (59, None)):
        TelemetryEventFactory(
            type="api_call",
            page="/api/x",
            device_type="mobile",
            duration=duration,
            created_at=hour + timedelta(minutes=minute),
        )
    TelemetryEventFactory(type="api_call", page="/api/x", created_at=hour + timedelta(hours=1))
    telemetry_rollup(since=None)
    row = TelemetryAggregate.objects.get(hour=hour)
    assert (row.type, row.page, row.device_type) == ("api_call", "/api/x", "mobile")
    assert (row.count, row.duration_count, row.duration_sum) == (3, 2, 400)
    durations = TelemetryDurationAggregate.objects.get(hour=hour)
    assert (durations.count, durations.total, durations.maximum) == (2, 400, 300)
    assert {int(k): v for k, v in durations.histogram.items()} == {
        bucket_index(100): 1,
        bucket_index(300): 1,
    }
    assert TelemetryAggregate.objects.filter(hour=hour + timedelta(hours=1)).count() == 1
    daily = TelemetryDailyDurationAggregate.objects.get(day=hour.date())
    assert (daily.count, daily.total, daily.maximum) == (2, 400, 300)
    assert {int(k): v for k, v in daily.histogram.items()} == {
        int(k): v for k, v in durations.histogram.items()
    }


@pytest.mark.django_db
def test_rollup_task__picks_up_events_that_arrive_after_a_run():
    now = timezone.now()
    TelemetryEventFactory(created_at=now - timedelta(minutes=2))
    telemetry_rollup_task()
    watermark = rollup_watermark()
    # Arrived late: stamped before the watermark, committed after the run.
    TelemetryEventFactory(created_at=watermark - timedelta(seconds=1))
    assert telemetry_rollup_task() >= 1
    assert sum(TelemetryAggregate.objects.values_list("count", flat=True)) == 2


@pytest.mark.django_db
def test_rollup_task__after_a_pause_rolls_up_every_hour_since_the_last_run():
    now = timezone.now()
    TelemetryEventFactory(created_at=now - timedelta(days=3))
    telemetry_rollup(since=None, now=now - timedelta(days=3) + timedelta(minutes=5))
    for hours in (60, 30, 1):
        TelemetryEventFactory(created_at=now - timedelta(hours=hours))
    telemetry_rollup_task()
    assert sum(TelemetryAggregate.objects.values_list("count", flat=True)) == 4


def test_rollup_task__is_scheduled_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["telemetry-rollup"]
    assert entry["task"] == telemetry_rollup_task.name
    assert entry["schedule"].minute == set(range(0, 60, 5))


@pytest.mark.django_db
def test_aggregate_telemetry_command__reports_and_refuses_bad_days():
    TelemetryEventFactory(created_at=timezone.now() - timedelta(hours=3))
    out = StringIO()
    call_command("aggregate_telemetry", stdout=out)
    assert "Rolled up 1 events" in out.getvalue()
    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("aggregate_telemetry", "--days", "0")


def test_sketch__estimates_distinct_ids_and_their_union_within_three_percent():
    first, second = bytearray(SKETCH_REGISTERS), bytearray(SKETCH_REGISTERS)
    assert sketch_estimate(first) == 0
    for n in range(60_000):
        sketch_add(first, value_hash(f"session-{n}"))
    for n in range(40_000, 100_000):
        sketch_add(second, value_hash(f"session-{n}"))
    assert abs(sketch_estimate(first) - 60_000) <= 0.03 * 60_000
    assert abs(sketch_estimate(sketch_merge([first, second])) - 100_000) <= 0.03 * 100_000
    few = bytearray(SKETCH_REGISTERS)
    for name in ("a", "b", "c", "a"):
        sketch_add(few, value_hash(name))
    assert sketch_estimate(few) == 3


@pytest.mark.django_db
def test_rollup__daily_sketches_hold_the_exact_daily_count():
    now = timezone.now()
    generate_events(now=now, days=2, per_day=300)
    telemetry_rollup(since=None)
    for sketch in TelemetryDailySketch.objects.all():
        exact = TelemetryDailyUnique.objects.filter(
            kind=sketch.kind, type=sketch.type, day=sketch.day
        ).count()
        assert sketch.distinct_count == exact
        estimate = sketch_estimate(bytearray(sketch.registers))
        assert abs(estimate - exact) <= max(1, 0.02 * exact)


@pytest.mark.django_db
def test_rollup_task__incremental_runs_add_up_to_the_full_recompute():
    now = timezone.now()
    generate_events(now=now - timedelta(hours=2), days=2, per_day=300)
    telemetry_rollup(since=None, now=now - timedelta(hours=1))
    # Today's new events include late ones: stamped before that run's watermark, but
    # committed (given their ids) after it.
    generate_events(now=now, days=1, per_day=200, seed=8)
    state = TelemetryRollupState.objects.get()
    assert TelemetryEvent.objects.filter(
        created_at__lt=state.rolled_up_until, id__gt=state.last_event_id
    ).exists()
    telemetry_rollup(since=None, now=now - timedelta(minutes=30))
    telemetry_rollup(since=None, now=now)
    result = telemetry_rollup(since=None, now=now)
    assert result.events == 0
    incremental = snapshot()
    assert sum(count for *_, count, _, _ in incremental["aggregates"]) == (
        TelemetryEvent.objects.filter(created_at__lt=result.until).count()
    )
    telemetry_rollup(since=now - timedelta(days=3), now=now)
    assert snapshot() == incremental


@pytest.mark.django_db
def test_rollup_task__counts_a_late_event_once_in_the_metrics_before_and_after_the_next_run(
    staff_client,
):
    TelemetryEventFactory(type="action", created_at=timezone.now() - timedelta(minutes=3))
    telemetry_rollup_task()
    late = TelemetryEventFactory(
        type="action", created_at=rollup_watermark() - timedelta(minutes=1)
    )
    for _ in range(2):
        answer = staff_client.get("/api/telemetry", {"days": 1}).json()
        assert answer["totalEvents"] == 2
        assert answer["byType"] == {"action": 2}
        telemetry_rollup_task()
    assert TelemetryAggregate.objects.get(hour=floor_hour(late.created_at)).count >= 1


def test_sketch_merge__is_the_register_wise_maximum():
    rng = random.Random(3)
    sketches = [bytes(rng.randrange(0, 52) for _ in range(SKETCH_REGISTERS)) for _ in range(3)]
    assert sketch_merge(sketches) == bytearray(map(max, *sketches))
    assert sketch_merge([]) == bytearray(SKETCH_REGISTERS)

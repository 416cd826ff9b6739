"""Writes of the health app: running the health check, storing it, alerting on changes."""

import functools
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from alerts.selectors import AlertDeliverySummary, alert_delivery_summary
from alerts.services import alert_create, alert_delivery_attempt, alert_send_unrecorded
from common.retention import delete_in_batches
from errors.selectors import error_occurrence_count_since, error_open_critical_count
from health import probes
from health.models import HealthSnapshot, HealthStatus
from health.selectors import health_snapshot_latest
from telemetry.selectors import telemetry_active_sessions_since, telemetry_event_counts_since

SESSION_WINDOW_MINUTES = 5
ERROR_RATE_WINDOW_HOURS = 1
ALERTS_GIVEN_UP_WINDOW_HOURS = 24
# Serialises concurrent stores (beat and an external cron) so a change alerts exactly once.
_SNAPSHOT_LOCK_ID = 0x4EA17


def health_check_run(*, store: bool) -> dict:
    """Probe the service and return the health document of /api/health/extended.

    With `store`, keep the result as a HealthSnapshot and alert when the status differs from
    the previous check's. Without it, a missing periodic check for STALE_AFTER_MINUTES makes
    the status degraded (once periodic checks are expected).
    """
    config = settings.HEALTH
    timeout = config["PROBE_TIMEOUT_SECONDS"]
    started = time.perf_counter()
    now = timezone.now()
    background = probes.ProbeBatch(
        {
            "cache": probes.cache_probe,
            "broker": functools.partial(probes.broker_probe, timeout_seconds=timeout),
        },
        timeout_seconds=timeout,
    )
    figures = _database_figures(now=now, timeout_seconds=timeout)
    probed = background.results()

    reasons = list(figures.pop("reasons"))
    statuses = [figures["database"]["status"], figures["errorRate"]["status"]]
    if figures["alerts"]["givenUp"]:
        statuses.append(HealthStatus.DEGRADED)
    cache = _component("cache", probed["cache"], reasons)
    broker = _component("broker", probed["broker"], reasons)
    broker.setdefault("transport", probes.broker_transport())
    for component in (cache, broker):
        if component["status"] != HealthStatus.HEALTHY:
            statuses.append(HealthStatus.DEGRADED)
    periodic = figures["periodicCheck"]
    if periodic["stale"] and not store:
        statuses.append(HealthStatus.DEGRADED)
        reasons.append(
            f"No periodic health check has run for {periodic['ageMinutes']} minutes: "
            "is Celery beat running?"
        )

    timings = figures.pop("timings")
    timings.update(cache=cache.pop("durationMs"), broker=broker.pop("durationMs"))
    timings["total"] = probes.elapsed_ms(started)
    document = {
        "status": probes.status_worst(*statuses),
        "timestamp": _iso(now),
        "version": probes.version(),
        "commit": probes.commit(),
        "uptime": probes.uptime(),
        "database": figures["database"],
        "cache": cache,
        "broker": broker,
        "sessions": figures["sessions"],
        "errorRate": figures["errorRate"],
        "criticalErrors": figures["criticalErrors"],
        "alerts": figures["alerts"],
        "memory": probes.memory_usage(),
        "sentry": {"enabled": probes.sentry_enabled()},
        "periodicCheck": periodic,
        "reasons": reasons,
        "timings": timings,
    }
    if store:
        try:
            document["snapshotId"] = health_snapshot_store(document=document).pk
        except DatabaseError as error:
            document["snapshotId"] = None
            reasons.append(f"The check could not be stored: {probes.describe_failure(error)}")
            _alert_unstored(document=document)
    return document


def _alert_unstored(*, document: dict) -> None:
    """Alert, at most hourly while the cache answers, that checks cannot be stored (so their
    status changes cannot be told apart). The database is failing, so the alert is sent
    once, now, without a delivery record to retry it from."""
    try:
        first_in_hour = cache.add("health:unstored-alert", True, timeout=60 * 60)
    except Exception:
        first_in_hour = True
    if first_in_hour:
        alert_send_unrecorded(
            kind="health.status_changed",
            title=f"Health is {document['status']} and checks cannot be stored",
            payload={"status": document["status"], "reasons": document["reasons"]},
        )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _component(name: str, result: dict, reasons: list[str]) -> dict:
    if "error" in result:
        reasons.append(f"The {name} did not answer: {result['error']}")
        return {"status": HealthStatus.UNHEALTHY, "latencyMs": None, **result}
    return {"status": HealthStatus.HEALTHY, **result}


def _database_figures(*, now: datetime, timeout_seconds: float) -> dict:
    """Return the figures read from the database, or all unknown when it does not answer."""
    config = settings.HEALTH
    timings = {}
    reasons = []

    def timed(name, read):
        started = time.perf_counter()
        try:
            return read()
        finally:
            timings[name] = probes.elapsed_ms(started)

    try:
        with probes.database_bounded(timeout_seconds=timeout_seconds):
            database = timed("database", probes.database_probe)
            sessions = timed(
                "sessions",
                lambda: telemetry_active_sessions_since(
                    since=now - timedelta(minutes=SESSION_WINDOW_MINUTES)
                ),
            )
            errors, total = timed("errorRate", lambda: _error_counts(now=now))
            critical = timed("criticalErrors", error_open_critical_count)
            latest = timed("periodicCheck", health_snapshot_latest)
            alerts = timed(
                "alerts",
                lambda: alert_delivery_summary(
                    given_up_since=now - timedelta(hours=ALERTS_GIVEN_UP_WINDOW_HOURS)
                ),
            )
    except DatabaseError as error:
        reasons.append(f"The database did not answer: {probes.describe_failure(error)}")
        return {
            "database": {
                "status": HealthStatus.UNHEALTHY,
                "latencyMs": None,
                "error": probes.describe_failure(error),
            },
            "sessions": {"active": None, "windowMinutes": SESSION_WINDOW_MINUTES},
            "errorRate": {
                "errors": None,
                "totalEvents": None,
                "rate": None,
                "windowHours": ERROR_RATE_WINDOW_HOURS,
                "status": HealthStatus.UNHEALTHY,
            },
            "criticalErrors": {"open": None},
            "alerts": _alerts_document(None),
            "periodicCheck": _periodic_check(latest=None, now=now, known=False),
            "reasons": reasons,
            "timings": timings,
        }

    latency = database["latencyMs"]
    database_status = probes.status_for_value(latency, limits=config["DATABASE_LATENCY_MS"])
    if database_status != HealthStatus.HEALTHY:
        reasons.append(
            f"Database latency {latency:g} ms is at or above "
            f"{config['DATABASE_LATENCY_MS'][0]:g} ms."
        )
    rate = errors / total * 100 if total else 0.0
    rate_status = probes.status_for_value(rate, limits=config["ERROR_RATE_PERCENT"])
    if rate_status != HealthStatus.HEALTHY:
        reasons.append(
            f"Error rate {rate:.2f} % in the last hour is at or above "
            f"{config['ERROR_RATE_PERCENT'][0]:g} %."
        )
    if alerts.given_up:
        deliveries = (
            "1 alert delivery was"
            if alerts.given_up == 1
            else f"{alerts.given_up} alert deliveries were"
        )
        reasons.append(
            f"{deliveries} given up in the last {ALERTS_GIVEN_UP_WINDOW_HOURS} hours (latest "
            f"by {alerts.latest_given_up.channel}: {alerts.latest_given_up.last_error})."
        )
    return {
        "database": {"status": database_status, "latencyMs": latency},
        "sessions": {"active": sessions, "windowMinutes": SESSION_WINDOW_MINUTES},
        "errorRate": {
            "errors": errors,
            "totalEvents": total,
            "rate": round(rate, 2),
            "windowHours": ERROR_RATE_WINDOW_HOURS,
            "status": rate_status,
        },
        "criticalErrors": {"open": critical},
        "alerts": _alerts_document(alerts),
        "periodicCheck": _periodic_check(latest=latest, now=now, known=True),
        "reasons": reasons,
        "timings": timings,
    }


def _alerts_document(summary: AlertDeliverySummary | None) -> dict:
    """Return the document's `alerts` part; its figures are null when the database failed."""
    latest = summary.latest_given_up if summary else None
    return {
        "waiting": summary.waiting if summary else None,
        "givenUp": summary.given_up if summary else None,
        "windowHours": ALERTS_GIVEN_UP_WINDOW_HOURS,
        "latestGivenUp": latest
        and {
            "kind": latest.kind,
            "channel": latest.channel,
            "lastError": latest.last_error,
            "at": latest.finished_at.isoformat(),
        },
    }


def _error_counts(*, now: datetime) -> tuple[int, int]:
    """Return (errors, events) of the last hour: error reports count on both sides."""
    since = now - timedelta(hours=ERROR_RATE_WINDOW_HOURS)
    events = telemetry_event_counts_since(since=since)
    reports = error_occurrence_count_since(since=since)
    return events.errors + reports, events.total + reports


def _periodic_check(*, latest: HealthSnapshot | None, now: datetime, known: bool) -> dict:
    """Describe the last stored check and whether it is overdue.

    Checks are expected once one has been stored (or EXPECT_PERIODIC_CHECKS is set), so a
    fresh install is not degraded before beat's first run; the age counts from this
    process's start at the earliest, which gives a restarted beat time to catch up.
    """
    config = settings.HEALTH
    expected = known and (latest is not None or config["EXPECT_PERIODIC_CHECKS"])
    last_run = latest.created_at if latest else None
    reference = max(last_run or probes.PROCESS_STARTED_AT, probes.PROCESS_STARTED_AT)
    overdue_minutes = int((now - reference).total_seconds() // 60)
    return {
        "lastRunAt": _iso(last_run) if last_run else None,
        "ageMinutes": int((now - last_run).total_seconds() // 60) if last_run else None,
        "expected": expected,
        "stale": bool(expected and overdue_minutes >= config["STALE_AFTER_MINUTES"]),
    }


def health_snapshot_store(*, document: dict) -> HealthSnapshot:
    """Store `document` as a snapshot; alert when its status differs from the previous one.

    The first snapshot counts as a change from healthy. The alert is recorded with the
    snapshot and attempted from this thread, not through the broker, because a broken broker
    is one of the things it reports; a failed delivery is retried like any other.
    """
    deliveries = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SNAPSHOT_LOCK_ID])
        previous = health_snapshot_latest()
        error_rate = document["errorRate"]
        snapshot = HealthSnapshot.objects.create(
            status=document["status"],
            previous_status=previous.status if previous else "",
            database_latency_ms=document["database"]["latencyMs"],
            cache_latency_ms=document["cache"]["latencyMs"],
            error_count=error_rate["errors"] or 0,
            total_events=error_rate["totalEvents"] or 0,
            error_rate=error_rate["rate"] or 0.0,
            active_sessions=document["sessions"]["active"] or 0,
            rss_mb=document["memory"]["rssMB"],
            document=document,
        )
        if snapshot.status != (snapshot.previous_status or HealthStatus.HEALTHY):
            deliveries = health_alert_create(snapshot=snapshot)
    for delivery in deliveries:
        alert_delivery_attempt(delivery_id=delivery.pk)
    return snapshot


def health_alert_create(*, snapshot: HealthSnapshot) -> list:
    """Record the status-change alert of `snapshot` for the caller to attempt; return its
    deliveries."""
    previous = snapshot.previous_status or HealthStatus.HEALTHY
    if snapshot.status == HealthStatus.HEALTHY:
        title = f"Health recovered: healthy again (was {previous})"
    else:
        title = f"Health is {snapshot.status} (was {previous})"
    return alert_create(
        kind="health.status_changed",
        title=title,
        enqueue=False,
        payload={
            "status": snapshot.status,
            "previousStatus": previous,
            "reasons": snapshot.document.get("reasons", []),
            "checkedAt": snapshot.created_at.isoformat(),
            "snapshotId": snapshot.pk,
            "health": snapshot.document,
        },
    )


def health_snapshot_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete snapshots older than HEALTH_RETENTION_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.HEALTH_RETENTION_DAYS)
    expired = HealthSnapshot.objects.filter(created_at__lt=cutoff)
    if dry_run:
        return expired.count()
    return delete_in_batches(expired, batch_size=batch_size, progress=progress)

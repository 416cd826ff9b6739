"""Writes of the health app: running the health check, storing it, alerting on changes."""

import dataclasses
import functools
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from alerts.selectors import AlertDeliverySummary, alert_delivery_summary
from alerts.services import alert_create, alert_delivery_attempt, alert_send_unrecorded
from common.retention import retention_cutoff, retention_purge
from errors.selectors import error_occurrence_count_since, error_open_critical_count
from health import probes
from health.models import HealthSnapshot, HealthStatus
from health.selectors import health_snapshot_latest
from health.serializers import HealthAlertSerializer, HealthDocumentSerializer
from projects.models import Project
from telemetry.selectors import telemetry_active_sessions_since, telemetry_event_counts_since

SESSION_WINDOW_MINUTES = 5
ERROR_RATE_WINDOW_HOURS = 1
ALERTS_GIVEN_UP_WINDOW_HOURS = 24
# Serialises concurrent stores (beat and an external cron) so a change alerts exactly once.
_SNAPSHOT_LOCK_ID = 0x4EA17


@dataclass(frozen=True)
class ComponentCheck:
    """One probed part: its status, its latency (None when it did not answer) and what it is
    (the cache's backend, the broker's transport) or why it failed."""

    status: str
    latency_ms: float | None
    error: str | None = None
    backend: str | None = None
    transport: str | None = None


@dataclass(frozen=True)
class SessionsFigure:
    active: int | None
    window_minutes: int = SESSION_WINDOW_MINUTES


@dataclass(frozen=True)
class ErrorRateFigure:
    """Errors among the events of the last hour, in percent; None where the database failed."""

    errors: int | None
    total_events: int | None
    rate: float | None
    status: str
    window_hours: int = ERROR_RATE_WINDOW_HOURS


@dataclass(frozen=True)
class AlertGivenUp:
    kind: str
    channel: str
    last_error: str
    at: datetime


@dataclass(frozen=True)
class AlertsFigure:
    """Alert deliveries still to make and given up in the window; None where the database
    failed."""

    waiting: int | None
    given_up: int | None
    latest_given_up: AlertGivenUp | None
    window_hours: int = ALERTS_GIVEN_UP_WINDOW_HOURS


@dataclass(frozen=True)
class PeriodicCheck:
    """The last stored check, and whether one is overdue."""

    last_run_at: datetime | None
    age_minutes: int | None
    expected: bool
    stale: bool


@dataclass(frozen=True)
class HealthReport:
    """One health check: the overall status, each part's figures, the reasons it is not
    healthy and the milliseconds each part took. `snapshot_id` is set when it was stored."""

    status: str
    checked_at: datetime
    version: str
    commit: str
    uptime: probes.Uptime
    database: ComponentCheck
    cache: ComponentCheck
    broker: ComponentCheck
    sessions: SessionsFigure
    error_rate: ErrorRateFigure
    open_critical_errors: int | None
    alerts: AlertsFigure
    memory: probes.MemoryUsage
    sentry_enabled: bool
    periodic_check: PeriodicCheck
    reasons: list[str]
    timings: dict[str, float]
    snapshot_id: int | None = None


@dataclass
class _DatabaseFigures:
    database: ComponentCheck
    sessions: SessionsFigure
    error_rate: ErrorRateFigure
    open_critical_errors: int | None
    alerts: AlertsFigure
    periodic_check: PeriodicCheck
    reasons: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def health_check_run(*, store: bool) -> HealthReport:
    """Probe the service and return the health check behind /api/health/extended.

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

    reasons = figures.reasons
    statuses = [figures.database.status, figures.error_rate.status]
    if figures.alerts.given_up:
        statuses.append(HealthStatus.DEGRADED)
    probed["broker"].setdefault("transport", probes.broker_transport())
    cache = _component("cache", probed["cache"], reasons)
    broker = _component("broker", probed["broker"], reasons)
    for component in (cache, broker):
        if component.status != HealthStatus.HEALTHY:
            statuses.append(HealthStatus.DEGRADED)
    periodic = figures.periodic_check
    if periodic.stale and not store:
        statuses.append(HealthStatus.DEGRADED)
        reasons.append(
            f"No periodic health check has run for {periodic.age_minutes} minutes: "
            "is Celery beat running?"
        )

    timings = figures.timings
    timings.update(cache=probed["cache"]["duration_ms"], broker=probed["broker"]["duration_ms"])
    timings["total"] = probes.elapsed_ms(started)
    report = HealthReport(
        status=probes.status_worst(*statuses),
        checked_at=now,
        version=probes.version(),
        commit=probes.commit(),
        uptime=probes.uptime(),
        database=figures.database,
        cache=cache,
        broker=broker,
        sessions=figures.sessions,
        error_rate=figures.error_rate,
        open_critical_errors=figures.open_critical_errors,
        alerts=figures.alerts,
        memory=probes.memory_usage(),
        sentry_enabled=probes.sentry_enabled(),
        periodic_check=periodic,
        reasons=reasons,
        timings=timings,
    )
    return _report_stored(report=report) if store else report


def _report_stored(*, report: HealthReport) -> HealthReport:
    """Store `report` and return it with its snapshot's id, or with the reason it was not."""
    try:
        snapshot_id = health_snapshot_store(report=report).pk
    except DatabaseError as error:
        snapshot_id = None
        report.reasons.append(f"The check could not be stored: {probes.describe_failure(error)}")
        _alert_unstored(report=report)
    return dataclasses.replace(report, snapshot_id=snapshot_id)


def _alert_unstored(*, report: HealthReport) -> None:
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
            title=f"Health is {report.status} and checks cannot be stored",
            payload={"status": report.status, "reasons": report.reasons},
        )


def _component(name: str, result: dict, reasons: list[str]) -> ComponentCheck:
    """Return a probe's result as a part of the report; one that failed is unhealthy."""
    details = {key: result[key] for key in ("error", "backend", "transport") if key in result}
    if "error" in result:
        reasons.append(f"The {name} did not answer: {result['error']}")
        return ComponentCheck(status=HealthStatus.UNHEALTHY, latency_ms=None, **details)
    return ComponentCheck(status=HealthStatus.HEALTHY, latency_ms=result["latency_ms"], **details)


def _database_figures(*, now: datetime, timeout_seconds: float) -> _DatabaseFigures:
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
            errors, total = timed("error_rate", lambda: _error_counts(now=now))
            critical = timed("critical_errors", error_open_critical_count)
            latest = timed("periodic_check", health_snapshot_latest)
            alerts = timed(
                "alerts",
                lambda: alert_delivery_summary(
                    given_up_since=now - timedelta(hours=ALERTS_GIVEN_UP_WINDOW_HOURS)
                ),
            )
    except DatabaseError as error:
        return _database_unanswered(error=error, now=now, timings=timings)

    latency = database["latency_ms"]
    database_status = probes.status_for_value(latency, limits=config["DATABASE_LATENCY_MS"])
    if database_status != HealthStatus.HEALTHY:
        reasons.append(
            f"Database latency {latency:g} ms is at or above "
            f"{config['DATABASE_LATENCY_MS'][0]:g} ms."
        )
    error_rate = _error_rate_figure(errors=errors, total=total)
    if error_rate.status != HealthStatus.HEALTHY:
        reasons.append(
            f"Error rate {error_rate.rate:.2f} % in the last hour is at or above "
            f"{config['ERROR_RATE_PERCENT'][0]:g} %."
        )
    if alerts.given_up:
        reasons.append(_given_up_reason(alerts))
    return _DatabaseFigures(
        database=ComponentCheck(status=database_status, latency_ms=latency),
        sessions=SessionsFigure(active=sessions),
        error_rate=error_rate,
        open_critical_errors=critical,
        alerts=_alerts_figure(alerts),
        periodic_check=_periodic_check(latest=latest, now=now, known=True),
        reasons=reasons,
        timings=timings,
    )


def _database_unanswered(
    *, error: DatabaseError, now: datetime, timings: dict[str, float]
) -> _DatabaseFigures:
    """Return the figures of a database that did not answer: unhealthy, every count unknown."""
    failure = probes.describe_failure(error)
    return _DatabaseFigures(
        database=ComponentCheck(status=HealthStatus.UNHEALTHY, latency_ms=None, error=failure),
        sessions=SessionsFigure(active=None),
        error_rate=ErrorRateFigure(
            errors=None, total_events=None, rate=None, status=HealthStatus.UNHEALTHY
        ),
        open_critical_errors=None,
        alerts=_alerts_figure(None),
        periodic_check=_periodic_check(latest=None, now=now, known=False),
        reasons=[f"The database did not answer: {failure}"],
        timings=timings,
    )


def _given_up_reason(alerts: AlertDeliverySummary) -> str:
    deliveries = (
        "1 alert delivery was"
        if alerts.given_up == 1
        else f"{alerts.given_up} alert deliveries were"
    )
    return (
        f"{deliveries} given up in the last {ALERTS_GIVEN_UP_WINDOW_HOURS} hours (latest "
        f"by {alerts.latest_given_up.channel}: {alerts.latest_given_up.last_error})."
    )


def _alerts_figure(summary: AlertDeliverySummary | None) -> AlertsFigure:
    """Return the report's alert figures; they are None when the database failed."""
    latest = summary.latest_given_up if summary else None
    return AlertsFigure(
        waiting=summary.waiting if summary else None,
        given_up=summary.given_up if summary else None,
        latest_given_up=latest
        and AlertGivenUp(
            kind=latest.kind,
            channel=latest.channel,
            last_error=latest.last_error,
            at=latest.finished_at,
        ),
    )


def _error_rate_figure(*, errors: int, total: int) -> ErrorRateFigure:
    """Return the error rate of `errors` among `total` events (percent, 2 decimals), judged by
    HEALTH["ERROR_RATE_PERCENT"] before rounding."""
    rate = errors / total * 100 if total else 0.0
    return ErrorRateFigure(
        errors=errors,
        total_events=total,
        rate=round(rate, 2),
        status=probes.status_for_value(rate, limits=settings.HEALTH["ERROR_RATE_PERCENT"]),
    )


def _error_counts(*, now: datetime, project_ids: list[int] | None = None) -> tuple[int, int]:
    """Return (errors, events) of the last hour of the projects (None: all): error reports
    count on both sides."""
    since = now - timedelta(hours=ERROR_RATE_WINDOW_HOURS)
    events = telemetry_event_counts_since(since=since, project_ids=project_ids)
    reports = error_occurrence_count_since(since=since, project_ids=project_ids)
    return events.errors + reports, events.total + reports


@dataclass(frozen=True)
class ProjectHealth:
    """One project's part of the health check: its active sessions and its error rate."""

    project: Project
    sessions: SessionsFigure
    error_rate: ErrorRateFigure


def project_health_read(
    *, projects: list[Project], now: datetime | None = None
) -> list[ProjectHealth]:
    """Return each project's active sessions (last 5 minutes) and error rate (last hour),
    judged by the same thresholds as the service's document (HEALTH["ERROR_RATE_PERCENT"])."""
    now = now or timezone.now()
    figures = []
    for project in projects:
        errors, total = _error_counts(now=now, project_ids=[project.pk])
        figures.append(
            ProjectHealth(
                project=project,
                sessions=SessionsFigure(
                    active=telemetry_active_sessions_since(
                        since=now - timedelta(minutes=SESSION_WINDOW_MINUTES),
                        project_ids=[project.pk],
                    )
                ),
                error_rate=_error_rate_figure(errors=errors, total=total),
            )
        )
    return figures


def _periodic_check(*, latest: HealthSnapshot | None, now: datetime, known: bool) -> PeriodicCheck:
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
    return PeriodicCheck(
        last_run_at=last_run,
        age_minutes=int((now - last_run).total_seconds() // 60) if last_run else None,
        expected=expected,
        stale=bool(expected and overdue_minutes >= config["STALE_AFTER_MINUTES"]),
    )


def health_snapshot_store(*, report: HealthReport) -> HealthSnapshot:
    """Store `report` as a snapshot; alert when its status differs from the previous one.

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
        snapshot = HealthSnapshot.objects.create(
            status=report.status,
            previous_status=previous.status if previous else "",
            database_latency_ms=report.database.latency_ms,
            cache_latency_ms=report.cache.latency_ms,
            error_count=report.error_rate.errors or 0,
            total_events=report.error_rate.total_events or 0,
            error_rate=report.error_rate.rate or 0.0,
            active_sessions=report.sessions.active or 0,
            rss_mb=report.memory.rss_mb,
            document=HealthDocumentSerializer(report).data,
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
        payload=dict(
            HealthAlertSerializer(
                {
                    "status": snapshot.status,
                    "previous_status": previous,
                    "reasons": snapshot.document.get("reasons", []),
                    "checked_at": snapshot.created_at,
                    "snapshot_id": snapshot.pk,
                    "health": snapshot.document,
                }
            ).data
        ),
    )


def health_snapshot_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete snapshots older than HEALTH_RETENTION_DAYS."""
    cutoff = retention_cutoff(days=settings.HEALTH_RETENTION_DAYS)
    expired = HealthSnapshot.objects.filter(created_at__lt=cutoff)
    return retention_purge(expired, dry_run=dry_run, batch_size=batch_size, progress=progress)

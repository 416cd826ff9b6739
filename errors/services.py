"""Writes of the errors app: triage status, alerts, spike checks and retention."""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from alerts.services import alert_create
from common.api import ApiError
from common.retention import delete_in_batches, retention_purge
from errors.models import (
    SETTABLE_STATUSES,
    ErrorHourlyCount,
    ErrorLog,
    ErrorOccurrence,
    ErrorStatus,
    ErrorStatusChange,
    PendingOccurrence,
)
from errors.serializers import ErrorAlertSerializer
from projects.selectors import retention_expired


def error_status_set(*, error_ids: list[int], status: str, source: str, by=None) -> list[ErrorLog]:
    """Move the groups with `error_ids` to `status` (acknowledged, resolved or ignored) and
    return them refreshed, in ID order; IDs with no group are skipped.

    Resolving records each group's latest build seen, so later reports from that same build
    do not count as a regression. Only the status columns are written: concurrent reports keep
    counting. Each change is kept in the group's status history and, when a staff user `by`
    made it, in the admin's log, whose message says where (`source`, e.g. "from the triage page").
    """
    if status not in SETTABLE_STATUSES:
        allowed = ", ".join(SETTABLE_STATUSES)
        raise ApiError(
            f'The status "{status}" cannot be set; use one of {allowed}.',
            details={"status": status, "allowed": list(SETTABLE_STATUSES)},
        )
    user = by if by is not None and by.is_authenticated else None
    if status == ErrorStatus.RESOLVED:
        changes = {
            "resolved": True,
            "resolved_at": timezone.now(),
            "resolved_by": user,
            "resolved_in_build": F("build_id"),
        }
    else:
        changes = {
            "resolved": False,
            "resolved_at": None,
            "resolved_by": None,
            "resolved_in_build": "",
        }
    with transaction.atomic():
        groups = ErrorLog.objects.filter(pk__in=error_ids)
        # Locked in ID order first, as the digest locks them, so the two never deadlock.
        list(groups.select_for_update(no_key=True).order_by("pk").values_list("pk"))
        groups.update(status=status, **changes)
        errors = list(groups.order_by("pk"))
        ErrorStatusChange.objects.bulk_create(
            ErrorStatusChange(error_id=error.pk, status=status, changed_by=user) for error in errors
        )
        if user is not None and errors:
            LogEntry.objects.log_actions(
                user_id=user.pk,
                queryset=errors,
                action_flag=CHANGE,
                change_message=f"Status set to {status} {source}.",
                single_object=len(errors) == 1,
            )
    return errors


ALERT_TITLES = {
    "error.new_critical": "New critical error",
    "error.regression": "Regression",
    "error.spike": "Error spike",
}


def error_alert_create(*, error: ErrorLog, kind: str) -> bool:
    """Record the `kind` alert of `error` for delivery unless the group was alerted in the last
    interval (an hour by default) or is ignored; return whether it was recorded.

    The interval decides whether an alert is made; once made, its delivery is retried until
    the receiver takes it (alerts.services), so the interval never drops an alert.
    """
    now = timezone.now()
    interval = timedelta(seconds=settings.ERRORS["ALERT_INTERVAL_SECONDS"])
    with transaction.atomic():
        claimed = (
            ErrorLog.objects.filter(pk=error.pk)
            .filter(Q(last_alerted_at__isnull=True) | Q(last_alerted_at__lte=now - interval))
            .exclude(status=ErrorStatus.IGNORED)
            .update(last_alerted_at=now)
        )
        if not claimed:
            return False
        alert_create(
            kind=kind,
            title=f"{ALERT_TITLES.get(kind, kind)}: {error.error_type}: {error.message[:120]}",
            payload=dict(ErrorAlertSerializer(error).data),
            project_id=error.project_id,
        )
    return True


def error_spike_check(*, error_id: int, hour: datetime) -> bool:
    """Alert when a group's count in `hour` is SPIKE_FACTOR times its usual hourly count over
    the previous SPIKE_BASELINE_HOURS (at least SPIKE_MIN_COUNT); return whether it alerted.

    A group first seen within `hour` has no usual rate yet and never counts as a spike.
    """
    config = settings.ERRORS
    counts = ErrorHourlyCount.objects.filter(error_id=error_id)
    current = counts.filter(hour=hour).values_list("count", flat=True).first() or 0
    baseline_hours = config["SPIKE_BASELINE_HOURS"]
    previous = (
        counts.filter(hour__gte=hour - timedelta(hours=baseline_hours), hour__lt=hour).aggregate(
            total=Sum("count")
        )["total"]
        or 0
    )
    usual = previous / baseline_hours
    if current < config["SPIKE_MIN_COUNT"] or current < config["SPIKE_FACTOR"] * max(usual, 1):
        return False
    error = ErrorLog.objects.filter(pk=error_id, first_seen__lt=hour).first()
    if error is None:
        return False
    return error_alert_create(error=error, kind="error.spike")


def error_purge_expired(*, dry_run: bool, batch_size: int, progress=None) -> int:
    """Delete occurrences and hourly counts older than their project's error retention (its
    own, else ERROR_RETENTION_DAYS), and the groups not seen since; return how many groups and
    occurrences were deleted (or would be)."""
    days = settings.ERROR_RETENTION_DAYS
    occurrences = ErrorOccurrence.objects.filter(
        retention_expired(
            timestamp_field="created_at", project_field="error__project_id", default_days=days
        )
    )
    # A group with occurrences the digest has not counted yet was just seen again.
    groups = ErrorLog.objects.filter(
        retention_expired(
            timestamp_field="last_seen", project_field="project_id", default_days=days
        )
    ).exclude(pk__in=PendingOccurrence.objects.values("occurrence__error_id"))
    purge = {"dry_run": dry_run, "batch_size": batch_size, "progress": progress}
    deleted = retention_purge(occurrences, **purge)
    if not dry_run:
        # The count is of occurrences and groups; their hourly counts go with them.
        hours = ErrorHourlyCount.objects.filter(
            retention_expired(
                timestamp_field="hour", project_field="error__project_id", default_days=days
            )
        )
        delete_in_batches(hours, batch_size=batch_size)
    return deleted + retention_purge(groups, **purge)

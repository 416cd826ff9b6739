"""The service's internals the bench calls in process, imported here only, so a rename
elsewhere is followed in this one file. Import it after django.setup()."""

from common.privacy import scrub_data, scrub_identifier, scrub_text, scrub_url
from errors.ingest import error_report_values
from errors.models import (
    SEVERITY_RANK,
    ErrorAffectedUser,
    ErrorHourlyCount,
    ErrorLog,
    ErrorOccurrence,
    ErrorStatus,
)
from errors.sentry.mapping import event_to_error_report
from errors.serializers import ErrorReportSerializer, error_report_input
from errors.validation import report_payload, report_validate
from telemetry.aggregation import telemetry_rollup
from telemetry.serializers import validate_events
from telemetry.services import NewEvent, event_batch_record
from telemetry.tasks import telemetry_rollup_task
from telemetry.validation import events_validate

__all__ = [
    "SEVERITY_RANK",
    "ErrorAffectedUser",
    "ErrorHourlyCount",
    "ErrorLog",
    "ErrorOccurrence",
    "ErrorReportSerializer",
    "ErrorStatus",
    "NewEvent",
    "error_report_input",
    "error_report_values",
    "event_batch_record",
    "event_to_error_report",
    "events_validate",
    "report_payload",
    "report_validate",
    "scrub_data",
    "scrub_identifier",
    "scrub_text",
    "scrub_url",
    "telemetry_rollup",
    "telemetry_rollup_task",
    "validate_events",
]

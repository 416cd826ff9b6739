"""The service's own unhandled exceptions, in web requests and Celery tasks, recorded as errors
of the project `self` when sentry-sdk is not reporting them (SENTRY_DSN unset, or not in
production): staff triage them beside the applications' errors, never among them.

With sentry-sdk reporting (production with SENTRY_DSN), the SDK sends them where the DSN says;
a DSN of `self` (`manage.py dsn --project self`) brings them here the same way.
"""

import logging
import sys
import traceback

import sentry_sdk
from django.conf import settings

from errors.ingest import ErrorReportInput, error_report
from errors.models import Severity
from projects.selectors import project_self_id

logger = logging.getLogger(__name__)


def own_exception_record(*, exception: BaseException, page: str) -> None:
    """Record `exception` as an error of the project `self`, seen at `page` (a request path,
    or a Celery task's name), unless sentry-sdk reports it. Never raises: the service is
    failing already, and recording must not hide the first error."""
    if sentry_sdk.get_client().is_active():
        return
    try:
        error_report(
            report=ErrorReportInput(
                error_type=type(exception).__name__,
                message=str(exception) or type(exception).__name__,
                stack="".join(traceback.format_exception(exception)),
                page=page,
                severity=Severity.ERROR,
                build_id=settings.BUILD_ID or settings.GIT_COMMIT,
                environment=settings.ENVIRONMENT,
                project_id=project_self_id(),
            )
        )
    except Exception:
        logger.exception("Could not record the service's own %s.", type(exception).__name__)


def own_request_exception_record(sender, request=None, **kwargs) -> None:
    """got_request_exception's receiver: record the exception being handled."""
    exception = sys.exc_info()[1]
    if exception is not None:
        own_exception_record(exception=exception, page=request.path if request else "")


def own_task_failure_record(sender=None, exception=None, **kwargs) -> None:
    """Celery's task_failure receiver: record the task's exception."""
    if exception is not None:
        own_exception_record(exception=exception, page=getattr(sender, "name", ""))

"""Alert delivery to the configured channels: a JSON webhook and/or e-mail (ALERT_* settings).

Callers (error alerts, health status changes) decide *whether* to alert; this module only
delivers, from a Celery task, and never raises into the caller.
"""

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT_SECONDS = 5


def alert_send(*, kind: str, title: str, payload: dict) -> dict:
    """Send one alert to every configured channel; return which channels accepted it.

    `kind` names the alert (`error.new_critical`, `error.regression`, `error.spike`,
    `health.status_changed`…), `title` is the one-line summary a person reads first, and
    `payload` the JSON details.
    """
    document = {"kind": kind, "title": title, **payload}
    delivered = {"webhook": False, "email": False}
    if settings.ALERT_WEBHOOK_URL:
        request = urllib.request.Request(
            settings.ALERT_WEBHOOK_URL,
            data=json.dumps(document, default=str).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "telemetry-monitoring"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
                delivered["webhook"] = 200 <= response.status < 300
        except OSError as error:
            logger.warning("Alert webhook failed for %s: %s", kind, error)
    if settings.ALERT_EMAILS:
        try:
            send_mail(
                subject=f"[telemetry] {title}",
                message=json.dumps(document, indent=2, default=str),
                from_email=None,
                recipient_list=settings.ALERT_EMAILS,
            )
            delivered["email"] = True
        except OSError as error:
            logger.warning("Alert e-mail failed for %s: %s", kind, error)
    return delivered

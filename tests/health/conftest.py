"""Fixtures of the health tests: a local alert receiver and a process started long ago."""

from datetime import timedelta

import pytest

from health import probes
from tests.servers import ScriptedReceiver


@pytest.fixture
def alert_receiver(settings):
    """Receive alert webhooks on a local HTTP server; yield the list of received documents."""
    scripted = ScriptedReceiver()
    settings.ALERT_WEBHOOK_URL = scripted.url
    settings.ALERT_EMAILS = []
    yield scripted.accepted
    scripted.close()


@pytest.fixture
def process_started_long_ago(monkeypatch):
    """Pretend this process has run for a day, so overdue periodic checks count as stale."""
    monkeypatch.setattr(probes, "PROCESS_STARTED_AT", probes.PROCESS_STARTED_AT - timedelta(days=1))

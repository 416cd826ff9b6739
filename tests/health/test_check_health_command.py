"""manage.py check_health: the document on stdout and exit codes cron and CI can trust."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from health.models import HealthSnapshot
from tests.health.factories import traffic_with_errors

pytestmark = pytest.mark.django_db


def check_health(*args) -> tuple[int, dict]:
    """Run the command in-process; return its exit code and the printed document."""
    out = StringIO()
    try:
        call_command("check_health", *args, stdout=out)
        code = 0
    except CommandError as error:
        code = error.returncode
    return code, json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("errors", "args", "status", "code"),
    [
        (0, [], "healthy", 0),
        (0, ["--fail-on", "degraded"], "healthy", 0),
        (2, [], "degraded", 0),
        (2, ["--fail-on", "unhealthy"], "degraded", 0),
        (2, ["--fail-on", "degraded"], "degraded", 1),
        (10, [], "unhealthy", 1),
        (10, ["--fail-on", "degraded"], "unhealthy", 1),
    ],
)
def test_check_health__exit_code_follows_the_threshold(errors, args, status, code):
    traffic_with_errors(errors=errors, total=100)
    exit_code, document = check_health(*args)
    assert (document["status"], exit_code) == (status, code)
    assert document["errorRate"]["errors"] == errors
    assert not HealthSnapshot.objects.exists()


@pytest.mark.parametrize("args", [["--fail-on", "sometimes"], ["--fail-on"], ["--bogus"]])
def test_check_health__misuse_exits_2(args):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check_health", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "usage: manage.py check_health" in result.stderr
    assert result.stdout == ""

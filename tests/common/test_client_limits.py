"""The browser scripts' copies of the server's limits agree with the serializers and settings."""

import json
import math
import re
from pathlib import Path

from django.conf import settings

from errors.serializers import ErrorReportSerializer
from telemetry.serializers import TelemetryBatchSerializer, TelemetryEventSerializer

STATIC = Path(settings.BASE_DIR) / "static" / "telemetry"


def _telemetry_js_limits() -> dict:
    source = (STATIC / "telemetry.js").read_text()
    literal = re.search(r"var LIMITS = (\{[^}]*\});", source).group(1)
    return json.loads(re.sub(r"(\w+):", r'"\1":', literal))


def test_telemetry_js__limits_are_the_serializers():
    limits = _telemetry_js_limits()
    report = ErrorReportSerializer().fields
    assert limits["events"] == TelemetryBatchSerializer().fields["events"].max_length
    assert limits["events"] == settings.TELEMETRY["MAX_BATCH_EVENTS"]
    assert limits["action"] == TelemetryEventSerializer().fields["action"].max_length
    assert limits["errorType"] == report["errorType"].max_length
    # Cut shorter on purpose: a browser's message and stack are long enough at that.
    assert limits["message"] <= report["message"].max_length
    assert limits["stack"] <= report["stack"].max_length


def test_report_bug_js__screenshot_limit_is_the_setting():
    source = (STATIC / "report-bug.js").read_text()
    expression = re.search(r"var MAX_BYTES = ([\d *]+),", source).group(1)
    assert (
        math.prod(int(factor) for factor in expression.split("*"))
        == (settings.FEEDBACK["MAX_SCREENSHOT_BYTES"])
    )

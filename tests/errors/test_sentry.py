"""The service's own errors to Sentry: the settings hook, sampling, tags and scrubbing, checked
with the real sentry-sdk sending to a local capture endpoint."""

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from config.sentry import sentry_event_scrub

ROOT = Path(__file__).resolve().parents[2]

RAISE_AND_REPORT = """
import sentry_sdk
options = sentry_sdk.get_client().options
print(json.dumps({"sample_rate": options["sample_rate"],
                  "traces_sample_rate": options["traces_sample_rate"]}))
sentry_sdk.set_user({"id": "ann@example.com", "email": "ann@example.com",
                     "ip_address": "203.0.113.7"})
try:
    raise RuntimeError("charge for bob@example.org failed: password=hunter2")
except RuntimeError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=5)
"""


def envelope_events(received) -> list[dict]:
    """Decode the error events of the envelopes the capture endpoint received."""
    events = []
    for item in received:
        body = item["body"]
        encoding = item["headers"].get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli  # sentry-sdk only chooses brotli when it is installed

            body = brotli.decompress(body)
        lines = body.decode().splitlines()
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def run_manage_shell(code: str, env_extra: dict):
    env = {k: v for k, v in os.environ.items() if k not in {"SENTRY_DSN", "BUILD_ID"}}
    env.update(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": "x7#kq!v2@pL9$wZ3^mN8&bR5*tY1(uI4)oP6_aS0+dF2-gH7=jK9",
            "ALLOWED_HOSTS": "telemetry.example.com",
            **env_extra,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "import json\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sentry__production_reports_scrubbed_tagged_errors_to_the_dsn(http_receiver):
    url, received = http_receiver
    dsn = url.replace("http://", "http://publickey@") + "/1"
    result = run_manage_shell(RAISE_AND_REPORT, {"SENTRY_DSN": dsn, "BUILD_ID": "build-42"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "sample_rate": 1.0,
        "traces_sample_rate": 0.1,
    }
    assert received[0]["path"] == "/api/1/envelope/"
    [event] = envelope_events(received)
    assert event["tags"]["buildId"] == "build-42"
    assert event["tags"]["environment"] == "production"
    assert event["environment"] == "production"
    assert event["exception"]["values"][0]["value"] == (
        "charge for [email] failed: password=[Filtered]"
    )
    assert list(event["user"]) == ["id"]
    assert event["user"]["id"].startswith("hash:")
    # The whole event, local variables (here the script's own source) included.
    raw = json.dumps(event)
    for secret in ("ann@example.com", "bob@example.org", "hunter2"):
        assert secret not in raw, secret


def test_sentry__off_outside_production_even_with_a_dsn(http_receiver):
    url, received = http_receiver
    dsn = url.replace("http://", "http://publickey@") + "/1"
    result = run_manage_shell(RAISE_AND_REPORT, {"SENTRY_DSN": dsn, "ENVIRONMENT": "development"})
    assert result.returncode == 0, result.stderr
    assert received == []


def test_sentry_event_scrub__request_locals_breadcrumbs_and_user():
    event = {
        "user": {"id": 7, "email": "ann@example.com", "username": "ann", "ip_address": "1.2.3.4"},
        "logentry": {"message": "login for %s", "params": ["ann@example.com"]},
        "request": {
            "url": "https://svc.example.com/api/users/123?token=abc",
            "query_string": "token=abc",
            "cookies": {"sessionid": "s"},
            "headers": {"Authorization": "Bearer abc", "Accept": "*/*"},
            "data": {"password": "hunter2", "plan": "pro"},
        },
        "exception": {
            "values": [
                {
                    "value": "Bearer abc.def rejected",
                    "stacktrace": {"frames": [{"vars": {"api_key": "k", "n": 1}}]},
                }
            ]
        },
        "breadcrumbs": {"values": [{"message": "mail ann@example.com", "data": {"token": "t"}}]},
    }
    scrubbed = sentry_event_scrub(event, tags={"buildId": "b1", "environment": "production"})
    assert scrubbed["user"] == {"id": scrubbed["user"]["id"]}
    assert scrubbed["user"]["id"].startswith("hash:")
    assert scrubbed["tags"] == {"buildId": "b1", "environment": "production"}
    assert scrubbed["logentry"]["params"] == ["[email]"]
    assert scrubbed["request"] == {
        "url": "https://svc.example.com/api/users/[id]",
        "headers": {"Authorization": "[Filtered]", "Accept": "*/*"},
        "data": {"password": "[Filtered]", "plan": "pro"},
    }
    assert scrubbed["exception"]["values"][0]["value"] == "Bearer [Filtered] rejected"
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"] == {
        "api_key": "[Filtered]",
        "n": 1,
    }
    assert scrubbed["breadcrumbs"]["values"][0] == {
        "message": "mail [email]",
        "data": {"token": "[Filtered]"},
    }

"""Fixtures of the errors tests: report helpers."""

import json

URL = "/api/errors"
# The report the seed documents for POST /api/errors.
SEED_EXAMPLE = {
    "errorType": "TypeError",
    "message": "Cannot read property 'id' of undefined",
    "stack": "Error: ...",
    "page": "/profile",
    "severity": "error",
    "userId": "user_123",
    "sessionId": "session_abc",
    "metadata": {"componentStack": "at ProfilePage..."},
}


def report(client, body, **extra):
    """POST one error report as JSON."""
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)

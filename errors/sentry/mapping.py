"""A Sentry event turned into the report `errors.ingest.error_report` records.

The event is mapped to the fields of POST /api/errors and validated as that body is, so a
Sentry event goes through the same checks, grouping and scrubbing as a report sent there.
Frames become a stack in the platform's own text format (Python traceback or JavaScript `at`
lines), which the grouping normalises the same way as a stack sent directly.
"""

import base64
import re
import uuid

from common.privacy import hash_identifier, json_size, scrub_identifier, text_clean
from common.serializers import MAX_METADATA_BYTES
from errors.ingest import ErrorReportInput
from errors.serializers import ErrorReportSerializer, error_report_input
from errors.validation import report_payload

DEFAULT_FINGERPRINT = "{{ default }}"
MAX_FRAMES = 100
# The field sizes POST /api/errors accepts: longer values from an SDK are cut to fit rather
# than refused.
MAX_LENGTHS = {
    name: field.max_length
    for name, field in ErrorReportSerializer().fields.items()
    if getattr(field, "max_length", None)
}

_LEVEL_TO_SEVERITY = {
    "fatal": "critical",
    "critical": "critical",
    "error": "error",
    "warning": "warning",
    "warn": "warning",
    "info": "info",
    "debug": "info",
    "log": "info",
}
_EVENT_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def event_id_normalise(value) -> str:
    """Return `value` as a 32-digit hexadecimal event ID, or a new one when it is not one."""
    if isinstance(value, str):
        candidate = value.replace("-", "").lower()
        if _EVENT_ID.match(candidate):
            return candidate
    return uuid.uuid4().hex


def event_to_error_report(event: dict, *, client_key_name: str = "") -> ErrorReportInput:
    """Return the error report of a Sentry event JSON object, validated as a POST /api/errors
    body is (raising its 400 answer when refused)."""
    exceptions = _exceptions(event)
    outermost = exceptions[-1] if exceptions else {}
    message = _message(event)
    error_type = _text(outermost.get("type")) or ("Message" if message else "Error")
    value = _text(outermost.get("value")) or message or error_type
    request = event.get("request") if isinstance(event.get("request"), dict) else {}
    payload = {
        "errorType": error_type,
        "message": value,
        "stack": _stack(exceptions, platform=_text(event.get("platform"))),
        "page": _text(request.get("url")),
        "severity": _LEVEL_TO_SEVERITY.get(_text(event.get("level")).lower(), "error"),
        "userId": _user_id(event.get("user")),
        "buildId": _text(event.get("release")),
        "environment": _text(event.get("environment")),
        "userAgent": _header(request.get("headers"), "user-agent"),
        "metadata": _metadata(event, client_key_name=client_key_name, message=message),
    }
    fingerprint = _fingerprint(event.get("fingerprint"), error_type=error_type)
    if fingerprint:
        payload["fingerprint"] = fingerprint
    for key, max_length in MAX_LENGTHS.items():
        if key in payload:
            payload[key] = payload[key][:max_length]
    payload = {key: value for key, value in payload.items() if value not in ("", None)}
    return error_report_input(report_payload(payload))


def _text(value) -> str:
    # SDKs send what the application had: NUL and lone surrogates are cleaned, not refused.
    if value is None or isinstance(value, dict | list):
        return ""
    return text_clean(str(value)).strip()


def _exceptions(event: dict) -> list[dict]:
    container = event.get("exception")
    values = container.get("values") if isinstance(container, dict) else container
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, dict)]


def _message(event: dict) -> str:
    for key in ("logentry", "message"):
        value = event.get(key)
        if isinstance(value, dict):
            text = _text(value.get("formatted")) or _text(value.get("message"))
        else:
            text = _text(value)
        if text:
            return text
    return ""


def _frames(exception: dict) -> list[dict]:
    stacktrace = exception.get("stacktrace")
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    if not isinstance(frames, list):
        return []
    return [frame for frame in frames if isinstance(frame, dict)][-MAX_FRAMES:]


def _stack(exceptions: list[dict], *, platform: str) -> str:
    """Return the exceptions' frames as text, oldest exception first as Python prints them."""
    blocks = []
    for exception in exceptions:
        frames = _frames(exception)
        heading = f"{_text(exception.get('type')) or 'Error'}: {_text(exception.get('value'))}"
        if not frames:
            blocks.append(heading)
        elif platform == "python":
            lines = ["Traceback (most recent call last):"]
            for frame in frames:
                lines.append(
                    f'  File "{_location(frame)}", line {_text(frame.get("lineno")) or "?"}, '
                    f"in {_text(frame.get('function')) or '<module>'}"
                )
                if _text(frame.get("context_line")):
                    lines.append(f"    {_text(frame.get('context_line'))}")
            blocks.append("\n".join([*lines, heading]))
        else:
            lines = [heading]
            for frame in reversed(frames):
                position = ":".join(
                    _text(frame.get(key)) for key in ("lineno", "colno") if frame.get(key)
                )
                where = f"{_location(frame)}:{position}" if position else _location(frame)
                function = _text(frame.get("function"))
                lines.append(f"    at {function} ({where})" if function else f"    at {where}")
            blocks.append("\n".join(lines))
    return "\n\nDuring handling of the above exception, another exception occurred:\n\n".join(
        blocks
    )


def _location(frame: dict) -> str:
    return (
        _text(frame.get("abs_path"))
        or _text(frame.get("filename"))
        or _text(frame.get("module"))
        or "?"
    )


def _user_id(user) -> str:
    """Return a stored form of the Sentry user: its ID, else a keyed hash of e-mail or name."""
    if not isinstance(user, dict):
        return ""
    if _text(user.get("id")):
        return scrub_identifier(_text(user["id"]))
    for key in ("email", "username"):
        if _text(user.get(key)):
            return hash_identifier(_text(user[key]))
    return ""


def _header(headers, name: str) -> str:
    if isinstance(headers, dict):
        pairs = list(headers.items())
    elif isinstance(headers, list):
        pairs = headers
    else:
        return ""
    for pair in pairs:
        if isinstance(pair, list | tuple) and len(pair) == 2 and _text(pair[0]).lower() == name:
            return _text(pair[1])
    return ""


def _tags(tags) -> dict:
    if isinstance(tags, dict):
        return {text_clean(str(key)): _text(value) for key, value in tags.items()}
    if isinstance(tags, list):
        return {
            _text(pair[0]): _text(pair[1])
            for pair in tags
            if isinstance(pair, list | tuple) and len(pair) == 2
        }
    return {}


def _metadata(event: dict, *, client_key_name: str, message: str) -> dict:
    sdk = event.get("sdk") if isinstance(event.get("sdk"), dict) else {}
    sentry = {
        "eventId": event_id_normalise(event.get("event_id")),
        "sdk": _text(sdk.get("name")),
        "sdkVersion": _text(sdk.get("version")),
        "platform": _text(event.get("platform")),
        "logger": _text(event.get("logger")),
        "transaction": _text(event.get("transaction")),
        "clientKey": client_key_name,
    }
    if message and _exceptions(event):
        sentry["message"] = message
    metadata = {"sentry": {key: value for key, value in sentry.items() if value}}
    tags = _tags(event.get("tags"))
    if tags:
        metadata["tags"] = tags
    contexts = event.get("contexts") if isinstance(event.get("contexts"), dict) else {}
    for name in ("browser", "os", "runtime", "device"):
        context = contexts.get(name)
        if isinstance(context, dict):
            summary = " ".join(
                _text(context.get(key)) for key in ("name", "version", "model") if context.get(key)
            )
            if summary:
                metadata.setdefault("contexts", {})[name] = summary
    return _metadata_fit(metadata)


def _metadata_fit(metadata: dict) -> dict:
    """Return `metadata` within MAX_METADATA_BYTES, dropping contexts, then tags, if needed."""
    for optional in ("contexts", "tags"):
        if json_size(metadata) <= MAX_METADATA_BYTES:
            break
        metadata.pop(optional, None)
    if json_size(metadata) > MAX_METADATA_BYTES:
        metadata["sentry"] = {key: value[:200] for key, value in metadata["sentry"].items()}
    return metadata


def _fingerprint(fingerprint, *, error_type: str) -> str:
    """Return the client's grouping override, or '' to group as /api/errors does.

    `{{ default }}` alone means the default grouping; mixed with other values it stands for
    the exception type, so ["{{ default }}", "checkout"] splits an error type by "checkout".
    """
    if not isinstance(fingerprint, list) or not fingerprint:
        return ""
    parts = [_text(part) for part in fingerprint]
    if all(part == DEFAULT_FINGERPRINT for part in parts):
        return ""
    return "|".join(error_type if part == DEFAULT_FINGERPRINT else part for part in parts)


FEEDBACK_ITEM_TYPES = ("feedback", "user_report")
_IMAGE_NAME = re.compile(r"\.(png|jpe?g|webp)$", re.IGNORECASE)


def attachment_is_image(headers: dict) -> bool:
    """Return whether an attachment item's header names an image (a feedback screenshot)."""
    content_type = _text(headers.get("content_type")).lower()
    return content_type.startswith("image/") or bool(
        _IMAGE_NAME.search(_text(headers.get("filename")))
    )


def feedback_to_submission(
    item_type: str, payload: dict, *, screenshot: bytes | None = None
) -> tuple[str, dict]:
    """Return the ID of the event a feedback item is about ('' if none) and the data of a
    POST /api/feedback submission for it (camelCase, screenshot as a data: URL).

    `feedback` items (the new User Feedback API) carry `contexts.feedback`; `user_report`
    items (the older one) carry `comments`. The reporter's name is not kept.
    """
    if item_type == "feedback":
        contexts = payload.get("contexts") if isinstance(payload.get("contexts"), dict) else {}
        feedback = contexts.get("feedback") if isinstance(contexts.get("feedback"), dict) else {}
        message = _text(feedback.get("message"))
        email = _text(feedback.get("contact_email"))
        request = payload.get("request") if isinstance(payload.get("request"), dict) else {}
        page = _text(feedback.get("url")) or _text(request.get("url"))
        associated = _text(feedback.get("associated_event_id"))
        source = _text(feedback.get("source"))
    else:
        message = _text(payload.get("comments"))
        email = _text(payload.get("email"))
        page = ""
        associated = _text(payload.get("event_id"))
        source = "user_report"
    sdk = payload.get("sdk") if isinstance(payload.get("sdk"), dict) else {}
    sentry = {
        "eventId": _text(payload.get("event_id")),
        "associatedEventId": associated,
        "source": source,
        "sdk": _text(sdk.get("name")),
        "release": _text(payload.get("release")),
        "environment": _text(payload.get("environment")),
    }
    data = {
        "message": message[:5000],
        "category": "bug",
        "page": page[:2048],
        "email": email[:254] if _EMAIL_SHAPE.match(email) else "",
        "userId": _user_id(payload.get("user")),
        "metadata": {"sentry": {key: value[:200] for key, value in sentry.items() if value}},
    }
    if screenshot:
        data["screenshot"] = "data:image/png;base64," + base64.b64encode(screenshot).decode()
    associated = associated.replace("-", "").lower()
    associated_id = associated if _EVENT_ID.match(associated) else ""
    return associated_id, {key: value for key, value in data.items() if value != ""}

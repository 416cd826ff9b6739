"""Demo error reports for `manage.py seed_demo`, sent through the same service as the API."""

import random
from collections.abc import Callable

from errors.digest import error_digest
from errors.ingest import ErrorReportInput, error_report
from errors.models import ErrorLog
from errors.services import error_status_set

# (type, message template, severity, page, reports, status to leave it in)
DEMO_ERRORS = [
    (
        "TypeError",
        "Cannot read properties of undefined (reading 'id')",
        "error",
        "/profile",
        180,
        None,
    ),
    ("ChunkLoadError", "Loading chunk {n} failed.", "warning", "/flow", 95, None),
    (
        "NetworkError",
        "Failed to fetch /api/projects/{n}",
        "warning",
        "/projects/[id]",
        60,
        "acknowledged",
    ),
    (
        "DatabaseError",
        "canceling statement due to statement timeout (pid {n})",
        "critical",
        "/api/search",
        12,
        None,
    ),
    (
        "ValidationError",
        "Invalid email for user {n}@example.com",
        "info",
        "/settings",
        40,
        "ignored",
    ),
    ("RangeError", "Maximum call stack size exceeded", "error", "/search", 25, "resolved"),
    ("SyntaxError", "Unexpected token '<' in JSON at position {n}", "error", "/pricing", 18, None),
    ("AuthError", "Session {n} expired", "warning", "/login", 30, "resolved"),
]
# Build IDs and the content hashes their bundles carry in their file names.
BUILDS = {
    "build-2026.11.20": "3f9a2c1b",
    "build-2026.11.24": "8e41d07a",
    "build-2026.11.27": "c52b9e34",
}
STACK = (
    "{type}: {message}\n"
    "    at render (https://app.example.com/static/js/main.{build}.js:1:{col})\n"
    "    at commitRoot (https://app.example.com/static/js/vendor.{build}.js:2:{col})"
)


def demo_errors_generate(
    *, days: int, sessions_per_day: int, seed: int, progress: Callable[[str], None]
) -> str:
    """Report a realistic mix of errors (IDs varying per report, several builds) and leave
    some acknowledged, resolved or ignored; say how many reports and groups."""
    rng = random.Random(seed)
    reports = 0
    for error_type, template, severity, page, count, final_status in DEMO_ERRORS:
        error_id = None
        for _ in range(count):
            build = rng.choice(list(BUILDS))
            message = template.format(n=rng.randint(1, 99999))
            error_id = error_report(
                report=ErrorReportInput(
                    error_type=error_type,
                    message=message,
                    stack=STACK.format(
                        type=error_type,
                        message=message,
                        build=BUILDS[build],
                        col=rng.randint(10, 9999),
                    ),
                    page=page,
                    severity=severity,
                    user_id=f"user_{rng.randint(1, 60)}",
                    session_id=f"session_{rng.randint(1, 400)}",
                    build_id=build,
                    environment="production",
                    user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0",
                )
            ).error_id
            reports += 1
        # Counted now, so the seeded groups show their counts before any worker runs.
        error_digest()
        if final_status:
            error_status_set(error_ids=[error_id], status=final_status, source="by seed_demo")
    progress(f"  {reports} error reports")
    return f"{reports} error reports in {len(DEMO_ERRORS)} groups"


def demo_errors_exist() -> bool:
    """Return whether any error group is stored."""
    return ErrorLog.objects.exists()

"""The measured sections of `make bench`: each measures on the stack and returns its results,
its targets (bench.report.Target) and its lines of the report."""

from bench.stack import Stack

EVENT_TABLE = "telemetry_telemetryevent"
EVENT_COLUMNS = (
    "project_id, type, page, action, duration, metadata, user_agent, platform, session_id, "
    "user_id, anonymous_id, device_type, region, client_timestamp, created_at"
)
# The load generator's events; the service also records its own API calls in the same table.
BENCH_EVENTS = "anonymous_id LIKE 'anon%%'"


def rolled_up_events(stack: Stack) -> int:
    """Return how many events the hourly roll-ups count."""
    with stack.connect() as connection:
        (rolled,) = connection.execute(
            "SELECT coalesce(sum(count), 0) FROM telemetry_telemetryaggregate"
        ).fetchone()
    return int(rolled)

"""The SQL the roll-ups and the metrics share: what differs between PostgreSQL and SQLite."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from telemetry.sketches import LN_GAMMA, ZERO_BUCKET, value_hash


def register_sqlite_functions(sender, connection, **kwargs):
    """Give SQLite connections the ID hash PostgreSQL has built in (connection_created)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "telemetry_value_hash", 1, value_hash, deterministic=True
        )


@dataclass(frozen=True)
class Dialect:
    """The SQL expressions that differ between PostgreSQL and SQLite."""

    hour: str
    day: str
    object_agg: str
    empty_object: str
    object_entries: str
    hash: str
    insert_ignore: str
    on_conflict_ignore: str

    def bucket(self, column: str) -> str:
        """Return the SQL bucket index of `column` (see telemetry.sketches.bucket_index)."""
        return (
            f"CASE WHEN {column} IS NULL THEN NULL WHEN {column} <= 0 THEN {ZERO_BUCKET} "
            f"ELSE CAST(CEILING(LN({column}) / {LN_GAMMA!r}) AS INTEGER) END"
        )


# Each expression as (PostgreSQL, SQLite), side by side so they are kept alike.
_EXPRESSIONS = {
    "hour": ("date_trunc('hour', {}, 'UTC')", "strftime('%%Y-%%m-%%d %%H:00:00', {})"),
    "day": ("CAST(({} AT TIME ZONE 'UTC') AS date)", "date({})"),
    "object_agg": ("jsonb_object_agg", "json_group_object"),
    "empty_object": ("'{}'::jsonb", "'{}'"),
    "object_entries": ("jsonb_each_text({})", "json_each({})"),
    "hash": ("hashtextextended({}, 0)", "telemetry_value_hash({})"),
    "insert_ignore": ("INSERT INTO", "INSERT OR IGNORE INTO"),
    "on_conflict_ignore": ("ON CONFLICT DO NOTHING", ""),
}
POSTGRESQL = Dialect(**{name: pair[0] for name, pair in _EXPRESSIONS.items()})
SQLITE = Dialect(**{name: pair[1] for name, pair in _EXPRESSIONS.items()})


def db_dialect() -> Dialect:
    """Return the dialect of the default database."""
    return POSTGRESQL if connection.vendor == "postgresql" else SQLITE


def db_datetime(value: datetime):
    """Return `value` as the database expects it in a raw query parameter."""
    return connection.ops.adapt_datetimefield_value(value)

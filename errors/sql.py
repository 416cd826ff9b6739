"""The errors app's hand-written SQL helper: multi-row INSERT … ON CONFLICT, for the writes
Django's bulk_create cannot express (a DO UPDATE that adds, a RETURNING of inserted rows only)."""

from django.db import connection


def rows_insert(model, rows: list[tuple], *, on_conflict: str, returning: str = "") -> list:
    """Insert `rows` (values of every column of `model` but its ID, in order) a thousand per
    statement with `on_conflict`; return what `returning` names of each inserted row."""
    quote = connection.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    table = quote(model._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returned = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(field.column) for field in fields)}) "
                f"VALUES {', '.join([placeholders] * len(chunk))} "
                f"ON CONFLICT {on_conflict.format(table=table)}"
                + (f" RETURNING {returning}" if returning else ""),
                [
                    field.get_db_prep_save(value, connection)
                    for row in chunk
                    for field, value in zip(fields, row, strict=True)
                ],
            )
            if returning:
                returned += cursor.fetchall()
    return returned

"""Retention: each app registers how to purge its expired data; `purge_expired` runs them all.

Apps register in their AppConfig.ready(), so this shared module never imports a domain app.
A purger is called as `purger(dry_run=..., batch_size=..., progress=...)` and returns the
number of rows it deleted (or would delete, with dry_run). It deletes in bounded batches,
each in its own short transaction, so ingestion keeps flowing while it runs.
"""

from collections.abc import Callable, Iterator

from django.db import transaction

Purger = Callable[..., int]

_purgers: dict[str, Purger] = {}


def retention_register(name: str, purger: Purger) -> None:
    """Register `purger` under `name`, the kind purge_expired prints ("telemetry events")."""
    _purgers[name] = purger


def retention_purgers() -> dict[str, Purger]:
    """Return the registered purgers by name, in registration order."""
    return dict(_purgers)


def delete_in_batches(
    queryset, *, batch_size: int, progress: Callable[[int], None] | None = None
) -> int:
    """Delete the rows of `queryset` by primary key, `batch_size` at a time; return the count."""
    deleted = 0
    for ids in _id_batches(queryset, batch_size):
        with transaction.atomic():
            deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
        if progress:
            progress(deleted)
    return deleted


def _id_batches(queryset, batch_size: int) -> Iterator[list]:
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield ids
        if len(ids) < batch_size:
            return

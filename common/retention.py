"""Retention: each app registers how to purge its expired data; `purge_expired` runs them all.

Apps register in their AppConfig.ready(), so this shared module never imports a domain app.
A purger is called as `purger(dry_run=..., batch_size=..., progress=...)` and returns the
number of rows it deleted (or would delete, with dry_run). It deletes in bounded batches,
each in its own short transaction, and rests between batches, so ingestion keeps flowing
while it runs.
"""

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

Purger = Callable[..., int]

_purgers: dict[str, Purger] = {}


def retention_register(name: str, purger: Purger) -> None:
    """Register `purger` under `name`, the kind purge_expired prints ("telemetry events")."""
    _purgers[name] = purger


def retention_purgers() -> dict[str, Purger]:
    """Return the registered purgers by name, in registration order."""
    return dict(_purgers)


def retention_cutoff(*, days: int) -> datetime:
    """Return the moment `days` days ago: what is older has expired."""
    return timezone.now() - timedelta(days=days)


def retention_purge(
    expired, *, dry_run: bool, batch_size: int, progress: Callable[[int], None] | None = None
) -> int:
    """Delete the rows of the `expired` queryset in batches, or only count them with `dry_run`;
    return the count: the body of a purger."""
    if dry_run:
        return expired.count()
    return delete_in_batches(expired, batch_size=batch_size, progress=progress)


def delete_in_batches(
    queryset, *, batch_size: int, progress: Callable[[int], None] | None = None
) -> int:
    """Delete the rows of `queryset` by primary key, `batch_size` at a time; return the count.

    After each batch but the last it pauses RETENTION["BATCH_PAUSE_RATIO"] times as long as
    the batch took, so a purge takes at most that share of the database from ingestion.
    """
    pause_ratio = settings.RETENTION["BATCH_PAUSE_RATIO"]
    deleted = 0
    started = time.monotonic()
    for ids in _id_batches(queryset, batch_size):
        with transaction.atomic():
            deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
        if progress:
            progress(deleted)
        if len(ids) == batch_size and pause_ratio > 0:
            time.sleep((time.monotonic() - started) * pause_ratio)
        started = time.monotonic()
    return deleted


def _id_batches(queryset, batch_size: int) -> Iterator[list]:
    # Keyset pagination: each batch starts after the last key, so it never rescans the index
    # entries of rows already deleted (dead until vacuum).
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        ids = list(page.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        yield ids
        if len(ids) < batch_size:
            return
        last = ids[-1]

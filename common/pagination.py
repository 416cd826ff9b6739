"""A paginator for admin changelists over tables of millions of rows."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Below this many estimated rows an exact COUNT(*) is cheap enough to run.
EXACT_COUNT_BELOW = 100_000


class EstimatedCountPaginator(Paginator):
    """Count an unfiltered PostgreSQL table from the planner's statistics, not COUNT(*).

    The admin counts the whole table on every changelist page; on PostgreSQL that scans
    every row. Filtered lists and small tables are counted exactly.
    """

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= EXACT_COUNT_BELOW:
                return row[0]
        return super().count

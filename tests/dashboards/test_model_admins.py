"""The model admins on large tables: no full-table COUNT, filters that do not scan for values."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common import pagination
from common.pagination import EstimatedCountPaginator
from telemetry.models import TelemetryEvent
from tests.errors.factories import error_reported
from tests.factories import TelemetryEventFactory

pytestmark = pytest.mark.django_db

URL = "/admin/telemetry/telemetryevent/"


def test_telemetry_admin__filters_by_type_and_device_without_scanning_for_values(
    admin_client_logged_in,
):
    TelemetryEventFactory(type="api_call", page="/api/one", device_type="mobile")
    TelemetryEventFactory(type="page_view", page="/two", device_type="desktop")
    with CaptureQueriesContext(connection) as queries:
        html = admin_client_logged_in.get(URL, {"type": "api_call"}).content.decode()
    assert "/api/one" in html and "/two" not in html
    assert "Session start" in html  # every type is offered, whether or not it occurs
    assert not any("DISTINCT" in query["sql"] for query in queries.captured_queries)
    mobile = admin_client_logged_in.get(URL, {"device_type": "mobile"}).content.decode()
    assert "/api/one" in mobile and "/two" not in mobile


def test_estimated_count_paginator__reads_the_planner_estimate_for_a_whole_large_table(
    on_postgres, monkeypatch
):
    TelemetryEventFactory.create_batch(5, type="page_view")
    TelemetryEventFactory(type="action")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE telemetry_telemetryevent")
    monkeypatch.setattr(pagination, "EXACT_COUNT_BELOW", 1)
    everything = EstimatedCountPaginator(TelemetryEvent.objects.order_by("-id"), 100)
    with CaptureQueriesContext(connection) as queries:
        assert everything.count == 6
    assert "COUNT(" not in queries.captured_queries[0]["sql"]
    filtered = EstimatedCountPaginator(
        TelemetryEvent.objects.filter(type="action").order_by("-id"), 100
    )
    assert filtered.count == 1


def test_estimated_count_paginator__counts_small_tables_exactly():
    TelemetryEventFactory.create_batch(3)
    assert EstimatedCountPaginator(TelemetryEvent.objects.order_by("-id"), 100).count == 3


def test_errorlog_admin__filters_by_environment_from_the_cached_list_without_scanning(
    admin_client_logged_in,
):
    error_reported({"errorType": "ProdError", "message": "a", "environment": "production"})
    error_reported({"errorType": "StageError", "message": "b", "environment": "staging"})
    url = "/admin/errors/errorlog/"
    admin_client_logged_in.get(url)  # fills the environment cache
    with CaptureQueriesContext(connection) as queries:
        html = admin_client_logged_in.get(url).content.decode()
    assert "?environment=staging" in html and "?environment=production" in html
    sql = [query["sql"] for query in queries.captured_queries]
    assert not any("DISTINCT" in statement for statement in sql)
    staging = admin_client_logged_in.get(url, {"environment": "staging"}).content.decode()
    assert "StageError" in staging and "ProdError" not in staging
    # Unindexed columns are not offered as sort links.
    assert "?o=1" not in html

"""The staff dashboards in Chromium: charts draw, the metrics refresh, an error is resolved.

Screenshots of the three pages are saved to test-artifacts/ for a person to look at.
"""

from pathlib import Path

import pytest
from django.utils import timezone

from errors.models import ErrorLog, ErrorStatus
from health.services import health_check_run
from projects.models import Project
from tests.errors.factories import error_reported
from tests.factories import TelemetryEventFactory, UserFactory
from tests.telemetry.factories import generate_events

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Counts the canvas pixels that are not fully transparent: a drawn chart has many.
PAINTED_PIXELS = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return painted;
}"""


@pytest.fixture
def staff_page(page, log_in):
    log_in(UserFactory(is_staff=True, is_superuser=True))
    page.set_viewport_size({"width": 1400, "height": 1000})
    return page


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_metrics_dashboard__charts_draw_and_refresh_fetches_new_data(staff_page, wait_for):
    generate_events(now=timezone.now(), days=7, per_day=80)
    page = staff_page
    page.goto("/admin/metrics/?window=7d&refresh=1")
    root = page.locator("#metrics-dashboard")
    wait_for(lambda: int(root.get_attribute("data-refresh-count")) >= 1, message="first load")
    for canvas in ("chart-events", "chart-types", "chart-devices", "chart-latency"):
        assert page.evaluate(PAINTED_PIXELS, canvas) > 500, canvas
    total = page.locator('[data-total="totalEvents"]')
    before = int(total.inner_text())
    assert before > 0
    screenshot(page, "admin-metrics")

    TelemetryEventFactory(type="page_view", page="/fresh-page", created_at=timezone.now())
    wait_for(
        lambda: total.inner_text() == str(before + 1),
        message="the refresh never showed the new event",
    )
    assert page.locator("#recent-events tr").first.inner_text().count("/fresh-page") == 1
    # The page itself was not reloaded: the refreshes came from the JSON endpoint.
    assert int(root.get_attribute("data-refresh-count")) >= 2
    assert page.page_errors == []
    assert page.csp_violations == []


def test_metrics_dashboard__empty_window_says_so(staff_page, wait_for):
    page = staff_page
    page.goto("/admin/metrics/?window=24h")
    page.locator("#metrics-empty").wait_for(state="visible")
    assert page.page_errors == []
    assert page.csp_violations == []


def test_errors_dashboard__resolve_one_error_from_the_triage_page(staff_page):
    kept = error_reported({"errorType": "RangeError", "message": "Too deep"})
    error = error_reported(
        {
            "errorType": "TypeError",
            "message": "Cannot read properties of undefined (reading 'id')",
            "page": "/profile",
            "severity": "critical",
            "userId": "user_1",
            "stack": "TypeError: x\n    at Profile (profile.js:10:5)",
        }
    )
    error_reported({"errorType": "TypeError", "message": error.message, "userId": "u2"})
    page = staff_page
    page.goto("/admin/errors/")
    screenshot(page, "admin-errors")
    row = page.locator(f'tr[data-error-id="{error.pk}"]')
    assert "Cannot read properties" in row.inner_text()
    row.get_by_role("button", name="Resolve").click()

    page.get_by_text("1 error(s) marked resolved.").wait_for()
    assert page.locator(f'tr[data-error-id="{error.pk}"]').count() == 0
    assert page.locator(f'tr[data-error-id="{kept.pk}"]').count() == 1
    error.refresh_from_db()
    assert error.status == ErrorStatus.RESOLVED
    assert ErrorLog.objects.get(pk=kept.pk).status == ErrorStatus.NEW

    page.goto(f"/admin/errors/{error.pk}/")
    assert "at Profile (profile.js:10:5)" in page.locator("#error-stack").inner_text()
    assert "Status set to resolved" in page.locator("#status-history").inner_text()
    screenshot(page, "admin-error-detail")
    assert page.page_errors == []
    assert page.csp_violations == []


def test_errors_dashboard__select_all_ticks_every_row_and_bulk_resolves(staff_page):
    errors = [error_reported({"errorType": f"Error{n}", "message": f"Broke {n}"}) for n in range(3)]
    page = staff_page
    page.goto("/admin/errors/")

    page.get_by_label("Select all").check()
    assert page.locator("input[name=ids]:checked").count() == 3
    page.get_by_label("Bulk action").select_option("resolve")
    page.get_by_role("button", name="Apply to selected").click()

    page.get_by_text("3 error(s) marked resolved.").wait_for()
    assert {ErrorLog.objects.get(pk=e.pk).status for e in errors} == {ErrorStatus.RESOLVED}
    assert page.page_errors == []
    assert page.csp_violations == []


def test_health_dashboard__history_charts_draw(staff_page):
    for _ in range(3):
        health_check_run(store=True)
    page = staff_page
    page.goto("/admin/health/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-db-latency')")
    for canvas in ("chart-db-latency", "chart-error-rate", "chart-active-sessions"):
        assert page.evaluate(PAINTED_PIXELS, canvas) > 200, canvas
    assert page.locator("#health-status").inner_text() in {"healthy", "degraded", "unhealthy"}
    screenshot(page, "admin-health")
    assert page.page_errors == []
    assert page.csp_violations == []


def test_index__leads_with_the_dashboards(staff_page):
    page = staff_page
    page.goto("/admin/")
    page.get_by_role("link", name="Errors").first.wait_for()
    screenshot(page, "admin-index")
    page.locator("#dashboards-summary a", has_text="Metrics").click()
    page.wait_for_url("**/admin/metrics/")


def test_error_detail__long_unbroken_message_page_and_build_wrap_within_1280_px(staff_page):
    error = error_reported(
        {
            "errorType": "UnhandledPromiseRejection",
            "message": "Request failed: https://payments.example.com/charge?token=" + "a" * 400,
            "page": "https://shop.example.com/checkout/" + "p" * 400,
            "buildId": "build-" + "9" * 120,
        }
    )
    page = staff_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/admin/errors/{error.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.page_errors == []


@pytest.mark.parametrize("path", ["/admin/errors/", "/admin/metrics/", "/admin/health/"])
def test_project_picker__a_long_project_name_keeps_the_page_within_1280_px(staff_page, path):
    Project.objects.create(
        slug="northwind-customer-self-service-portal-eu-west",
        name="Northwind customer self-service portal (EU West, production mirror for the Q4 move)",
    )
    page = staff_page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert "Northwind customer self-service portal" in page.inner_text("#project-picker")
    assert page.page_errors == []

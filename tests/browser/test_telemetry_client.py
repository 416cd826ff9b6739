"""telemetry.js in a real browser: what the demo page sends reaches the database."""

import pytest

from telemetry.models import TelemetryEvent
from tests.conftest import rate_window_early

pytestmark = pytest.mark.browser


def types_recorded() -> list[str]:
    return list(TelemetryEvent.objects.order_by("pk").values_list("type", flat=True))


def test_telemetry_js__page_view_session_start_and_custom_event_reach_the_database(page, wait_for):
    page.goto("/demo/?flushInterval=500")
    page.click("#track-event")

    wait_for(
        lambda: {"session_start", "page_view", "action"} <= set(types_recorded()),
        message=f"events recorded: {types_recorded()}",
    )
    action = TelemetryEvent.objects.get(type="action")
    page_view = TelemetryEvent.objects.get(type="page_view")
    session_id = page.evaluate("window.telemetry.sessionId")
    assert action.action == "add_to_cart"
    assert action.metadata == {"sku": "demo-42", "price": 19}
    assert page_view.page == "/demo/"
    assert {action.session_id, page_view.session_id} == {session_id}
    assert page.page_errors == []
    assert page.csp_violations == []


def test_telemetry_js__client_side_navigation_records_a_page_view_of_the_new_path(page, wait_for):
    page.goto("/demo/?flushInterval=500")
    page.click("#navigate")

    wait_for(
        lambda: TelemetryEvent.objects.filter(type="page_view", page="/demo/checkout").exists(),
        message=f"pages viewed: {list(TelemetryEvent.objects.values_list('page', flat=True))}",
    )


def test_telemetry_js__events_queued_at_unload_arrive_by_send_beacon(page, wait_for):
    # With fetch failing (as when offline) the events stay queued; only sendBeacon can deliver.
    page.add_init_script("window.fetch = () => Promise.reject(new TypeError('offline'));")
    page.goto("/demo/?flushInterval=500")
    page.evaluate("window.telemetry.track('action', {action: 'left_in_queue'})")
    page.wait_for_timeout(1500)
    assert TelemetryEvent.objects.count() == 0

    page.goto("about:blank")

    wait_for(
        lambda: {"session_start", "page_view", "action", "session_end"} <= set(types_recorded()),
        message="the queued events never arrived",
    )
    assert TelemetryEvent.objects.get(type="action").action == "left_in_queue"
    assert TelemetryEvent.objects.get(type="session_end").duration >= 1000


def test_telemetry_js__backs_off_after_a_429_and_delivers_the_events_later(
    page, wait_for, settings
):
    settings.TELEMETRY = {
        **settings.TELEMETRY,
        "RATE_LIMIT_REQUESTS": 1,
        "RATE_LIMIT_WINDOW_SECONDS": 5,
    }
    rate_window_early(window_seconds=5, room_seconds=3)  # both requests below in one window
    page.add_init_script(
        """const send = window.fetch; window.batchStatuses = [];
        window.fetch = (...args) => send(...args).then((response) => {
          if (String(args[0]).endsWith("/batch")) window.batchStatuses.push(response.status);
          return response;
        });"""
    )
    page.goto("/demo/?flushInterval=500")
    page.evaluate("window.telemetry.flush()")
    wait_for(lambda: TelemetryEvent.objects.filter(type="page_view").exists())
    page.evaluate("window.telemetry.track('action', {action: 'after_backoff'}); telemetry.flush()")

    wait_for(
        lambda: TelemetryEvent.objects.filter(action="after_backoff").exists(),
        message="the event refused with 429 was never delivered",
    )
    statuses = page.evaluate("window.batchStatuses")
    assert statuses[:3] == [200, 429, 200]
    assert TelemetryEvent.objects.filter(type="page_view").count() == 1
    assert page.page_errors == []
    assert page.csp_violations == []


def test_telemetry_js__blocked_storage_does_not_break_the_host_page(page, wait_for):
    page.add_init_script(
        """for (const name of ["localStorage", "sessionStorage"]) {
          Object.defineProperty(window, name, {get() { throw new DOMException("blocked"); }});
        }"""
    )
    page.goto("/demo/?flushInterval=500")
    page.click("#track-event")

    wait_for(lambda: TelemetryEvent.objects.filter(action="add_to_cart").exists())
    assert page.page_errors == []
    assert page.csp_violations == []
    page.get_by_role("button", name="Report a bug").wait_for()


def test_telemetry_js_and_report_bug__data_key_sends_to_the_key_project(page, wait_for):
    from errors.digest import error_digest
    from errors.models import ClientKey, ErrorLog
    from feedback.models import FeedbackSubmission
    from projects.models import Project

    project = Project.objects.create(slug="storefront", name="Storefront")
    key = ClientKey.objects.create(project=project, name="web")
    page.goto(f"/demo/?flushInterval=500&key={key.public_key}")
    assert page.locator(f'script[data-key="{key.public_key}"]').count() == 2
    page.click("#throw-error")
    wait_for(lambda: ErrorLog.objects.exists(), message="the thrown error never arrived")
    # The batch endpoint took the key (an unknown one would be refused and nothing stored).
    wait_for(lambda: TelemetryEvent.objects.filter(type="page_view").exists())

    page.get_by_role("button", name="Report a bug").click()
    page.get_by_label("What happened?").fill("The storefront total is wrong")
    page.get_by_role("button", name="Send report").click()
    page.get_by_text("Thank you! Your report was sent.").wait_for()

    error_digest()
    assert set(ErrorLog.objects.values_list("project__slug", flat=True)) == {"storefront"}
    assert FeedbackSubmission.objects.get().project == project
    # Only the error the demo throws on purpose.
    assert [str(error) for error in page.page_errors] == ["The demo cart is undefined"]
    assert page.csp_violations == []

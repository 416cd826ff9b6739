"""Pages under the Content-Security-Policy in Chromium: they work, and nothing is refused."""

import pytest

from tests.browser.test_dashboards import screenshot
from tests.errors.factories import error_reported
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def refused(message) -> bool:
    return "Content Security Policy" in message.text


def test_csp__chromium_reports_what_the_policy_refuses(page):
    page.goto("/demo/")
    with page.expect_console_message(refused):
        page.evaluate("() => document.body.setAttribute('style', 'background: red')")
    with page.expect_console_message(refused):
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.inlineRan = true";
              document.body.appendChild(script);
            }"""
        )

    assert page.evaluate("window.inlineRan === undefined")
    assert any("style-src" in text for text in page.csp_violations), page.csp_violations
    assert any("script-src" in text for text in page.csp_violations), page.csp_violations


def test_csp__the_report_bug_button_is_styled_on_the_demo_page(page):
    page.goto("/demo/")
    button = page.get_by_role("button", name="Report a bug")
    button.wait_for()

    styles = button.evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.position, s.backgroundColor]; }"
    )
    page.get_by_role("button", name="Add to cart (custom event)").click()

    assert styles == ["fixed", "rgb(198, 40, 40)"]
    assert "add_to_cart" in page.locator("#log").inner_text(), "demo.js runs"
    screenshot(page, "demo")
    assert page.page_errors == []
    assert page.csp_violations == []


def test_csp__the_api_docs_render_every_operation_under_their_policy(page):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto("/api/docs/")

    page.locator(".opblock-summary-path", has_text="/api/telemetry/batch").first.wait_for()
    assert page.locator(".opblock").count() > 10
    screenshot(page, "api-docs")
    assert page.page_errors == []
    assert page.csp_violations == []


def test_csp__the_admins_own_pages_and_widgets_work_under_the_policy(page, log_in):
    staff = UserFactory(is_staff=True, is_superuser=True)
    log_in(staff)
    error_reported({"errorType": "TypeError", "message": "<b>not bold</b>"})

    for path in ("/admin/errors/errorlog/", "/admin/auth/user/", "/admin/auth/user/add/"):
        page.goto(path)
        page.locator("#content").wait_for()
    page.goto(f"/admin/auth/user/{staff.pk}/change/")
    # The date and time shortcuts are drawn by the admin's scripts.
    page.get_by_role("link", name="Today").first.click()
    page.get_by_role("link", name="Now").first.click()

    assert page.locator("#id_date_joined_0").input_value() != ""
    assert page.page_errors == []
    assert page.csp_violations == []

"""The report-bug button and the error reporting of telemetry.js on the demo page."""

import pytest
from PIL import Image

from errors.models import ErrorLog
from feedback.models import FeedbackSubmission
from tests.factories import UserFactory
from tests.feedback.conftest import image_bytes, same_picture

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_report_bug__keyboard_user_sends_a_report_with_a_screenshot(page, wait_for, tmp_path):
    screenshot = tmp_path / "shot.png"
    screenshot.write_bytes(image_bytes("PNG", size=(320, 200)))
    page.goto("/demo/")

    button = page.get_by_role("button", name="Report a bug")
    button.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Report a bug")
    assert dialog.is_visible()
    # The dialog opens with the focus in the description, ready to type.
    page.keyboard.type("The checkout total is wrong")
    page.get_by_label("What is it?").select_option("bug")
    page.get_by_label("Screenshot file").set_input_files(str(screenshot))
    assert page.get_by_alt_text("Screenshot preview").is_visible()
    page.get_by_role("button", name="Send report").click()

    page.get_by_text("Thank you! Your report was sent.").wait_for()
    feedback = FeedbackSubmission.objects.get()
    assert feedback.message == "The checkout total is wrong"
    assert feedback.page.endswith("/demo/")
    assert "HeadlessChrome" in feedback.user_agent
    assert feedback.session_id == page.evaluate("window.telemetry.sessionId")
    assert feedback.screenshot.name.endswith(".png")
    assert same_picture(feedback.screenshot.read(), screenshot.read_bytes())
    error = ErrorLog.objects.get()
    assert (error.error_type, feedback.error) == ("UserReport", error)
    assert error.metadata["screenshot"] == feedback.screenshot.name
    assert page.page_errors == []
    assert page.csp_violations == []

    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "report-bug-root"


def test_report_bug__a_refusal_shows_the_servers_sentence(page, settings, one_rate_window):
    settings.FEEDBACK = {**settings.FEEDBACK, "RATE_LIMIT_REQUESTS": 1}
    page.goto("/demo/")
    page.get_by_role("button", name="Report a bug").click()
    for text in ("First report", "Second report"):
        page.get_by_label("What happened?").fill(text)
        page.get_by_role("button", name="Send report").click()
        page.wait_for_function(
            "() => !document.getElementById('report-bug-root').shadowRoot"
            ".querySelector('.send').disabled"
        )

    page.get_by_text("Too many requests").wait_for()
    assert FeedbackSubmission.objects.count() == 1
    assert page.get_by_label("What happened?").input_value() == "Second report"


def test_report_bug__empty_description_is_not_sent(page):
    page.goto("/demo/")
    page.get_by_role("button", name="Report a bug").click()
    page.get_by_role("button", name="Send report").click()

    page.get_by_text("Please describe the problem first.").wait_for()
    assert not FeedbackSubmission.objects.exists()


def test_report_bug__button_is_absent_for_a_logged_in_staff_user(page, log_in):
    log_in(UserFactory(is_staff=True))
    page.goto("/demo/")

    page.get_by_text("hidden for you because you are logged in as staff").wait_for()
    assert page.locator("#report-bug-root").count() == 0


def test_report_bug__button_is_shown_to_a_logged_in_non_staff_user(page, log_in):
    log_in(UserFactory())
    page.goto("/demo/")

    page.get_by_role("button", name="Report a bug").wait_for()


def test_telemetry_js__thrown_error_and_rejection_reach_error_triage(page, wait_for):
    page.goto("/demo/?flushInterval=500")
    page.click("#throw-error")
    page.click("#reject-promise")

    wait_for(lambda: ErrorLog.objects.count() == 2, message="errors did not arrive")
    thrown = ErrorLog.objects.get(error_type="TypeError")
    assert thrown.message == "The demo cart is undefined"
    assert "demo" in thrown.stack
    assert thrown.page.endswith("/demo/")
    assert thrown.session_id == page.evaluate("window.telemetry.sessionId")
    rejected = ErrorLog.objects.exclude(pk=thrown.pk).get()
    assert rejected.message == "The demo payment provider did not answer"
    assert rejected.metadata == {"unhandledRejection": True}


def test_report_bug__a_network_failure_is_shown_and_the_text_kept(page):
    page.goto("/demo/")
    page.route("**/api/feedback", lambda route: route.abort())
    page.get_by_role("button", name="Report a bug").click()
    page.get_by_label("What happened?").fill("Offline report")
    page.get_by_role("button", name="Send report").click()

    page.get_by_text("could not be sent; check your connection").wait_for()
    assert page.get_by_label("What happened?").input_value() == "Offline report"
    assert not FeedbackSubmission.objects.exists()
    assert page.page_errors == []
    assert page.csp_violations == []


def test_report_bug__a_refused_tab_capture_reopens_the_dialog_and_says_so(page):
    # Headless Chromium has no capture picker: stand in for a user who says no.
    page.add_init_script(
        "navigator.mediaDevices.getDisplayMedia = () =>"
        " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
    )
    page.goto("/demo/")
    page.get_by_role("button", name="Report a bug").click()
    page.get_by_label("What happened?").fill("Kept while capturing")
    page.get_by_role("button", name="Capture this tab").click()

    page.get_by_text("No screenshot was captured.").wait_for()
    assert page.get_by_role("dialog", name="Report a bug").is_visible()
    assert page.get_by_label("What happened?").input_value() == "Kept while capturing"
    assert page.page_errors == []
    assert page.csp_violations == []


def test_report_bug__an_accepted_tab_capture_attaches_a_jpeg_of_the_stream(page):
    # Headless Chromium cannot capture a tab: a canvas stream stands in for the user's choice.
    page.add_init_script(
        """navigator.mediaDevices.getDisplayMedia = async () => {
          const canvas = Object.assign(document.createElement("canvas"), {width: 640, height: 360});
          const context = canvas.getContext("2d");
          setInterval(() => { context.fillStyle = "#c00"; context.fillRect(0, 0, 640, 360); }, 20);
          return canvas.captureStream(30);
        };"""
    )
    page.goto("/demo/")
    page.get_by_role("button", name="Report a bug").click()
    page.get_by_label("What happened?").fill("With a captured tab")
    page.get_by_role("button", name="Capture this tab").click()
    page.get_by_text("Screenshot attached.").wait_for()
    page.get_by_role("button", name="Send report").click()

    page.get_by_text("Thank you! Your report was sent.").wait_for()
    feedback = FeedbackSubmission.objects.get()
    assert feedback.screenshot.name.endswith(".jpg")
    with Image.open(feedback.screenshot) as image:
        assert image.size == (640, 360)
        assert image.getpixel((10, 10))[0] > 150

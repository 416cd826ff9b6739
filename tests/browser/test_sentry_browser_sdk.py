"""@sentry/browser in headless Chromium, on a page of another origin, sends to this service."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from errors.models import ClientKey, ErrorLog
from errors.sentry.selectors import client_key_dsn
from feedback.models import FeedbackSubmission

pytestmark = pytest.mark.browser

BUNDLE = Path(__file__).parent.parent / "fixtures" / "sentry-browser" / "sentry-browser.min.js"
SHOP_PAGE = b"<!doctype html><title>Checkout</title><h1>Checkout</h1>"

# One request at a time, without session updates: the SQLite test database, shared in memory
# with the live server, refuses concurrent writers instead of waiting for them.
REPORT_FROM_THE_PAGE = """async (dsn) => {
    Sentry.init({
        dsn,
        release: "storefront@9.9.9",
        environment: "production",
        integrations: (all) => all.filter((integration) => integration.name !== "BrowserSession"),
    });
    Sentry.setUser({id: "shopper-3", email: "shopper@example.com"});
    Sentry.setTag("cart", "large");
    function addToCart(item) { return item.price.amount; }
    let eventId;
    try { addToCart({}); } catch (error) { eventId = Sentry.captureException(error); }
    await Sentry.flush(5000);
    Sentry.captureMessage("Checkout is slow", "warning");
    await Sentry.flush(5000);
    Sentry.captureFeedback({
        message: "The pay button does nothing",
        email: "shopper@example.com",
        associatedEventId: eventId,
    });
    await Sentry.flush(5000);
    return eventId;
}"""


class ShopPageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(SHOP_PAGE)))
        self.end_headers()
        self.wfile.write(SHOP_PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def shop_origin():
    """Serve the shop's page from another local origin than the service (a real CORS case)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ShopPageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_browser_sdk__exception_message_and_feedback_land_in_triage(
    page, live_server, shop_origin, settings, tmp_path, wait_for
):
    settings.CORS_ALLOWED_ORIGINS = [shop_origin]
    settings.MEDIA_ROOT = tmp_path
    client_key = ClientKey.objects.create(name="storefront")
    dsn = client_key_dsn(client_key=client_key, base_url=live_server.url)
    failed = []
    page.on("requestfailed", lambda request: failed.append((request.url, request.failure)))
    page.goto(f"{shop_origin}/checkout")
    page.add_script_tag(content=BUNDLE.read_text())

    event_id = page.evaluate(REPORT_FROM_THE_PAGE, dsn)

    feedback = wait_for(
        lambda: FeedbackSubmission.objects.select_related("error").first(),
        message="the browser's feedback never arrived",
    )
    error = ErrorLog.objects.get(error_type="TypeError")
    assert error.build_id == "storefront@9.9.9"
    assert error.environment == "production"
    assert error.page == f"{shop_origin}/checkout"
    assert error.user_id == "shopper-3"
    assert "at addToCart (" in error.stack
    assert error.occurrences.get().metadata["sentry"]["sdk"] == "sentry.javascript.browser"
    assert error.occurrences.get().metadata["sentry"]["eventId"] == event_id
    message = ErrorLog.objects.get(error_type="Message")
    assert (message.message, message.severity) == ("Checkout is slow", "warning")
    assert feedback.message == "The pay button does nothing"
    assert feedback.error == error
    assert failed == []
    assert page.page_errors == []

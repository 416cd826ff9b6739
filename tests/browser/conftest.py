"""Browser fixtures: Debian's headless Chromium driven by Playwright against `live_server`.

Reusable by any app's browser tests: `browser` (one Chromium per test session), `page` (a
fresh context and tab per test, with `page.base_url` set to the live server), `log_in(user)`
(puts a logged-in Django session into that context), and `wait_for` (polls the database or
anything else until a condition holds). Mark the tests `@pytest.mark.browser`.
"""

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import OperationalError
from django.utils.module_loading import import_string

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

UNLOAD_GRACE_MS = 500


def pytest_collection_modifyitems(items):
    """Run the browser tests after all others (Playwright's event loop stays until the end)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser():
    """Launch headless Chromium once per test session; skip with a reason if it is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it is open, so Django sees
    # an async context and refuses ORM calls unless told otherwise. Browser tests run last (see
    # pytest_collection_modifyitems), so the switch never reaches other tests' subprocesses.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, transactional_db):
    """Open a tab in a fresh browser context; JavaScript errors of the page are collected in
    `page.page_errors`, and Content-Security-Policy refusals in `page.csp_violations`, so a
    test can assert the page stayed clean."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.base_url = live_server.url
    tab.page_errors = []
    tab.on("pageerror", lambda error: tab.page_errors.append(error))
    # Chromium reports every Content-Security-Policy refusal on the console.
    tab.csp_violations = []
    tab.on(
        "console",
        lambda message: (
            tab.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield tab
    # Leave the page first so its unload requests (sendBeacon) land while the test database
    # still exists, not in the next test's flush.
    tab.goto("about:blank")
    tab.wait_for_timeout(UNLOAD_GRACE_MS)
    context.close()


@pytest.fixture
def log_in(page, live_server):
    """Return a function that logs `user` in for the page's browser context."""

    def log_in_user(user):
        engine = import_string(settings.SESSION_ENGINE)
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": live_server.url,
                }
            ]
        )

    return log_in_user


@pytest.fixture
def wait_for():
    """Return a function polling `condition()` until it is truthy (or failing after `timeout`).

    On SQLite the test database is shared in memory with the live server's thread, and a read
    that meets the server's write fails with "database table is locked"; that poll is retried.
    """

    def wait(condition, *, timeout: float = 10.0, message: str = "condition never held"):
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = condition()
            except OperationalError as error:
                if "locked" not in str(error):
                    raise
                result = None
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(f"Timed out after {timeout}s: {message}")
            time.sleep(0.1)

    return wait

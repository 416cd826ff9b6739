"""Realistic request bodies for the load generator: batches of browser events."""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
]
PAGES = ["/", "/flow", "/home", "/profile", "/settings", "/pricing", "/docs/getting-started"]
ACTIONS = ["click_cta", "submit_form", "open_menu", "play_video", "share", "copy_link"]
TYPES = ["page_view"] * 5 + ["action"] * 3 + ["api_call"] * 2 + ["session_start", "session_end"]


def event(rng: random.Random, *, session: str, user: str, user_agent: str) -> dict:
    """Return one event as a browser SDK sends it."""
    event_type = rng.choice(TYPES)
    page = rng.choice(PAGES)
    if rng.random() < 0.3:
        page = f"/projects/{rng.randint(1, 99999)}/board?tab=overview"
    moment = datetime.now(UTC) - timedelta(seconds=rng.randint(0, 30))
    result = {
        "type": event_type,
        "page": page,
        "sessionId": session,
        "anonymousId": f"anon_{session[-12:]}",
        "userAgent": user_agent,
        "timestamp": moment.isoformat().replace("+00:00", "Z"),
        "metadata": {
            "referrer": rng.choice(["/home", "https://www.google.com/", ""]),
            "viewport": rng.choice(["1920x1080", "390x844", "1440x900"]),
            "locale": rng.choice(["en-US", "de-DE", "fr-FR"]),
            "experiment": {"name": "checkout-v2", "variant": rng.choice(["a", "b"])},
        },
    }
    if user:
        result["userId"] = user
    if event_type == "action":
        result["action"] = rng.choice(ACTIONS)
    if event_type == "api_call":
        result["duration"] = int(rng.lognormvariate(4.5, 0.8))
        result["metadata"]["endpoint"] = rng.choice(["/api/items", "/api/search", "/api/me"])
    if rng.random() < 0.5:
        result["deviceType"] = rng.choice(["desktop", "mobile"])
    return result


def batch_bodies(*, count: int, events_per_batch: int, seed: int) -> list[bytes]:
    """Return `count` encoded batch documents of `events_per_batch` events each."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        session = uuid.UUID(int=rng.getrandbits(128)).hex
        user = rng.choice(["", f"user_{rng.randint(1, 5000)}"])
        user_agent = rng.choice(USER_AGENTS)
        events = [
            event(rng, session=session, user=user, user_agent=user_agent)
            for _ in range(events_per_batch)
        ]
        bodies.append(json.dumps({"events": events}).encode())
    return bodies


def error_bodies(*, distinct: int) -> list[bytes]:
    """Return one encoded error report per distinct error (grouped by their fingerprint)."""
    return [
        json.dumps(
            {
                "errorType": "TypeError",
                "message": f"Cannot read properties of undefined (reading 'item{number}')",
                "stack": f"TypeError: Cannot read properties of undefined\n    at render{number} "
                "(https://app.example.com/static/app.js:10:5)",
                "page": "/projects/[id]/board",
                "severity": "error",
                "sessionId": f"session-{number % 97}",
                "buildId": "0.14.0",
                "environment": "production",
                "userAgent": USER_AGENTS[number % len(USER_AGENTS)],
                "metadata": {"componentStack": "at Board > App", "attempt": 1},
                "fingerprint": f"bench-{number}",
            }
        ).encode()
        for number in range(distinct)
    ]


# The event ID of sentry_envelope_template(): the load generator gives each request its own.
ENVELOPE_EVENT_ID = "feedfacefeedfacefeedfacefeedface"


def sentry_envelope_template(*, dsn: str) -> bytes:
    """Return an envelope the real sentry_sdk makes for an exception 20 frames deep, with
    local variables, breadcrumbs, tags and a user: ~25 KB, as a busy backend sends them. Its
    event ID is ENVELOPE_EVENT_ID."""
    import sentry_sdk
    from sentry_sdk.transport import Transport

    class Capturing(Transport):
        def __init__(self, options=None):
            super().__init__(options)
            self.envelopes = []

        def capture_envelope(self, envelope):
            self.envelopes.append(envelope)

    def descend(depth: int, order: dict):
        basket = [{"sku": f"SKU-{depth}-{n}", "quantity": n, "price": 9.99 + n} for n in range(3)]
        if depth == 0:
            raise KeyError(f"warehouse has no stock entry for {basket[0]['sku']}")
        return descend(depth - 1, {**order, "step": depth, "basket": basket})

    transport = Capturing()
    client = sentry_sdk.Client(
        dsn=dsn,
        transport=transport,
        release="shop@2.3.1",
        environment="production",
        default_integrations=False,
        auto_enabling_integrations=False,
        max_breadcrumbs=100,
    )
    with sentry_sdk.isolation_scope() as scope:
        scope.set_client(client)
        scope.set_user({"id": "customer-4711"})
        scope.set_tag("region", "eu-west-1")
        for number in range(12):
            sentry_sdk.add_breadcrumb(
                category="http",
                message=f"GET /api/items/{number}",
                data={"status_code": 200, "url": f"https://shop.example.com/api/items/{number}"},
            )
        try:
            descend(18, {"order": "A-1001"})
        except KeyError:
            event_id = sentry_sdk.capture_exception()
    client.flush(timeout=5)
    client.close()
    body = transport.envelopes[0].serialize()
    return body.replace(event_id.encode(), ENVELOPE_EVENT_ID.encode())

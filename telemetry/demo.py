"""Generation of realistic demo telemetry for `manage.py seed_demo`."""

import random
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from telemetry.models import TelemetryEvent

PAGES = ["/", "/flow", "/profile", "/settings", "/pricing", "/docs", "/projects/[id]", "/search"]
ACTIONS = ["click_cta", "submit_form", "open_menu", "copy_link", "toggle_theme", "export_csv"]
API_ROUTES = ["/api/projects", "/api/projects/[id]", "/api/search", "/api/profile", "/api/auth"]
DEVICES = [
    (
        "desktop",
        "Windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36",
        55,
    ),
    (
        "desktop",
        "macOS",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Version/17.4 Safari/605.1.15",
        15,
    ),
    ("mobile", "iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148", 18),
    (
        "mobile",
        "Android",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/124.0 Mobile Safari/537.36",
        8,
    ),
    ("tablet", "iOS", "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) Mobile/15E148", 4),
]
REGIONS = ["eu-west", "us-east", "us-west", "ap-south"]


def _api_duration(rng: random.Random) -> int:
    """Return a plausible API latency in ms: log-normal around 80 ms with a slow tail."""
    duration = rng.lognormvariate(4.4, 0.6)
    if rng.random() < 0.02:
        duration *= rng.uniform(5, 20)
    return int(duration)


def demo_telemetry_generate(
    *, days: int, sessions_per_day: int, seed: int, progress: Callable[[str], None]
) -> str:
    """Insert `days` days of sessions that view pages, click and call APIs; say how many."""
    rng = random.Random(seed)
    now = timezone.now()
    weights = [device[3] for device in DEVICES]
    users = [f"user_{n}" for n in range(sessions_per_day // 2)]
    total = 0
    for day in range(days, 0, -1):
        rows = []
        for _ in range(sessions_per_day):
            # Traffic follows the day: more sessions in the afternoon than at night.
            rows += _session_events(
                rng, users=users, weights=weights, day_start=now - timedelta(days=day)
            )
        TelemetryEvent.objects.bulk_create(rows, batch_size=2000)
        total += len(rows)
        progress(f"  day -{day}: {len(rows)} events")
    return f"{total} telemetry events over {days} days"


def _session_events(rng, *, users, weights, day_start) -> list[TelemetryEvent]:
    """Return the events of one session: pages, clicks, API calls, now and then an error."""
    device_type, platform, user_agent, _weight = rng.choices(DEVICES, weights)[0]
    session_id = uuid.UUID(int=rng.getrandbits(128)).hex
    user_id = rng.choice(users) if rng.random() < 0.6 else ""
    region = rng.choice(REGIONS)
    at = day_start + timedelta(hours=rng.triangular(0, 24, 15))
    rows = []

    def event(type_: str, **fields) -> None:
        rows.append(
            TelemetryEvent(
                type=type_,
                created_at=fields.pop("created_at", at),
                session_id=session_id,
                user_id=user_id,
                device_type=device_type,
                platform=platform,
                user_agent=user_agent,
                region=region,
                **fields,
            )
        )

    event("session_start", page="/")
    for _step in range(rng.randint(1, 8)):
        at += timedelta(seconds=rng.randint(3, 120))
        page = rng.choice(PAGES)
        event(
            "page_view",
            page=page,
            duration=rng.randint(200, 3000),
            metadata={"referrer": rng.choice(PAGES)},
        )
        if rng.random() < 0.5:
            event("action", page=page, action=rng.choice(ACTIONS))
        for _call in range(rng.randint(0, 3)):
            status = 200 if rng.random() > 0.03 else rng.choice([404, 500])
            event(
                "api_call",
                page=rng.choice(API_ROUTES),
                action="GET",
                duration=_api_duration(rng),
                metadata={"status": status},
            )
        if rng.random() < 0.01:
            event(
                "error",
                page=page,
                action="TypeError",
                metadata={"message": "Cannot read properties of undefined"},
            )
    if user_id and rng.random() < 0.3:
        event("user_login", page="/login")
    event(
        "session_end",
        page=page,
        duration=rng.randint(10_000, 900_000),
        created_at=at + timedelta(seconds=5),
    )
    return rows


def demo_telemetry_exists() -> bool:
    """Return whether any telemetry is stored."""
    return TelemetryEvent.objects.exists()

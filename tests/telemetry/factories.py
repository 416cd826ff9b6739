"""Generated telemetry with its exact metrics computed in Python, to check the API against."""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telemetry.models import TelemetryEvent

PAGES = ["/", "/flow", "/profile", "/pricing", "/docs"]
ROUTES = ["/api/projects", "/api/search", "/api/profile"]
DEVICES = ["desktop", "mobile", "tablet", ""]


def exact_percentile(values: list[int], quantile: float) -> int:
    """Return the value of rank ceil(q * n) (nearest rank) of `values`."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(quantile * len(ordered))) - 1]


@dataclass
class Generated:
    """Events as stored, and what a correct metrics answer says about them."""

    events: list[TelemetryEvent] = field(default_factory=list)

    def of(self, event_type: str | None = None) -> list[TelemetryEvent]:
        return [e for e in self.events if event_type in (None, e.type)]


def generate_events(*, now: datetime, days: int, per_day: int, seed: int = 7) -> Generated:
    """Insert `per_day` events on each of the last `days` days (today up to `now`)."""
    rng = random.Random(seed)
    generated = Generated()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    sessions = [f"session-{n}" for n in range(per_day)]
    users = [f"user-{n}" for n in range(per_day // 3)]
    for day in range(days):
        midnight = today - timedelta(days=day)
        span = (now - midnight).total_seconds() if day == 0 else 86_400
        for _ in range(per_day):
            event_type = rng.choice(["page_view", "page_view", "api_call", "action", "error"])
            duration = None
            if event_type == "api_call":
                duration = int(rng.lognormvariate(4.4, 0.8))
            elif event_type == "page_view":
                duration = rng.choice([0, rng.randint(1, 5000)])
            page = rng.choice(ROUTES if event_type == "api_call" else PAGES)
            generated.events.append(
                TelemetryEvent(
                    type=event_type,
                    page=page,
                    duration=duration,
                    session_id=rng.choice(sessions),
                    user_id=rng.choice([*users, ""]),
                    device_type=rng.choice(DEVICES),
                    created_at=midnight + timedelta(seconds=rng.uniform(0, span - 1)),
                )
            )
    TelemetryEvent.objects.bulk_create(generated.events, batch_size=500)
    return generated

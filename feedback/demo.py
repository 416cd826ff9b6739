"""Demo feedback for `manage.py seed_demo`, sent through the same service as the API."""

from collections.abc import Callable

from feedback.models import FeedbackSubmission
from feedback.services import NewFeedback, feedback_submit

DEMO_FEEDBACK = [
    ("bug", "The save button on the settings page does nothing.", "/settings"),
    ("bug", "Charts on the dashboard are blank on my phone.", "/flow"),
    ("feature", "Please add a dark theme.", "/"),
    ("other", "Love the new search, it is fast.", "/search"),
]


def demo_feedback_generate(
    *, days: int, sessions_per_day: int, seed: int, progress: Callable[[str], None]
) -> str:
    """Submit a few bug reports (each filing a UserReport error) and other feedback."""
    for category, message, page in DEMO_FEEDBACK:
        feedback_submit(
            feedback=NewFeedback(message=message, category=category, page=page),
            request_user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile",
        )
    return f"{len(DEMO_FEEDBACK)} feedback submissions"


def demo_feedback_exists() -> bool:
    """Return whether any feedback is stored."""
    return FeedbackSubmission.objects.exists()

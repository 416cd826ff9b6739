from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from common.retention import retention_register
        from errors.sentry.services import sentry_feedback_receiver_register
        from feedback.services import (
            feedback_from_sentry,
            feedback_purge_expired,
            feedback_sentry_events_link,
        )

        retention_register("feedback", feedback_purge_expired)
        sentry_feedback_receiver_register(
            receive=feedback_from_sentry, events_recorded=feedback_sentry_events_link
        )

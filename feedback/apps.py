from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from common.demo import demo_register
        from common.retention import retention_register
        from errors.sentry.services import sentry_feedback_receiver_register
        from feedback.demo import demo_feedback_exists, demo_feedback_generate
        from feedback.services import (
            feedback_from_sentry,
            feedback_purge_expired,
            feedback_sentry_events_link,
        )

        retention_register("feedback", feedback_purge_expired)
        sentry_feedback_receiver_register(
            receive=feedback_from_sentry, events_recorded=feedback_sentry_events_link
        )
        demo_register("feedback", generate=demo_feedback_generate, has_data=demo_feedback_exists)

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self):
        from common.retention import retention_register
        from feedback.services import feedback_purge_expired

        retention_register("feedback", feedback_purge_expired)

from django.apps import AppConfig


class ErrorsConfig(AppConfig):
    name = "errors"
    verbose_name = "Error tracking"

    def ready(self):
        from common.retention import retention_register
        from errors.sentry.services import sentry_event_link_purge_expired
        from errors.services import error_purge_expired

        retention_register("error logs", error_purge_expired)
        retention_register("Sentry event links", sentry_event_link_purge_expired)

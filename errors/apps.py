from django.apps import AppConfig


class ErrorsConfig(AppConfig):
    name = "errors"
    verbose_name = "Error tracking"

    def ready(self):
        from common.demo import demo_register
        from common.retention import retention_register
        from errors.demo import demo_errors_exist, demo_errors_generate
        from errors.sentry.services import sentry_event_link_purge_expired
        from errors.services import error_purge_expired

        retention_register("error logs", error_purge_expired)
        retention_register("Sentry event links", sentry_event_link_purge_expired)
        demo_register("errors", generate=demo_errors_generate, has_data=demo_errors_exist)

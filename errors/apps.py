from django.apps import AppConfig


class ErrorsConfig(AppConfig):
    name = "errors"
    verbose_name = "Error tracking"

    def ready(self):
        from celery.signals import task_failure
        from django.core.signals import got_request_exception

        from common.demo import demo_register
        from common.retention import retention_register
        from errors.demo import demo_errors_exist, demo_errors_generate
        from errors.own import own_request_exception_record, own_task_failure_record
        from errors.sentry.services import sentry_event_link_purge_expired
        from errors.services import error_purge_expired

        retention_register("error logs", error_purge_expired)
        retention_register("Sentry event links", sentry_event_link_purge_expired)
        demo_register("errors", generate=demo_errors_generate, has_data=demo_errors_exist)
        got_request_exception.connect(own_request_exception_record)
        task_failure.connect(own_task_failure_record)

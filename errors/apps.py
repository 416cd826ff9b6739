from django.apps import AppConfig


class ErrorsConfig(AppConfig):
    name = "errors"
    verbose_name = "Error tracking"

    def ready(self):
        from common.retention import retention_register
        from errors.services import error_purge_expired

        retention_register("error logs", error_purge_expired)

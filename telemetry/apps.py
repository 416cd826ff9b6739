from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "telemetry"

    def ready(self):
        from common.retention import retention_register
        from telemetry.services import event_purge_expired

        retention_register("telemetry events", event_purge_expired)

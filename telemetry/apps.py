from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "telemetry"

    def ready(self):
        from django.db.backends.signals import connection_created

        from common.demo import demo_register
        from common.retention import retention_register
        from telemetry.demo import demo_telemetry_exists, demo_telemetry_generate
        from telemetry.services import event_purge_expired
        from telemetry.sql import register_sqlite_functions

        retention_register("telemetry events", event_purge_expired)
        connection_created.connect(register_sqlite_functions, dispatch_uid="telemetry_sqlite")
        demo_register("telemetry", generate=demo_telemetry_generate, has_data=demo_telemetry_exists)

from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"

    def ready(self):
        from common.retention import retention_register
        from health.services import health_snapshot_purge_expired

        retention_register("health snapshots", health_snapshot_purge_expired)

from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alert deliveries"

    def ready(self):
        from alerts.services import alert_delivery_purge_expired
        from common.retention import retention_register

        retention_register("alert deliveries", alert_delivery_purge_expired)

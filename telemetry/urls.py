from django.urls import path

from telemetry import api

urlpatterns = [
    path("telemetry", api.TelemetryMetricsApi.as_view(), name="telemetry-metrics"),
    path("telemetry/batch", api.TelemetryBatchRecordApi.as_view(), name="telemetry-batch"),
]

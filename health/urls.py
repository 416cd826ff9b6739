from django.urls import path

from health import api

urlpatterns = [
    path("health", api.HealthLivenessApi.as_view(), name="health-liveness"),
    path("health/extended", api.HealthExtendedApi.as_view(), name="health-extended"),
    path("health/projects", api.HealthProjectsApi.as_view(), name="health-projects"),
    path("cron/health", api.HealthCronCheckApi.as_view(), name="cron-health"),
]

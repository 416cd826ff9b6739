from django.urls import path

from health import api

urlpatterns = [
    path("health", api.HealthLivenessApi.as_view(), name="health-liveness"),
]

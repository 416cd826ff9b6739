from django.urls import path

from errors import api

urlpatterns = [
    path(
        "<int:project_id>/envelope/",
        api.SentryEnvelopeIngestApi.as_view(),
        name="sentry-envelope",
    ),
    path("<int:project_id>/store/", api.SentryStoreIngestApi.as_view(), name="sentry-store"),
]

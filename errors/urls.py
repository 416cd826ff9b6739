from django.urls import path

from errors import api

urlpatterns = [
    path("errors", api.ErrorCollectionApi.as_view(), name="errors"),
    path("errors/<int:error_id>", api.ErrorItemApi.as_view(), name="error-detail"),
]

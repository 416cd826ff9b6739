"""A URL configuration for tests/errors/test_own_errors.py: the service's URLs and one view
that fails as a bug in the service would."""

from django.urls import path

from config.urls import urlpatterns as service_urlpatterns


def failing_view(request):
    raise RuntimeError("checkout broke for jane@example.com")


urlpatterns = [path("own/fails", failing_view), *service_urlpatterns]

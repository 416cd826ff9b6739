"""URL map: the JSON API under /api/, the admin (staff dashboards) under /admin/."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.middleware import content_security_policy
from common.views import api_not_found, bad_request, permission_denied, server_error
from feedback.views import DemoPageView

# Swagger UI sets style attributes as it renders; its script is served from this origin.
API_DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

urlpatterns = [
    path("api/", include("telemetry.urls")),
    path("api/", include("health.urls")),
    path("api/", include("errors.urls")),
    path("api/", include("feedback.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        content_security_policy(API_DOCS_CONTENT_SECURITY_POLICY)(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("demo/", DemoPageView.as_view(), name="demo"),
    path("", RedirectView.as_view(pattern_name="demo"), name="home"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = bad_request
handler403 = permission_denied
handler404 = api_not_found
handler500 = server_error

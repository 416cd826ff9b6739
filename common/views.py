"""Project-wide error pages: JSON in the API's error shape under /api/, HTML elsewhere."""

from django.views import defaults

from common.api import error_json_response


def api_not_found(request, exception=None):
    """Answer 404 in the API's error shape for /api/ paths, Django's page otherwise."""
    if request.path.startswith("/api/"):
        return error_json_response("There is no endpoint at this address.", status_code=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Answer 500 in the API's error shape for /api/ paths, Django's page otherwise."""
    if request.path.startswith("/api/"):
        return error_json_response("The server failed; the error was reported.", status_code=500)
    return defaults.server_error(request)

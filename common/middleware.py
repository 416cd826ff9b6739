"""Middleware every request passes: refusals of input no view could use."""

from django.http import HttpResponseBadRequest

from common.api import error_json_response


class NulQueryParameterMiddleware:
    """Answer 400 to a request whose query string holds a NUL byte, naming the parameter.

    No stored value contains U+0000 (PostgreSQL text cannot hold it), so such a parameter can
    match nothing; refused here, it never reaches a filter, a search or a lookup as a database
    error. Under /api/ the answer is in the API's error shape.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    return self._refusal(request, name)
        return self.get_response(request)

    @staticmethod
    def _refusal(request, name: str):
        shown = name.replace("\x00", "")[:40]
        sentence = (
            f"The query parameter “{shown}” contains a NUL byte (%00), which no stored value "
            "can contain; remove it and try again."
        )
        if request.path.startswith("/api/"):
            return error_json_response(sentence, status_code=400, details={"parameter": shown})
        return HttpResponseBadRequest(sentence, content_type="text/plain; charset=utf-8")

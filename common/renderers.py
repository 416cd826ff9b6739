"""The JSON renderer of every DRF answer."""

from rest_framework.renderers import JSONRenderer


class JsonRenderer(JSONRenderer):
    """DRF's JSON renderer, which escapes what UTF-8 cannot encode instead of failing.

    A refusal may quote the value it refuses ('"\\ud800" is not a valid choice.'); a lone
    surrogate in it cannot be written as UTF-8, so such an answer is written with every
    non-ASCII character escaped, which is the same JSON.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            escaping = JSONRenderer()
            escaping.ensure_ascii = True
            return escaping.render(data, accepted_media_type, renderer_context)

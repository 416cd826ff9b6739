"""The demo page: a small host site that loads telemetry.js and the report-bug button."""

from django.views.generic import TemplateView

from common.params import whole_number
from errors.sentry.auth import public_key_is_well_formed


class DemoPageView(TemplateView):
    """Render /demo/, which shows the whole browser-to-database loop.

    `?flushInterval=<ms>` (500 to 600000, default 3000) sets how often telemetry.js sends;
    `?key=<public key>` (32 hexadecimal digits; anything else is ignored) has both clients send
    to that client key's project.
    """

    template_name = "demo.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        interval = whole_number(self.request.GET.get("flushInterval", ""))
        context["flush_interval"] = 3000 if interval is None else min(max(interval, 500), 600_000)
        key = self.request.GET.get("key", "")
        context["client_key"] = key if public_key_is_well_formed(key) else ""
        return context

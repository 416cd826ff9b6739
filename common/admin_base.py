"""The ModelAdmin every app's admin builds on."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models

from common.params import whole_number


class CheckedSelectionAdmin(admin.ModelAdmin):
    """A ModelAdmin whose bulk actions refuse a selection that holds something not an id.

    Django's own response_action hands the posted ids to the database as they come, and
    `_selected_action=²` (or a number past 64 bits) ends there as a 500.
    """

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if isinstance(self.model._meta.pk, models.IntegerField) and not all(
            whole_number(value, minimum=1) for value in selected
        ):
            self.message_user(
                request,
                "The selection holds a value that is not an id; nothing was changed.",
                messages.WARNING,
            )
            return None
        return super().response_action(request, queryset)

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = "Shared helpers"

    def ready(self):
        # A PRIVACY setting naming no rule, or holding a bad pattern, stops the start rather
        # than every request that has text to scrub.
        from common import middleware  # noqa: F401 (registers its system check)
        from common.privacy import rules_enabled

        rules_enabled()

from django.apps import AppConfig


class HotfixConfig(AppConfig):
    name = "hotfix"

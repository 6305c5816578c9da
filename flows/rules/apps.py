from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "flows.rules"
    label = "rules"
    verbose_name = _("Rules and criteria")

    def ready(self):
        from flows.rules import checks  # noqa: F401  (registers the system checks)

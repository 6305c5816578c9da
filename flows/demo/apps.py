from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data from the seed articles: blocs, terms, organisations and demo accounts."""

    name = "flows.demo"
    label = "demo"
    verbose_name = _("Demo data")

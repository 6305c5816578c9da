from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    """The reference site: it wires the apps together where neither may import the other."""

    name = "config"
    label = "site"
    verbose_name = _("Emulation and commendation")

    def ready(self):
        from config import receivers  # noqa: F401

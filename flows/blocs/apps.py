from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlocsConfig(AppConfig):
    name = "flows.blocs"
    label = "blocs"
    verbose_name = _("Emulation blocs")

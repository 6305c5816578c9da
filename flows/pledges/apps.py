from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "flows.pledges"
    label = "pledges"
    verbose_name = _("Emulation covenants")

    def ready(self):
        # The flow registers its permissions at import, before post_migrate creates them;
        # the receivers advance it when a signature lands; the selectors say who may watch
        # a covenant live.
        from flows.pledges import flows, receivers, selectors  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NominationsConfig(AppConfig):
    name = "flows.nominations"
    label = "nominations"
    verbose_name = _("Year-end nominations")

    def ready(self):
        # The flow registers its permissions at import; the receivers advance it when a
        # signature lands; the selectors say who may watch a meeting live.
        from flows.nominations import flows, receivers, selectors  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "flows.scoring"
    label = "scoring"
    verbose_name = _("Year-end scoring")

    def ready(self):
        # The flow registers its permissions at import; the receivers advance it when a
        # signature lands; the selectors say who may watch a scoring live.
        from flows.scoring import flows, receivers, selectors  # noqa: F401

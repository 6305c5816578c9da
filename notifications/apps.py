from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # The receivers publish the changes the engine announces with signals.
        from notifications import checks, receivers  # noqa: F401

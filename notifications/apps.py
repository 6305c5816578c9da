from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # The receivers publish the changes the lower layers announce with signals.
        from notifications import receivers  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoardConfig(AppConfig):
    name = "flows.board"
    label = "board"
    verbose_name = _("Progress board")

    def ready(self):
        # Declares who may watch the live board (notifications.access).
        from flows.board import selectors  # noqa: F401

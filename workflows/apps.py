from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """The reusable engine layer: organisations, roles, delegation, resolvers, audit log."""

    name = "workflows"
    verbose_name = _("Organisations and roles")

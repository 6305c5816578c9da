from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    """The reusable engine layer: organisations, roles, delegation, resolvers, audit log."""

    name = "workflows"
    verbose_name = _("Organisations and roles")

    def ready(self):
        from workflows import checks  # noqa: F401

        # Every app's tasks register their background jobs (workflows.background) by name.
        autodiscover_modules("tasks")

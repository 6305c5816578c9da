"""System checks of the notifications: what a deployment needs for live pages and e-mail."""

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.utils.translation import gettext_lazy as _

IN_MEMORY_LAYER = "channels.layers.InMemoryChannelLayer"


@register("notifications", Tags.security, deploy=True)
def check_live_deployment(app_configs=None, **kwargs):
    problems = []
    if settings.CHANNEL_LAYERS["default"]["BACKEND"] == IN_MEMORY_LAYER:
        problems.append(
            Warning(
                _("Live pages use the in-memory channel layer."),
                hint=_(
                    "It reaches only the sockets of the process that publishes: with more than"
                    " one web or worker process, set REDIS_URL."
                ),
                id="notifications.W101",
            )
        )
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    if host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        problems.append(
            Warning(
                _("SITE_URL (%(url)s) is a local address.") % {"url": settings.SITE_URL},
                hint=_("Notification e-mails link to it: set SITE_URL to the site's address."),
                id="notifications.W102",
            )
        )
    return problems

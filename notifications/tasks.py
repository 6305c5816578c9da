"""Background work of the notification centre: e-mail."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import Notification
from notifications.reminders import send_reminders
from notifications.services import wants_email
from workflows.background import job


@job("notifications.send_emails")
@task
def send_emails(notification_ids: list[int]) -> int:
    """E-mail each notification to its user, unless he chose the app only; one message each.

    Returns the number of messages sent.
    """
    sent = 0
    notifications = Notification.objects.filter(pk__in=notification_ids).select_related("user")
    for notification in notifications:
        if not wants_email(notification.user):
            continue
        with translation.override(settings.LANGUAGE_CODE):
            footer = _("Open: %(url)s") % {"url": _absolute(notification.url)}
        body = "\n\n".join(filter(None, [notification.body, footer if notification.url else ""]))
        send_mail(notification.title, body, None, [notification.user.email])
        sent += 1
    return sent


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


@task
def send_reminders_task() -> dict:
    """``manage.py send_reminders`` as a task (``--enqueue``): returns the counts."""
    report = send_reminders()
    return {"reminded": report.reminded, "overdue": report.overdue, "escalated": report.escalated}

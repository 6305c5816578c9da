"""Writes of the notification centre."""

from django.db import transaction
from django.utils import timezone

from notifications import events
from notifications.models import Notification, Preference
from workflows.background import enqueue_on_commit


@transaction.atomic
def notify(*, users, event: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Notify each of ``users`` in the app (the bell updates live) and, per his preference, by
    e-mail once the transaction commits. The caller's service audits the event itself."""
    people = {user.pk: user for user in users if user is not None}
    notifications = Notification.objects.bulk_create(
        Notification(user_id=pk, event=event, title=title, body=body, url=url) for pk in people
    )
    events.publish(
        "notification.created",
        groups=[events.user_group(pk) for pk in people],
        data={"event": event},
        audit=False,
    )
    if notifications:
        enqueue_on_commit("notifications.send_emails", [item.pk for item in notifications])
    return notifications


@transaction.atomic
def mark_read(*, user, ids=None) -> int:
    """Mark ``user``'s notifications read (``ids``, or all); other tabs' bells follow."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    count = unread.update(read_at=timezone.now())
    if count:
        events.publish(
            "notification.read", groups=[events.user_group(user.pk)], data={}, audit=False
        )
    return count


@transaction.atomic
def set_preferences(*, user, email: bool) -> Preference:
    preference, _created = Preference.objects.update_or_create(user=user, defaults={"email": email})
    return preference


def wants_email(user) -> bool:
    preference = Preference.objects.filter(user=user).first()
    return bool(user.email) and (preference is None or preference.email)

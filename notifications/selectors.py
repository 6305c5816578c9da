"""Reads of the notification centre."""

from notifications.models import Notification

PAGE_SIZE = 50


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def recent(user, limit: int = PAGE_SIZE):
    return Notification.objects.filter(user=user)[:limit]

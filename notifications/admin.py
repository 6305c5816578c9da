from django.contrib import admin

from notifications.models import Notification
from workflows.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What was sent to whom; written only by the services."""

    list_display = ["created_at", "user", "event", "title", "read_at"]
    list_filter = ["event"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]

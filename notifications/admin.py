from django.contrib import admin

from notifications.models import Notification, TaskNotice
from workflows.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """What was sent to whom; written only by the services."""

    list_display = ["created_at", "user", "event", "title", "read_at"]
    list_filter = ["event"]
    search_fields = ["title", "user__username"]
    list_select_related = ["user"]


@admin.register(TaskNotice)
class TaskNoticeAdmin(ReadOnlyAdmin):
    """Which reminders, overdue notices and escalations ``send_reminders`` sent, once each."""

    list_display = ["sent_on", "task", "kind", "recipients"]
    list_filter = ["kind"]
    list_select_related = ["task"]

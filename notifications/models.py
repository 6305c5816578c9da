"""In-app notifications and each official's preferences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    event = models.CharField(_("event"), max_length=60)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title


class Preference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email = models.BooleanField(
        _("also by e-mail"),
        default=True,
        help_text=_("Send every notification to my e-mail address as well."),
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder before the due date")
    OVERDUE = "overdue", _("Overdue notice")
    ESCALATION = "escalation", _("Escalation of an overdue task")


class TaskNotice(models.Model):
    """A notice sent about a flow's task: each kind goes once per task (``send_reminders``)."""

    task = models.ForeignKey(
        "viewflow.Task", on_delete=models.CASCADE, related_name="+", verbose_name=_("task")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices)
    sent_on = models.DateField(_("sent on"))
    recipients = models.JSONField(_("recipients"), default=list, blank=True)

    class Meta:
        ordering = ["task", "sent_on"]
        verbose_name = _("task notice")
        verbose_name_plural = _("task notices")
        constraints = [
            models.UniqueConstraint(fields=["task", "kind"], name="one_notice_of_a_kind_per_task")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.task_id}"

"""Reminders before a task's due date, overdue notices and escalation (``send_reminders``).

Works on every flow's human tasks whose data carries a due date (``due``, ISO) and the rules
copied from the bloc when the task was created (``remind_days``, ``escalate``; see
``flows.pledges.nodes.RoleTask``). Each notice goes once: the task data records it, so the
command may run as often as wanted (hourly from cron, a systemd timer or the task queue).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import get_resolver
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from notifications.services import notify
from workflows.models import Organisation, Role
from workflows.resolvers import acting
from workflows.services import record_event

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
DEFAULT_REMIND_DAYS = 2


@dataclass
class ReminderReport:
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0


def send_reminders(today: datetime.date | None = None) -> ReminderReport:
    """Remind, mark overdue and escalate, each at most once per task."""
    today = today or timezone.localdate()
    report = ReminderReport()
    tasks = (
        Task.objects.filter(status__in=OPEN, flow_task_type="HUMAN", data__has_key="due")
        .select_related("owner")
        .order_by("pk")
    )
    for task in tasks:
        with transaction.atomic():
            _handle(task, today, report)
    return report


def _handle(task, today, report) -> None:
    data = dict(task.data)
    due = datetime.date.fromisoformat(data["due"])
    remind_from = due - datetime.timedelta(days=data.get("remind_days", DEFAULT_REMIND_DAYS))
    changed = {}
    with translation.override(settings.LANGUAGE_CODE):
        if today > due and not data.get("overdue_notified"):
            _tell(task, task.owner, _overdue_text(task, due))
            changed["overdue_notified"] = today.isoformat()
            report.overdue += 1
            if data.get("escalate") and data.get("role") == Role.HEAD:
                deputies = [actor.person for actor in _deputies(task, today)]
                for deputy in deputies:
                    _tell(task, deputy, _escalation_text(task, due))
                changed["escalated_to"] = [deputy.pk for deputy in deputies]
                report.escalated += bool(deputies)
        elif remind_from <= today <= due and not data.get("reminded"):
            _tell(task, task.owner, _reminder_text(task, due))
            changed["reminded"] = today.isoformat()
            report.reminded += 1
    if changed:
        Task.objects.filter(pk=task.pk).update(data={**data, **changed})
        record_event("task.reminder", obj=task, data={"task": task.pk, **changed})


def _deputies(task, today):
    unit = Organisation.objects.filter(pk=task.data.get("unit")).first()
    return acting(Role.DEPUTY_HEAD, unit, today) if unit else []


def _tell(task, person, text) -> None:
    if person is None:
        return
    title, body = text
    notify(
        users=[person],
        event="task.reminder",
        title=title,
        body=body,
        url=_task_url(task),
    )


def _task_url(task) -> str:
    # viewflow names a flow's URLs when the URLconf is first loaded, which a command has not
    # done yet.
    get_resolver().url_patterns  # noqa: B018
    return task.flow_task.reverse("index", args=[task.process_id, task.pk])


def _names(task, due) -> dict:
    return {
        "task": task.flow_task.task_title,
        "unit": task.data.get("unit_name", ""),
        "due": due.strftime("%d/%m/%Y"),
    }


def _reminder_text(task, due):
    names = _names(task, due)
    return (
        _("Reminder: %(task)s is due on %(due)s") % names,
        _("The task %(task)s (%(unit)s) is due on %(due)s.") % names,
    )


def _overdue_text(task, due):
    names = _names(task, due)
    return (
        _("Overdue: %(task)s was due on %(due)s") % names,
        _("The task %(task)s (%(unit)s) was due on %(due)s and is still open.") % names,
    )


def _escalation_text(task, due):
    names = {**_names(task, due), "owner": task.owner.get_full_name() if task.owner else "—"}
    return (
        _("Overdue at %(unit)s: %(task)s") % names,
        _(
            "The task %(task)s of %(owner)s, head of %(unit)s, was due on %(due)s and is still"
            " open. You are told as the deputy head, as the bloc's rules ask."
        )
        % names,
    )

"""Reminders before a task's due date, overdue notices and escalation (``send_reminders``).

Works on every flow's human tasks that have a deadline (``workflows.deadlines``: the due date
and the reminder rules their node copied from the flow's rules when the task was created).
Each notice goes once: a :class:`~notifications.models.TaskNotice` records it, so the command
may run as often as wanted (hourly from cron, a systemd timer or the task queue).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import get_resolver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import NoticeKind, TaskNotice
from notifications.services import notify
from workflows.deadlines import Deadline, deadline_of, open_tasks_with_deadlines
from workflows.models import Organisation
from workflows.resolvers import acting
from workflows.services import record_event

#: The field of the report that counts each kind of notice.
COUNTERS = {
    NoticeKind.REMINDER: "reminded",
    NoticeKind.OVERDUE: "overdue",
    NoticeKind.ESCALATION: "escalated",
}


@dataclass
class ReminderReport:
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0


def send_reminders(today: datetime.date | None = None) -> ReminderReport:
    """Remind, mark overdue and escalate, each at most once per task."""
    today = today or timezone.localdate()
    report = ReminderReport()
    tasks = open_tasks_with_deadlines().select_related("owner").order_by("pk")
    sent = _sent_notices(tasks)
    for task in tasks:
        deadline = deadline_of(task)
        if deadline is not None:
            with translation.override(settings.LANGUAGE_CODE):
                _handle(task, deadline, today, sent.get(task.pk, set()), report)
    return report


def _sent_notices(tasks) -> dict[int, set[str]]:
    sent = {}
    for task_id, kind in TaskNotice.objects.filter(task__in=tasks).values_list("task", "kind"):
        sent.setdefault(task_id, set()).add(kind)
    return sent


def _handle(task, deadline: Deadline, today, sent: set[str], report) -> None:
    due = deadline.due
    if today > due:
        notices = [
            (NoticeKind.OVERDUE, [task.owner], _overdue_text),
            (
                NoticeKind.ESCALATION,
                _escalation_recipients(task, deadline, today),
                _escalation_text,
            ),
        ]
    elif deadline.remind_from <= today:
        notices = [(NoticeKind.REMINDER, [task.owner], _reminder_text)]
    else:
        notices = []
    for kind, people, text in notices:
        if kind in sent or (kind == NoticeKind.ESCALATION and not people):
            continue
        if _send(task, kind, today, people, text(task, due)):
            setattr(report, COUNTERS[kind], getattr(report, COUNTERS[kind]) + 1)


def _escalation_recipients(task, deadline: Deadline, today) -> list:
    if deadline.escalate_to is None or deadline.unit_id is None:
        return []
    unit = Organisation.objects.filter(pk=deadline.unit_id).first()
    return [actor.person for actor in acting(deadline.escalate_to, unit, today)] if unit else []


def _send(task, kind: str, today, people, text) -> bool:
    """Record the notice and tell ``people``; False when another run sent it first."""
    people = [person for person in people if person is not None]
    try:
        with transaction.atomic():
            TaskNotice.objects.create(
                task=task, kind=kind, sent_on=today, recipients=[person.pk for person in people]
            )
            title, body = text
            notify(users=people, event="task.reminder", title=title, body=body, url=_task_url(task))
            record_event(
                "task.reminder",
                obj=task,
                data={"task": task.pk, "kind": kind, "recipients": [p.pk for p in people]},
            )
    except IntegrityError:  # one_notice_of_a_kind_per_task: a concurrent run sent it
        return False
    return True


def _task_url(task) -> str:
    # viewflow names a flow's URLs when the URLconf is first loaded, which a command has not
    # done yet.
    get_resolver().url_patterns  # noqa: B018
    return task.flow_task.reverse("index", args=[task.process_id, task.pk])


def _names(task, due) -> dict:
    return {
        "task": task.flow_task.task_title,
        "unit": task.flow_task.unit_name(task),
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

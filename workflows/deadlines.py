"""Due dates of the flows' tasks, read through their nodes.

A node whose tasks have due dates (``workflows.nodes.RoleTask``, or any flow's own) answers
``deadline(task)`` with a :class:`Deadline`; pages, the board and the reminders read due dates
through :func:`deadline_of` and never from a flow's task data.
"""

import datetime
from dataclasses import dataclass

from viewflow.workflow.models import Task

from workflows.acting import OPEN_STATUSES

#: Reminded this many days before the due date when the flow's rules name none.
DEFAULT_REMIND_DAYS = 2


@dataclass(frozen=True)
class Deadline:
    due: datetime.date
    #: Days before ``due`` when the holder is reminded (None: the default).
    remind_days: int | None = None
    #: The role at ``unit_id`` told once the task is overdue (None: nobody).
    escalate_to: str | None = None
    unit_id: int | None = None

    @property
    def remind_from(self) -> datetime.date:
        days = DEFAULT_REMIND_DAYS if self.remind_days is None else self.remind_days
        return self.due - datetime.timedelta(days=days)


def deadline_of(task) -> Deadline | None:
    reader = getattr(task.flow_task, "deadline", None)
    return reader(task) if reader is not None else None


def due_on(task) -> datetime.date | None:
    deadline = deadline_of(task)
    return deadline.due if deadline else None


def open_tasks_with_deadlines():
    """Every flow's open human tasks that may have a due date, for the reminders.

    ``RoleTask`` keeps the due date in the task's data, which lets the database pick them;
    :func:`deadline_of` then reads each.
    """
    return Task.objects.filter(
        status__in=OPEN_STATUSES, flow_task_type="HUMAN", data__has_key="due"
    )

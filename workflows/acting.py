"""Acting on a flow's task: the checks every step makes, and its completion.

A service's step runs under the flow's lock: the task must be the open step it expects, the
person must act in the task's role at its unit today (himself or as a substitute under a
delegation: the node's ``actor``), then the service changes its document and :func:`finish`
completes the viewflow activation. The human tasks a step opens and closes are announced
(``workflows.signals.tasks_changed``) so that the inboxes concerned update.
"""

import contextlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import Role, person_name
from workflows.signals import tasks_changed

OPEN_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def refuse(message) -> None:
    """Refuse an action with a message for the person (a ValidationError)."""
    raise ValidationError(message)


@contextlib.contextmanager
def acting_on(task, by, step: str):
    """Lock the flow, check that ``task`` is the open ``step`` and ``by`` may act on it.

    Yields (activation, actor). Leaves the activation to the caller (:func:`finish`).
    """
    with transaction.atomic(), task.activation() as activation:
        current = activation.task
        if current.flow_task.name != step:
            raise ValueError(f"Task {current.pk} is a {current.flow_task.name}, not a {step}.")
        if current.status not in OPEN_STATUSES:
            refuse(
                _("This task is no longer open (%(status)s).")
                % {"status": STATUS(current.status).label.lower()}
            )
        actor = activation.flow_task.actor(by, current)
        if actor is None:
            raise PermissionDenied(
                _(
                    "%(person)s does not act as %(role)s of %(unit)s today, in person or by"
                    " delegation: this task is not his."
                )
                % {
                    "person": person_name(by),
                    "role": Role(activation.flow_task.role).label.lower(),
                    "unit": activation.flow_task.unit_name(current),
                }
            )
        yield activation, actor


def open_tasks(node, **filters):
    """The open tasks of ``node`` (a flow's node) matching ``filters`` on the task, e.g.
    ``process__scoringprocess__scoring_id=3`` or ``data__unit=7``."""
    return Task.objects.filter(flow_task=node, status__in=OPEN_STATUSES, **filters).order_by("pk")


def finish(activation, by) -> None:
    """Complete the task as ``by`` (taking and starting it first if needed)."""
    if activation.task.status == STATUS.NEW:
        activation.assign(by)
    if activation.task.status == STATUS.ASSIGNED:
        activation.start(None)
    with tracking_tasks(activation.process.pk):
        activation.execute()


def end_open_tasks(tasks, by) -> list[dict]:
    """Complete each of ``tasks`` as ``by``, who ends what others left undone (the chair ends a
    vote: whoever present has not voted is recorded as not voting). Returns their data."""
    ended = []
    for task in tasks:
        with task.activation() as activation:
            ended.append(task.data)
            finish(activation, by)
    return ended


def _open_tasks(process_id) -> dict[int, int | None]:
    return dict(
        Task.objects.filter(
            process_id=process_id, flow_task_type="HUMAN", status__in=OPEN_STATUSES
        ).values_list("pk", "owner_id")
    )


@contextlib.contextmanager
def tracking_tasks(process_id):
    """Announce the human tasks that the block opened and closed in the process."""
    before = _open_tasks(process_id)
    yield
    announce_tasks(process_id, before=before)


def announce_tasks(process_id, *, before: dict[int, int | None]) -> None:
    """Announce the process's human tasks opened and closed since ``before`` (its open tasks
    then, by id and owner; empty for a process just started)."""
    after = _open_tasks(process_id)
    closed = [pk for pk in before if pk not in after]
    statuses = dict(Task.objects.filter(pk__in=closed).values_list("pk", "status"))
    tasks_changed.send(
        sender=Task,
        process_id=process_id,
        opened={pk: owner for pk, owner in after.items() if pk not in before},
        closed={pk: (before[pk], statuses.get(pk, "")) for pk in closed},
    )

"""The covenant's events: audited, and pushed to its page, the board and the inboxes."""

import contextlib

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from notifications.events import board_group, document_group, publish, user_group

OPEN = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def covenant_groups(covenant) -> list[str]:
    term = covenant.term
    return [
        document_group("covenant", covenant.pk),
        board_group(term.bloc.jurisdiction_id, term.year),
    ]


def covenant_event(event: str, covenant, /, *, actor=None, on_behalf_of=None, **data) -> None:
    """A change of the covenant (its status, a signature, a comment…)."""
    publish(
        event,
        groups=covenant_groups(covenant),
        data={"covenant": covenant.pk, "status": covenant.status, **data},
        actor=actor,
        on_behalf_of=on_behalf_of,
        obj=covenant,
    )


def signing_progress(covenant_id: int, request) -> None:
    """A signature under way moved on without landing (prepared for an outside signer, back to
    pending, failed): the covenant's pages refresh, the signer's step among them. Not the board,
    which counts signatures; the signing service wrote the audit entry."""
    publish(
        "covenant.signing_progress",
        groups=[document_group("covenant", covenant_id)],
        data={"covenant": covenant_id, "field": request.field_id, "signing": request.status},
        audit=False,
    )


def _open_tasks(process_id) -> dict[int, int | None]:
    return dict(
        Task.objects.filter(
            process_id=process_id, flow_task_type="HUMAN", status__in=OPEN
        ).values_list("pk", "owner_id")
    )


@contextlib.contextmanager
def inbox_changes(process_id, covenant_id: int):
    """Announce the human tasks the block opened and closed, to their owners' inboxes."""
    before = _open_tasks(process_id)
    yield
    announce_tasks(process_id, covenant_id, before=before)


def announce_tasks(process_id, covenant_id: int, *, before: dict) -> None:
    after = _open_tasks(process_id)
    opened = {pk: owner for pk, owner in after.items() if pk not in before}
    closed = {pk: owner for pk, owner in before.items() if pk not in after}
    statuses = dict(Task.objects.filter(pk__in=closed).values_list("pk", "status"))
    for name, tasks in (("task.created", opened), ("task.closed", closed)):
        for pk, owner in tasks.items():
            publish(
                name,
                groups=[user_group(owner)] if owner else [],
                data={"task": pk, "covenant": covenant_id, "status": statuses.get(pk, "")},
            )

"""Live updates for changes the engine announces: it may not import this app (it is the
lower layer), so it sends a signal and the pages concerned learn of it here."""

from django.dispatch import receiver

from notifications.events import publish, user_group
from workflows.signals import tasks_changed


@receiver(tasks_changed, dispatch_uid="notifications.on_tasks_changed")
def show_inbox_changes(sender, process_id, opened, closed, **kwargs):
    """The owners of the tasks a step opened and closed see their inboxes change (audited)."""
    changes = [("task.created", pk, owner, "") for pk, owner in opened.items()]
    changes += [("task.closed", pk, owner, status) for pk, (owner, status) in closed.items()]
    for name, pk, owner, status in changes:
        publish(
            name,
            groups=[user_group(owner)] if owner else [],
            data={"task": pk, "process": process_id, "status": status},
        )

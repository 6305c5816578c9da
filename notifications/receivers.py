"""Live updates for changes made in the lower layers: they send a signal, we publish.

``signatures`` and ``workflows`` may not import this app (they are the lower layers), so they
announce a change with a signal and the pages concerned learn of it here. The services have
written the audit entry already, unless said otherwise.
"""

from django.dispatch import receiver

from notifications.events import publish, user_group
from signatures.signals import credential_changed
from workflows.signals import tasks_changed


@receiver(credential_changed, dispatch_uid="notifications.on_credential_changed")
def show_credential_change(sender, credential, **kwargs):
    publish(
        "credential.changed",
        groups=[user_group(credential.user_id)],
        data={"credential": credential.pk, "status": credential.status},
        audit=False,
    )


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

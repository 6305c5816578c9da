"""Live updates for changes made in the lower layers: signatures sends a signal, we publish.

``signatures`` may not import this app (it is the lower layer), so its credential services
announce a change with ``signatures.signals.credential_changed`` and the official's pages learn
of it here. The services have written the audit entry already.
"""

from django.dispatch import receiver

from notifications.events import publish, user_group
from signatures.signals import credential_changed


@receiver(credential_changed, dispatch_uid="notifications.on_credential_changed")
def show_credential_change(sender, credential, **kwargs):
    publish(
        "credential.changed",
        groups=[user_group(credential.user_id)],
        data={"credential": credential.pk, "status": credential.status},
        audit=False,
    )

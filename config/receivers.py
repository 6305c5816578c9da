"""Signals of one app that another app answers, where neither may import the other.

The signatures app announces a credential's new state; the notifications app may not import
it (they are independent layers above workflows), so the site connects the two: the
official's pages learn of the change live. The credential services wrote the audit entry.
"""

from django.dispatch import receiver

from notifications.events import publish, user_group
from signatures.signals import credential_changed


@receiver(credential_changed, dispatch_uid="site.on_credential_changed")
def show_credential_change(sender, credential, **kwargs):
    publish(
        "credential.changed",
        groups=[user_group(credential.user_id)],
        data={"credential": credential.pk, "status": credential.status},
        audit=False,
    )

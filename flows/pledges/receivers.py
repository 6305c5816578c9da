"""The covenant flow advances when a signature lands, and stops when the bloc changes."""

from django.dispatch import receiver

from flows.blocs.signals import term_changed
from flows.pledges import services
from signatures.signals import field_signed


@receiver(field_signed, dispatch_uid="pledges.on_field_signed")
def advance_on_signature(sender, field, request, **kwargs):
    services.on_field_signed(field, request)


@receiver(term_changed, dispatch_uid="pledges.on_term_changed")
def stop_signing_on_membership_change(sender, term, by, members_changed, **kwargs):
    if members_changed:
        services.membership_changed(term=term, by=by)

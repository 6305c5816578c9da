"""The covenant flow advances when a signature lands, and stops when the bloc changes; its
pages follow a signature under way."""

from django.dispatch import receiver

from flows.blocs.signals import term_changed
from flows.pledges import events, services
from flows.pledges.models import CovenantVersion
from signatures.signals import field_signed, request_changed


@receiver(field_signed, dispatch_uid="pledges.on_field_signed")
def advance_on_signature(sender, field, request, **kwargs):
    services.on_field_signed(field, request)


@receiver(request_changed, dispatch_uid="pledges.on_request_changed")
def show_signing_progress(sender, request, **kwargs):
    covenant_id = (
        CovenantVersion.objects.filter(document_id=request.field.document_id)
        .values_list("covenant_id", flat=True)
        .first()
    )
    if covenant_id is not None:
        events.signing_progress(covenant_id, request)


@receiver(term_changed, dispatch_uid="pledges.on_term_changed")
def stop_signing_on_membership_change(sender, term, by, members_changed, **kwargs):
    if members_changed:
        services.membership_changed(term=term, by=by)

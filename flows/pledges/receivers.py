"""The covenant flow advances when a signature lands on one of its documents, and stops when
the bloc changes; its pages follow a signature under way."""

from django.dispatch import receiver

from flows.blocs.signals import term_changed
from flows.pledges import documents, events, services
from signatures import pipeline


def show_signing_progress(version, request) -> None:
    events.signing_progress(version.covenant_id, request)


pipeline.on_document(
    documents.DOCUMENT_TYPE, signed=services.on_field_signed, progressed=show_signing_progress
)


@receiver(term_changed, dispatch_uid="pledges.on_term_changed")
def stop_signing_on_membership_change(sender, term, by, members_changed, **kwargs):
    if members_changed:
        services.membership_changed(term=term, by=by)

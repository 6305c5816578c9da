"""The meeting advances when a signature lands on its minutes; its pages follow a signature
under way."""

from flows.nominations import documents, events, services
from signatures import pipeline


def show_signing_progress(owner, request) -> None:
    events.signing_progress(owner.pk, request)


pipeline.on_document(
    documents.MINUTES_TYPE, signed=services.on_document_signed, progressed=show_signing_progress
)

"""The scoring advances when a signature lands on a sheet or on the result; its pages follow a
signature under way."""

from flows.scoring import documents, events, services
from signatures import pipeline


def show_signing_progress(owner, request) -> None:
    events.signing_progress(owner.scoring_id, request)


for document_type in (documents.SHEET_TYPE, documents.RESULT_TYPE):
    pipeline.on_document(
        document_type, signed=services.on_document_signed, progressed=show_signing_progress
    )

"""The meeting advances when a signature lands on its minutes, a nominee's report, the
proposal, the department's return notice or its appraisal; its pages follow a signature under
way."""

from flows.nominations import documents, events, services
from signatures import pipeline


def _progress(meeting_of):
    def show(owner, request) -> None:
        events.signing_progress(meeting_of(owner), request)

    return show


pipeline.on_document(
    documents.MINUTES_TYPE,
    signed=services.on_minutes_signed,
    progressed=_progress(lambda meeting: meeting.pk),
)
pipeline.on_document(
    documents.REPORT_TYPE,
    signed=services.on_report_signed,
    progressed=_progress(lambda report: report.dossier.meeting_id),
)
pipeline.on_document(
    documents.PROPOSAL_TYPE,
    signed=services.on_proposal_signed,
    progressed=_progress(lambda dossier: dossier.meeting_id),
)
pipeline.on_document(documents.HANDOVER_TYPE, signed=services.on_handover_signed)
pipeline.on_document(
    documents.RETURN_NOTICE_TYPE,
    signed=services.on_return_notice_signed,
    progressed=_progress(lambda submission: submission.dossier.meeting_id),
)
pipeline.on_document(
    documents.APPRAISAL_TYPE,
    signed=services.on_appraisal_signed,
    progressed=_progress(lambda dossier: dossier.meeting_id),
)
pipeline.on_document(
    documents.COUNCIL_MINUTES_TYPE,
    signed=services.on_council_minutes_signed,
    progressed=lambda session, request: events.session_event(
        "council.signing_progress", session, audit=False, field=request.field_id
    ),
)
pipeline.on_document(documents.DECISION_TYPE, signed=services.on_decision_signed)

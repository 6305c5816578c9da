"""The bloc's dossier (P7): each nominee's achievement report, the proposal signed by the
leader unit's head, numbered and sealed by its records clerk, and the Word copies."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.nominations import documents, events, selectors
from flows.nominations.flows import MeetingFlow
from flows.nominations.models import (
    AchievementReport,
    Dossier,
    DossierStatus,
    Handover,
    Meeting,
    ReportStatus,
)
from flows.nominations.services.common import (
    audit,
    waiting_task,
)
from flows.nominations.services.reception import record_submission
from signatures import pipeline
from signatures.models import FieldKind
from workflows.acting import acting_on, finish, refuse
from workflows.background import enqueue_on_commit

# -- the dossier: the nominees' reports, the proposal, the submission ------------------------------


def _task_report(activation) -> AchievementReport:
    return (
        AchievementReport.objects.select_for_update(of=("self",))
        .select_related("candidacy__unit", "candidacy__meeting__term", "dossier")
        .get(
            dossier__meeting_id=activation.process.meeting_id,
            candidacy__unit_id=activation.task.data["unit"],
        )
    )


def report_for(task) -> AchievementReport:
    """The report a write or sign task is about (for its page)."""
    return AchievementReport.objects.select_related(
        "candidacy__unit",
        "candidacy__meeting__term__bloc",
        "candidacy__meeting__result",
        "document",
    ).get(dossier__meeting__processes=task.process_id, candidacy__unit_id=task.data["unit"])


def draft_achievements(report: AchievementReport) -> str:
    """What the officer starts from: the unit's place in the bloc's ranking and its scores."""
    candidacy = report.candidacy
    meeting = candidacy.meeting
    row = meeting.result.rows.filter(unit=candidacy.unit).first()
    if row is None:
        return ""
    return _(
        "In %(year)s the unit scored %(total)s points in %(bloc)s and ranked %(rank)s of"
        " %(count)s; the bloc proposed it for %(award)s at its meeting of %(day)s."
    ) % {
        "year": meeting.term.year,
        "total": f"{row.total.normalize():f}".replace(".", ","),
        "bloc": meeting.term.bloc.name,
        "rank": row.rank,
        "count": meeting.result.rows.count(),
        "award": candidacy.get_award_display().lower(),
        "day": meeting.held_on.strftime("%d/%m/%Y"),
    }


@transaction.atomic
def save_report(*, task, by, situation: str, achievements: str) -> AchievementReport:
    with acting_on(task, by, "write_report") as (activation, actor):
        report = _task_report(activation)
        if report.status != ReportStatus.DRAFT:
            refuse(_("The report was sent for signature: it can no longer be changed here."))
        report.situation, report.achievements = situation.strip(), achievements.strip()
        report.updated_by, report.updated_at = by, timezone.now()
        report.save()
        audit(
            "meeting.report_saved", actor, report.candidacy.meeting, unit=report.candidacy.unit_id
        )
    return report


@transaction.atomic
def submit_report(*, task, by, situation: str, achievements: str) -> AchievementReport:
    """The officer sends the report to his head, who signs it once it is rendered."""
    with acting_on(task, by, "write_report") as (activation, actor):
        report = _task_report(activation)
        missing = [
            label
            for label, text in (
                (_("the unit and its tasks"), situation),
                (_("achievements"), achievements),
            )
            if not text.strip()
        ]
        if missing:
            refuse(
                _("Write the report's sections first: %(sections)s.")
                % {"sections": ", ".join(missing)}
            )
        report.situation, report.achievements = situation.strip(), achievements.strip()
        report.updated_by, report.updated_at = by, timezone.now()
        report.submit()
        report.save()
        meeting = report.candidacy.meeting
        audit("meeting.report_submitted", actor, meeting, unit=report.candidacy.unit_id)
        enqueue_on_commit("nominations.prepare_report", report.pk)
        activation.process.meeting = meeting
        finish(activation, by)
    return report


def prepare_report(report_id: int) -> None:
    """Render a nominee's report for its head's signature."""
    report = pipeline.prepare(
        AchievementReport.objects.select_related(
            "candidacy__unit__parent",
            "candidacy__meeting__term__bloc__jurisdiction",
            "candidacy__meeting__result",
        ),
        report_id,
        draft_of=documents.report_draft,
        field="document",
    )
    candidacy = report.candidacy
    events.meeting_event(
        "meeting.report_ready", candidacy.meeting, audit=False, unit=candidacy.unit_id
    )


@transaction.atomic
def sign_report(*, task, by, credential, secret: str | None = None):
    with acting_on(task, by, "sign_report") as (activation, actor):
        report = _task_report(activation)
        if report.status != ReportStatus.SUBMITTED or report.document_id is None:
            refuse(_("The report is not ready for signing yet."))
        request = pipeline.sign(
            field=report.document.fields.get(name=documents.HEAD_FIELD),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        audit(
            "meeting.report_signature_requested",
            actor,
            report.candidacy.meeting,
            unit=report.candidacy.unit_id,
        )
    return request


def on_report_signed(owner, field, request) -> None:
    """The nominee's head signed its report: his step completes; with the last report signed,
    the proposal is the leader unit's to compile."""
    meeting_id = owner.dossier.meeting_id
    waiting = waiting_task(meeting_id, MeetingFlow.sign_report, data__unit=owner.candidacy.unit_id)
    if waiting is None:
        return
    with waiting.activation() as activation:
        report = AchievementReport.objects.select_for_update().get(pk=owner.pk)
        report.sign()
        report.save()
        dossier = Dossier.objects.select_for_update().get(pk=report.dossier_id)
        if not dossier.reports.exclude(status=ReportStatus.SIGNED).exists():
            dossier.compile()
            dossier.save()
        meeting = dossier.meeting
        events.meeting_event(
            "meeting.report_signed", meeting, actor=request.person, unit=report.candidacy.unit_id
        )
        activation.process.meeting = meeting
        finish(activation, request.person)


@transaction.atomic
def send_proposal(*, task, by) -> Dossier:
    """The leader unit's officer sends the proposal, compiled from the nominations, to the
    head of the leader unit for signature; every nominee's report must be signed."""
    with acting_on(task, by, "compile_proposal") as (activation, actor):
        dossier = Dossier.objects.select_for_update().get(meeting_id=activation.process.meeting_id)
        unsigned = dossier.reports.exclude(status=ReportStatus.SIGNED).select_related(
            "candidacy__unit"
        )
        if unsigned.exists():
            refuse(
                _("The dossier lacks the signed achievement reports of %(units)s.")
                % {"units": ", ".join(r.candidacy.unit.name for r in unsigned)}
            )
        _address(dossier)
        dossier.send_for_signature()
        # A proposal sent before (and returned) stays with its submission; a new one is drawn.
        dossier.proposal = None
        dossier.save()
        audit("meeting.proposal_compiled", actor, dossier.meeting)
        enqueue_on_commit("nominations.prepare_proposal", dossier.pk)
        activation.process.meeting = dossier.meeting
        finish(activation, by)
    return dossier


def _address(dossier: Dossier) -> None:
    """The department that receives the dossier: found again if none was when it opened."""
    if dossier.recipient_id is None:
        jurisdiction = dossier.meeting.term.bloc.jurisdiction
        dossier.recipient = selectors.home_affairs_of(jurisdiction)
    if dossier.recipient_id is None:
        refuse(
            _(
                "%(jurisdiction)s has no home-affairs officer to receive the dossier: the"
                " administrator appoints one first."
            )
            % {"jurisdiction": jurisdiction}
        )


def prepare_proposal(dossier_id: int) -> None:
    """Render the proposal and its list, for the leader unit's head, then its records clerk."""
    dossier = pipeline.prepare(
        Dossier.objects.select_related(
            "meeting__term__bloc__jurisdiction", "meeting__term__leader", "meeting__ballot"
        ),
        dossier_id,
        draft_of=documents.proposal_draft,
        field="proposal",
    )
    events.meeting_event("meeting.proposal_ready", dossier.meeting, audit=False)


def _task_dossier(activation, expected: str) -> Dossier:
    dossier = Dossier.objects.select_for_update().get(meeting_id=activation.process.meeting_id)
    if dossier.status != expected or dossier.proposal_id is None:
        refuse(_("The proposal is not ready for this step yet."))
    return dossier


@transaction.atomic
def sign_proposal(*, task, by, credential, secret: str | None = None):
    with acting_on(task, by, "sign_proposal") as (activation, actor):
        dossier = _task_dossier(activation, DossierStatus.SIGNING)
        request = pipeline.sign(
            field=dossier.proposal.fields.get(name=documents.HEAD_FIELD),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        audit("meeting.proposal_signature_requested", actor, dossier.meeting)
    return request


@transaction.atomic
def register_proposal(*, task, by, credential, secret: str | None = None):
    """The leader unit's records clerk numbers the proposal (TTr-…) and seals it: submitted."""
    with acting_on(task, by, "register_proposal") as (activation, actor):
        dossier = _task_dossier(activation, DossierStatus.REGISTERING)
        term = dossier.meeting.term
        request = pipeline.register(
            document=dossier.proposal,
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
            organisation=term.leader,
            symbol=documents.proposal_symbol(term),
            summary=str(dossier),
        )
        audit(
            "meeting.proposal_registration_requested",
            actor,
            dossier.meeting,
            number=request.field.document.issued_number.label,
        )
    return request


def on_proposal_signed(owner, field, request) -> None:
    """The head signed (on to the records clerk), or the clerk sealed it: submitted."""
    sealed = field.kind == FieldKind.ORGANISATION
    node = MeetingFlow.register_proposal if sealed else MeetingFlow.sign_proposal
    waiting = waiting_task(owner.meeting_id, node)
    if waiting is None:
        return
    with waiting.activation() as activation:
        dossier = Dossier.objects.select_for_update().get(pk=owner.pk)
        if sealed:
            dossier.submit()
            dossier.submitted_at = timezone.now()
        else:
            dossier.signed()
        dossier.save()
        if sealed:
            record_submission(dossier)
        meeting = dossier.meeting
        events.meeting_event(
            "meeting.dossier_submitted" if sealed else "meeting.proposal_signed",
            meeting,
            actor=request.person,
            late=dossier.late,
        )
        activation.process.meeting = meeting
        finish(activation, request.person)


def draft_of(meeting: Meeting, document_id: int):
    """(draft, stored document) of one of ``meeting``'s documents, for its Word copy; (None,
    None) when it is not one of them."""
    if meeting.minutes_id == document_id:
        return documents.minutes_draft(meeting), meeting.minutes
    handover = Handover.objects.filter(term=meeting.term, minutes_id=document_id).first()
    if handover is not None:
        return documents.handover_draft(handover), handover.minutes
    dossier = Dossier.objects.filter(meeting=meeting).select_related("proposal").first()
    if dossier is None:
        return None, None
    if dossier.proposal_id == document_id:
        return documents.proposal_draft(dossier), dossier.proposal
    if dossier.appraisal_id == document_id:
        return documents.appraisal_draft(dossier), dossier.appraisal
    submission = dossier.submissions.filter(notice_id=document_id).select_related("notice").first()
    if submission is not None:
        return documents.return_notice_draft(submission), submission.notice
    report = dossier.reports.filter(document_id=document_id).select_related("document").first()
    if report is None:
        return None, None
    return documents.report_draft(report), report.document

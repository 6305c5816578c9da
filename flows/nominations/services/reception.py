"""The home-affairs department's side of a bloc's dossier (P8).

Each sealed proposal is a **submission** (its version, its proposal and reports as sent). The
department's officer checks it against the list of documents its awards require
(``dossier.documents.*``): he receives it, or returns it with the reason and its legal basis;
the return notice (T16) is signed by the department's head, and the reports he names go back to
their units, to be written and signed again before the leader unit sends the proposal anew
(the next version; the earlier ones stay with their notices). A received dossier is appraised
nominee by nominee, every rule check computed with its citation; the officer writes his opinion
and conclusion, and the appraisal (T16) is signed by the head.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.nominations import documents, events, selectors
from flows.nominations.flows import MeetingFlow
from flows.nominations.models import (
    AchievementReport,
    Appraisal,
    AppraisalConclusion,
    BlocAward,
    Consultation,
    ConsultationOutcome,
    Dossier,
    DossierStatus,
    Submission,
    SubmissionOutcome,
)
from flows.nominations.services.common import audit, holder_of, waiting_task
from flows.rules import selectors as rules
from signatures import pipeline
from workflows.acting import acting_on, finish, refuse
from workflows.background import enqueue_on_commit
from workflows.models import Role
from workflows.workdays import add_working_days


def record_submission(dossier: Dossier) -> Submission:
    """The sealed proposal was sent: keep this version with the documents it holds."""
    reports = dossier.reports.select_related("candidacy")
    return Submission.objects.create(
        dossier=dossier,
        version=dossier.submissions.count() + 1,
        proposal_id=dossier.proposal_id,
        documents={"reports": {str(r.candidacy.unit_id): r.document_id for r in reports}},
        submitted_at=dossier.submitted_at,
        late=dossier.late,
    )


def _dossier_at(activation, *statuses) -> Dossier:
    dossier = Dossier.objects.select_for_update().get(meeting_id=activation.process.meeting_id)
    if dossier.status not in statuses:
        refuse(
            _("The dossier is %(status)s: this step is not open.")
            % {"status": dossier.get_status_display().lower()}
        )
    return dossier


def _signatory(dossier) -> None:
    """The department's head signs its notices and appraisals: refused now if there is none,
    rather than a document nobody can sign."""
    holder_of(Role.HEAD, dossier.recipient, timezone.localdate(), _("signatory"))


def _pending(dossier) -> Submission:
    return dossier.submissions.select_for_update().get(outcome=SubmissionOutcome.PENDING)


# -- reception -------------------------------------------------------------------------------------


@transaction.atomic
def receive(*, task, by) -> Submission:
    """The officer receives a complete dossier; its nominees' appraisals open."""
    with acting_on(task, by, "receive") as (activation, actor):
        dossier = _dossier_at(activation, DossierStatus.SUBMITTED)
        today = timezone.localdate()
        checklist = selectors.reception_checklist(dossier, on=today)
        missing = [item.label for item in checklist if not item.present]
        if missing:
            refuse(
                _("The dossier lacks: %(items)s. Return it, giving this as the reason.")
                % {"items": "; ".join(missing)}
            )
        submission = _pending(dossier)
        submission.checklist = [{**item.as_data(), "accepted": True} for item in checklist]
        submission.outcome = SubmissionOutcome.RECEIVED
        submission.decided_by, submission.decided_at = by, timezone.now()
        submission.save()
        dossier.receive()
        dossier.save()
        _open_appraisals(dossier, today)
        audit("meeting.dossier_received", actor, dossier.meeting, version=submission.version)
        activation.process.meeting = dossier.meeting
        finish(activation, by)
    return submission


@transaction.atomic
def return_dossier(*, task, by, reason: str, legal_basis: str, reports=(), note: str = ""):
    """The officer returns the dossier: why, on which legal basis, and which nominees' reports
    are to be written again (``note`` says what they lack). The head signs the notice."""
    with acting_on(task, by, "receive") as (activation, actor):
        dossier = _dossier_at(activation, DossierStatus.SUBMITTED)
        if not reason.strip() or not legal_basis.strip():
            refuse(_("Give the reason for the return and its legal basis."))
        returned = {report.candidacy.unit_id for report in reports}
        if any(report.dossier_id != dossier.pk for report in reports):
            refuse(_("Only this dossier's reports can be returned with it."))
        checklist = selectors.reception_checklist(dossier, on=timezone.localdate())
        submission = _pending(dossier)
        submission.checklist = [
            {
                **item.as_data(),
                "accepted": item.present and item.unit not in returned,
                "note": note.strip() if item.unit in returned else "",
            }
            for item in checklist
        ]
        _signatory(dossier)
        submission.outcome = SubmissionOutcome.RETURNED
        submission.reason, submission.legal_basis = reason.strip(), legal_basis.strip()
        submission.decided_by, submission.decided_at = by, timezone.now()
        submission.save()
        dossier.send_back()
        dossier.save()
        audit(
            "meeting.dossier_return_drafted",
            actor,
            dossier.meeting,
            version=submission.version,
            reports=sorted(returned),
        )
        enqueue_on_commit("nominations.prepare_return_notice", submission.pk)
        activation.process.meeting = dossier.meeting
        finish(activation, by)
    return submission


def prepare_return_notice(submission_id: int) -> None:
    """Render the return notice for the department's head."""
    submission = pipeline.prepare(
        Submission.objects.select_related(
            "dossier__meeting__term__bloc__jurisdiction",
            "dossier__meeting__term__leader",
            "dossier__recipient",
            "proposal__issued_number",
        ),
        submission_id,
        draft_of=documents.return_notice_draft,
        field="notice",
    )
    events.meeting_event("meeting.return_notice_ready", submission.dossier.meeting, audit=False)


def _returning(activation) -> Submission:
    dossier = _dossier_at(activation, DossierStatus.RETURNING)
    submission = dossier.submissions.filter(outcome=SubmissionOutcome.RETURNED).latest("version")
    if submission.notice_id is None:
        refuse(_("The return notice is not ready yet."))
    return submission


@transaction.atomic
def sign_return_notice(*, task, by, credential, secret: str | None = None):
    with acting_on(task, by, "sign_return_notice") as (activation, actor):
        submission = _returning(activation)
        request = pipeline.sign(
            field=submission.notice.fields.get(name=documents.HEAD_FIELD),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        audit("meeting.return_notice_signature_requested", actor, submission.dossier.meeting)
    return request


def on_return_notice_signed(owner: Submission, field, request) -> None:
    """The notice is signed: the dossier goes back to the bloc, the named reports to their
    units (written and signed again), or straight to the proposal when none was named."""
    waiting = waiting_task(owner.dossier.meeting_id, MeetingFlow.sign_return_notice)
    if waiting is None:
        return
    with waiting.activation() as activation:
        dossier = Dossier.objects.select_for_update().get(pk=owner.dossier_id)
        dossier.returned()
        returned = [item["unit"] for item in owner.checklist if not item["accepted"]]
        reports = AchievementReport.objects.select_for_update().filter(
            dossier=dossier, candidacy__unit_id__in=[unit for unit in returned if unit]
        )
        for report in reports:
            report.reopen()
            report.save()
        if reports:
            dossier.rewrite_reports()
        else:
            dossier.compile()
        dossier.save()
        events.meeting_event(
            "meeting.dossier_returned",
            dossier.meeting,
            actor=request.person,
            version=owner.version,
            reports=len(reports),
        )
        activation.process.meeting = dossier.meeting
        finish(activation, request.person)


# -- appraisal -------------------------------------------------------------------------------------


def _open_appraisals(dossier: Dossier, today) -> None:
    term = dossier.meeting.term
    known = selectors.blocs_of_year(term.bloc.jurisdiction, term.year)
    for candidacy in dossier.meeting.candidacies.filter(nominated=True).select_related("unit"):
        leaders = known if candidacy.award == BlocAward.CO_CP else None
        checks = selectors.appraisal_checks(candidacy, on=today, leaders=known)
        Appraisal.objects.update_or_create(
            candidacy=candidacy,
            defaults={
                "dossier": dossier,
                "checks": [check.as_data() for check in checks],
                "meets_rules": all(check.passed is not False for check in checks),
                "appraised_on": today,
                "leading_units": leaders,
            },
        )


def _recheck(appraisal: Appraisal, today) -> None:
    leaders = appraisal.leading_units or 0
    checks = selectors.appraisal_checks(appraisal.candidacy, on=today, leaders=leaders)
    appraisal.checks = [check.as_data() for check in checks]
    appraisal.meets_rules = all(check.passed is not False for check in checks)
    appraisal.appraised_on = today


def _failed(appraisal: Appraisal) -> str:
    return "; ".join(
        f"{check['rule']}: {check['text']} ({check['source']})"
        for check in appraisal.checks
        if check["passed"] is False
    )


@transaction.atomic
def appraise(
    *, task, by, appraisal: Appraisal, conclusion: str, opinion: str, leading_units=None
) -> Appraisal:
    """The officer's opinion and conclusion on one nominee, its checks computed again today; a
    nominee failing a rule cannot be put to the council."""
    with acting_on(task, by, "appraise") as (activation, actor):
        dossier = _dossier_at(activation, DossierStatus.RECEIVED)
        appraisal = (
            Appraisal.objects.select_for_update()
            .select_related("candidacy__meeting__term__bloc__jurisdiction", "candidacy__unit")
            .get(pk=appraisal.pk, dossier=dossier)
        )
        if appraisal.candidacy.award == BlocAward.CO_CP and leading_units is not None:
            appraisal.leading_units = _leading_units(appraisal, leading_units)
        _recheck(appraisal, timezone.localdate())
        if conclusion == AppraisalConclusion.AGREED and not appraisal.meets_rules:
            refuse(
                _("%(unit)s cannot be put to the council: %(failed)s.")
                % {"unit": appraisal.candidacy.unit, "failed": _failed(appraisal)}
            )
        if not opinion.strip():
            refuse(_("Write the appraisal opinion."))
        appraisal.conclusion, appraisal.opinion = conclusion, opinion.strip()
        appraisal.appraised_by = by
        appraisal.save()
        audit(
            "meeting.nominee_appraised",
            actor,
            dossier.meeting,
            unit=appraisal.candidacy.unit_id,
            conclusion=conclusion,
            meets_rules=appraisal.meets_rules,
        )
    return appraisal


def _leading_units(appraisal: Appraisal, count: int) -> int:
    term = appraisal.candidacy.meeting.term
    known = selectors.blocs_of_year(term.bloc.jurisdiction, term.year)
    if count < known:
        refuse(
            _(
                "The province has at least %(known)s bloc(s) with a term in %(year)s: the count of"
                " leading units cannot be lower."
            )
            % {"known": known, "year": term.year}
        )
    return count


@transaction.atomic
def send_appraisal(*, task, by) -> Dossier:
    """Every nominee appraised: the appraisal goes to the department's head for signature."""
    with acting_on(task, by, "appraise") as (activation, actor):
        dossier = _dossier_at(activation, DossierStatus.RECEIVED)
        undecided = dossier.appraisals.filter(conclusion="").select_related("candidacy__unit")
        if undecided:
            refuse(
                _("Conclude the appraisal of %(units)s first.")
                % {"units": ", ".join(a.candidacy.unit.name for a in undecided)}
            )
        _signatory(dossier)
        dossier.send_appraisal()
        dossier.save()
        audit("meeting.appraisal_sent", actor, dossier.meeting)
        enqueue_on_commit("nominations.prepare_appraisal", dossier.pk)
        activation.process.meeting = dossier.meeting
        finish(activation, by)
    return dossier


def prepare_appraisal(dossier_id: int) -> None:
    dossier = pipeline.prepare(
        Dossier.objects.select_related(
            "meeting__term__bloc__jurisdiction", "meeting__term__leader", "recipient"
        ),
        dossier_id,
        draft_of=documents.appraisal_draft,
        field="appraisal",
    )
    events.meeting_event("meeting.appraisal_ready", dossier.meeting, audit=False)


@transaction.atomic
def sign_appraisal(*, task, by, credential, secret: str | None = None):
    with acting_on(task, by, "sign_appraisal") as (activation, actor):
        dossier = _dossier_at(activation, DossierStatus.APPRAISING)
        if dossier.appraisal_id is None:
            refuse(_("The appraisal is not ready yet."))
        request = pipeline.sign(
            field=dossier.appraisal.fields.get(name=documents.HEAD_FIELD),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        audit("meeting.appraisal_signature_requested", actor, dossier.meeting)
    return request


def on_appraisal_signed(owner: Dossier, field, request) -> None:
    waiting = waiting_task(owner.meeting_id, MeetingFlow.sign_appraisal)
    if waiting is None:
        return
    with waiting.activation() as activation:
        dossier = Dossier.objects.select_for_update().get(pk=owner.pk)
        dossier.appraised()
        dossier.save()
        agreed = dossier.appraisals.filter(conclusion=AppraisalConclusion.AGREED).count()
        events.meeting_event(
            "meeting.dossier_appraised", dossier.meeting, actor=request.person, agreed=agreed
        )
        activation.process.meeting = dossier.meeting
        finish(activation, request.person)


# -- consultation (R-16) ---------------------------------------------------------------------------


@transaction.atomic
def request_consultation(*, task, by, appraisal: Appraisal, agency: str, sent_on=None):
    """The officer records the letter asking ``agency`` about a Government flag nominee; the
    answer is due in the rule set's working days (``sla.consultation_reply_wd``)."""
    with acting_on(task, by, "appraise") as (activation, actor):
        dossier = _dossier_at(activation, DossierStatus.RECEIVED)
        appraisal = Appraisal.objects.get(pk=appraisal.pk, dossier=dossier)
        if not agency.strip():
            refuse(_("Name the agency consulted."))
        sent_on = sent_on or timezone.localdate()
        days = rules.resolve(
            "sla.consultation_reply_wd", on=sent_on, bloc=dossier.meeting.term.bloc
        ).value
        consultation = Consultation.objects.create(
            appraisal=appraisal,
            agency=agency.strip(),
            sent_on=sent_on,
            due=add_working_days(sent_on, days),
            recorded_by=by,
        )
        audit(
            "meeting.consultation_requested",
            actor,
            dossier.meeting,
            unit=appraisal.candidacy.unit_id,
            agency=consultation.agency,
            due=consultation.due.isoformat(),
        )
    return consultation


@transaction.atomic
def record_consultation_answer(
    *, task, by, consultation: Consultation, outcome: str, answer: str = "", answered_on=None
):
    """The agency's answer: no objection, or an objection (what it says is required)."""
    with acting_on(task, by, "appraise") as (activation, actor):
        dossier = _dossier_at(activation, DossierStatus.RECEIVED)
        consultation = Consultation.objects.select_for_update().get(
            pk=consultation.pk, appraisal__dossier=dossier
        )
        if outcome not in (ConsultationOutcome.NO_OBJECTION, ConsultationOutcome.OBJECTION):
            refuse(_("Say whether the agency objects."))
        if outcome == ConsultationOutcome.OBJECTION and not answer.strip():
            refuse(_("Write what the agency objects to."))
        consultation.outcome, consultation.answer = outcome, answer.strip()
        consultation.answered_on = answered_on or timezone.localdate()
        consultation.save()
        audit(
            "meeting.consultation_answered",
            actor,
            dossier.meeting,
            agency=consultation.agency,
            outcome=outcome,
        )
    return consultation

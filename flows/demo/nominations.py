"""Drive a bloc's year-end meeting as the demo officials (``run_nominations_demo``), from
``data/nominations.yaml``.

Every step goes through the services as the person the task is assigned to, as he would from
his inbox: the leader unit's officer proposes the units and takes the roll call, each head
present votes, the chair counts, the secretary and the chair sign the minutes; each nominee's
officer writes its report and its head signs it; the leader unit's officer sends the proposal,
its head signs it and its records clerk numbers and seals it; the home-affairs department
returns it once if the plan says so (the bloc completes and sends it again), receives it and
appraises every nominee, its head signing the notice and the appraisal. The bloc's scoring
must be ranked first (``run_scoring_demo``).
"""

from pathlib import Path

import yaml
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from flows.demo.covenants import DemoStopped, drafter, signing_step
from flows.nominations import services
from flows.nominations.models import (
    CONSULTED_AWARDS,
    LIVE_STATUSES,
    AppraisalConclusion,
    ConsultationOutcome,
    Dossier,
    DossierStatus,
    Handover,
    Meeting,
    MeetingStatus,
    SubmissionOutcome,
)
from workflows import ballots
from workflows.background import run_queued_tasks
from workflows.models import Organisation

NOMINATIONS_DATA = Path(__file__).parent / "data" / "nominations.yaml"
#: Every step is one task; two rounds of a bloc of 20 units take fewer than 100.
MAX_STEPS = 200


def plan_for(bloc_code: str) -> dict:
    data = yaml.safe_load(NOMINATIONS_DATA.read_text(encoding="utf-8"))
    if bloc_code not in data["meetings"]:
        raise DemoStopped(f"No demo meeting for the bloc {bloc_code!r} in {NOMINATIONS_DATA.name}.")
    return {"report": data["report"], **data["meetings"][bloc_code]}


def drive_meeting(*, term, log=lambda line: None) -> Meeting:
    """Take ``term``'s meeting as far as its plan goes: to the dossier submitted, or, with
    ``voted`` in the plan, to that many votes of the first round."""
    plan = plan_for(term.bloc.code)
    meeting = Meeting.objects.filter(term=term, status__in=LIVE_STATUSES).first()
    if meeting is None:
        held_on = plan["held_on"]
        meeting = services.convene(
            term=term,
            by=drafter(term),
            held_on=timezone.localdate() if held_on == "today" else held_on,
            place=plan["place"],
            theme=plan.get("theme", ""),
        )
        log(f"convened: {meeting}")
    for _step in range(MAX_STEPS):
        run_queued_tasks()
        meeting.refresh_from_db()
        if _done(meeting, plan) or _enough(meeting, plan):
            return meeting
        task = _next_task(meeting)
        log(f"{task.flow_task.name}: {task.owner.get_full_name()} ({task.data.get('unit_name')})")
        STEPS[task.flow_task.name](task, meeting, plan)
    raise DemoStopped(f"{meeting} did not finish in {MAX_STEPS} steps.")


def _done(meeting, plan) -> bool:
    """Submitted, or, when the plan takes it to the department, appraised."""
    dossier = Dossier.objects.filter(meeting=meeting).first()
    last = DossierStatus.APPRAISED if "appraisal" in plan else DossierStatus.SUBMITTED
    return dossier is not None and dossier.status == last


def _enough(meeting, plan) -> bool:
    if "voted" not in plan or meeting.status != MeetingStatus.VOTING:
        return False
    return ballots.turnout(meeting.ballot).voted >= plan["voted"]


def _next_task(meeting):
    task = (
        Task.objects.filter(
            process__meetingprocess__meeting=meeting,
            flow_task_type="HUMAN",
            status__in=[STATUS.ASSIGNED, STATUS.STARTED],
        )
        .select_related("owner")
        .order_by("pk")
        .first()
    )
    if task is None:
        raise DemoStopped(f"{meeting} waits for no one ({meeting.get_status_display()}).")
    return task


def _prepare(task, meeting, plan):
    units = Organisation.objects.in_bulk(list(plan.get("propose", {})), field_name="code")
    for code, award in plan.get("propose", {}).items():
        if not meeting.candidacies.filter(unit=units[code]).exists():
            services.propose(task=task, by=task.owner, unit=units[code], award=award)
    services.open_voting(task=task, by=task.owner)


def _vote(task, meeting, plan):
    """The head marks every candidate on the paper (the plan's "all")."""
    marks = list(ballots.current_round(meeting.ballot).candidates.all())
    services.vote(task=task, by=task.owner, marks=marks)


def _count(task, meeting, plan):
    services.count(task=task, by=task.owner)


def _signing(service):
    step = signing_step(service)

    def sign(task, meeting, plan):
        run_queued_tasks()  # the document is rendered before anyone signs it
        step(task, meeting)

    return sign


def _write_report(task, meeting, plan):
    """The nominee's officer writes its report from the plan's text and the drafted figures."""
    report = services.report_for(task)
    unit = report.candidacy.unit
    services.submit_report(
        task=task,
        by=task.owner,
        situation=plan["report"]["situation"].format(unit=unit.name),
        achievements="\n".join(
            [services.draft_achievements(report), plan["report"]["achievements"]]
        ),
    )


def _compile(task, meeting, plan):
    services.send_proposal(task=task, by=task.owner)


def _receive(task, meeting, plan):
    """The department returns the first version when the plan says so, then receives."""
    returning = plan.get("reception", {}).get("return")
    dossier = meeting.dossier
    if returning and not dossier.submissions.filter(outcome=SubmissionOutcome.RETURNED).exists():
        services.return_dossier(
            task=task,
            by=task.owner,
            reason=returning["reason"],
            legal_basis=returning["legal_basis"],
            reports=list(dossier.reports.filter(candidacy__unit__code__in=returning["reports"])),
            note=returning.get("note", ""),
        )
    else:
        services.receive(task=task, by=task.owner)


def _appraise(task, meeting, plan):
    """The officer agrees with every nominee that meets the rules (the plan's opinion)."""
    appraisal_plan = plan["appraisal"]
    for appraisal in meeting.dossier.appraisals.filter(candidacy__award__in=CONSULTED_AWARDS):
        if appraisal.consultations.exists():
            continue
        for agency in appraisal_plan.get("consult", []):
            consultation = services.request_consultation(
                task=task, by=task.owner, appraisal=appraisal, agency=agency
            )
            services.record_consultation_answer(
                task=task,
                by=task.owner,
                consultation=consultation,
                outcome=ConsultationOutcome.NO_OBJECTION,
            )
    for appraisal in meeting.dossier.appraisals.select_related("candidacy"):
        services.appraise(
            task=task,
            by=task.owner,
            appraisal=appraisal,
            conclusion=AppraisalConclusion.AGREED,
            opinion=appraisal_plan["opinion"],
            leading_units=appraisal_plan.get("leading_units"),
        )
    services.send_appraisal(task=task, by=task.owner)


STEPS = {
    "prepare": _prepare,
    "vote": _vote,
    "count": _count,
    "sign_as_secretary": _signing(services.sign_minutes),
    "sign_as_chair": _signing(services.sign_minutes),
    "write_report": _write_report,
    "sign_report": _signing(services.sign_report),
    "compile_proposal": _compile,
    "sign_proposal": _signing(services.sign_proposal),
    "register_proposal": _signing(services.register_proposal),
    "receive": _receive,
    "sign_return_notice": _signing(services.sign_return_notice),
    "appraise": _appraise,
    "sign_appraisal": _signing(services.sign_appraisal),
}


def drive_handover(*, term, log=lambda line: None):
    """The outgoing leader unit hands over as the plan says; both heads sign the minutes."""
    plan = plan_for(term.bloc.code).get("handover")
    if plan is None:
        return None
    handover = Handover.objects.filter(term=term).first()
    if handover is None:
        handover = services.designate_next_leader(
            term=term,
            by=drafter(term),
            next_leader=Organisation.objects.get(code=plan["leader"]),
            handover_on=plan["day"],
        )
        log(f"designated: {handover}")
    sign = signing_step(services.sign_handover)
    for _step in range(4):
        run_queued_tasks()
        task = (
            Task.objects.filter(
                process__handoverprocess__handover=handover,
                flow_task_type="HUMAN",
                status__in=[STATUS.ASSIGNED, STATUS.STARTED],
            )
            .select_related("owner")
            .first()
        )
        if task is None:
            break
        log(f"{task.flow_task.name}: {task.owner.get_full_name()}")
        sign(task, handover)
    handover.refresh_from_db()
    return handover

"""Drive a council session as the demo officials (``run_council_demo``), from the ``councils``
of ``data/nominations.yaml``.

The chairman convenes the session on the appraised nominees of the year, the secretary takes
the roll call (the plan's absent members are not present), each member present votes from his
inbox, the secretary records the absent members' written votes, the chairman counts, the
secretary and the chairman sign the minutes. ``voted`` stops the vote half-way, as a live page
shows it. The blocs' dossiers must be appraised first (``run_nominations_demo``).
"""

import yaml
from django.contrib.auth import get_user_model
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from flows.demo.covenants import DemoStopped, signing_step
from flows.demo.nominations import NOMINATIONS_DATA
from flows.nominations import services
from flows.nominations.flows import CouncilFlow
from flows.nominations.models import LIVE_SESSIONS, CouncilSession, SessionStatus
from flows.nominations.selectors import absent_members, members_of
from workflows import ballots
from workflows.background import run_queued_tasks
from workflows.models import Organisation

#: A session of fifteen members takes about twenty tasks.
MAX_STEPS = 60


def council_plan(jurisdiction_code: str) -> dict:
    data = yaml.safe_load(NOMINATIONS_DATA.read_text(encoding="utf-8"))
    plan = data.get("councils", {}).get(jurisdiction_code)
    if plan is None:
        raise DemoStopped(f"No demo council session for {jurisdiction_code!r}.")
    return plan


def drive_session(*, jurisdiction_code: str, voted: int | None = None, log=lambda line: None):
    """Take the jurisdiction's session as far as the plan goes (``voted``: stop once that many
    members present have voted)."""
    plan = council_plan(jurisdiction_code)
    jurisdiction = Organisation.objects.get(code=jurisdiction_code)
    session = CouncilSession.objects.filter(
        council__parent=jurisdiction, year=plan["year"], status__in=LIVE_SESSIONS
    ).first()
    if session is None:
        chair = get_user_model().objects.get(username=f"{jurisdiction_code}.council.chair")
        session = services.convene_session(
            jurisdiction=jurisdiction,
            year=plan["year"],
            by=chair,
            held_on=plan["held_on"],
            place=plan["place"],
        )
        log(f"convened: {session}")
    sign = signing_step(services.sign_council_minutes)
    for _step in range(MAX_STEPS):
        run_queued_tasks()
        session.refresh_from_db()
        if session.status == SessionStatus.MINUTES_SIGNED or _enough(session, voted):
            return session
        task = _next_task(session)
        log(f"{task.flow_task.name}: {task.owner.get_full_name()}")
        if task.flow_task == CouncilFlow.open_session:
            absent = set(plan.get("absent", []))
            present = [
                m
                for m in members_of(session.council, session.held_on)
                if m.user.username not in absent
            ]
            services.open_session(task=task, by=task.owner, present=present)
        elif task.flow_task == CouncilFlow.vote:
            services.council_vote(task=task, by=task.owner, marks=_everyone(session))
        elif task.flow_task == CouncilFlow.count:
            _written_votes(session)
            services.count_council(task=task, by=task.owner)
        else:
            sign(task, session)
    raise DemoStopped(f"{session} did not finish in {MAX_STEPS} steps.")


def _everyone(session):
    return list(ballots.current_round(session.ballot).candidates.all())


def _enough(session, voted) -> bool:
    if voted is None or session.status != SessionStatus.VOTING:
        return False
    return ballots.turnout(session.ballot).voted >= voted


def _written_votes(session) -> None:
    """The secretary records each absent member's written vote (the plan: for every one)."""
    for elector, has_voted in absent_members(session):
        if not has_voted:
            services.record_written_council_vote(
                session=session, by=session.secretary, elector=elector, marks=_everyone(session)
            )


def _next_task(session):
    task = (
        Task.objects.filter(
            process__councilprocess__session=session,
            flow_task_type="HUMAN",
            status__in=[STATUS.ASSIGNED, STATUS.STARTED],
        )
        .select_related("owner")
        .order_by("pk")
        .first()
    )
    if task is None:
        raise DemoStopped(f"{session} waits for no one ({session.get_status_display()}).")
    return task

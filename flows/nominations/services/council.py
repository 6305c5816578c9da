"""The provincial council's session on the appraised nominees (P9, T14).

The chairman (or the vice-chairman he delegated) convenes a session on the nominees the
home-affairs department put to the council (the flags; DOMAIN.md §3). The secretary takes the
roll call: a session sits with the rule set's quorum (``council.quorum``, 2/3) and a session on
awards needs ``council.award_session_min_presence`` (80 %) of the members present. Each
nominee is a yes-or-no question on the engine's ballot, passed with its award's threshold
(``vote.co_cp.threshold``, ``vote.co_tinh.threshold``) **over the council's total membership**
(``vote.base``), so that an absent member counts against; absent members vote in writing through
the secretary (``vote.absentee_written_opinion``). The chairman counts; the minutes with the
results are signed by the secretary, then the chairman.
"""

from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.nominations import documents, events, selectors
from flows.nominations.flows import CouncilFlow
from flows.nominations.models import (
    AgendaItem,
    BlocAward,
    CouncilSession,
    SessionStatus,
)
from flows.nominations.services.common import acting_in, holder_of
from flows.rules import selectors as rules
from signatures import pipeline
from workflows import ballots
from workflows.acting import acting_on, announce_tasks, end_open_tasks, finish, open_tasks, refuse
from workflows.background import enqueue_on_commit
from workflows.citations import Citation
from workflows.models import BallotMode, Role, ThresholdBase

#: The rules a session applies, resolved when it is convened and kept with it.
SESSION_RULES = [
    "council.quorum",
    "council.award_session_min_presence",
    "vote.base",
    "vote.ballot_secret",
    "vote.absentee_written_opinion",
    "vote.co_cp.threshold",
    "vote.co_tinh.threshold",
]
THRESHOLDS = {BlocAward.CO_CP: "vote.co_cp.threshold", BlocAward.CO_TINH: "vote.co_tinh.threshold"}


def _audit(action, actor, session, **data):
    events.session_event(
        action,
        session,
        actor=actor.person if actor else None,
        on_behalf_of=actor.on_behalf_of if actor else None,
        **data,
    )


def _chair(user, council):
    actor = acting_in(user, council, [Role.COUNCIL_CHAIR])
    if actor is None:
        raise PermissionDenied(
            _("Only the chairman of %(council)s, or the vice-chairman he delegated, does this.")
            % {"council": council}
        )
    return actor


@transaction.atomic
def convene_session(*, jurisdiction, year: int, by, held_on, place: str) -> CouncilSession:
    """The chairman convenes a session on every nominee awaiting the council."""
    council = selectors.council_of(jurisdiction)
    if council is None:
        refuse(_("%(jurisdiction)s has no council chairman.") % {"jurisdiction": jurisdiction})
    actor = _chair(by, council)
    # Locked, so that two sessions convened at once do not take the same nominees.
    appraisals = list(
        selectors.agenda_candidates(jurisdiction, year).select_for_update(of=("self",))
    )
    if not appraisals:
        refuse(_("No appraised nominee of %(year)s awaits the council.") % {"year": year})
    if not place.strip():
        refuse(_("Say where the council meets."))
    # The rules in force when it is convened, as the bloc's meeting keeps them.
    found = rules.rulings(SESSION_RULES, on=timezone.localdate(), jurisdiction=jurisdiction)
    session = CouncilSession.objects.create(
        council=council,
        year=year,
        held_on=held_on,
        place=place.strip(),
        chair=actor.principal,
        secretary=holder_of(Role.COUNCIL_SECRETARY, council, held_on, _("secretary")),
        rulings=found,
        convened_by=by,
    )
    try:
        with transaction.atomic():
            AgendaItem.objects.bulk_create(
                AgendaItem(
                    session=session,
                    appraisal=appraisal,
                    threshold=found[THRESHOLDS[appraisal.candidacy.award]]["value"],
                    threshold_source=found[THRESHOLDS[appraisal.candidacy.award]]["source"],
                )
                for appraisal in appraisals
            )
    except IntegrityError:
        refuse(_("Another session was convened on these nominees meanwhile."))
    process = CouncilFlow.start.run(session=session)
    announce_tasks(process.pk, before={})
    _audit("council.convened", actor, session, items=len(appraisals), year=year)
    return session


def _task_session(activation) -> CouncilSession:
    return CouncilSession.objects.select_for_update().get(pk=activation.process.session_id)


def _ratio(session, key) -> Fraction:
    return Fraction(session.rulings[key]["value"])


def _check_presence(session: CouncilSession, present: int, members: int) -> None:
    """A session sits with its quorum; a session on awards with its members present."""
    for key, text in (
        ("council.quorum", _("the council's quorum")),
        ("council.award_session_min_presence", _("the members present a session on awards needs")),
    ):
        needed = _ratio(session, key)
        if Fraction(present, members) < needed:
            refuse(
                _(
                    "%(present)s of %(members)s members present is short of %(what)s"
                    " (%(needed)s, %(source)s): the session cannot open."
                )
                % {
                    "present": present,
                    "members": members,
                    "what": text,
                    "needed": session.rulings[key]["display"],
                    "source": session.rulings[key]["source"],
                }
            )


@transaction.atomic
def open_session(*, task, by, present) -> CouncilSession:
    """The secretary records who is present; with the quorum and the presence the rules ask,
    the ballot of the whole membership opens, those present voting in their inbox."""
    with acting_on(task, by, "open_session") as (activation, actor):
        session = _task_session(activation)
        members = selectors.members_of(session.council, session.held_on)
        member_ids = {appointment.pk for appointment in members}
        if any(appointment.pk not in member_ids for appointment in present):
            refuse(_("Only the council's members can be recorded present."))
        _check_presence(session, len(present), len(members))
        session.present.set(present)
        agenda = selectors.agenda_of(session)
        session.ballot = ballots.prepare_ballot(
            subject=session,
            title=str(session),
            questions=[_question(session, item) for item in agenda],
            electorate=members,
            chair=session.chair,
            secretary=session.secretary,
            mode=BallotMode.SECRET
            if session.rulings["vote.ballot_secret"]["value"]
            else BallotMode.OPEN,
            base=ThresholdBase.ELECTORATE,
            base_citation=Citation(session.rulings["vote.base"]["source"]),
            max_rounds=1,
            written_votes=session.rulings["vote.absentee_written_opinion"]["value"],
            by=by,
        )
        session.open_voting()
        session.save()
        present_ids = {appointment.pk for appointment in present}
        ballots.open_round(
            ballot=session.ballot,
            by=None,
            present=[e for e in session.ballot.electors.all() if e.appointment_id in present_ids],
        )
        _audit("council.session_opened", actor, session, present=len(present), members=len(members))
        activation.process.session = session
        finish(activation, by)
    return session


def _question(session, item: AgendaItem) -> ballots.QuestionSpec:
    candidacy = item.appraisal.candidacy
    return ballots.QuestionSpec(
        label=f"{candidacy.get_award_display()}: {candidacy.unit.name}",
        candidates=[ballots.CandidateSpec(label=candidacy.unit.name, reference=item.reference)],
        threshold=Fraction(item.threshold),
        # "Từ 80 % tổng số thành viên": at least the share, of the whole membership.
        threshold_strict=False,
        threshold_citation=Citation(item.threshold_source),
    )


@transaction.atomic
def vote(*, task, by, marks) -> ballots.Receipt:
    """A member present (or his substitute for voting) votes yes on the nominees he marks."""
    with acting_on(task, by, "vote") as (activation, _actor):
        session = _task_session(activation)
        receipt = ballots.cast_vote(ballot=session.ballot, by=by, marks=marks)
        events.session_event("council.voted", session, audit=False)
        finish(activation, by)
    return receipt


@transaction.atomic
def record_written_vote(*, session: CouncilSession, by, elector, marks) -> ballots.Receipt:
    """The secretary records the written vote of an absent member."""
    session = CouncilSession.objects.select_for_update().get(pk=session.pk)
    if session.status != SessionStatus.VOTING:
        refuse(_("The council is not voting."))
    if elector.ballot_id != session.ballot_id:
        refuse(_("This member does not vote in this session."))
    receipt = ballots.record_written_vote(
        ballot=session.ballot, elector=elector, marks=marks, by=by
    )
    events.session_event("council.voted", session, audit=False)
    return receipt


def _open_votes(session):
    return open_tasks(CouncilFlow.vote, process__councilprocess__session=session)


def may_close_voting(user, session) -> bool:
    """The chair may end the voting while members present have still not voted."""
    return (
        session.status == SessionStatus.VOTING
        and acting_in(user, session.council, [Role.COUNCIL_CHAIR]) is not None
        and _open_votes(session).exists()
    )


@transaction.atomic
def close_voting(*, session: CouncilSession, by) -> int:
    """The chair ends the voting: a member present who has not voted is recorded as not voting
    (no paper: over the total membership it counts against). Returns how many."""
    session = CouncilSession.objects.select_for_update().get(pk=session.pk)
    actor = _chair(by, session.council)
    if session.status != SessionStatus.VOTING:
        refuse(_("The council is not voting."))
    silent = end_open_tasks(_open_votes(session), by)
    _audit("council.voting_closed", actor, session, not_voted=len(silent))
    return len(silent)


@transaction.atomic
def count(*, task, by) -> CouncilSession:
    """The chair closes the ballot and counts: each nominee passes with its threshold over the
    total membership; the result is frozen and the minutes prepared."""
    with acting_on(task, by, "count") as (activation, actor):
        session = _task_session(activation)
        ballot = session.ballot
        ballots.close_round(ballot=ballot, by=by, on_behalf_of=actor.on_behalf_of)
        ballot = ballots.freeze_result(ballot=ballot, by=by, on_behalf_of=actor.on_behalf_of)
        elected = {
            candidate.reference
            for item in ballots.outcome_of(ballot).questions
            for candidate, _how in item.elected
        }
        votes = _votes_for(ballot.result)
        for item in session.agenda.all():
            item.passed = item.reference in elected
            item.votes_for = votes.get(item.reference, 0)
            item.save(update_fields=["passed", "votes_for"])
        session.count()
        session.save()
        _audit("council.counted", actor, session, passed=len(elected))
        enqueue_on_commit("nominations.prepare_council_minutes", session.pk)
        activation.process.session = session
        finish(activation, by)
    return session


def _votes_for(result: dict) -> dict[str, int]:
    return {
        row["reference"]: row["for"]
        for question in result["questions"]
        for row in question["rounds"][-1]["candidates"]
    }


def prepare_minutes(session_id: int) -> None:
    """Render the session's minutes with the results, for the secretary and the chairman."""
    session = pipeline.prepare(
        CouncilSession.objects.select_related("council__parent", "chair", "secretary", "ballot"),
        session_id,
        draft_of=documents.council_minutes_draft,
        field="minutes",
    )
    events.session_event("council.minutes_ready", session, audit=False)


@transaction.atomic
def sign_minutes(*, task, by, credential, secret: str | None = None):
    """The secretary, then the chairman, sign the minutes."""
    step = task.flow_task.name
    with acting_on(task, by, step) as (activation, actor):
        session = _task_session(activation)
        if session.minutes_id is None:
            refuse(_("The minutes are not ready for signing yet."))
        name = documents.SECRETARY_FIELD if step == "sign_as_secretary" else documents.CHAIR_FIELD
        request = pipeline.sign(
            field=session.minutes.fields.get(name=name),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        _audit("council.minutes_signature_requested", actor, session, step=step)
    return request


def on_minutes_signed(owner: CouncilSession, field, request) -> None:
    step = "sign_as_secretary" if field.name == documents.SECRETARY_FIELD else "sign_as_chair"
    waiting = open_tasks(
        getattr(CouncilFlow, step), process__councilprocess__session_id=owner.pk
    ).first()
    if waiting is None:
        return
    with waiting.activation() as activation:
        session = CouncilSession.objects.select_for_update().get(pk=owner.pk)
        if step == "sign_as_chair":
            session.sign_minutes()
            session.save()
        events.session_event("council.minutes_signed", session, actor=request.person, step=step)
        activation.process.session = session
        finish(activation, request.person)

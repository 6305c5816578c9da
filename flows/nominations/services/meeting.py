"""The bloc's year-end meeting (P6): convening from the ranking, the candidates and their
checks, the vote on the engine's ballot, the leader and deputy's decision of a tie, the
minutes."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.nominations import documents, events, selectors
from flows.nominations.flows import MeetingFlow
from flows.nominations.models import (
    FLAGS,
    LIVE_STATUSES,
    BlocAward,
    Candidacy,
    Meeting,
    MeetingStatus,
)
from flows.nominations.services.common import (
    OPENING_ROLES,
    RULES,
    TIE_RULES,
    acting_in,
    audit,
    electorate_of,
    holder_of,
    rule_citation,
    waiting_task,
)
from flows.rules import selectors as rules
from flows.rules.parameters import PARAMETERS
from flows.scoring.models import Scoring, ScoringResult, ScoringStatus
from signatures import pipeline
from workflows import ballots
from workflows.acting import acting_on, announce_tasks, end_open_tasks, finish, open_tasks, refuse
from workflows.background import enqueue_on_commit
from workflows.models import (
    BallotMode,
    Role,
    ThresholdBase,
    TieRule,
)

# -- convening -------------------------------------------------------------------------------------


def ranking_of(term) -> ScoringResult:
    """The latest version of the term's signed scoring result."""
    scoring = Scoring.objects.filter(term=term, status=ScoringStatus.RANKED).first()
    result = scoring.results.order_by("-version").first() if scoring else None
    if result is None:
        refuse(
            _("%(bloc)s has no signed scoring result for %(year)s: the meeting starts from it.")
            % {"bloc": term.bloc, "year": term.year}
        )
    return result


@transaction.atomic
def convene(*, term, by, held_on, place: str, theme: str = "") -> Meeting:
    """The leader unit convenes the year-end meeting on the frozen ranking. The head of the
    leader unit chairs it, its emulation officer is the secretary; the flags are proposed for
    the leading units at once, each checked."""
    actor = acting_in(by, term.leader, OPENING_ROLES)
    if actor is None:
        raise PermissionDenied(
            _(
                "Only the emulation officer or the head of the leader unit (%(unit)s) convenes"
                " the meeting."
            )
            % {"unit": term.leader}
        )
    if Meeting.objects.select_for_update().filter(term=term, status__in=LIVE_STATUSES).exists():
        refuse(
            _("%(bloc)s has already convened its year-end meeting for %(year)s.")
            % {"bloc": term.bloc, "year": term.year}
        )
    if not place.strip():
        refuse(_("Say where the meeting is held."))
    meeting = Meeting.objects.create(
        term=term,
        result=ranking_of(term),
        held_on=held_on,
        place=place.strip(),
        theme=theme.strip(),
        presiding=holder_of(Role.HEAD, term.leader, held_on, _("chair of the meeting")),
        secretary=holder_of(Role.EMULATION_OFFICER, term.leader, held_on, _("secretary")),
        convened_by=by,
        # The rules in force when the bloc convenes (as the scoring's when it opens); the
        # blockers are checked on the meeting's day.
        rulings=rules.rulings(RULES, on=timezone.localdate(), bloc=term.bloc),
    )
    meeting.attendees.set(term.members.all())
    _propose_flags(meeting, by)
    audit("meeting.convened", actor, meeting, held_on=held_on.isoformat(), place=meeting.place)
    process = MeetingFlow.start.run(meeting=meeting)
    announce_tasks(process.pk, before={})
    return meeting


def _propose_flags(meeting, by) -> None:
    """The leading unit for the Government flag, the next ones for the provincial flags:
    proposed whatever their checks say, so that a reason that keeps one off shows."""
    rows = list(meeting.result.rows.select_related("unit").order_by("rank", "unit__name"))
    if not rows:
        return
    places = meeting.rulings["quota.co_tinh.per_bloc"]["value"]
    _add_candidacy(meeting, BlocAward.CO_CP, rows[0].unit, by)
    for row in rows[1 : 1 + places]:
        _add_candidacy(meeting, BlocAward.CO_TINH, row.unit, by)


def _checked(meeting, award, unit, *, without=None):
    """(rank, checks, eligible) of ``unit`` for ``award`` at ``meeting``."""
    standing = selectors.standing_of(meeting, without=without)
    checks = selectors.checks_for(
        award=award,
        unit=unit,
        term=meeting.term,
        on=meeting.held_on,
        rulings=meeting.rulings,
        standing=standing,
    )
    eligible = all(check.passed is not False for check in checks)
    return standing.ranks.get(unit.pk, 0), [check.as_data() for check in checks], eligible


def _add_candidacy(meeting, award, unit, by, priority=False, priority_reason="") -> Candidacy:
    rank, checks, eligible = _checked(meeting, award, unit)
    return Candidacy.objects.create(
        meeting=meeting,
        award=award,
        unit=unit,
        rank=rank,
        checks=checks,
        eligible=eligible,
        priority=priority,
        priority_reason=priority_reason.strip(),
        proposed_by=by,
    )


# -- preparing the vote ----------------------------------------------------------------------------


def _task_meeting(activation) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("term__bloc", "term__leader", "term__deputy")
        .get(pk=activation.process.meeting_id)
    )


@transaction.atomic
def propose(*, task, by, unit, award: str, priority=False, priority_reason="") -> Candidacy:
    """Propose a member unit for an award; a unit that fails a check is refused with it."""
    with acting_on(task, by, "prepare") as (activation, actor):
        meeting = _task_meeting(activation)
        if not meeting.term.members.filter(pk=unit.pk).exists():
            refuse(
                _("%(unit)s is not a member of %(bloc)s.")
                % {"unit": unit, "bloc": meeting.term.bloc}
            )
        existing = meeting.candidacies.filter(unit=unit).first()
        if existing is not None:
            refuse(
                _(
                    "%(unit)s is already proposed for %(award)s: one achievement, one award"
                    " (R-01). Withdraw it first."
                )
                % {"unit": unit, "award": existing.get_award_display()}
            )
        if priority and not priority_reason.strip():
            refuse(_("Say why the unit has priority in a tie (its share of women)."))
        _rank, checks, eligible = _checked(meeting, award, unit)
        if not eligible:
            failed = [check for check in checks if check["passed"] is False]
            refuse(
                _("%(unit)s cannot be proposed for %(award)s: %(reasons)s")
                % {
                    "unit": unit,
                    "award": BlocAward(award).label,
                    "reasons": " ".join(
                        f"{c['text']} ({c['rule']}: {c['source']})" for c in failed
                    ),
                }
            )
        candidacy = _add_candidacy(meeting, award, unit, by, priority, priority_reason)
        audit("meeting.proposed", actor, meeting, unit=unit.pk, award=award)
    return candidacy


@transaction.atomic
def withdraw(*, task, by, candidacy: Candidacy) -> None:
    with acting_on(task, by, "prepare") as (activation, actor):
        meeting = _task_meeting(activation)
        candidacy = meeting.candidacies.get(pk=candidacy.pk)
        candidacy.delete()
        audit("meeting.withdrawn", actor, meeting, unit=candidacy.unit_id, award=candidacy.award)


@transaction.atomic
def set_attendance(*, task, by, present: list) -> None:
    """The roll call: the member units present (the others vote in writing, where allowed)."""
    with acting_on(task, by, "prepare") as (activation, actor):
        meeting = _task_meeting(activation)
        members = set(meeting.term.members.values_list("pk", flat=True))
        if not present:
            refuse(_("Say which member units are present."))
        strangers = [unit for unit in present if unit.pk not in members]
        if strangers:
            refuse(
                _("Not members of the bloc: %(units)s.") % {"units": ", ".join(map(str, strangers))}
            )
        meeting.attendees.set(present)
        audit("meeting.roll_call", actor, meeting, present=sorted(unit.pk for unit in present))


@transaction.atomic
def open_voting(*, task, by) -> Meeting:
    """Check every candidacy again on the meeting's day, put the eligible ones to the vote of
    the member heads and open the first round."""
    with acting_on(task, by, "prepare") as (activation, actor):
        meeting = _task_meeting(activation)
        _recheck(meeting)
        eligible = list(meeting.candidacies.filter(eligible=True).select_related("unit"))
        if not eligible:
            refuse(_("Propose at least one eligible unit before opening the vote."))
        ballot = ballots.prepare_ballot(
            subject=meeting,
            title=str(meeting),
            questions=_questions(meeting, eligible),
            electorate=electorate_of(meeting.term.members.order_by("name"), meeting.held_on),
            chair=meeting.presiding,
            secretary=meeting.secretary,
            mode=BallotMode.SECRET
            if meeting.rulings["vote.ballot_secret"]["value"]
            else BallotMode.OPEN,
            base=ThresholdBase.ELECTORATE,
            base_citation=rule_citation(meeting, "bloc.vote.threshold"),
            max_rounds=meeting.rulings["bloc.vote.max_rounds"]["value"],
            written_votes=meeting.rulings["vote.absentee_written_opinion"]["value"],
            by=by,
        )
        meeting.ballot = ballot
        meeting.open_voting()
        meeting.save()
        # The flow opens the first round as the officer's step ends (the audit says who).
        ballots.open_round(ballot=ballot, by=None, present=_present_electors(meeting))
        audit("meeting.voting_opened", actor, meeting, candidates=len(eligible))
        activation.process.meeting = meeting
        finish(activation, by)
    return meeting


def _recheck(meeting) -> None:
    for candidacy in meeting.candidacies.select_related("unit").order_by("pk"):
        _rank, candidacy.checks, candidacy.eligible = _checked(
            meeting, candidacy.award, candidacy.unit, without=candidacy
        )
        candidacy.save(update_fields=["checks", "eligible"])


def _questions(meeting, eligible) -> list[ballots.QuestionSpec]:
    threshold = PARAMETERS["bloc.vote.threshold"].native(
        meeting.rulings["bloc.vote.threshold"]["value"]
    )
    tie_rules = [
        TIE_RULES[rule]
        for rule in meeting.rulings["bloc.vote.tie_rule"]["value"]
        if rule in TIE_RULES
    ]

    def spec(label, candidacies, seats, award):
        return ballots.QuestionSpec(
            label=label,
            candidates=[
                ballots.CandidateSpec(
                    label=c.unit.name,
                    reference=c.reference,
                    priority=c.priority,
                    priority_reason=c.priority_reason,
                )
                for c in candidacies
            ],
            threshold=threshold,
            # "Quá nửa": more than half of the member units.
            threshold_strict=True,
            threshold_citation=rule_citation(meeting, "bloc.vote.threshold"),
            seats=seats,
            # K-06: the leader and deputy decide only for a flag.
            tie_rules=tuple(
                tie_rules if award in FLAGS else [r for r in tie_rules if r != TieRule.DECISION]
            ),
            tie_citation=rule_citation(meeting, "bloc.vote.tie_rule"),
        )

    questions = []
    for award in BlocAward:
        standing = [c for c in eligible if c.award == award]
        if not standing:
            continue
        if award in FLAGS:
            places = (
                1
                if award == BlocAward.CO_CP
                else meeting.rulings["quota.co_tinh.per_bloc"]["value"]
            )
            questions.append(spec(award.label, standing, min(places, len(standing)), award))
        else:
            questions += [spec(f"{award.label}: {c.unit.name}", [c], 1, award) for c in standing]
    return questions


def _present_electors(meeting):
    present = set(meeting.attendees.values_list("pk", flat=True))
    return [
        elector
        for elector in meeting.ballot.electors.select_related("appointment")
        if elector.appointment.organisation_id in present
    ]


# -- voting ----------------------------------------------------------------------------------------


@transaction.atomic
def vote(*, task, by, marks) -> ballots.Receipt:
    """A member head (or his substitute) votes; the receipt is his alone, shown once."""
    with acting_on(task, by, "vote") as (activation, _actor):
        meeting = _task_meeting(activation)
        receipt = ballots.cast_vote(ballot=meeting.ballot, by=by, marks=marks)
        events.meeting_event(
            "meeting.voted", meeting, audit=False, unit=activation.task.data["unit"]
        )
        finish(activation, by)
    return receipt


@transaction.atomic
def record_written_vote(*, meeting: Meeting, by, unit, marks) -> ballots.Receipt:
    """The secretary records the written vote an absent member unit sent in."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.VOTING:
        refuse(_("No round of the meeting's vote is open."))
    elector = meeting.ballot.electors.filter(appointment__organisation=unit).first()
    if elector is None:
        refuse(_("%(unit)s does not vote at this meeting.") % {"unit": unit})
    receipt = ballots.record_written_vote(
        ballot=meeting.ballot, elector=elector, marks=marks, by=by
    )
    events.meeting_event("meeting.voted", meeting, audit=False, unit=unit.pk)
    return receipt


def _open_votes(meeting):
    return open_tasks(MeetingFlow.vote, process__meetingprocess__meeting=meeting)


def may_close_voting(user, meeting) -> bool:
    """Whether ``user`` may end the round's voting now: the chair, while heads present have
    still not voted."""
    return (
        meeting.status == MeetingStatus.VOTING
        and acting_in(user, meeting.term.leader, [Role.HEAD]) is not None
        and _open_votes(meeting).exists()
    )


@transaction.atomic
def close_voting(*, meeting: Meeting, by) -> list[int]:
    """The chair ends the round's voting: a unit present that has not voted is recorded as not
    voting (its task closes, no paper is cast), and counting is his next step. Returns those
    units."""
    meeting = Meeting.objects.select_for_update().select_related("term__leader").get(pk=meeting.pk)
    actor = acting_in(by, meeting.term.leader, [Role.HEAD])
    if actor is None:
        raise PermissionDenied(
            _("Only the chair of the meeting, the head of %(unit)s, ends the voting.")
            % {"unit": meeting.term.leader}
        )
    if meeting.status != MeetingStatus.VOTING:
        refuse(_("No round of the meeting's vote is open."))
    silent = [data["unit"] for data in end_open_tasks(_open_votes(meeting), by)]
    audit("meeting.voting_closed", actor, meeting, not_voted=silent)
    return silent


@transaction.atomic
def count(*, task, by) -> Meeting:
    """The chair closes the round and counts: another round, the leader and deputy's decision
    on a flag, or the result frozen and the minutes prepared."""
    with acting_on(task, by, "count") as (activation, actor):
        meeting = _task_meeting(activation)
        ballot = meeting.ballot
        ballots.close_round(ballot=ballot, by=by, on_behalf_of=actor.on_behalf_of)
        meeting.count()
        outcome = ballots.outcome_of(ballot)
        if any(item.next_round for item in outcome.questions):
            meeting.vote_again()
            meeting.save()
            ballots.open_round(
                ballot=ballot,
                by=by,
                on_behalf_of=actor.on_behalf_of,
                present=_present_electors(meeting),
            )
        elif any(item.awaiting_decision for item in outcome.questions):
            meeting.ask_decision()
            meeting.save()
        else:
            _conclude(meeting, by, actor.on_behalf_of)
        audit("meeting.counted", actor, meeting, round=ballot.rounds.count())
        activation.process.meeting = meeting
        finish(activation, by)
    return meeting


def _conclude(meeting, by, on_behalf_of=None) -> None:
    """Freeze the ballot's result, mark who the bloc nominates, prepare the minutes."""
    ballot = ballots.freeze_result(ballot=meeting.ballot, by=by, on_behalf_of=on_behalf_of)
    elected = {
        candidate.reference: how
        for item in ballots.outcome_of(ballot).questions
        for candidate, how in item.elected
    }
    for candidacy in meeting.candidacies.filter(eligible=True):
        candidacy.nominated = candidacy.reference in elected
        candidacy.nominated_how = elected.get(candidacy.reference, "")
        candidacy.save(update_fields=["nominated", "nominated_how"])
    meeting.nominate()
    meeting.save()
    enqueue_on_commit("nominations.prepare_minutes", meeting.pk)


# -- the leader and deputy decide a flag's tie (K-06) ---------------------------------------------


@transaction.atomic
def decide(*, task, by, chosen: dict, reason: str) -> Meeting:
    """The leader's head chooses among the undecided of each flag (``chosen``: question id →
    candidates), with a reason; the deputy's head agrees next (a bloc without one: final)."""
    if not reason.strip():
        refuse(_("Say why you decide so."))
    with acting_on(task, by, "decide") as (activation, actor):
        meeting = _task_meeting(activation)
        pending = {
            item.question.pk: item
            for item in ballots.outcome_of(meeting.ballot).questions
            if item.awaiting_decision
        }
        proposal = {}
        for question_id, item in pending.items():
            picked = [c for c in item.awaiting_decision if c.pk in set(chosen.get(question_id, []))]
            if not 1 <= len(picked) <= item.open_places:
                refuse(
                    _("“%(question)s”: choose %(count)s among %(candidates)s.")
                    % {
                        "question": item.question.label,
                        "count": item.open_places,
                        "candidates": ", ".join(c.label for c in item.awaiting_decision),
                    }
                )
            proposal[str(question_id)] = [c.pk for c in picked]
        meeting.decision = {"chosen": proposal, "reason": reason.strip()}
        if meeting.term.deputy_id is None:
            _apply_decision(meeting, deciders=_deciders(meeting))
        else:
            meeting.ask_agreement()
            meeting.save()
        audit("meeting.decided", actor, meeting, chosen=proposal, reason=reason.strip())
        activation.process.meeting = meeting
        finish(activation, by)
    return meeting


def _deciders(meeting) -> str:
    names = [_("the head of the leader unit (%(unit)s)") % {"unit": meeting.term.leader}]
    if meeting.term.deputy_id:
        names.append(_("the head of the deputy unit (%(unit)s)") % {"unit": meeting.term.deputy})
    return _(" and ").join(names)


def _apply_decision(meeting, *, deciders: str) -> None:
    decision = meeting.decision
    for question in meeting.ballot.questions.prefetch_related("candidates"):
        chosen = decision["chosen"].get(str(question.pk))
        if chosen:
            ballots.decide(
                question=question,
                chosen=[c for c in question.candidates.all() if c.pk in chosen],
                deciders=deciders,
                reason=decision["reason"],
                by=None,
            )
    _conclude(meeting, None)


@transaction.atomic
def answer_decision(*, task, by, agree: bool, reason: str = "") -> Meeting:
    if not agree and not reason.strip():
        refuse(_("Say what you disagree with, and why."))
    with acting_on(task, by, "agree") as (activation, actor):
        meeting = _task_meeting(activation)
        if agree:
            _apply_decision(meeting, deciders=_deciders(meeting))
        else:
            meeting.ask_decision()
            meeting.save()
        audit(
            "meeting.decision_agreed" if agree else "meeting.decision_sent_back",
            actor,
            meeting,
            reason=reason.strip(),
        )
        activation.process.meeting = meeting
        finish(activation, by)
    return meeting


# -- the minutes -----------------------------------------------------------------------------------


def prepare_minutes(meeting_id: int) -> None:
    """Render the minutes with the vote count, for the secretary's and the chair's signatures."""
    meeting = pipeline.prepare(
        Meeting.objects.select_related(
            "term__bloc__jurisdiction", "term__leader", "ballot", "presiding", "secretary"
        ),
        meeting_id,
        draft_of=documents.minutes_draft,
        field="minutes",
    )
    events.meeting_event("meeting.minutes_ready", meeting, audit=False)


def minutes_field(meeting, step: str):
    name = documents.SECRETARY_FIELD if step == "sign_as_secretary" else documents.CHAIR_FIELD
    return meeting.minutes.fields.get(name=name)


@transaction.atomic
def sign_minutes(*, task, by, credential, secret: str | None = None):
    """The secretary, then the chair, sign the minutes; the step completes when it lands."""
    step = task.flow_task.name
    with acting_on(task, by, step) as (activation, actor):
        meeting = _task_meeting(activation)
        if meeting.minutes_id is None:
            refuse(_("The minutes are not ready for signing yet."))
        request = pipeline.sign(
            field=minutes_field(meeting, step),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        audit("meeting.minutes_signature_requested", actor, meeting, step=step)
    return request


def on_minutes_signed(owner, field, request) -> None:
    """A signature landed on the minutes: complete the step waiting for it."""
    step = "sign_as_secretary" if field.name == documents.SECRETARY_FIELD else "sign_as_chair"
    waiting = waiting_task(owner.pk, getattr(MeetingFlow, step))
    if waiting is None:
        return
    with waiting.activation() as activation:
        meeting = Meeting.objects.select_for_update().get(pk=owner.pk)
        if step == "sign_as_chair":
            meeting.sign_minutes()
            meeting.save()
        events.meeting_event("meeting.minutes_signed", meeting, actor=request.person, step=step)
        activation.process.meeting = meeting
        finish(activation, request.person)

"""Every write of the year-end meeting, its dossier and the leader's hand-over: atomic,
permission-checked, audited.

A step runs inside ``workflows.acting.acting_on`` (the flow's lock, the open task, the person
acting in its role at its unit today). The vote itself is the engine's ballot
(``workflows.ballots``): this module decides what is put to the vote, under which rules, and
what the result means for the bloc.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.blocs import services as bloc_services
from flows.blocs.models import BlocTerm
from flows.nominations import documents, events, selectors
from flows.nominations.flows import HandoverFlow, MeetingFlow
from flows.nominations.models import (
    FLAGS,
    LIVE_HANDOVERS,
    LIVE_STATUSES,
    AchievementReport,
    BlocAward,
    Candidacy,
    Dossier,
    DossierStatus,
    Handover,
    HandoverStatus,
    Meeting,
    MeetingStatus,
    ReportStatus,
)
from flows.rules import selectors as rules
from flows.rules.parameters import PARAMETERS
from flows.scoring.models import Scoring, ScoringResult, ScoringStatus
from signatures import pipeline
from signatures.models import FieldKind
from workflows import ballots
from workflows.acting import acting_on, announce_tasks, finish, open_tasks, refuse
from workflows.background import enqueue_on_commit
from workflows.citations import Citation
from workflows.models import (
    Appointment,
    Ballot,
    BallotMode,
    Organisation,
    Role,
    ThresholdBase,
    TieRule,
)
from workflows.resolvers import actor_for, holders

#: The rules a meeting applies, resolved when it is convened and kept with it.
RULES = [
    "eligibility.blockers",
    "quota.co_tinh.per_bloc",
    "bloc.vote.threshold",
    "bloc.vote.max_rounds",
    "bloc.vote.tie_rule",
    "bloc.vote.voters",
    "vote.ballot_secret",
    "vote.absentee_written_opinion",
]
#: Who convenes the meeting and prepares the vote for the leader unit.
OPENING_ROLES = [Role.EMULATION_OFFICER, Role.HEAD]
#: The rule set's tie rules, as the ballot knows them ("revote" is what rounds do anyway).
TIE_RULES = {"prefer_female": TieRule.PRIORITY, "leader_deputy_decide": TieRule.DECISION}


def _audit(action, actor, meeting, **data):
    events.meeting_event(
        action,
        meeting,
        actor=actor.person if actor else None,
        on_behalf_of=actor.on_behalf_of if actor else None,
        **data,
    )


def _acting_in(user, unit, roles, today=None):
    today = today or timezone.localdate()
    return next((actor for role in roles if (actor := actor_for(user, role, unit, today))), None)


def _citation(meeting, key) -> Citation:
    return Citation(meeting.rulings[key]["source"])


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


def _holder(role, unit, day, what):
    appointments = holders(role, unit, day)
    if not appointments:
        refuse(
            _("%(unit)s has no %(role)s on %(day)s to act as %(what)s: appoint one first.")
            % {
                "unit": unit,
                "role": Role(role).label.lower(),
                "day": day.strftime("%d/%m/%Y"),
                "what": what,
            }
        )
    return appointments[0].user


@transaction.atomic
def convene(*, term, by, held_on, place: str, theme: str = "") -> Meeting:
    """The leader unit convenes the year-end meeting on the frozen ranking. The head of the
    leader unit chairs it, its emulation officer is the secretary; the flags are proposed for
    the leading units at once, each checked."""
    actor = _acting_in(by, term.leader, OPENING_ROLES)
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
        presiding=_holder(Role.HEAD, term.leader, held_on, _("chair of the meeting")),
        secretary=_holder(Role.EMULATION_OFFICER, term.leader, held_on, _("secretary")),
        convened_by=by,
        # The rules in force when the bloc convenes (as the scoring's when it opens); the
        # blockers are checked on the meeting's day.
        rulings=rules.rulings(RULES, on=timezone.localdate(), bloc=term.bloc),
    )
    meeting.attendees.set(term.members.all())
    _propose_flags(meeting, by)
    _audit("meeting.convened", actor, meeting, held_on=held_on.isoformat(), place=meeting.place)
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
        _audit("meeting.proposed", actor, meeting, unit=unit.pk, award=award)
    return candidacy


@transaction.atomic
def withdraw(*, task, by, candidacy: Candidacy) -> None:
    with acting_on(task, by, "prepare") as (activation, actor):
        meeting = _task_meeting(activation)
        candidacy = meeting.candidacies.get(pk=candidacy.pk)
        candidacy.delete()
        _audit("meeting.withdrawn", actor, meeting, unit=candidacy.unit_id, award=candidacy.award)


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
        _audit("meeting.roll_call", actor, meeting, present=sorted(unit.pk for unit in present))


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
            electorate=_electorate(meeting.term.members.order_by("name"), meeting.held_on),
            chair=meeting.presiding,
            secretary=meeting.secretary,
            mode=BallotMode.SECRET
            if meeting.rulings["vote.ballot_secret"]["value"]
            else BallotMode.OPEN,
            base=ThresholdBase.ELECTORATE,
            base_citation=_citation(meeting, "bloc.vote.threshold"),
            max_rounds=meeting.rulings["bloc.vote.max_rounds"]["value"],
            written_votes=meeting.rulings["vote.absentee_written_opinion"]["value"],
            by=by,
        )
        meeting.ballot = ballot
        meeting.open_voting()
        meeting.save()
        # The flow opens the first round as the officer's step ends (the audit says who).
        ballots.open_round(ballot=ballot, by=None, present=_present_electors(meeting))
        _audit("meeting.voting_opened", actor, meeting, candidates=len(eligible))
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
            threshold_citation=_citation(meeting, "bloc.vote.threshold"),
            seats=seats,
            # K-06: the leader and deputy decide only for a flag.
            tie_rules=tuple(
                tie_rules if award in FLAGS else [r for r in tie_rules if r != TieRule.DECISION]
            ),
            tie_citation=_citation(meeting, "bloc.vote.tie_rule"),
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


def _electorate(units, day) -> list[Appointment]:
    """One vote per member unit, by its head on ``day`` (``bloc.vote.voters``)."""
    electorate = []
    for unit in units:
        appointments = holders(Role.HEAD, unit, day)
        if not appointments:
            refuse(
                _("%(unit)s has no head on %(day)s to vote: appoint one first.")
                % {"unit": unit, "day": day.strftime("%d/%m/%Y")}
            )
        electorate.append(appointments[0])
    return electorate


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
        and _acting_in(user, meeting.term.leader, [Role.HEAD]) is not None
        and _open_votes(meeting).exists()
    )


@transaction.atomic
def close_voting(*, meeting: Meeting, by) -> list[int]:
    """The chair ends the round's voting: a unit present that has not voted is recorded as not
    voting (its task closes, no paper is cast), and counting is his next step. Returns those
    units."""
    meeting = Meeting.objects.select_for_update().select_related("term__leader").get(pk=meeting.pk)
    actor = _acting_in(by, meeting.term.leader, [Role.HEAD])
    if actor is None:
        raise PermissionDenied(
            _("Only the chair of the meeting, the head of %(unit)s, ends the voting.")
            % {"unit": meeting.term.leader}
        )
    if meeting.status != MeetingStatus.VOTING:
        refuse(_("No round of the meeting's vote is open."))
    silent = []
    for task in _open_votes(meeting):
        with task.activation() as activation:
            silent.append(task.data["unit"])
            finish(activation, by)
    _audit("meeting.voting_closed", actor, meeting, not_voted=silent)
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
        _audit("meeting.counted", actor, meeting, round=ballot.rounds.count())
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
        _audit("meeting.decided", actor, meeting, chosen=proposal, reason=reason.strip())
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
        _audit(
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
        _audit("meeting.minutes_signature_requested", actor, meeting, step=step)
    return request


def _waiting(meeting_id, node, **filters):
    return open_tasks(node, process__meetingprocess__meeting_id=meeting_id, **filters).first()


def on_minutes_signed(owner, field, request) -> None:
    """A signature landed on the minutes: complete the step waiting for it."""
    step = "sign_as_secretary" if field.name == documents.SECRETARY_FIELD else "sign_as_chair"
    waiting = _waiting(owner.pk, getattr(MeetingFlow, step))
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
        _audit(
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
        _audit("meeting.report_submitted", actor, meeting, unit=report.candidacy.unit_id)
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
        _audit(
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
    waiting = _waiting(meeting_id, MeetingFlow.sign_report, data__unit=owner.candidacy.unit_id)
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
        dossier.send_for_signature()
        dossier.save()
        _audit("meeting.proposal_compiled", actor, dossier.meeting)
        enqueue_on_commit("nominations.prepare_proposal", dossier.pk)
        activation.process.meeting = dossier.meeting
        finish(activation, by)
    return dossier


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
        _audit("meeting.proposal_signature_requested", actor, dossier.meeting)
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
        _audit(
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
    waiting = _waiting(owner.meeting_id, node)
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
    report = dossier.reports.filter(document_id=document_id).select_related("document").first()
    if report is None:
        return None, None
    return documents.report_draft(report), report.document


# -- the leader's hand-over (P13) -----------------------------------------------------------------


def may_designate(user, term) -> bool:
    """Whether ``user`` may designate the next leader: the outgoing leader unit, once."""
    return (
        not Handover.objects.filter(term=term, status__in=LIVE_HANDOVERS).exists()
        and _acting_in(user, term.leader, OPENING_ROLES) is not None
    )


def _roster_successor(term):
    """The member after the leader in the bloc's order (the first after the last)."""
    members = [
        m.organisation
        for m in term.memberships.select_related("organisation").order_by("position", "pk")
    ]
    index = next(i for i, unit in enumerate(members) if unit.pk == term.leader_id)
    return members[(index + 1) % len(members)]


def _check_rotation(term, policy: dict, next_leader) -> None:
    """The rule set's rotation policy decides who may lead next (DOMAIN.md §6)."""
    rule = policy["value"]
    expected = None
    if rule == "deputy_succeeds":
        expected = term.deputy
        if expected is None:
            refuse(
                _("The rules (%(source)s) make the deputy unit lead next, but %(bloc)s has none.")
                % {"source": policy["source"], "bloc": term.bloc}
            )
    elif rule == "roster":
        expected = _roster_successor(term)
    if expected is not None and next_leader.pk != expected.pk:
        refuse(
            _(
                "Under the bloc's rotation (%(policy)s, %(source)s) %(unit)s leads next, not"
                " %(chosen)s."
            )
            % {
                "policy": policy["display"],
                "source": policy["source"],
                "unit": expected,
                "chosen": next_leader,
            }
        )


@transaction.atomic
def designate_next_leader(*, term, by, next_leader=None, next_deputy=None, handover_on) -> Handover:
    """The outgoing leader unit designates next year's leader (and deputy) under the bloc's
    rotation policy and sets the hand-over day; the next term opens (or the one opened is
    confirmed) and the hand-over minutes go to both heads for signature. Under the policy
    "vote" the members elect the leader first, on the engine's ballot (``next_leader`` unused).
    """
    actor = _acting_in(by, term.leader, OPENING_ROLES)
    if actor is None:
        raise PermissionDenied(
            _("Only the emulation officer or the head of the leader unit (%(unit)s) hands over.")
            % {"unit": term.leader}
        )
    if Handover.objects.select_for_update().filter(term=term, status__in=LIVE_HANDOVERS).exists():
        refuse(_("%(bloc)s has already designated its next leader.") % {"bloc": term.bloc})
    members = list(term.members.all())
    for unit in filter(None, (next_leader, next_deputy)):
        if unit not in members:
            refuse(_("%(unit)s is not a member of %(bloc)s.") % {"unit": unit, "bloc": term.bloc})
    rotation = rules.rulings(["rotation.policy"], on=timezone.localdate(), bloc=term.bloc)[
        "rotation.policy"
    ]
    election = next_term = None
    if rotation["value"] == "vote":
        election = _election(term, by, members)
    else:
        if next_leader is None:
            refuse(_("Choose next year's leader unit."))
        if next_deputy is not None and next_deputy.pk == next_leader.pk:
            refuse(_("The deputy unit must differ from the leader unit."))
        _check_rotation(term, rotation, next_leader)
        next_term = _next_term(term, next_leader, next_deputy, members)
    handover = Handover.objects.create(
        term=term,
        next_term=next_term,
        next_deputy=next_deputy,
        ballot=election,
        status=HandoverStatus.ELECTING if election else HandoverStatus.SIGNING,
        handover_on=handover_on,
        policy=rotation["value"],
        policy_source=rotation["source"],
        designated_by=by,
    )
    _audit_handover(
        "handover.designated",
        actor,
        handover,
        policy=handover.policy,
        leader=next_leader.pk if handover.next_term_id else None,
        day=handover_on.isoformat(),
    )
    process = HandoverFlow.start.run(handover=handover)
    announce_tasks(process.pk, before={})
    if handover.next_term_id:
        enqueue_on_commit("nominations.prepare_handover", handover.pk)
    return handover


def _election(term, by, members) -> Ballot:
    """The members' election of next year's leader unit: one place, more than half of the
    member units, the bloc's rounds; the first round opens at once."""
    found = rules.rulings(
        ["bloc.vote.threshold", "bloc.vote.max_rounds", "vote.ballot_secret"],
        on=timezone.localdate(),
        bloc=term.bloc,
    )
    chair = _holder(Role.HEAD, term.leader, timezone.localdate(), _("chair of the election"))
    ballot = ballots.prepare_ballot(
        subject=term,
        title=str(
            _("Election of the leader unit of %(bloc)s for %(year)s")
            % {"bloc": term.bloc, "year": term.year + 1}
        ),
        questions=[
            ballots.QuestionSpec(
                label=str(_("Leader unit %(year)s") % {"year": term.year + 1}),
                candidates=[
                    ballots.CandidateSpec(label=unit.name, reference=f"unit:{unit.pk}")
                    for unit in sorted(members, key=lambda unit: unit.name)
                ],
                threshold=PARAMETERS["bloc.vote.threshold"].native(
                    found["bloc.vote.threshold"]["value"]
                ),
                threshold_strict=True,
                threshold_citation=Citation(found["bloc.vote.threshold"]["source"]),
            )
        ],
        electorate=_electorate(sorted(members, key=lambda unit: unit.name), timezone.localdate()),
        chair=chair,
        mode=BallotMode.SECRET if found["vote.ballot_secret"]["value"] else BallotMode.OPEN,
        base=ThresholdBase.ELECTORATE,
        base_citation=Citation(found["bloc.vote.threshold"]["source"]),
        max_rounds=found["bloc.vote.max_rounds"]["value"],
        by=by,
    )
    ballots.open_round(ballot=ballot, by=None)
    return ballot


@transaction.atomic
def elect(*, task, by, marks) -> ballots.Receipt:
    """A member head (or his substitute) votes for next year's leader unit."""
    with acting_on(task, by, "elect") as (activation, _actor):
        handover = Handover.objects.select_for_update().get(pk=activation.process.handover_id)
        receipt = ballots.cast_vote(ballot=handover.ballot, by=by, marks=marks)
        events.handover_event("handover.voted", handover, audit=False, unit=task.data["unit"])
        finish(activation, by)
    return receipt


@transaction.atomic
def count_election(*, task, by) -> Handover:
    """The outgoing leader's head closes the round: a unit elected (the next term opens with it
    and the minutes follow), another round, or no unit elected (the hand-over ends; designate
    again)."""
    with acting_on(task, by, "elect_count") as (activation, actor):
        handover = Handover.objects.select_for_update().get(pk=activation.process.handover_id)
        ballot = handover.ballot
        ballots.close_round(ballot=ballot, by=by, on_behalf_of=actor.on_behalf_of)
        [outcome] = ballots.outcome_of(ballot).questions
        if outcome.next_round:
            ballots.open_round(ballot=ballot, by=by, on_behalf_of=actor.on_behalf_of)
        else:
            ballots.freeze_result(ballot=ballot, by=by, on_behalf_of=actor.on_behalf_of)
            _conclude_election(handover, outcome)
        _audit_handover("handover.counted", actor, handover, round=ballot.rounds.count())
        activation.process.handover = handover
        finish(activation, by)
    return handover


def _conclude_election(handover, outcome) -> None:
    if not outcome.elected:
        handover.not_elected()
        handover.save()
        return
    [(candidate, _how)] = outcome.elected
    leader = Organisation.objects.get(pk=int(candidate.reference.removeprefix("unit:")))
    term = handover.term
    deputy = handover.next_deputy if handover.next_deputy_id != leader.pk else None
    handover.next_term = _next_term(term, leader, deputy, list(term.members.all()))
    handover.elected()
    handover.save()
    enqueue_on_commit("nominations.prepare_handover", handover.pk)


def _next_term(term, leader, deputy, members):
    """Next year's term: opened now with the same members, or the one already opened, which
    must name the same leader."""
    existing = BlocTerm.objects.filter(bloc=term.bloc, year=term.year + 1).first()
    if existing is None:
        return bloc_services.open_term(
            bloc=term.bloc,
            year=term.year + 1,
            leader=leader,
            deputy=deputy,
            members=members,
            by=None,
        )
    if existing.leader_id != leader.pk:
        refuse(
            _("The %(year)s term of %(bloc)s is already opened with %(unit)s as leader.")
            % {"year": existing.year, "bloc": term.bloc, "unit": existing.leader}
        )
    return existing


def _audit_handover(action, actor, handover, **data):
    events.handover_event(
        action,
        handover,
        actor=actor.person if actor else None,
        on_behalf_of=actor.on_behalf_of if actor else None,
        **data,
    )


def prepare_handover(handover_id: int) -> None:
    """Render the hand-over minutes for the outgoing, then the incoming head."""
    handover = pipeline.prepare(
        Handover.objects.select_related(
            "term__bloc__jurisdiction", "term__leader", "next_term__leader", "next_term__deputy"
        ),
        handover_id,
        draft_of=documents.handover_draft,
        field="minutes",
    )
    events.handover_event("handover.minutes_ready", handover, audit=False)


HANDOVER_FIELDS = {
    "sign_outgoing": documents.OUTGOING_FIELD,
    "sign_incoming": documents.INCOMING_FIELD,
}


@transaction.atomic
def sign_handover(*, task, by, credential, secret: str | None = None):
    step = task.flow_task.name
    with acting_on(task, by, step) as (activation, actor):
        handover = Handover.objects.select_for_update().get(pk=activation.process.handover_id)
        if handover.minutes_id is None:
            refuse(_("The hand-over minutes are not ready for signing yet."))
        request = pipeline.sign(
            field=handover.minutes.fields.get(name=HANDOVER_FIELDS[step]),
            person=by,
            credential=credential,
            secret=secret,
            prefix=actor.signing_prefix,
        )
        _audit_handover("handover.signature_requested", actor, handover, step=step)
    return request


def on_handover_signed(owner, field, request) -> None:
    """A head signed the hand-over minutes; with the incoming head's signature, the lead
    passes on the hand-over day: the outgoing term ends the day before, the next begins."""
    step = next(name for name, field_name in HANDOVER_FIELDS.items() if field_name == field.name)
    waiting = open_tasks(
        getattr(HandoverFlow, step), process__handoverprocess__handover=owner
    ).first()
    if waiting is None:
        return
    with waiting.activation() as activation:
        handover = Handover.objects.select_for_update().get(pk=owner.pk)
        if step == "sign_incoming":
            _switch_terms(handover)
            handover.hand_over()
            handover.save()
        events.handover_event("handover.signed", handover, actor=request.person, step=step)
        activation.process.handover = handover
        finish(activation, request.person)


def _switch_terms(handover) -> None:
    outgoing, incoming = handover.term, handover.next_term
    starts = max(handover.handover_on, datetime.date(incoming.year, 1, 1))
    for term, valid_from, valid_to in (
        (incoming, starts, incoming.valid_to),
        (outgoing, outgoing.valid_from, starts - datetime.timedelta(days=1)),
    ):
        bloc_services.change_term(
            term=term,
            leader=term.leader,
            deputy=term.deputy,
            members=list(term.members.all()),
            valid_from=valid_from,
            valid_to=valid_to,
            by=None,
        )

"""Generic ballots: prepare, open a round, vote, record a written vote, close, decide, freeze.

Every write is atomic, checks who acts, and is audited. What a voter marked never reaches the
audit log, a log line or a row that names him in a secret ballot (docs/ballots.md): the
participation (who voted) and the paper (what was voted) are written apart, the paper with a
random id, no timestamp and no voter, and the papers of a round are rewritten in a random order
when it closes. The flows decide who is in the electorate and which thresholds apply (from their
rule sets, with the citation); the ballot only counts.
"""

import hashlib
import random
import secrets
from dataclasses import dataclass, field
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workflows.citations import Citation
from workflows.models import (
    Ballot,
    BallotCandidate,
    BallotDecision,
    BallotMode,
    BallotPaper,
    BallotQuestion,
    BallotRound,
    BallotStatus,
    DelegationScope,
    Elector,
    Participation,
    ParticipationKind,
    ThresholdBase,
    TieRule,
    canonical_json,
    person_name,
)
from workflows.resolvers import delegation_to
from workflows.services import record_event

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed back
RECEIPT_LENGTH = 12  # 60 bits


# Preparing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateSpec:
    label: str
    reference: str = ""
    priority: bool = False
    priority_reason: str = ""


@dataclass(frozen=True)
class QuestionSpec:
    label: str
    candidates: list[CandidateSpec]
    threshold: Fraction
    threshold_citation: Citation
    threshold_strict: bool = False
    seats: int = 1
    max_choices: int | None = None
    tie_rules: tuple[str, ...] = ()
    tie_citation: Citation | None = None


@transaction.atomic
def prepare_ballot(
    *,
    subject,
    title: str,
    questions: list[QuestionSpec],
    electorate: list,
    chair,
    secretary=None,
    mode: str = BallotMode.SECRET,
    base: str = ThresholdBase.ELECTORATE,
    base_citation: Citation | None = None,
    max_rounds: int = 1,
    written_votes: bool = False,
    by=None,
) -> Ballot:
    """A ballot on ``questions`` for the holders of the ``electorate`` appointments.

    The electorate is fixed here, as the flow resolved it: later appointments do not join it.
    """
    if not electorate:
        raise ValidationError(_("A ballot needs at least one elector."))
    if not any(spec.candidates for spec in questions):
        raise ValidationError(_("A ballot needs at least one candidate."))
    ballot = Ballot.objects.create(
        subject=subject,
        title=title,
        mode=mode,
        base=base,
        base_source=str(base_citation or ""),
        max_rounds=max_rounds,
        written_votes=written_votes,
        chair=chair,
        secretary=secretary,
    )
    for position, spec in enumerate(questions, start=1):
        _add_question(ballot, position, spec)
    Elector.objects.bulk_create(
        Elector(ballot=ballot, appointment=appointment, label=_elector_label(appointment))
        for appointment in electorate
    )
    record_event(
        "ballot.prepared",
        actor=by,
        obj=ballot,
        data={"mode": mode, "base": base, "electorate": len(electorate), "rounds": max_rounds},
    )
    return ballot


def _add_question(ballot: Ballot, position: int, spec: QuestionSpec) -> None:
    unknown = set(spec.tie_rules) - set(TieRule.values)
    if unknown:
        raise ValueError(f"Unknown tie rules: {sorted(unknown)}")
    question = BallotQuestion.objects.create(
        ballot=ballot,
        position=position,
        label=spec.label,
        seats=spec.seats,
        max_choices=spec.max_choices or spec.seats,
        threshold=f"{spec.threshold.numerator}/{spec.threshold.denominator}",
        threshold_strict=spec.threshold_strict,
        threshold_source=str(spec.threshold_citation),
        tie_rules=list(spec.tie_rules),
        tie_source=str(spec.tie_citation or ""),
    )
    BallotCandidate.objects.bulk_create(
        BallotCandidate(
            question=question,
            position=number,
            label=candidate.label,
            reference=candidate.reference,
            priority=candidate.priority,
            priority_reason=candidate.priority_reason,
        )
        for number, candidate in enumerate(spec.candidates, start=1)
    )


def _elector_label(appointment) -> str:
    return f"{appointment.organisation} – {person_name(appointment.user)}"


# Rounds -------------------------------------------------------------------------------------


def _locked(ballot: Ballot) -> Ballot:
    return Ballot.objects.select_for_update().get(pk=ballot.pk)


def _require_chair(ballot: Ballot, by, on_behalf_of=None) -> None:
    """The chair acts, or his substitute: the flow that checked the delegation passes the
    chair as ``on_behalf_of``."""
    acting_for = on_behalf_of or by
    if acting_for is not None and acting_for.pk != ballot.chair_id:
        raise PermissionDenied(
            _("Only the chair of the ballot, %(chair)s, opens and closes its rounds.")
            % {"chair": person_name(ballot.chair)}
        )


@transaction.atomic
def open_round(
    *, ballot: Ballot, by, present: list[Elector] | None = None, on_behalf_of=None
) -> BallotRound:
    """Open the next round, on every candidate (first round) or on those still undecided.

    ``present`` is the roll call, when one is taken: then only those present vote in person,
    and the others only in writing (where the ballot allows it).
    """
    ballot = _locked(ballot)
    _require_chair(ballot, by, on_behalf_of)
    number = ballot.rounds.count() + 1
    if ballot.status == BallotStatus.FROZEN:
        raise ValidationError(_("The result of this ballot is frozen: no round can be opened."))
    if ballot.status == BallotStatus.VOTING:
        raise ValidationError(_("Round %(number)s is still open.") % {"number": number - 1})
    candidates = _candidates_of_round(ballot, number)
    round_ = BallotRound.objects.create(
        ballot=ballot, number=number, roll_called=present is not None
    )
    round_.candidates.set(candidates)
    if present:
        strangers = [elector for elector in present if elector.ballot_id != ballot.pk]
        if strangers:
            raise ValueError(f"Not electors of this ballot: {strangers}")
        round_.present.set(present)
    ballot.start_round()
    ballot.save()
    record_event(
        "ballot.round_opened",
        actor=by,
        on_behalf_of=on_behalf_of,
        obj=ballot,
        data={
            "round": number,
            "candidates": len(candidates),
            "present": len(present) if present is not None else None,
        },
    )
    return round_


def _candidates_of_round(ballot: Ballot, number: int) -> list[BallotCandidate]:
    if number == 1:
        return list(BallotCandidate.objects.filter(question__ballot=ballot))
    if number > ballot.max_rounds:
        raise ValidationError(
            ngettext(
                "This ballot allows at most %(count)s round.",
                "This ballot allows at most %(count)s rounds.",
                ballot.max_rounds,
            )
            % {"count": ballot.max_rounds}
        )
    following = [
        candidate for outcome in outcome_of(ballot).questions for candidate in outcome.next_round
    ]
    if not following:
        raise ValidationError(_("Every question is settled: there is nothing to vote on again."))
    return following


def current_round(ballot: Ballot) -> BallotRound | None:
    return ballot.rounds.order_by("-number").first()


# Voting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """Given to the voter once, never stored: with it he finds his paper (``check_receipt``)."""

    code: str
    round_number: int


def cast_vote(*, ballot: Ballot, by, marks) -> Receipt:
    """``by`` votes, for himself or, under a delegation, for an elector who is absent.

    ``marks`` are the candidates (or their ids) the paper marks; none is a blank paper.
    """
    with transaction.atomic():
        ballot = _locked(ballot)
        round_ = _open_round_of(ballot)
        elector, delegation = _elector_for(ballot, by)
        if round_.roll_called and not round_.present.filter(pk=elector.pk).exists():
            raise ValidationError(
                _(
                    "%(elector)s is not on the roll call of round %(number)s: an absent elector"
                    " votes in writing, through the secretary."
                )
                % {"elector": elector.label, "number": round_.number}
            )
        receipt = _hand_in(
            round_,
            elector,
            marks,
            kind=ParticipationKind.IN_PERSON,
            cast_by=by,
            delegation=delegation,
        )
        record_event(
            "ballot.voted",
            actor=by,
            on_behalf_of=delegation.appointment.user if delegation else None,
            obj=round_,
            data={"elector": elector.label, "how": ParticipationKind.IN_PERSON.value},
        )
    return receipt


def record_written_vote(*, ballot: Ballot, elector: Elector, marks, by) -> Receipt:
    """The secretary records the written vote an absent elector sent in."""
    with transaction.atomic():
        ballot = _locked(ballot)
        if by.pk != ballot.secretary_id:
            raise PermissionDenied(_("Only the secretary of the ballot records written votes."))
        if not ballot.written_votes:
            raise ValidationError(_("The rules of this ballot do not allow written votes."))
        round_ = _open_round_of(ballot)
        if elector.ballot_id != ballot.pk:
            raise ValueError(f"{elector} is not an elector of this ballot.")
        if not round_.roll_called or round_.present.filter(pk=elector.pk).exists():
            raise ValidationError(
                _("%(elector)s is present: he votes in person, not in writing.")
                % {"elector": elector.label}
            )
        receipt = _hand_in(round_, elector, marks, kind=ParticipationKind.WRITTEN, cast_by=by)
        record_event(
            "ballot.voted",
            actor=by,
            obj=round_,
            data={"elector": elector.label, "how": ParticipationKind.WRITTEN.value},
        )
    return receipt


def _open_round_of(ballot: Ballot) -> BallotRound:
    round_ = current_round(ballot)
    if ballot.status != BallotStatus.VOTING or round_ is None or not round_.is_open:
        raise ValidationError(_("No round of this ballot is open for voting."))
    return round_


def _elector_for(ballot: Ballot, by):
    """The elector ``by`` votes for, and the delegation he votes under (None in person)."""
    electors = {
        elector.appointment_id: elector for elector in ballot.electors.select_related("appointment")
    }
    for elector in electors.values():
        if elector.appointment.user_id == by.pk:
            return elector, None
    delegation = delegation_to(by, list(electors), timezone.localdate(), DelegationScope.VOTE)
    if delegation is not None:
        return electors[delegation.appointment_id], delegation
    raise PermissionDenied(
        _("%(person)s is not in the electorate of this ballot, in person or by delegation.")
        % {"person": person_name(by)}
    )


def _hand_in(round_, elector, marks, *, kind, cast_by, delegation=None) -> Receipt:
    chosen = _checked_marks(round_, marks)
    if Participation.objects.filter(round=round_, elector=elector).exists():
        raise ValidationError(_already_voted(elector, round_))
    try:
        with transaction.atomic():
            Participation.objects.create(
                round=round_, elector=elector, kind=kind, cast_by=cast_by, delegation=delegation
            )
    except IntegrityError:  # a second submission that raced past the check above
        raise ValidationError(_already_voted(elector, round_)) from None
    code = _new_receipt_code()
    BallotPaper.objects.create(
        round=round_,
        marks=chosen,
        receipt_hash=_receipt_hash(round_.ballot_id, code),
        elector=None if round_.ballot.is_secret else elector,
    )
    return Receipt(code=_grouped(code), round_number=round_.number)


def _already_voted(elector, round_) -> str:
    return _("%(elector)s has already voted in round %(number)s.") % {
        "elector": elector.label,
        "number": round_.number,
    }


def _checked_marks(round_: BallotRound, marks) -> list[int]:
    """The marked candidate ids, sorted, after checking them against the round's paper."""
    ids = sorted({getattr(mark, "pk", mark) for mark in marks})
    on_paper = {
        candidate.pk: candidate for candidate in round_.candidates.select_related("question")
    }
    if any(pk not in on_paper for pk in ids):
        raise ValidationError(_("The paper marks a candidate who is not on this round's paper."))
    per_question = {}
    for pk in ids:
        per_question.setdefault(on_paper[pk].question, []).append(pk)
    for question, chosen in per_question.items():
        if len(chosen) > question.max_choices:
            raise ValidationError(
                ngettext(
                    "“%(question)s”: mark at most %(count)s candidate.",
                    "“%(question)s”: mark at most %(count)s candidates.",
                    question.max_choices,
                )
                % {"question": question.label, "count": question.max_choices}
            )
    return ids


def _new_receipt_code() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _index in range(RECEIPT_LENGTH))


def _grouped(code: str) -> str:
    return "-".join(code[start : start + 4] for start in range(0, len(code), 4))


def _receipt_hash(ballot_id: int, code: str) -> str:
    return hashlib.sha256(f"{ballot_id}:{code}".encode()).hexdigest()


# Closing ------------------------------------------------------------------------------------


@transaction.atomic
def close_round(*, ballot: Ballot, by, on_behalf_of=None) -> BallotRound:
    """Count the open round's papers, then rewrite them in a random order."""
    ballot = _locked(ballot)
    _require_chair(ballot, by, on_behalf_of)
    round_ = _open_round_of(ballot)
    papers = list(round_.papers.all())
    round_.tally = _count(round_, papers)
    round_.closed_at = timezone.now()
    round_.save(update_fields=["tally", "closed_at"])
    if ballot.is_secret:
        _shuffle_box(round_, papers)
    ballot.finish_round()
    ballot.save()
    record_event(
        "ballot.round_closed",
        actor=by,
        on_behalf_of=on_behalf_of,
        obj=ballot,
        data={"round": round_.number, **round_.tally},
    )
    return round_


def _count(round_: BallotRound, papers: list[BallotPaper]) -> dict:
    votes = {}
    for paper in papers:
        for pk in paper.marks:
            votes[str(pk)] = votes.get(str(pk), 0) + 1
    kinds = dict(
        round_.participations.values("kind")
        .annotate(count=Count("pk"))
        .values_list("kind", "count")
    )
    in_person = kinds.get(ParticipationKind.IN_PERSON, 0)
    present = round_.present.count() if round_.roll_called else in_person
    return {
        "papers": len(papers),
        "in_person": in_person,
        "written": kinds.get(ParticipationKind.WRITTEN, 0),
        "present": present,
        "votes": votes,
    }


def _shuffle_box(round_: BallotRound, papers: list[BallotPaper]) -> None:
    """Rewrite the round's papers in a random order, in this (the closing) transaction.

    The order rows are stored in (SQLite's rowid, PostgreSQL's heap order and transaction ids)
    follows the order of voting, which the participations' timestamps tell; rewritten, every
    paper carries the closing transaction and a random position.
    """
    random.SystemRandom().shuffle(papers)
    round_.papers.all().delete()
    BallotPaper.objects.bulk_create(
        BallotPaper(round=round_, marks=paper.marks, receipt_hash=paper.receipt_hash)
        for paper in papers
    )


@transaction.atomic
def decide(
    *,
    question: BallotQuestion,
    chosen: list[BallotCandidate],
    deciders: str,
    reason: str,
    by,
    on_behalf_of=None,
):
    """Record the deciders' choice for a question the rounds left open (tie rule DECISION).

    The chair records it, or the flow (``by=None``) once the deciders agreed in its steps.
    """
    ballot = _locked(question.ballot)
    _require_chair(ballot, by, on_behalf_of)
    if ballot.status != BallotStatus.COUNTED:
        raise ValidationError(_("A decision is recorded once the last round is counted."))
    outcome = next(item for item in outcome_of(ballot).questions if item.question.pk == question.pk)
    if not outcome.awaiting_decision:
        raise ValidationError(
            _("“%(question)s” does not await a decision.") % {"question": question.label}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the deciders chose so.")})
    outside = [candidate for candidate in chosen if candidate not in outcome.awaiting_decision]
    if outside or not 1 <= len(chosen) <= outcome.open_places:
        raise ValidationError(
            ngettext(
                "Choose %(count)s candidate among those the rounds left undecided.",
                "Choose at most %(count)s candidates among those the rounds left undecided.",
                outcome.open_places,
            )
            % {"count": outcome.open_places}
        )
    decision = BallotDecision.objects.create(
        question=question, deciders=deciders, reason=reason.strip(), recorded_by=by
    )
    decision.chosen.set(chosen)
    record_event(
        "ballot.decided",
        actor=by,
        on_behalf_of=on_behalf_of,
        obj=ballot,
        data={
            "question": question.label,
            "chosen": [candidate.label for candidate in chosen],
            "deciders": deciders,
            "reason": decision.reason,
        },
    )
    return decision


@transaction.atomic
def freeze_result(*, ballot: Ballot, by, on_behalf_of=None) -> Ballot:
    """Freeze the counted result: stored with its SHA-256, which the audit log keeps too."""
    ballot = _locked(ballot)
    _require_chair(ballot, by, on_behalf_of)
    if ballot.status != BallotStatus.COUNTED:
        raise ValidationError(_("The result is frozen once a round is counted and none is open."))
    outcome = outcome_of(ballot)
    pending = [item for item in outcome.questions if item.next_round or item.awaiting_decision]
    if pending:
        raise ValidationError(
            _("Not settled yet: %(questions)s (another round, or the deciders' choice).")
            % {"questions": "; ".join(item.question.label for item in pending)}
        )
    ballot.result = result_of(ballot, outcome)
    ballot.result_hash = hashlib.sha256(canonical_json(ballot.result).encode()).hexdigest()
    ballot.frozen_at = timezone.now()
    ballot.frozen_by = on_behalf_of or by
    ballot.freeze()
    ballot.save()
    record_event(
        "ballot.frozen",
        actor=by,
        on_behalf_of=on_behalf_of,
        obj=ballot,
        data={
            "result_hash": ballot.result_hash,
            "elected": {
                item.question.label: [c.label for c, _how in item.elected]
                for item in outcome.questions
            },
        },
    )
    return ballot


# Counting -----------------------------------------------------------------------------------


@dataclass
class CandidateCount:
    candidate: BallotCandidate
    votes_for: int
    papers: int
    base: int
    passed: bool

    @property
    def votes_against(self) -> int:
        return self.papers - self.votes_for

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.votes_for, self.base) if self.base else Fraction(0)


@dataclass
class QuestionRound:
    number: int
    base: int
    counts: list[CandidateCount]


@dataclass
class QuestionOutcome:
    question: BallotQuestion
    rounds: list[QuestionRound] = field(default_factory=list)
    #: (candidate, how): how is "round" with its number, "priority" or "decision".
    elected: list[tuple[BallotCandidate, str]] = field(default_factory=list)
    undecided: list[BallotCandidate] = field(default_factory=list)
    next_round: list[BallotCandidate] = field(default_factory=list)
    awaiting_decision: list[BallotCandidate] = field(default_factory=list)

    @property
    def open_places(self) -> int:
        return self.question.seats - len(self.elected)


@dataclass
class BallotOutcome:
    ballot: Ballot
    electorate: int
    rounds: list[BallotRound]
    questions: list[QuestionOutcome]


def outcome_of(ballot: Ballot) -> BallotOutcome:
    """Who is elected so far, what goes to another round, what awaits the deciders."""
    questions = list(ballot.questions.prefetch_related("candidates").select_related("decision"))
    rounds = list(ballot.rounds.prefetch_related("candidates"))
    electorate = ballot.electors.count()
    return BallotOutcome(
        ballot=ballot,
        electorate=electorate,
        rounds=rounds,
        questions=[
            _question_outcome(ballot, question, rounds, electorate) for question in questions
        ],
    )


def _question_outcome(ballot, question, rounds, electorate) -> QuestionOutcome:
    outcome = QuestionOutcome(question=question)
    on_question = {candidate.pk for candidate in question.candidates.all()}
    closed = [round_ for round_ in rounds if not round_.is_open]
    for round_ in closed:
        standing = [
            candidate for candidate in round_.candidates.all() if candidate.pk in on_question
        ]
        if standing:
            _count_question_round(ballot, outcome, round_, standing, electorate)
    if outcome.undecided and len(closed) == len(rounds):  # else a round is open on them
        _settle_remaining(ballot, outcome, len(closed))
    return outcome


def _count_question_round(ballot, outcome, round_, standing, electorate) -> None:
    tally = round_.tally
    base = electorate if ballot.base == ThresholdBase.ELECTORATE else tally["present"]
    threshold = Fraction(outcome.question.threshold)
    counts = []
    for candidate in standing:
        votes = tally["votes"].get(str(candidate.pk), 0)
        ratio = Fraction(votes, base) if base else Fraction(0)
        passed = ratio > threshold if outcome.question.threshold_strict else ratio >= threshold
        counts.append(CandidateCount(candidate, votes, tally["papers"], base, passed))
    outcome.rounds.append(QuestionRound(number=round_.number, base=base, counts=counts))
    passing = sorted(
        (count for count in counts if count.passed), key=lambda count: -count.votes_for
    )
    places = outcome.open_places
    how = f"round {round_.number}"
    if len(passing) <= places:
        outcome.elected += [(count.candidate, how) for count in passing]
        short = [count.candidate for count in counts if not count.passed]
        outcome.undecided = short if outcome.open_places else []
        return
    cutoff = passing[places - 1].votes_for
    outcome.elected += [(count.candidate, how) for count in passing if count.votes_for > cutoff]
    tied = [count.candidate for count in passing if count.votes_for == cutoff]
    outcome.undecided = _break_tie_by_priority(outcome, tied)


def _break_tie_by_priority(outcome: QuestionOutcome, tied: list) -> list:
    """R-07-like rules: the candidates with priority take the tied places, if they fit."""
    if TieRule.PRIORITY not in outcome.question.tie_rules:
        return tied
    preferred = [candidate for candidate in tied if candidate.priority]
    if not preferred or len(preferred) > outcome.open_places:
        return tied
    outcome.elected += [(candidate, TieRule.PRIORITY.value) for candidate in preferred]
    rest = [candidate for candidate in tied if not candidate.priority]
    return rest if outcome.open_places else []


def _settle_remaining(ballot, outcome: QuestionOutcome, rounds_counted: int) -> None:
    if rounds_counted < ballot.max_rounds:
        outcome.next_round = outcome.undecided
        return
    if TieRule.DECISION not in outcome.question.tie_rules:
        return  # the places stay open
    decision = getattr(outcome.question, "decision", None)
    if decision is None:
        outcome.awaiting_decision = outcome.undecided
        return
    outcome.elected += [(candidate, TieRule.DECISION.value) for candidate in decision.chosen.all()]


def result_of(ballot: Ballot, outcome: BallotOutcome | None = None) -> dict:
    """The counted result as plain data (what is frozen, hashed and printed in the minutes)."""
    outcome = outcome or outcome_of(ballot)
    return {
        "title": ballot.title,
        "mode": ballot.mode,
        "base": ballot.base,
        "base_source": ballot.base_source,
        "electorate": outcome.electorate,
        "rounds": [
            {
                "number": round_.number,
                **{key: value for key, value in round_.tally.items() if key != "votes"},
            }
            for round_ in outcome.rounds
            if round_.tally is not None
        ],
        "questions": [_question_result(item) for item in outcome.questions],
    }


def _question_result(outcome: QuestionOutcome) -> dict:
    question = outcome.question
    decision = getattr(question, "decision", None)
    return {
        "label": question.label,
        "seats": question.seats,
        "threshold": question.threshold,
        "threshold_strict": question.threshold_strict,
        "threshold_source": question.threshold_source,
        "tie_rules": question.tie_rules,
        "tie_source": question.tie_source,
        "rounds": [
            {
                "number": item.number,
                "base": item.base,
                "candidates": [
                    {
                        "label": count.candidate.label,
                        "reference": count.candidate.reference,
                        "for": count.votes_for,
                        "against": count.votes_against,
                        "ratio": f"{count.ratio.numerator}/{count.ratio.denominator}",
                        "passed": count.passed,
                    }
                    for count in item.counts
                ],
            }
            for item in outcome.rounds
        ],
        "elected": [
            {"label": candidate.label, "reference": candidate.reference, "how": how}
            for candidate, how in outcome.elected
        ],
        "open_places": outcome.open_places,
        "decision": (
            {"deciders": decision.deciders, "reason": decision.reason} if decision else None
        ),
    }


# Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turnout:
    """How many have voted in a round: what a live page may show while it is open."""

    round_number: int
    electorate: int
    voted: int
    written: int
    is_open: bool


def turnout(ballot: Ballot) -> Turnout | None:
    round_ = current_round(ballot)
    if round_ is None:
        return None
    counts = round_.participations.aggregate(
        voted=Count("pk"), written=Count("pk", filter=Q(kind=ParticipationKind.WRITTEN))
    )
    return Turnout(
        round_number=round_.number,
        electorate=ballot.electors.count(),
        voted=counts["voted"],
        written=counts["written"],
        is_open=round_.is_open,
    )


@dataclass(frozen=True)
class ReceiptCheck:
    round_number: int
    marks: list[str]
    counted: bool


def check_receipt(*, ballot: Ballot, code: str) -> ReceiptCheck | None:
    """The paper a receipt code belongs to: what it marks and whether it was counted."""
    normalised = "".join(code.split()).replace("-", "").upper()
    paper = (
        BallotPaper.objects.filter(
            round__ballot=ballot, receipt_hash=_receipt_hash(ballot.pk, normalised)
        )
        .select_related("round")
        .first()
    )
    if paper is None:
        return None
    labels = dict(BallotCandidate.objects.filter(pk__in=paper.marks).values_list("pk", "label"))
    return ReceiptCheck(
        round_number=paper.round.number,
        marks=[labels[pk] for pk in paper.marks],
        counted=not paper.round.is_open,
    )

"""The leader's hand-over (P13): designating the next leader unit under the rotation policy,
the election when the members vote, the minutes signed by both heads, the terms switched."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.blocs import services as bloc_services
from flows.blocs.models import BlocTerm
from flows.nominations import documents, events
from flows.nominations.flows import HandoverFlow
from flows.nominations.models import (
    LIVE_HANDOVERS,
    Handover,
    HandoverStatus,
)
from flows.nominations.services.common import (
    OPENING_ROLES,
    acting_in,
    electorate_of,
    holder_of,
)
from flows.rules import selectors as rules
from flows.rules.parameters import PARAMETERS
from signatures import pipeline
from workflows import ballots
from workflows.acting import acting_on, announce_tasks, finish, open_tasks, refuse
from workflows.background import enqueue_on_commit
from workflows.citations import Citation
from workflows.models import (
    Ballot,
    BallotMode,
    Organisation,
    Role,
    ThresholdBase,
)

# -- the leader's hand-over (P13) -----------------------------------------------------------------


def may_designate(user, term) -> bool:
    """Whether ``user`` may designate the next leader: the outgoing leader unit, once."""
    return (
        not Handover.objects.filter(term=term, status__in=LIVE_HANDOVERS).exists()
        and acting_in(user, term.leader, OPENING_ROLES) is not None
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
    actor = acting_in(by, term.leader, OPENING_ROLES)
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
    chair = holder_of(Role.HEAD, term.leader, timezone.localdate(), _("chair of the election"))
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
        electorate=electorate_of(sorted(members, key=lambda unit: unit.name), timezone.localdate()),
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

"""The leader's hand-over: the bloc's rotation policy decides who may lead next, the outgoing
leader unit designates once, both heads sign the minutes, and the terms switch on the day."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from flows.blocs import services as bloc_services
from flows.blocs.models import BlocTerm
from flows.nominations import services
from flows.nominations.flows import HandoverFlow
from flows.nominations.models import Handover, HandoverStatus
from flows.rules.models import Scope
from flows.rules.services import rule_sets
from tests.fixtures.meetings import sign_minutes
from tests.signatures.helpers import run_pending_tasks
from workflows import ballots

pytestmark = pytest.mark.django_db(transaction=True)

SOURCE = "Quy chế hoạt động của khối, Điều 5"


def rotation(bloc, policy):
    rule_sets.create_rule_set(
        name="Quy chế của khối",
        scope=Scope.BLOC,
        bloc=bloc.term.bloc,
        legal_basis="Quy chế hoạt động của khối",
        valid_from=datetime.date(2025, 1, 1),
        values={"rotation.policy": (policy, SOURCE)},
        by=None,
    )


def designate(bloc, unit, by=None, day=None):
    return services.designate_next_leader(
        term=bloc.term,
        by=by or bloc.officers[0],
        next_leader=unit,
        handover_on=day or datetime.date(bloc.term.year + 1, 2, 28),
    )


def handover_task(handover, node):
    [task] = HandoverFlow.task_class.objects.filter(
        process__handoverprocess__handover=handover, flow_task=node, status="ASSIGNED"
    )
    return task


def test_the_lead_passes_when_both_heads_signed_and_the_terms_switch_on_the_day(ranked_bloc):
    bloc = ranked_bloc(3)
    handover = designate(bloc, bloc.units[2])
    next_term = BlocTerm.objects.get(bloc=bloc.term.bloc, year=bloc.term.year + 1)
    assert next_term.leader == bloc.units[2]
    assert set(next_term.members.all()) == set(bloc.units)
    run_pending_tasks()

    outgoing = handover_task(handover, HandoverFlow.sign_outgoing)
    assert outgoing.owner == bloc.heads[0]
    with pytest.raises(PermissionDenied):  # only the outgoing head signs first
        services.sign_handover(
            task=outgoing, by=bloc.heads[2], credential=bloc.credential(bloc.heads[2])
        )
    sign_minutes(services.sign_handover, outgoing, bloc.heads[0], bloc.credential(bloc.heads[0]))
    incoming = handover_task(handover, HandoverFlow.sign_incoming)
    assert incoming.owner == bloc.heads[2]
    sign_minutes(services.sign_handover, incoming, bloc.heads[2], bloc.credential(bloc.heads[2]))

    handover.refresh_from_db()
    assert handover.status == HandoverStatus.HANDED_OVER
    next_term.refresh_from_db()
    bloc.term.refresh_from_db()
    assert next_term.valid_from == datetime.date(bloc.term.year + 1, 2, 28)
    assert bloc.term.valid_to == datetime.date(bloc.term.year + 1, 2, 27)


def test_only_the_leader_unit_designates_and_once(ranked_bloc):
    bloc = ranked_bloc(3)
    with pytest.raises(PermissionDenied):
        designate(bloc, bloc.units[1], by=bloc.heads[1])
    designate(bloc, bloc.units[1])
    with pytest.raises(ValidationError, match="đã chọn"):
        designate(bloc, bloc.units[2])
    assert Handover.objects.count() == 1


def test_when_the_deputy_succeeds_no_other_unit_may_be_designated(ranked_bloc):
    bloc = ranked_bloc(3)  # the second unit is the deputy
    rotation(bloc, "deputy_succeeds")
    with pytest.raises(ValidationError, match=SOURCE) as refused:
        designate(bloc, bloc.units[2])
    assert bloc.units[1].name in str(refused.value)
    assert not BlocTerm.objects.filter(year=bloc.term.year + 1).exists()
    designate(bloc, bloc.units[1])


def test_a_roster_names_the_member_after_the_leader(ranked_bloc):
    bloc = ranked_bloc(3)
    rotation(bloc, "roster")
    with pytest.raises(ValidationError, match=bloc.units[1].name):
        designate(bloc, bloc.units[2])
    designate(bloc, bloc.units[1])


def test_a_next_term_opened_with_another_leader_is_not_overridden(ranked_bloc):
    bloc = ranked_bloc(3)
    bloc_services.open_term(
        bloc=bloc.term.bloc,
        year=bloc.term.year + 1,
        leader=bloc.units[1],
        members=list(bloc.units),
        by=None,
    )
    with pytest.raises(ValidationError, match=bloc.units[1].name):
        designate(bloc, bloc.units[2], day=timezone.localdate())


def elect_all(handover, bloc, choices):
    """Every member head votes; ``choices`` maps a unit's index to the unit it elects."""
    ballot = handover.ballot
    on_paper = {c.label: c for c in ballots.current_round(ballot).candidates.all()}
    for index, name in choices.items():
        unit, head = bloc.units[index], bloc.heads[index]
        [task] = HandoverFlow.task_class.objects.filter(
            process__handoverprocess__handover=handover,
            flow_task=HandoverFlow.elect,
            status="ASSIGNED",
            data__unit=unit.pk,
        )
        services.elect(task=task, by=head, marks=[on_paper[name]] if name else [])
    return services.count_election(
        task=handover_task(handover, HandoverFlow.elect_count), by=bloc.heads[0]
    )


def test_under_a_vote_the_members_elect_the_next_leader_then_both_heads_sign(ranked_bloc):
    bloc = ranked_bloc(4)
    rotation(bloc, "vote")
    handover = designate(bloc, None, day=datetime.date(bloc.term.year + 1, 3, 1))
    assert handover.status == HandoverStatus.ELECTING and handover.next_term is None
    names = [unit.name for unit in bloc.units]

    # Round 1: two of four for each of two units — not more than half: a second round.
    handover = elect_all(handover, bloc, {0: names[2], 1: names[2], 2: names[3], 3: names[3]})
    assert handover.status == HandoverStatus.ELECTING
    handover = elect_all(handover, bloc, {0: names[2], 1: names[2], 2: names[2], 3: names[3]})

    assert handover.status == HandoverStatus.SIGNING
    assert handover.next_term.leader == bloc.units[2]
    handover.ballot.refresh_from_db()
    assert handover.ballot.result_hash
    run_pending_tasks()
    sign_minutes(
        services.sign_handover,
        handover_task(handover, HandoverFlow.sign_outgoing),
        bloc.heads[0],
        bloc.credential(bloc.heads[0]),
    )
    sign_minutes(
        services.sign_handover,
        handover_task(handover, HandoverFlow.sign_incoming),
        bloc.heads[2],
        bloc.credential(bloc.heads[2]),
    )
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.HANDED_OVER


def test_an_election_without_a_winner_ends_and_the_leader_may_designate_again(ranked_bloc):
    bloc = ranked_bloc(4)
    rotation(bloc, "vote")
    handover = designate(bloc, None)
    names = [unit.name for unit in bloc.units]
    for _round in range(2):
        handover = elect_all(handover, bloc, {0: names[1], 1: names[1], 2: names[2], 3: None})

    assert handover.status == HandoverStatus.NOT_ELECTED
    assert handover.processes.get().finished is not None
    assert services.may_designate(bloc.officers[0], bloc.term)
    again = designate(bloc, None)
    assert again.status == HandoverStatus.ELECTING


def test_the_election_through_its_pages(client, ranked_bloc):
    bloc = ranked_bloc(3)
    rotation(bloc, "vote")
    handover = designate(bloc, None)
    names = [unit.name for unit in bloc.units]
    reverse("workflow:inbox")  # viewflow names a flow's URLs once the URLconf is loaded
    for unit, head in zip(bloc.units, bloc.heads, strict=True):
        [task] = HandoverFlow.task_class.objects.filter(
            process__handoverprocess__handover=handover,
            flow_task=HandoverFlow.elect,
            data__unit=unit.pk,
        )
        url = task.flow_task.reverse("execute", args=[task.process_id, task.pk])
        client.force_login(head)
        page = client.get(url).content.decode()
        assert "Bỏ phiếu kín" in page and names[1] in page
        candidate = handover.ballot.questions.get().candidates.get(label=names[1])
        answer = client.post(url, {"vote": "1", f"q-{candidate.question_id}": [candidate.pk]})
        assert answer.status_code == 200 and 'data-testid="receipt-code"' in answer.content.decode()
    count = handover_task(handover, HandoverFlow.elect_count)
    client.force_login(bloc.heads[0])
    url = count.flow_task.reverse("execute", args=[count.process_id, count.pk])
    assert "3/3" in client.get(url).content.decode()
    assert client.post(url, {"count": "1"}).status_code == 302
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.SIGNING
    assert handover.next_term.leader == bloc.units[1]

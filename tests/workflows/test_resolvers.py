"""Resolvers: who holds and who acts in a role at a unit on a day, at the edges of periods."""

import datetime

import pytest

from workflows import selectors, services
from workflows.models import DelegationScope, Role
from workflows.resolvers import acting, acting_for, actor_for, actor_in, holders

D = datetime.date
START, END = D(2024, 3, 1), D(2024, 8, 31)

# Closed periods: the first and the last day are both inside.
BOUNDARY_DAYS = [
    pytest.param(D(2024, 2, 29), False, id="day-before-start"),
    pytest.param(START, True, id="first-day"),
    pytest.param(D(2024, 6, 15), True, id="middle"),
    pytest.param(END, True, id="last-day"),
    pytest.param(D(2024, 9, 1), False, id="day-after-end"),
]


@pytest.fixture
def head(make_user):
    return make_user(first_name="Trần Thị", last_name="Bình")


@pytest.fixture
def appointment(appoint, head, unit):
    return appoint(head, unit, Role.HEAD, START, END, title="Giám đốc")


@pytest.mark.parametrize(("day", "resolves"), BOUNDARY_DAYS)
def test_holders_at_the_period_boundaries(unit, appointment, day, resolves):
    assert holders(Role.HEAD, unit, day) == ([appointment] if resolves else [])


@pytest.mark.parametrize(("day", "resolves"), BOUNDARY_DAYS)
def test_acting_at_the_period_boundaries(unit, head, appointment, day, resolves):
    actors = acting(Role.HEAD, unit, day)
    expected = [(head, head, appointment, None)] if resolves else []
    assert [(a.person, a.principal, a.appointment, a.delegation) for a in actors] == expected


@pytest.mark.parametrize(("day", "resolves"), BOUNDARY_DAYS)
def test_actor_for_at_the_period_boundaries(unit, head, appointment, day, resolves):
    actor = actor_for(head, Role.HEAD, unit, day)
    if resolves:
        assert (actor.person, actor.appointment, actor.delegation) == (head, appointment, None)
    else:
        assert actor is None


def test_an_actor_in_his_own_right(unit, head, appointment):
    actor = actor_for(head, Role.HEAD, unit, START)

    assert actor.principal == head
    assert actor.organisation == unit
    assert actor.role == Role.HEAD
    assert actor.is_substitute is False
    assert actor.signing_prefix == ""


@pytest.mark.parametrize(
    ("day", "resolves"),
    [
        pytest.param(D(2023, 12, 31), False, id="day-before-start"),
        pytest.param(D(2024, 1, 1), True, id="first-day"),
        pytest.param(D(2099, 12, 31), True, id="far-future"),
    ],
)
def test_an_open_ended_appointment_lasts_until_further_notice(appoint, unit, head, day, resolves):
    appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), None)

    assert holders(Role.HEAD, unit, day) == ([appointment] if resolves else [])
    assert [a.person for a in acting(Role.HEAD, unit, day)] == ([head] if resolves else [])
    assert (actor_for(head, Role.HEAD, unit, day) is not None) is resolves


class TestHandOver:
    @pytest.fixture
    def hand_over(self, appoint, unit, make_user):
        outgoing = make_user(first_name="Phạm Văn", last_name="Đức")
        incoming = make_user(first_name="Hoàng Thị", last_name="Em")
        before = appoint(outgoing, unit, Role.HEAD, D(2024, 1, 1), D(2024, 6, 30))
        after = appoint(incoming, unit, Role.HEAD, D(2024, 7, 1), None)
        return outgoing, incoming, before, after

    def test_the_outgoing_head_resolves_on_his_last_day(self, unit, hand_over):
        outgoing, incoming, before, _after = hand_over
        day = D(2024, 6, 30)

        assert holders(Role.HEAD, unit, day) == [before]
        assert [a.person for a in acting(Role.HEAD, unit, day)] == [outgoing]
        assert actor_for(outgoing, Role.HEAD, unit, day).appointment == before
        assert actor_for(incoming, Role.HEAD, unit, day) is None

    def test_the_incoming_head_resolves_on_his_first_day(self, unit, hand_over):
        outgoing, incoming, _before, after = hand_over
        day = D(2024, 7, 1)

        assert holders(Role.HEAD, unit, day) == [after]
        assert [a.person for a in acting(Role.HEAD, unit, day)] == [incoming]
        assert actor_for(incoming, Role.HEAD, unit, day).appointment == after
        assert actor_for(outgoing, Role.HEAD, unit, day) is None


def test_resolvers_keep_to_the_role_and_the_unit(appoint, unit, other_unit, head, make_user):
    deputy, other_head = make_user(), make_user()
    own = appoint(head, unit, Role.HEAD)
    appoint(deputy, unit, Role.DEPUTY_HEAD)
    appoint(other_head, other_unit, Role.HEAD)
    day = D(2024, 6, 1)

    assert holders(Role.HEAD, unit, day) == [own]
    assert [a.person for a in acting(Role.HEAD, unit, day)] == [head]
    assert actor_for(deputy, Role.HEAD, unit, day) is None
    assert actor_for(other_head, Role.HEAD, unit, day) is None
    assert actor_for(head, Role.DEPUTY_HEAD, unit, day) is None
    assert actor_for(head, Role.HEAD, other_unit, day) is None


def test_nobody_resolves_where_nobody_is_appointed(unit, head):
    assert holders(Role.HEAD, unit, START) == []
    assert acting(Role.HEAD, unit, START) == []
    assert actor_for(head, Role.HEAD, unit, START) is None


def test_appointments_of_lists_current_ones_first_newest_first(appoint, unit, other_unit, head):
    old = appoint(head, unit, Role.EMULATION_OFFICER, D(2020, 1, 1), D(2022, 12, 31))
    current = appoint(head, unit, Role.HEAD, D(2023, 1, 1), None)
    other_current = appoint(head, other_unit, Role.COUNCIL_MEMBER, D(2021, 1, 1), None)

    rows = selectors.appointments_of(head, D(2024, 1, 1))

    assert rows == [current, other_current, old]
    assert [row.is_current for row in rows] == [True, True, False]


def test_one_appointment_of_many_acts_through_its_holder_or_his_substitute(
    unit, appoint, make_user
):
    """A council member's own task: his, or his substitute's for that scope, nobody else's."""
    member, other, substitute = (make_user() for _ in range(3))
    mine = appoint(member, unit, Role.COUNCIL_MEMBER, START, END)
    appoint(other, unit, Role.COUNCIL_MEMBER, START, END)
    day = D(2024, 6, 15)
    assert acting_for(mine, day, DelegationScope.VOTE).person == member
    assert actor_in(member, mine, day, DelegationScope.VOTE).appointment == mine
    assert actor_in(other, mine, day, DelegationScope.VOTE) is None
    assert acting_for(mine, D(2024, 9, 1), DelegationScope.VOTE) is None  # ended

    services.delegate(
        appointment=mine,
        substitute=substitute,
        valid_from=D(2024, 6, 1),
        valid_to=D(2024, 6, 30),
        by=member,
        scope=DelegationScope.VOTE,
    )
    assert acting_for(mine, day, DelegationScope.VOTE).person == substitute
    actor = actor_in(substitute, mine, day, DelegationScope.VOTE)
    assert actor.on_behalf_of == member
    # A voting delegation does not carry signing.
    assert actor_in(substitute, mine, day, DelegationScope.SIGN) is None

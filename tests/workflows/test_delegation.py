"""Delegation through services.delegate / revoke_delegation, and how resolvers apply it."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from tests.workflows.helpers import errors_on, events
from workflows import selectors, services
from workflows.models import Delegation, Role
from workflows.resolvers import acting, actor_for

D = datetime.date
# The head's appointment covers 2024; the standard delegation covers March.
APPOINTED_FROM, APPOINTED_TO = D(2024, 1, 1), D(2024, 12, 31)
FROM, TO = D(2024, 3, 1), D(2024, 3, 31)
DURING = D(2024, 3, 15)


@pytest.fixture
def head(make_user):
    return make_user(first_name="Trần Thị", last_name="Bình")


@pytest.fixture
def deputy(make_user):
    return make_user(first_name="Lê Văn", last_name="Cường")


@pytest.fixture
def outsider(make_user):
    return make_user(first_name="Vũ Thị", last_name="Giang")


@pytest.fixture
def appointment(appoint, head, deputy, unit):
    appoint(deputy, unit, Role.DEPUTY_HEAD, APPOINTED_FROM, None)
    return appoint(head, unit, Role.HEAD, APPOINTED_FROM, APPOINTED_TO, title="Giám đốc")


@pytest.fixture
def make_delegation(appointment, deputy):
    def make(substitute=None, valid_from=FROM, valid_to=TO, by="holder", on=None, **options):
        on = on or appointment
        return services.delegate(
            appointment=on,
            substitute=substitute or deputy,
            valid_from=valid_from,
            valid_to=valid_to,
            by=on.user if by == "holder" else by,
            **options,
        )

    return make


class TestValidation:
    def test_delegating_to_oneself_is_refused_on_substitute(self, make_delegation, head):
        with pytest.raises(ValidationError) as caught:
            make_delegation(substitute=head)

        assert set(caught.value.message_dict) == {"substitute"}
        assert not Delegation.objects.exists()
        assert events("delegation.created") == []

    @pytest.mark.parametrize(
        ("valid_from", "valid_to", "shown"),
        [
            pytest.param(D(2023, 12, 20), D(2024, 1, 10), "20/12/2023", id="partly-before"),
            pytest.param(D(2024, 12, 20), D(2025, 1, 10), "10/01/2025", id="partly-after"),
            pytest.param(D(2025, 2, 1), D(2025, 2, 28), "28/02/2025", id="wholly-after"),
            pytest.param(D(2023, 11, 1), D(2025, 2, 28), "01/11/2023", id="around"),
        ],
    )
    def test_a_delegation_outside_the_appointment_is_refused(
        self, make_delegation, valid_from, valid_to, shown
    ):
        with pytest.raises(ValidationError) as caught:
            make_delegation(valid_from=valid_from, valid_to=valid_to)

        message = errors_on(caught.value, NON_FIELD_ERRORS)
        assert shown in message
        assert "01/01/2024" in message
        assert "31/12/2024" in message
        assert not Delegation.objects.exists()
        assert events("delegation.created") == []

    def test_a_delegation_before_an_open_ended_appointment_is_refused(
        self, appoint, make_user, unit, deputy
    ):
        chair = make_user()
        appointment = appoint(chair, unit, Role.COUNCIL_CHAIR, D(2024, 6, 1), None)

        with pytest.raises(ValidationError) as caught:
            services.delegate(
                appointment=appointment,
                substitute=deputy,
                valid_from=D(2024, 5, 31),
                valid_to=D(2024, 6, 10),
                by=chair,
            )

        message = errors_on(caught.value, NON_FIELD_ERRORS)
        assert "31/05/2024" in message
        assert "01/06/2024" in message

    def test_a_delegation_exactly_as_long_as_the_appointment_is_accepted(self, make_delegation):
        delegation = make_delegation(valid_from=APPOINTED_FROM, valid_to=APPOINTED_TO)
        assert delegation.pk is not None

    def test_valid_to_before_valid_from_is_refused_on_valid_to(self, make_delegation):
        with pytest.raises(ValidationError) as caught:
            make_delegation(valid_from=D(2024, 3, 31), valid_to=D(2024, 3, 1))

        assert set(caught.value.message_dict) == {"valid_to"}
        message = errors_on(caught.value, "valid_to")
        assert "01/03/2024" in message
        assert "31/03/2024" in message
        assert not Delegation.objects.exists()

    def test_the_database_refuses_an_end_before_the_start_even_without_the_service(
        self, appointment, deputy
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Delegation.objects.create(
                appointment=appointment,
                substitute=deputy,
                valid_from=D(2024, 3, 31),
                valid_to=D(2024, 3, 1),
            )
        assert not Delegation.objects.exists()


class TestDelegatePermission:
    def test_another_user_is_refused(self, make_delegation, outsider):
        with pytest.raises(PermissionDenied):
            make_delegation(by=outsider)
        assert not Delegation.objects.exists()
        assert events("delegation.created") == []

    def test_the_substitute_cannot_delegate_to_himself_on_behalf_of_the_holder(
        self, make_delegation, deputy
    ):
        with pytest.raises(PermissionDenied):
            make_delegation(by=deputy)
        assert not Delegation.objects.exists()

    def test_the_holder_delegates_his_own_appointment(self, make_delegation, head, deputy):
        delegation = make_delegation()

        [event] = events("delegation.created")
        assert (event.actor, event.on_behalf_of) == (head, head)
        assert event.object_id == str(delegation.pk)
        assert selectors.delegations_given(head) == [delegation]
        assert selectors.delegations_received(deputy) == [delegation]

    def test_a_user_with_add_delegation_records_one_for_the_holder(
        self, make_delegation, make_user, grant, head
    ):
        clerk = grant(make_user(), "workflows.add_delegation")

        make_delegation(by=clerk)

        [event] = events("delegation.created")
        assert (event.actor, event.on_behalf_of) == (clerk, head)


class TestActiveDelegation:
    @pytest.mark.parametrize("prefix", ["KT.", "TL.", "TUQ.", "Q."])
    def test_the_substitute_acts_for_the_holder_with_the_signing_prefix(
        self, make_delegation, unit, head, deputy, appointment, prefix
    ):
        delegation = make_delegation(prefix=prefix)

        [actor] = acting(Role.HEAD, unit, DURING)

        assert actor.person == deputy
        assert actor.principal == head
        assert actor.appointment == appointment
        assert actor.delegation == delegation
        assert actor.is_substitute is True
        assert actor.signing_prefix == prefix

    @pytest.mark.parametrize(
        ("day", "substitute_acts"),
        [
            pytest.param(D(2024, 2, 29), False, id="day-before"),
            pytest.param(FROM, True, id="first-day"),
            pytest.param(TO, True, id="last-day"),
            pytest.param(D(2024, 4, 1), False, id="day-after"),
        ],
    )
    def test_the_holder_acts_outside_the_delegation_period(
        self, make_delegation, unit, head, deputy, day, substitute_acts
    ):
        make_delegation(prefix="TL.")

        [actor] = acting(Role.HEAD, unit, day)

        assert actor.principal == head
        if substitute_acts:
            assert (actor.person, actor.is_substitute, actor.signing_prefix) == (
                deputy,
                True,
                "TL.",
            )
            assert actor_for(deputy, Role.HEAD, unit, day) is not None
        else:
            assert (actor.person, actor.is_substitute, actor.signing_prefix) == (head, False, "")
            assert actor_for(deputy, Role.HEAD, unit, day) is None

    @pytest.mark.parametrize(
        ("scope", "action", "covered"),
        [
            ("sign", "sign", True),
            ("sign", "review", False),
            ("sign", "all", False),
            ("review", "review", True),
            ("review", "sign", False),
            ("all", "sign", True),
            ("all", "review", True),
            ("all", "all", True),
        ],
    )
    def test_the_scope_decides_which_actions_are_delegated(
        self, make_delegation, unit, head, deputy, scope, action, covered
    ):
        delegation = make_delegation(scope=scope)

        [actor] = acting(Role.HEAD, unit, DURING, action=action)
        substitute = actor_for(deputy, Role.HEAD, unit, DURING, action=action)

        assert delegation.covers(action) is covered
        if covered:
            assert actor.person == deputy
            assert substitute.delegation == delegation
        else:
            assert (actor.person, actor.delegation) == (head, None)
            assert substitute is None

    def test_actor_for_the_substitute_carries_the_delegation_and_the_principal(
        self, make_delegation, unit, head, deputy, appointment
    ):
        delegation = make_delegation(prefix="KT.")

        actor = actor_for(deputy, Role.HEAD, unit, DURING)

        assert actor.person == deputy
        assert actor.delegation == delegation
        assert actor.principal == head
        assert actor.appointment == appointment
        assert actor.organisation == unit
        assert actor.role == Role.HEAD
        assert actor.is_substitute is True
        assert actor.signing_prefix == "KT."

    def test_actor_for_an_unrelated_user_is_none(self, make_delegation, unit, outsider):
        make_delegation()
        assert actor_for(outsider, Role.HEAD, unit, DURING) is None

    def test_the_delegation_applies_only_to_the_delegated_role_and_unit(
        self, make_delegation, unit, other_unit, deputy
    ):
        make_delegation()
        assert actor_for(deputy, Role.COUNCIL_CHAIR, unit, DURING) is None
        assert actor_for(deputy, Role.HEAD, other_unit, DURING) is None

    def test_the_holder_can_still_act_himself(self, make_delegation, unit, head, appointment):
        make_delegation()

        actor = actor_for(head, Role.HEAD, unit, DURING)

        assert (actor.person, actor.appointment, actor.delegation) == (head, appointment, None)
        assert actor.is_substitute is False
        assert actor.signing_prefix == ""

    def test_of_two_delegations_the_most_recent_applies(self, make_delegation, unit, make_user):
        first, second = make_user(), make_user()
        month = make_delegation(substitute=first, valid_from=FROM, valid_to=TO, prefix="KT.")
        days = make_delegation(
            substitute=second, valid_from=D(2024, 3, 10), valid_to=D(2024, 3, 20), prefix="Q."
        )

        assert [a.delegation for a in acting(Role.HEAD, unit, D(2024, 3, 5))] == [month]
        assert [a.delegation for a in acting(Role.HEAD, unit, D(2024, 3, 10))] == [days]
        assert [a.delegation for a in acting(Role.HEAD, unit, D(2024, 3, 20))] == [days]
        assert [a.delegation for a in acting(Role.HEAD, unit, D(2024, 3, 21))] == [month]
        assert actor_for(second, Role.HEAD, unit, D(2024, 3, 15)).signing_prefix == "Q."

    def test_of_two_delegations_from_the_same_day_the_later_one_applies(
        self, make_delegation, unit, make_user
    ):
        first, second = make_user(), make_user()
        make_delegation(substitute=first)
        later = make_delegation(substitute=second)

        [actor] = acting(Role.HEAD, unit, DURING)

        assert (actor.person, actor.delegation) == (second, later)

    def test_a_delegation_does_not_outlive_its_appointment(self, appoint, make_user, unit, deputy):
        head = make_user()
        appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), None)
        services.delegate(
            appointment=appointment,
            substitute=deputy,
            valid_from=D(2024, 6, 1),
            valid_to=D(2024, 12, 31),
            by=head,
        )
        services.end_appointment(appointment=appointment, valid_to=D(2024, 9, 30), by=None)

        last_day, after = D(2024, 9, 30), D(2024, 10, 1)
        assert [a.person for a in acting(Role.HEAD, unit, last_day)] == [deputy]
        assert actor_for(deputy, Role.HEAD, unit, last_day) is not None
        assert acting(Role.HEAD, unit, after) == []
        assert actor_for(deputy, Role.HEAD, unit, after) is None


class TestRevocation:
    def test_a_revoked_delegation_no_longer_applies(self, make_delegation, unit, head, deputy):
        delegation = make_delegation()

        services.revoke_delegation(delegation=delegation, by=head)

        delegation.refresh_from_db()
        assert delegation.revoked_at is not None
        [event] = events("delegation.revoked")
        assert (event.actor, event.on_behalf_of) == (head, head)
        assert event.object_id == str(delegation.pk)
        # Revoked during its period (the service stamps "now"; move the stamp into the period):
        revoked_on = DURING + datetime.timedelta(days=5)
        moment = datetime.datetime.combine(revoked_on, datetime.time(10), tzinfo=datetime.UTC)
        Delegation.objects.filter(pk=delegation.pk).update(revoked_at=moment)
        # From the day of revocation on, the holder acts again...
        assert [a.person for a in acting(Role.HEAD, unit, revoked_on)] == [head]
        assert actor_for(deputy, Role.HEAD, unit, revoked_on) is None
        # ...while the days before keep their answer: the substitute acted then.
        assert [a.person for a in acting(Role.HEAD, unit, DURING)] == [deputy]
        assert actor_for(deputy, Role.HEAD, unit, DURING).delegation == delegation

    def test_revoking_twice_records_one_event(self, make_delegation, head):
        delegation = make_delegation()
        services.revoke_delegation(delegation=delegation, by=head)
        first_revocation = Delegation.objects.get(pk=delegation.pk).revoked_at

        services.revoke_delegation(delegation=delegation, by=head)

        assert Delegation.objects.get(pk=delegation.pk).revoked_at == first_revocation
        assert len(events("delegation.revoked")) == 1

    @pytest.mark.parametrize("who", ["outsider", "deputy"])
    def test_anyone_but_the_holder_without_permission_is_refused(
        self, make_delegation, unit, deputy, request, who
    ):
        delegation = make_delegation()

        with pytest.raises(PermissionDenied):
            services.revoke_delegation(delegation=delegation, by=request.getfixturevalue(who))

        assert Delegation.objects.get(pk=delegation.pk).revoked_at is None
        assert [a.person for a in acting(Role.HEAD, unit, DURING)] == [deputy]
        assert events("delegation.revoked") == []

    def test_a_user_with_change_delegation_revokes_for_the_holder(
        self, make_delegation, make_user, grant, head
    ):
        clerk = grant(make_user(), "workflows.change_delegation")
        delegation = make_delegation()

        services.revoke_delegation(delegation=delegation, by=clerk)

        assert Delegation.objects.get(pk=delegation.pk).revoked_at is not None
        [event] = events("delegation.revoked")
        assert (event.actor, event.on_behalf_of) == (clerk, head)


class TestAppointmentChanges:
    def test_shortening_the_appointment_fits_its_delegations(
        self, appointment, make_delegation, unit, deputy, outsider
    ):
        inside = make_delegation(valid_from=D(2024, 3, 1), valid_to=D(2024, 3, 31))
        later = make_delegation(
            substitute=outsider, valid_from=D(2024, 4, 10), valid_to=D(2024, 4, 20)
        )

        services.end_appointment(appointment=appointment, valid_to=D(2024, 3, 20), by=None)

        inside.refresh_from_db()
        later.refresh_from_db()
        assert (inside.valid_to, inside.revoked_at) == (D(2024, 3, 20), None)
        assert later.revoked_at is not None
        [shortened] = events("delegation.shortened")
        assert shortened.object_id == str(inside.pk)
        assert shortened.data["valid_to"] == "2024-03-20"
        [revoked] = events("delegation.revoked")
        assert revoked.object_id == str(later.pk)
        assert actor_for(deputy, Role.HEAD, unit, D(2024, 3, 20)) is not None
        assert actor_for(deputy, Role.HEAD, unit, D(2024, 3, 21)) is None

    def test_delegations_inside_the_new_period_are_untouched(self, appointment, make_delegation):
        delegation = make_delegation(valid_from=D(2024, 3, 1), valid_to=D(2024, 3, 31))

        services.end_appointment(appointment=appointment, valid_to=D(2024, 5, 31), by=None)

        delegation.refresh_from_db()
        assert (delegation.valid_to, delegation.revoked_at) == (D(2024, 3, 31), None)
        assert not events("delegation.shortened") and not events("delegation.revoked")

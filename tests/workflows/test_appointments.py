"""Appointments through services.appoint / end_appointment: periods, overlaps, permissions."""

import datetime
import threading

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from tests.workflows.helpers import errors_on, events
from workflows import services
from workflows.models import Appointment, Role
from workflows.resolvers import holders

D = datetime.date


@pytest.fixture
def incumbent(make_user):
    return make_user(first_name="Trần Thị", last_name="Bình")


@pytest.fixture
def newcomer(make_user):
    return make_user(first_name="Lê Văn", last_name="Cường")


class TestPeriod:
    def test_valid_to_before_valid_from_is_refused_on_valid_to(self, unit, incumbent):
        with pytest.raises(ValidationError) as caught:
            services.appoint(
                user=incumbent,
                organisation=unit,
                role=Role.HEAD,
                valid_from=D(2025, 1, 1),
                valid_to=D(2024, 12, 31),
                by=None,
            )

        assert set(caught.value.message_dict) == {"valid_to"}
        message = errors_on(caught.value, "valid_to")
        assert "31/12/2024" in message
        assert "01/01/2025" in message
        assert not Appointment.objects.exists()
        assert events("appointment.created") == []

    def test_a_one_day_appointment_is_accepted(self, unit, incumbent, appoint):
        appointment = appoint(incumbent, unit, Role.HEAD, D(2024, 5, 1), D(2024, 5, 1))
        assert appointment.pk is not None
        assert appointment.covers(D(2024, 5, 1))
        assert not appointment.covers(D(2024, 5, 2))

    def test_the_database_refuses_an_end_before_the_start_even_without_the_service(
        self, unit, incumbent
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appointment.objects.create(
                user=incumbent,
                organisation=unit,
                role=Role.HEAD,
                valid_from=D(2025, 1, 1),
                valid_to=D(2024, 12, 31),
            )
        assert not Appointment.objects.exists()


class TestSamePersonTwice:
    @pytest.mark.parametrize("role", [Role.HEAD, Role.EMULATION_OFFICER])
    def test_the_same_role_at_the_same_unit_in_an_overlapping_period_is_refused(
        self, unit, incumbent, appoint, role
    ):
        appoint(incumbent, unit, role, D(2024, 1, 1), D(2024, 12, 31))

        with pytest.raises(ValidationError) as caught:
            appoint(incumbent, unit, role, D(2024, 12, 31), None)

        assert unit.name in errors_on(caught.value, NON_FIELD_ERRORS)
        assert Appointment.objects.filter(user=incumbent).count() == 1
        assert len(events("appointment.created")) == 1

    def test_a_later_period_is_accepted(self, unit, incumbent, appoint):
        appoint(incumbent, unit, Role.EMULATION_OFFICER, D(2024, 1, 1), D(2024, 12, 31))
        appoint(incumbent, unit, Role.EMULATION_OFFICER, D(2025, 1, 1), None)
        assert Appointment.objects.filter(user=incumbent).count() == 2

    def test_the_same_role_at_another_unit_or_another_role_is_accepted(
        self, unit, other_unit, incumbent, appoint
    ):
        appoint(incumbent, unit, Role.EMULATION_OFFICER)
        appoint(incumbent, other_unit, Role.EMULATION_OFFICER)
        appoint(incumbent, unit, Role.RECORDS_CLERK)
        assert Appointment.objects.filter(user=incumbent).count() == 3


class TestSingleHolderRoles:
    @pytest.mark.parametrize("role", [Role.HEAD, Role.COUNCIL_CHAIR])
    def test_a_second_holder_in_an_overlapping_period_is_refused_naming_the_holder(
        self, unit, incumbent, newcomer, appoint, role
    ):
        appoint(incumbent, unit, role, D(2024, 1, 1), D(2024, 6, 30))

        with pytest.raises(ValidationError) as caught:
            appoint(newcomer, unit, role, D(2024, 6, 30), None)

        message = errors_on(caught.value, NON_FIELD_ERRORS)
        assert unit.name in message
        assert "Trần Thị Bình" in message
        assert "01/01/2024" in message
        assert "30/06/2024" in message
        assert not Appointment.objects.filter(user=newcomer).exists()
        assert len(events("appointment.created")) == 1

    def test_the_holder_of_an_open_ended_appointment_is_named_with_its_start(
        self, unit, incumbent, newcomer, appoint
    ):
        appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)

        with pytest.raises(ValidationError) as caught:
            appoint(newcomer, unit, Role.HEAD, D(2030, 1, 1), D(2030, 12, 31))

        message = errors_on(caught.value, NON_FIELD_ERRORS)
        assert "Trần Thị Bình" in message
        assert "01/01/2024" in message

    def test_a_period_ending_on_the_holder_s_first_day_is_refused(
        self, unit, incumbent, newcomer, appoint
    ):
        appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)
        with pytest.raises(ValidationError):
            appoint(newcomer, unit, Role.HEAD, D(2023, 1, 1), D(2024, 1, 1))

    def test_a_period_ending_the_day_before_the_holder_s_is_accepted(
        self, unit, incumbent, newcomer, appoint
    ):
        appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)
        appoint(newcomer, unit, Role.HEAD, D(2023, 1, 1), D(2023, 12, 31))
        assert Appointment.objects.filter(role=Role.HEAD).count() == 2

    def test_a_second_head_after_the_first_was_ended_is_accepted(
        self, unit, incumbent, newcomer, appoint
    ):
        first = appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)
        services.end_appointment(appointment=first, valid_to=D(2024, 6, 30), by=None)

        second = appoint(newcomer, unit, Role.HEAD, D(2024, 7, 1), None)

        assert [a.user for a in holders(Role.HEAD, unit, D(2024, 6, 30))] == [incumbent]
        assert [a.user for a in holders(Role.HEAD, unit, D(2024, 7, 1))] == [newcomer]
        assert second.pk is not None

    def test_a_head_at_another_unit_does_not_clash(
        self, unit, other_unit, incumbent, newcomer, appoint
    ):
        appoint(incumbent, unit, Role.HEAD)
        appoint(newcomer, other_unit, Role.HEAD)
        assert Appointment.objects.filter(role=Role.HEAD).count() == 2


@pytest.mark.parametrize(
    "role", [Role.EMULATION_OFFICER, Role.DEPUTY_HEAD, Role.COUNCIL_MEMBER, Role.RECORDS_CLERK]
)
def test_other_roles_may_have_several_holders_at_once(unit, incumbent, newcomer, appoint, role):
    appoint(incumbent, unit, role, D(2024, 1, 1), None)
    appoint(newcomer, unit, role, D(2024, 3, 1), D(2024, 12, 31))

    assert [a.user for a in holders(role, unit, D(2024, 6, 1))] == [incumbent, newcomer]


class TestAppointPermission:
    def test_a_user_without_add_appointment_is_refused(self, unit, incumbent, make_user):
        clerk = make_user()
        with pytest.raises(PermissionDenied):
            services.appoint(
                user=incumbent,
                organisation=unit,
                role=Role.HEAD,
                valid_from=D(2024, 1, 1),
                by=clerk,
            )
        assert not Appointment.objects.exists()
        assert events("appointment.created") == []

    def test_a_user_with_add_appointment_appoints_and_is_recorded(
        self, unit, incumbent, make_user, grant
    ):
        clerk = grant(make_user(), "workflows.add_appointment")

        appointment = services.appoint(
            user=incumbent,
            organisation=unit,
            role=Role.HEAD,
            title="Giám đốc",
            valid_from=D(2024, 1, 1),
            by=clerk,
        )

        assert appointment.title == "Giám đốc"
        [event] = events("appointment.created")
        assert event.actor == clerk
        assert event.object_id == str(appointment.pk)
        assert event.data == {
            "user": incumbent.username,
            "organisation": unit.code,
            "role": "head",
            "valid_from": "2024-01-01",
            "valid_to": None,
        }


class TestEndAppointment:
    def test_ending_sets_the_last_day_and_is_audited(
        self, unit, incumbent, appoint, make_user, grant
    ):
        clerk = grant(make_user(), "workflows.change_appointment")
        appointment = appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)

        services.end_appointment(appointment=appointment, valid_to=D(2024, 6, 30), by=clerk)

        appointment.refresh_from_db()
        assert appointment.valid_to == D(2024, 6, 30)
        [event] = events("appointment.changed")
        assert event.actor == clerk
        assert event.data["valid_to"] == "2024-06-30"
        assert event.data["changed"] == ["valid_to"]

    def test_a_user_without_change_appointment_is_refused(
        self, unit, incumbent, appoint, make_user
    ):
        appointment = appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)

        with pytest.raises(PermissionDenied):
            services.end_appointment(
                appointment=appointment, valid_to=D(2024, 6, 30), by=make_user()
            )

        appointment.refresh_from_db()
        assert appointment.valid_to is None
        assert events("appointment.ended") == []

    def test_the_holder_himself_may_not_end_his_appointment(self, unit, incumbent, appoint):
        appointment = appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)
        with pytest.raises(PermissionDenied):
            services.end_appointment(appointment=appointment, valid_to=D(2024, 6, 30), by=incumbent)

    def test_ending_before_the_start_is_refused_on_valid_to(self, unit, incumbent, appoint):
        appointment = appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), None)

        with pytest.raises(ValidationError) as caught:
            services.end_appointment(appointment=appointment, valid_to=D(2023, 12, 31), by=None)

        message = errors_on(caught.value, "valid_to")
        assert "31/12/2023" in message
        assert "01/01/2024" in message
        appointment.refresh_from_db()
        assert appointment.valid_to is None
        assert events("appointment.ended") == []

    def test_extending_into_the_successor_s_period_is_refused_naming_him(
        self, unit, incumbent, newcomer, appoint
    ):
        first = appoint(incumbent, unit, Role.HEAD, D(2024, 1, 1), D(2024, 6, 30))
        appoint(newcomer, unit, Role.HEAD, D(2024, 7, 1), None)

        with pytest.raises(ValidationError) as caught:
            services.end_appointment(appointment=first, valid_to=D(2024, 12, 31), by=None)

        message = errors_on(caught.value, NON_FIELD_ERRORS)
        assert "Lê Văn Cường" in message
        assert "01/07/2024" in message
        first.refresh_from_db()
        assert first.valid_to == D(2024, 6, 30)


def in_thread(function):
    """Run ``function`` in a thread with its own database connection; return the thread and a
    dict that receives its "result" or "error"."""
    outcome = {}

    def target():
        try:
            outcome["result"] = function()
        except Exception as error:  # examined by the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
class TestConcurrentAppointments:
    """Two officials' writes at once: the organisation lock makes the second see the first."""

    def test_a_concurrent_second_head_waits_for_the_first_and_is_refused(
        self, unit, incumbent, newcomer
    ):
        with transaction.atomic():
            services.appoint(
                user=incumbent, organisation=unit, role=Role.HEAD, valid_from=D(2024, 1, 1), by=None
            )
            thread, outcome = in_thread(
                lambda: services.appoint(
                    user=newcomer,
                    organisation=unit,
                    role=Role.HEAD,
                    valid_from=D(2024, 6, 1),
                    by=None,
                )
            )
            thread.join(timeout=1)
            assert thread.is_alive(), "the second appointment did not wait for the first"
        thread.join(timeout=30)

        assert not thread.is_alive()
        assert isinstance(outcome.get("error"), ValidationError), outcome
        assert [a.user for a in holders(Role.HEAD, unit, D(2024, 8, 1))] == [incumbent]

    def test_extending_a_head_while_his_successor_is_appointed_cannot_make_two_heads(
        self, unit, incumbent, newcomer
    ):
        outgoing = services.appoint(
            user=incumbent,
            organisation=unit,
            role=Role.HEAD,
            valid_from=D(2024, 1, 1),
            valid_to=D(2024, 6, 30),
            by=None,
        )
        with transaction.atomic():
            services.appoint(
                user=newcomer, organisation=unit, role=Role.HEAD, valid_from=D(2024, 7, 1), by=None
            )
            thread, outcome = in_thread(
                lambda: services.end_appointment(
                    appointment=outgoing, valid_to=D(2024, 12, 31), by=None
                )
            )
            thread.join(timeout=1)  # done already, or waiting for this transaction
        thread.join(timeout=30)

        assert not thread.is_alive()
        assert len(holders(Role.HEAD, unit, D(2024, 8, 1))) == 1, outcome

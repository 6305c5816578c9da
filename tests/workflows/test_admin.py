"""The admin creates through the services, records changes and deletions, and never edits the
audit log."""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse

from tests.workflows.helpers import actions, events
from workflows import services
from workflows.models import Appointment, AuditEvent, Delegation, Organisation, Role
from workflows.selectors import verify_audit_chain

D = datetime.date


def url(name, *args):
    return reverse(f"admin:workflows_{name}", args=args)


def form_errors(response) -> dict:
    """The errors of the admin form, by field (NON_FIELD_ERRORS for the model-wide ones)."""
    assert response.status_code == 200, response.status_code
    return response.context["adminform"].form.errors


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def staff_client(client, make_user, grant):
    """A client logged in as a staff member with only the permissions given."""

    def login(*permissions):
        user = grant(make_user(is_staff=True), *permissions)
        client.force_login(user)
        return client, user

    return login


@pytest.fixture
def official(make_user):
    return make_user(first_name="Trần Thị", last_name="Bình")


def appointment_form(official, unit, **overrides):
    data = {
        "user": official.pk,
        "organisation": unit.pk,
        "role": Role.HEAD,
        "title": "Giám đốc",
        "valid_from": "01/01/2025",
        "valid_to": "",
    }
    return data | overrides


class TestAppointmentAdmin:
    def test_adding_goes_through_the_service_and_is_audited(
        self, admin_client, superuser, official, unit
    ):
        response = admin_client.post(url("appointment_add"), appointment_form(official, unit))

        assert response.status_code == 302
        appointment = Appointment.objects.get()
        assert (appointment.user, appointment.valid_from, appointment.valid_to) == (
            official,
            D(2025, 1, 1),
            None,
        )
        [event] = events("appointment.created")
        assert event.actor == superuser
        assert event.object_id == str(appointment.pk)
        assert verify_audit_chain().intact

    def test_an_end_before_the_start_shows_the_error_and_creates_nothing(
        self, admin_client, official, unit
    ):
        before = actions()

        response = admin_client.post(
            url("appointment_add"),
            appointment_form(official, unit, valid_from="01/01/2025", valid_to="31/12/2024"),
        )

        errors = form_errors(response)
        assert "valid_to" in errors
        assert "31/12/2024" in " ".join(errors["valid_to"])
        assert "31/12/2024" in response.content.decode()
        assert not Appointment.objects.exists()
        assert actions() == before

    def test_a_second_head_shows_the_holder_and_creates_nothing(
        self, admin_client, official, unit, appoint, make_user
    ):
        appoint(official, unit, Role.HEAD, D(2024, 1, 1), None)
        before = actions()

        response = admin_client.post(url("appointment_add"), appointment_form(make_user(), unit))

        message = " ".join(form_errors(response)[NON_FIELD_ERRORS])
        assert "Trần Thị Bình" in message
        assert "01/01/2024" in message
        assert Appointment.objects.count() == 1
        assert actions() == before

    def test_a_staff_member_with_add_appointment_appoints_in_his_own_name(
        self, staff_client, official, unit
    ):
        client, clerk = staff_client("workflows.add_appointment", "workflows.view_appointment")

        response = client.post(url("appointment_add"), appointment_form(official, unit))

        assert response.status_code == 302
        [event] = events("appointment.created")
        assert event.actor == clerk

    def test_a_staff_member_without_add_appointment_is_refused(self, staff_client, official, unit):
        client, _clerk = staff_client("workflows.view_appointment")

        assert client.get(url("appointment_add")).status_code == 403
        response = client.post(url("appointment_add"), appointment_form(official, unit))

        assert response.status_code == 403
        assert not Appointment.objects.exists()

    def test_a_change_is_audited_with_the_changed_fields(
        self, admin_client, superuser, official, unit, appoint
    ):
        appointment = appoint(official, unit, Role.HEAD, D(2024, 1, 1), None, title="Giám đốc")

        response = admin_client.post(
            url("appointment_change", appointment.pk),
            appointment_form(official, unit, valid_from="01/01/2024", valid_to="30/06/2024"),
        )

        assert response.status_code == 302
        appointment.refresh_from_db()
        assert appointment.valid_to == D(2024, 6, 30)
        [event] = events("appointment.changed")
        assert event.actor == superuser
        assert event.data["changed"] == ["valid_to"]
        assert event.data["valid_to"] == "2024-06-30"


class TestDelegationAdmin:
    @pytest.fixture
    def delegation(self, appoint, official, unit, make_user):
        appointment = appoint(official, unit, Role.HEAD, D(2024, 1, 1), None)
        return services.delegate(
            appointment=appointment,
            substitute=make_user(),
            valid_from=D(2024, 3, 1),
            valid_to=D(2024, 3, 31),
            by=official,
        )

    def test_adding_goes_through_the_service(
        self, admin_client, superuser, official, unit, appoint, make_user
    ):
        appointment = appoint(official, unit, Role.HEAD, D(2024, 1, 1), None)
        substitute = make_user()

        response = admin_client.post(
            url("delegation_add"),
            {
                "appointment": appointment.pk,
                "substitute": substitute.pk,
                "scope": "sign",
                "prefix": "TUQ.",
                "valid_from": "01/03/2024",
                "valid_to": "31/03/2024",
                "reason": "Đi học tập trung",
            },
        )

        assert response.status_code == 302
        delegation = Delegation.objects.get()
        assert (delegation.substitute, delegation.prefix) == (substitute, "TUQ.")
        [event] = events("delegation.created")
        assert (event.actor, event.on_behalf_of) == (superuser, official)

    def test_a_delegation_to_the_holder_himself_shows_the_error(
        self, admin_client, official, unit, appoint
    ):
        appointment = appoint(official, unit, Role.HEAD, D(2024, 1, 1), None)

        response = admin_client.post(
            url("delegation_add"),
            {
                "appointment": appointment.pk,
                "substitute": official.pk,
                "scope": "all",
                "prefix": "KT.",
                "valid_from": "01/03/2024",
                "valid_to": "31/03/2024",
            },
        )

        assert "substitute" in form_errors(response)
        assert not Delegation.objects.exists()

    def test_deleting_is_recorded(self, admin_client, superuser, delegation):
        response = admin_client.post(url("delegation_delete", delegation.pk), {"post": "yes"})

        assert response.status_code == 302
        assert not Delegation.objects.filter(pk=delegation.pk).exists()
        [event] = events("delegation.deleted")
        assert event.actor == superuser
        assert event.object_id == str(delegation.pk)
        assert verify_audit_chain().intact

    def test_deleting_several_records_each(self, admin_client, delegation, make_user):
        other = services.delegate(
            appointment=delegation.appointment,
            substitute=make_user(),
            valid_from=D(2024, 5, 1),
            valid_to=D(2024, 5, 31),
            by=None,
        )

        response = admin_client.post(
            url("delegation_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [delegation.pk, other.pk],
                "post": "yes",
            },
        )

        assert response.status_code == 302
        assert not Delegation.objects.exists()
        assert sorted(event.object_id for event in events("delegation.deleted")) == sorted(
            [str(delegation.pk), str(other.pk)]
        )

    def test_the_revoke_action_goes_through_the_service(self, admin_client, superuser, delegation):
        response = admin_client.post(
            url("delegation_changelist"),
            {
                "action": "revoke",
                "_selected_action": [delegation.pk],
            },
        )

        assert response.status_code == 302
        assert Delegation.objects.get(pk=delegation.pk).revoked_at is not None
        [event] = events("delegation.revoked")
        assert event.actor == superuser

    def test_the_revoke_action_needs_change_delegation(self, staff_client, delegation):
        client, _viewer = staff_client("workflows.view_delegation")

        response = client.post(
            url("delegation_changelist"),
            {
                "action": "revoke",
                "_selected_action": [delegation.pk],
            },
        )

        assert response.status_code == 403
        assert Delegation.objects.get(pk=delegation.pk).revoked_at is None
        assert events("delegation.revoked") == []


class TestOrganisationAdmin:
    def test_adding_goes_through_the_service(self, admin_client, superuser, kinds, jurisdiction):
        response = admin_client.post(
            url("organisation_add"),
            {
                "code": "so-xay-dung",
                "name": "Sở Xây dựng",
                "kind": kinds["so-nganh"].pk,
                "parent": jurisdiction.pk,
                "short_name": "",
                "abbreviation": "SXD",
                "place_name": "Hải Phòng",
            },
        )

        assert response.status_code == 302
        organisation = Organisation.objects.get(code="so-xay-dung")
        assert organisation.abbreviation == "SXD"
        event = events("organisation.created")[-1]
        assert (event.actor, event.object_id) == (superuser, str(organisation.pk))

    def test_a_parent_cycle_shows_the_error_on_parent(self, admin_client, kinds, make_unit):
        upper = make_unit()
        lower = make_unit(parent=upper)

        response = admin_client.post(
            url("organisation_change", upper.pk),
            {
                "code": upper.code,
                "name": upper.name,
                "kind": upper.kind.pk,
                "parent": lower.pk,
            },
        )

        assert "parent" in form_errors(response)
        upper.refresh_from_db()
        assert upper.parent != lower


class TestAuditEventAdmin:
    @pytest.fixture
    def event(self, jurisdiction):
        return AuditEvent.objects.get()

    def test_the_log_is_listed_without_an_add_button(self, admin_client, event):
        response = admin_client.get(url("auditevent_changelist"))

        assert response.status_code == 200
        assert event.action in response.content.decode()
        assert url("auditevent_add") not in response.content.decode()
        assert "delete_selected" not in response.content.decode()

    def test_an_event_can_be_viewed(self, admin_client, event):
        assert admin_client.get(url("auditevent_change", event.pk)).status_code == 200

    @pytest.mark.parametrize(
        ("method", "view"),
        [
            ("get", "auditevent_add"),
            ("post", "auditevent_add"),
            ("post", "auditevent_change"),
            ("get", "auditevent_delete"),
            ("post", "auditevent_delete"),
        ],
    )
    def test_adding_changing_and_deleting_are_refused(self, admin_client, event, method, view):
        before = list(AuditEvent.objects.values())
        args = () if view.endswith("_add") else (event.pk,)
        data = {"action": "forged", "post": "yes"} if method == "post" else None

        response = getattr(admin_client, method)(url(view, *args), data)

        assert response.status_code == 403
        assert list(AuditEvent.objects.values()) == before

    def test_a_staff_member_with_view_permission_only_reads(self, staff_client, event):
        client, _reader = staff_client("workflows.view_auditevent")

        assert client.get(url("auditevent_changelist")).status_code == 200
        assert client.get(url("auditevent_add")).status_code == 403
        assert client.post(url("auditevent_delete", event.pk), {"post": "yes"}).status_code == 403
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_a_staff_member_without_permission_cannot_read(self, staff_client, event):
        client, _clerk = staff_client()
        assert client.get(url("auditevent_changelist")).status_code == 403

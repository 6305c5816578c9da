"""The term form and the admin apply the same rules, with the same messages."""

import datetime

import pytest
from django.urls import reverse

from flows.blocs.forms import BlocTermForm
from flows.blocs.models import BlocTerm
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def form_data(bloc, units, **overrides):
    data = {
        "bloc": bloc.pk,
        "year": 2024,
        "leader": units[0].pk,
        "deputy": units[1].pk,
        "members": [unit.pk for unit in units],
        "valid_from": "",
        "valid_to": "",
        # The read-only membership inline's management form.
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_form_defaults_the_period_to_the_calendar_year(make_bloc, units):
    form = BlocTermForm(data=form_data(make_bloc(), units))
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["valid_from"]) == "2024-01-01"
    assert str(form.cleaned_data["valid_to"]) == "2024-12-31"


def test_form_refuses_a_leader_outside_the_members(make_bloc, units):
    form = BlocTermForm(data=form_data(make_bloc(), units[1:], leader=units[0].pk, deputy=""))
    assert not form.is_valid()
    assert form.errors["leader"] == [
        "Đơn vị Trưởng khối (UBND huyện Vĩnh Bảo) phải là thành viên của khối."
    ]


def errors_in(response) -> str:
    import re

    return " | ".join(
        re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    )


@pytest.fixture
def admin_client_logged(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_admin_opens_a_term_through_the_service(admin_client_logged, make_bloc, units):
    bloc = make_bloc()
    response = admin_client_logged.post(
        reverse("admin:blocs_blocterm_add"), form_data(bloc, units, valid_from="28/02/2024")
    )
    assert response.status_code == 302, errors_in(response)
    term = BlocTerm.objects.get(bloc=bloc, year=2024)
    assert term.memberships.count() == len(units)
    assert str(term.valid_from) == "2024-02-28"
    assert AuditEvent.objects.filter(action="bloc_term.opened").exists()


def test_admin_shows_the_rule_and_saves_nothing(admin_client_logged, make_bloc, units):
    response = admin_client_logged.post(
        reverse("admin:blocs_blocterm_add"), form_data(make_bloc(), units, deputy=units[0].pk)
    )
    assert response.status_code == 200
    assert "Đơn vị Khối phó phải khác đơn vị Trưởng khối." in response.content.decode()
    assert not BlocTerm.objects.exists()


def test_admin_changes_members_through_the_service(admin_client_logged, make_bloc, units):
    from flows.blocs import services

    bloc = make_bloc()
    term = services.open_term(
        bloc=bloc, year=2024, leader=units[0], deputy=None, members=units[:3], by=None
    )
    url = reverse("admin:blocs_blocterm_change", args=[term.pk])
    data = form_data(bloc, units, deputy="", valid_from="01/01/2024", valid_to="31/12/2024")
    response = admin_client_logged.post(url, data)
    assert response.status_code == 302, errors_in(response)
    assert term.memberships.count() == len(units)
    assert AuditEvent.objects.filter(action="bloc_term.changed").exists()


def test_admin_deletions_of_terms_are_audited(admin_client_logged, make_bloc, units):
    from flows.blocs import services

    term = services.open_term(bloc=make_bloc(), year=2024, leader=units[0], members=units, by=None)
    response = admin_client_logged.post(
        reverse("admin:blocs_blocterm_changelist"),
        {"action": "delete_selected", "_selected_action": [term.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not BlocTerm.objects.exists()
    event = AuditEvent.objects.get(action="bloc_term.deleted")
    assert event.object_id == str(term.pk)


def test_admin_creation_of_an_organisation_kind_is_audited(admin_client_logged):
    response = admin_client_logged.post(
        reverse("admin:workflows_organisationkind_add"),
        {"code": "dac-khu", "name": "Đặc khu", "is_jurisdiction": ""},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="organisationkind.created").object_repr == "Đặc khu"


def test_form_refuses_a_term_overlapping_the_previous_one(make_bloc, units):
    from flows.blocs import services

    bloc = make_bloc()
    services.open_term(
        bloc=bloc,
        year=2024,
        leader=units[0],
        members=units,
        by=None,
        valid_from=datetime.date(2024, 3, 1),
        valid_to=datetime.date(2025, 2, 28),
    )
    form = BlocTermForm(data=form_data(bloc, units, year=2025, valid_from="01/02/2025"))
    assert not form.is_valid()
    assert form.errors["valid_from"] == [
        "Thời gian trùng với nhiệm kỳ năm 2024 (01/03/2024 – 28/02/2025)."
    ]

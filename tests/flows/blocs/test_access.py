"""The visibility policy (flows.blocs.access) and the pages, downloads and sockets that use it."""

import datetime

import pytest
from django.urls import reverse

from flows.blocs import access
from flows.pledges import services
from flows.pledges.flows import CovenantFlow
from notifications.access import may_watch_now
from workflows.models import DelegationScope, Role
from workflows.services import create_organisation, delegate


@pytest.fixture
def bloc(covenant_bloc):
    return covenant_bloc(3)


@pytest.fixture
def outsider(make_unit, make_user, appoint):
    """The head of a unit of the same province in no bloc."""
    user = make_user(username="outsider", first_name="Người", last_name="Ngoài")
    appoint(user, make_unit(name="UBND xã khác"), Role.HEAD, valid_from=datetime.date(2024, 1, 1))
    return user


def seen_by(user, term) -> bool:
    return access.may_see_term(user, term.pk)


def test_members_and_overseers_see_a_term_others_do_not(
    bloc, outsider, jurisdiction, kinds, make_unit, make_user, appoint, grant
):
    assert seen_by(bloc.heads[2], bloc.term)
    assert seen_by(bloc.officer, bloc.term)
    assert not seen_by(outsider, bloc.term)

    council = make_unit(name="Hội đồng Thi đua – Khen thưởng", parent=jurisdiction)
    member = make_user(username="council-member")
    appoint(member, council, Role.COUNCIL_MEMBER, valid_from=datetime.date(2024, 1, 1))
    assert seen_by(member, bloc.term)
    assert access.may_oversee(member, jurisdiction.pk)
    assert not access.may_oversee(outsider, jurisdiction.pk)

    # A council member of another province sees nothing of this one.
    elsewhere = create_organisation(code="tinh-khac", name="Tỉnh khác", kind=kinds["tinh"], by=None)
    other_council = make_unit(name="Hội đồng tỉnh khác", parent=elsewhere)
    foreign = make_user(username="foreign-member")
    appoint(foreign, other_council, Role.COUNCIL_MEMBER, valid_from=datetime.date(2024, 1, 1))
    assert not seen_by(foreign, bloc.term)

    auditor = grant(outsider, access.SEE_ALL_TERMS)
    assert seen_by(auditor, bloc.term)


def test_a_past_appointment_ended_before_the_term_sees_nothing(bloc, make_user, appoint):
    former = make_user(username="former")
    appoint(
        former,
        bloc.units[1],
        Role.DEPUTY_HEAD,
        valid_from=datetime.date(2010, 1, 1),
        valid_to=bloc.term.valid_from - datetime.timedelta(days=1),
    )
    assert not seen_by(former, bloc.term)


def test_a_substitute_sees_the_term_of_the_appointment_he_acts_for(bloc, outsider):
    assert not seen_by(outsider, bloc.term)
    appointment = bloc.heads[1].appointments.get()
    delegate(
        appointment=appointment,
        substitute=outsider,
        valid_from=datetime.date.today(),
        valid_to=datetime.date.today() + datetime.timedelta(days=7),
        scope=DelegationScope.SIGN,
        by=bloc.heads[1],
    )
    assert seen_by(outsider, bloc.term)


def test_the_covenant_pages_downloads_and_socket_follow_the_policy(bloc, outsider, client):
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    process = covenant.processes.get()
    detail = reverse("thidua:covenants:detail", args=[covenant.pk])
    history = CovenantFlow.instance.reverse("process_detail", args=[process.pk])

    client.force_login(bloc.heads[1])
    assert client.get(detail).status_code == 200
    assert client.get(history).status_code == 200
    listed = client.get(reverse("thidua:covenants:index")).content.decode()
    assert detail in listed
    assert may_watch_now(bloc.heads[1], "covenant", (covenant.pk,))

    client.force_login(outsider)
    refused = client.get(detail)
    assert refused.status_code == 404
    assert "Khối thi đua kiểm thử" not in refused.content.decode()
    assert client.get(history).status_code == 403
    assert detail not in client.get(reverse("thidua:covenants:index")).content.decode()
    assert not may_watch_now(outsider, "covenant", (covenant.pk,))


def test_the_flow_overview_is_for_its_managers(bloc, client, grant):
    client.force_login(bloc.officer)
    overview = CovenantFlow.instance.reverse("index")
    assert client.get(overview).status_code == 403
    assert client.get(reverse("workflow:flows:index")).status_code == 403
    assert "workflow/flows/" not in client.get(reverse("workflow:inbox")).content.decode()

    client.force_login(grant(bloc.officer, "pledges.manage_covenantprocess"))
    assert client.get(overview).status_code == 200
    assert client.get(reverse("workflow:flows:index")).status_code == 302

"""The demo data: the five seed blocs, an account for every role, loaded idempotently."""

import datetime

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from flows.blocs.models import Bloc, BlocMembership, BlocTerm
from flows.demo.services import DEMO_PASSWORD, demo_data, load_demo
from workflows import resolvers
from workflows.models import Appointment, AuditEvent, Organisation, Role
from workflows.selectors import verify_audit_chain

pytestmark = pytest.mark.django_db

# Officials quoted by name in the seed articles: none may become a login account.
PUBLIC_FIGURES = {
    "Lê Anh Quân",
    "Dương Thị Bích",
    "Đào Minh Đông",
    "Hoàng Đình Phi",
    "Bùi Quang Cẩm",
    "Đinh Thị Lụa",
    "Lê Thị Thu Hằng",
}


def snapshot():
    user_model = get_user_model()
    return {
        "users": sorted(
            user_model.objects.values_list(
                "username", "password", "first_name", "last_name", "email"
            )
        ),
        "organisations": sorted(Organisation.objects.values_list("code", "name", "parent__code")),
        "appointments": sorted(
            Appointment.objects.values_list(
                "user__username", "organisation__code", "role", "valid_from", "valid_to"
            )
        ),
        "blocs": sorted(Bloc.objects.values_list("code", "name", "supervising_leader__username")),
        "terms": sorted(
            BlocTerm.objects.values_list(
                "bloc__code", "year", "leader__code", "deputy__code", "valid_from", "valid_to"
            )
        ),
        "memberships": sorted(
            BlocMembership.objects.values_list(
                "term__bloc__code", "year", "organisation__code", "position"
            )
        ),
        "audit": AuditEvent.objects.count(),
    }


def test_loads_the_five_seed_blocs_with_their_terms():
    load_demo()
    terms = {
        (t.bloc.code, t.year): t
        for t in BlocTerm.objects.select_related("bloc", "leader", "deputy")
    }
    assert set(Bloc.objects.values_list("code", flat=True)) == {
        "cum-khoi-huyen-hp",
        "khoi-dvsn-bach-long-vi",
        "khoi-bql-khanh-hoa",
        "khoi-tham-muu-bac-ninh",
        "khoi-vhxh-ha-nam",
    }
    assert terms[("cum-khoi-huyen-hp", 2023)].leader.code == "vinh-bao"
    assert terms[("cum-khoi-huyen-hp", 2024)].leader.code == "cat-hai"
    assert terms[("cum-khoi-huyen-hp", 2024)].memberships.count() == 8
    blv = terms[("khoi-dvsn-bach-long-vi", 2024)]
    assert (blv.leader.code, blv.deputy.code) == ("ttvhtt-blv", "bqlcang-blv")
    assert blv.memberships.count() == 6
    assert terms[("khoi-bql-khanh-hoa", 2021)].memberships.count() == 6
    assert Bloc.objects.get(code="khoi-vhxh-ha-nam").historical


def test_every_member_unit_has_a_head_and_an_officer_and_leaders_a_clerk():
    load_demo()
    day = datetime.date(2024, 3, 1)
    for term in BlocTerm.objects.prefetch_related("memberships__organisation"):
        for membership in term.memberships.all():
            unit = membership.organisation
            assert len(resolvers.holders(Role.HEAD, unit, day)) == 1, unit
            assert resolvers.holders(Role.EMULATION_OFFICER, unit, day), unit
        assert resolvers.holders(Role.RECORDS_CLERK, term.leader, day), term


def test_council_home_affairs_and_supervising_leader_accounts():
    load_demo()
    council = Organisation.objects.get(code="hp-hdtdkt")
    today = datetime.date(2026, 11, 21)
    assert resolvers.holders(Role.COUNCIL_CHAIR, council, today)[0].user.username == (
        "hp.council.chair"
    )
    assert resolvers.holders(Role.COUNCIL_SECRETARY, council, today)
    assert len(resolvers.holders(Role.COUNCIL_MEMBER, council, today)) == 13
    home_affairs = Organisation.objects.get(code="hp-sonv")
    assert resolvers.holders(Role.HOME_AFFAIRS_OFFICER, home_affairs, today)
    bloc = Bloc.objects.get(code="cum-khoi-huyen-hp")
    assert bloc.supervising_leader.username == "hp.vicechair"
    assert Appointment.objects.filter(
        user=bloc.supervising_leader, role=Role.DEPUTY_HEAD, organisation__code="hp-ubnd"
    ).exists()


def test_every_demo_account_logs_in_with_the_documented_password():
    load_demo()
    usernames = [
        p["username"]
        for group in ("offices", "units")
        for row in demo_data()[group]
        for p in row["staff"]
    ]
    assert len(usernames) == len(set(usernames))
    for username in [*usernames, "admin"]:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert get_user_model().objects.get(username="admin").is_superuser


def test_no_public_figure_becomes_an_account():
    load_demo()
    names = {user.get_full_name() for user in get_user_model().objects.all()}
    assert not names & PUBLIC_FIGURES
    assert "public_figure" not in str(demo_data())


def test_a_second_load_changes_nothing():
    first = load_demo()
    assert first.changed
    before = snapshot()
    second = load_demo()
    assert not second.changed
    assert snapshot() == before
    assert verify_audit_chain().intact


def test_load_keeps_what_people_changed():
    load_demo()
    head = get_user_model().objects.get(username="vinh-bao.head")
    head.set_password("a-new-secret-2026")
    head.save()
    load_demo()
    assert authenticate(username="vinh-bao.head", password="a-new-secret-2026") is not None


def test_command_reports_and_prints_logins(capsys):
    call_command("load_demo", "--logins")
    out = capsys.readouterr().out
    assert "Đã nạp dữ liệu mẫu" in out
    assert DEMO_PASSWORD in out
    assert "vinh-bao.head" in out and "hp.council.chair" in out
    call_command("load_demo")
    assert "Dữ liệu mẫu đã có sẵn: không thay đổi gì." in capsys.readouterr().out

"""Bloc terms: the composition rules, refused with precise Vietnamese messages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from flows.blocs import services
from flows.blocs.models import BlocMembership, BlocTerm
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def open_term(bloc, units, year=2024, **overrides):
    fields = {"leader": units[0], "deputy": units[1], "members": units, "by": None}
    fields.update(overrides)
    return services.open_term(bloc=bloc, year=year, **fields)


def messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict.get(field, []))


def test_opening_a_term_records_members_in_order_and_audits_it(make_bloc, units):
    bloc = make_bloc()
    term = open_term(bloc, units)
    assert (term.valid_from, term.valid_to) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 12, 31),
    )
    assert [m.organisation for m in term.memberships.all()] == units
    event = AuditEvent.objects.get(action="bloc_term.opened")
    assert event.data["members"] == [unit.code for unit in units]
    assert event.data["leader"] == units[0].code


def test_leader_must_be_a_member(make_bloc, units, make_unit):
    outsider = make_unit(name="UBND huyện Tiên Lãng")
    with pytest.raises(ValidationError) as error:
        open_term(make_bloc(), units, leader=outsider)
    assert messages(error.value, "leader") == (
        "Đơn vị Trưởng khối (UBND huyện Tiên Lãng) phải là thành viên của khối."
    )
    assert not BlocTerm.objects.exists()


def test_deputy_must_be_a_member_and_differ_from_the_leader(make_bloc, units, make_unit):
    with pytest.raises(ValidationError) as error:
        open_term(make_bloc(), units, deputy=make_unit(name="UBND huyện An Dương"))
    assert "Đơn vị Khối phó (UBND huyện An Dương) phải là thành viên" in messages(
        error.value, "deputy"
    )
    with pytest.raises(ValidationError) as error:
        open_term(make_bloc(name="Khối B"), units, deputy=units[0])
    assert messages(error.value, "deputy") == "Đơn vị Khối phó phải khác đơn vị Trưởng khối."


def test_a_unit_listed_twice_and_too_few_members_are_refused(make_bloc, units):
    with pytest.raises(ValidationError) as error:
        open_term(make_bloc(), units, members=[units[0], units[0]], deputy=None)
    text = messages(error.value, "members")
    assert "Một đơn vị bị liệt kê hai lần" in text
    assert "phải có ít nhất 2 đơn vị thành viên" in text


def test_a_unit_sits_in_one_bloc_of_a_jurisdiction_per_year(make_bloc, units):
    first = make_bloc(name="Cụm thi đua Khối huyện")
    open_term(first, units[:3], deputy=None)
    with pytest.raises(ValidationError) as error:
        open_term(make_bloc(name="Khối thi đua khác"), units[2:], leader=units[3], deputy=None)
    assert messages(error.value, "members") == (
        "UBND huyện An Lão đã là thành viên của Cụm thi đua Khối huyện trong năm 2024."
    )
    # Another year is fine.
    open_term(
        make_bloc(name="Khối thi đua khác 2"), units[2:], year=2025, leader=units[3], deputy=None
    )


def test_the_same_unit_may_join_blocs_of_different_jurisdictions(make_bloc, units, kinds):
    from workflows import services as workflow_services

    other = workflow_services.create_organisation(
        code="kh", name="Tỉnh Khánh Hòa", kind=kinds["tinh"], by=None
    )
    open_term(make_bloc(), units, deputy=None)
    open_term(make_bloc(name="Khối Khánh Hòa", jurisdiction_org=other), units, deputy=None)
    assert BlocMembership.objects.filter(organisation=units[0]).count() == 2


def test_terms_of_a_bloc_do_not_overlap(make_bloc, units):
    bloc = make_bloc()
    open_term(
        bloc, units, valid_from=datetime.date(2024, 2, 28), valid_to=datetime.date(2025, 2, 27)
    )
    with pytest.raises(ValidationError) as error:
        open_term(bloc, units, year=2025)
    assert messages(error.value, "valid_from") == (
        "Thời gian trùng với nhiệm kỳ năm 2024 (28/02/2024 – 27/02/2025)."
    )
    open_term(
        bloc,
        units,
        year=2025,
        valid_from=datetime.date(2025, 2, 28),
        valid_to=datetime.date(2026, 2, 27),
    )


def test_one_term_per_bloc_and_year(make_bloc, units):
    bloc = make_bloc()
    open_term(bloc, units)
    with pytest.raises(ValidationError) as error:
        open_term(bloc, units)
    assert messages(error.value, "year") == "Cụm thi đua Khối huyện đã có nhiệm kỳ năm 2024."


def test_period_must_be_ordered_and_start_in_its_year(make_bloc, units):
    with pytest.raises(ValidationError) as error:
        open_term(
            make_bloc(),
            units,
            valid_from=datetime.date(2024, 6, 1),
            valid_to=datetime.date(2024, 5, 1),
        )
    assert messages(error.value, "valid_to") == (
        "Ngày kết thúc (01/05/2024) trước ngày bắt đầu (01/06/2024)."
    )
    with pytest.raises(ValidationError) as error:
        open_term(make_bloc(name="Khối B"), units, valid_from=datetime.date(2023, 12, 1))
    assert messages(error.value, "valid_from") == "Nhiệm kỳ năm 2024 phải bắt đầu trong năm 2024."


def test_database_refuses_a_unit_in_two_blocs_of_a_jurisdiction_in_a_year(make_bloc, units):
    # The last line of defence when two requests race past the service check.
    term = open_term(make_bloc(), units, deputy=None)
    other = BlocTerm.objects.create(
        bloc=make_bloc(name="Khối B"),
        year=2024,
        valid_from=term.valid_from,
        valid_to=term.valid_to,
        leader=units[0],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BlocMembership.objects.create(
            term=other, organisation=units[0], year=2024, jurisdiction=term.bloc.jurisdiction
        )


def test_changing_a_term_replaces_members_and_keeps_the_rules(make_bloc, units):
    term = open_term(make_bloc(), units[:3], deputy=None)
    services.change_term(
        term=term,
        leader=units[3],
        deputy=units[4],
        members=units[2:],
        valid_from=term.valid_from,
        valid_to=term.valid_to,
        by=None,
    )
    term.refresh_from_db()
    assert [m.organisation for m in term.memberships.all()] == units[2:]
    assert (term.leader, term.deputy) == (units[3], units[4])
    with pytest.raises(ValidationError):
        services.change_term(
            term=term,
            leader=units[0],
            deputy=None,
            members=units[2:],
            valid_from=term.valid_from,
            valid_to=term.valid_to,
            by=None,
        )
    assert AuditEvent.objects.filter(action="bloc_term.changed").count() == 1


def test_opening_and_changing_terms_need_permissions(make_bloc, units, make_user):
    clerk = make_user()
    bloc = make_bloc()
    with pytest.raises(PermissionDenied, match="không có quyền mở nhiệm kỳ"):
        open_term(bloc, units, by=clerk)
    term = open_term(bloc, units)
    with pytest.raises(PermissionDenied, match="không có quyền sửa nhiệm kỳ"):
        services.change_term(
            term=term,
            leader=units[0],
            deputy=None,
            members=units,
            valid_from=term.valid_from,
            valid_to=term.valid_to,
            by=clerk,
        )
    with pytest.raises(PermissionDenied, match="không có quyền tạo khối"):
        make_bloc_as(clerk)


def make_bloc_as(user):
    from flows.blocs.models import BlocKind
    from workflows.models import Organisation

    return services.create_bloc(
        code="x",
        name="X",
        kind=BlocKind.KHOI,
        jurisdiction=Organisation.objects.get(code="hp"),
        by=user,
    )

"""Bloc pages read in a fixed number of queries, whatever the number of blocs and members."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from flows.blocs import selectors, services

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def add_blocs(count, make_bloc, make_unit, members=4, year=2024):
    for _ in range(count):
        units = [make_unit() for _ in range(members)]
        bloc = make_bloc(name=f"Khối {next(_numbers)}")
        services.open_term(
            bloc=bloc, year=year, leader=units[0], deputy=units[1], members=units, by=None
        )


def queries(callable_):
    with CaptureQueriesContext(connection) as context:
        callable_()
    return len(context.captured_queries)


def test_bloc_list_query_count_does_not_grow(make_bloc, make_unit, client, make_user):
    client.force_login(make_user())
    add_blocs(1, make_bloc, make_unit)
    few = queries(lambda: client.get(reverse("thidua:blocs:index")))
    add_blocs(6, make_bloc, make_unit, members=9)
    many = queries(lambda: client.get(reverse("thidua:blocs:index")))
    assert many == few


def test_bloc_detail_query_count_does_not_grow(make_bloc, make_unit, client, make_user):
    client.force_login(make_user())
    small = [make_unit() for _ in range(2)]
    bloc_small = make_bloc(name="Khối nhỏ")
    services.open_term(bloc=bloc_small, year=2024, leader=small[0], members=small, by=None)
    large = [make_unit() for _ in range(20)]
    bloc_large = make_bloc(name="Khối lớn")
    for year in (2023, 2024, 2025):
        services.open_term(bloc=bloc_large, year=year, leader=large[0], members=large, by=None)
    few = queries(lambda: client.get(reverse("thidua:blocs:detail", args=[bloc_small.pk])))
    many = queries(lambda: client.get(reverse("thidua:blocs:detail", args=[bloc_large.pk])))
    assert many == few


def test_my_organisation_query_count_does_not_grow(
    make_bloc, make_unit, client, make_user, appoint
):
    official = make_user()
    client.force_login(official)
    units = [make_unit() for _ in range(3)]
    appoint(official, units[0], "head")
    services.open_term(
        bloc=make_bloc(name="A"), year=2024, leader=units[0], members=units[:2], by=None
    )
    few = queries(lambda: client.get(reverse("thidua:me:index")))
    for unit in units[1:]:
        appoint(official, unit, "emulation_officer")
    services.open_term(bloc=make_bloc(name="B"), year=2025, leader=units[0], members=units, by=None)
    many = queries(lambda: client.get(reverse("thidua:me:index")))
    assert many == few


def test_list_shows_latest_term_first(make_bloc, make_unit):
    units = [make_unit() for _ in range(3)]
    bloc = make_bloc()
    for year in (2023, 2024):
        services.open_term(bloc=bloc, year=year, leader=units[year - 2023], members=units, by=None)
    listed = selectors.blocs_for_list().get(pk=bloc.pk)
    assert [term.year for term in listed.term_list] == [2024, 2023]
    assert listed.term_list[0].member_count == 3

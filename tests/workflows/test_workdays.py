"""Working days on the Vietnamese calendar (workflows.workdays)."""

import datetime

import pytest
from django.test import override_settings

from workflows.workdays import add_working_days, is_working_day, working_days_between

D = datetime.date


def test_weekends_and_public_holidays_are_not_working_days():
    assert is_working_day(D(2025, 2, 7))  # a Friday
    assert not is_working_day(D(2025, 2, 8))  # Saturday
    assert not is_working_day(D(2025, 9, 2))  # Quốc khánh
    # Tết Ất Tỵ: Monday 27/1 to Saturday 1/2/2025.
    assert [is_working_day(D(2025, 1, day)) for day in range(24, 32)] == [
        True,
        False,
        False,
        False,
        False,
        False,
        False,
        False,
    ]


def test_a_saturday_worked_for_a_bridge_day_is_a_working_day():
    # Monday 29/4/2024 was taken off in exchange for Saturday 4/5/2024.
    assert not is_working_day(D(2024, 4, 29))
    assert is_working_day(D(2024, 5, 4))


def test_ten_working_days_skip_weekends_and_tet():
    assert add_working_days(D(2025, 2, 7), 10) == D(2025, 2, 21)
    # Sent on Wednesday 22/1/2025: Thursday, Friday, Tết to 2/2, then 8 more from 3/2.
    assert add_working_days(D(2025, 1, 22), 10) == D(2025, 2, 12)
    assert add_working_days(D(2025, 1, 22), 0) == D(2025, 1, 22)
    assert working_days_between(D(2025, 1, 22), D(2025, 2, 12)) == 10
    assert working_days_between(D(2025, 2, 12), D(2025, 1, 22)) == 0


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2025, 2, 7), -1)


def test_the_site_adds_the_days_the_package_does_not_know():
    friday, saturday = D(2025, 2, 7), D(2025, 2, 8)
    with override_settings(
        WORKING_DAYS_EXTRA_HOLIDAYS=[friday.isoformat()],
        WORKING_DAYS_MAKEUP_DAYS=[saturday.isoformat()],
    ):
        assert not is_working_day(friday)
        assert is_working_day(saturday)
        assert add_working_days(D(2025, 2, 6), 1) == saturday
    assert is_working_day(friday) and not is_working_day(saturday)

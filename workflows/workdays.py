"""Working days on the Vietnamese calendar, for the deadlines the law counts in working days
(consultation answers in 10 working days, NĐ 152/2025 Điều 34; public disclosure 10 working
days before the council, Điều 44; recovery 15 working days after an annulment, Điều 58).

The public holidays, Tết included, and the Saturdays worked in exchange for a bridge day come
from the ``holidays`` package's calendar of Vietnam. The Government announces the bridge days of
each year late (a Prime Minister's notice some weeks before), so a site adds what the package
does not know yet: ``WORKING_DAYS_EXTRA_HOLIDAYS`` (days off) and ``WORKING_DAYS_MAKEUP_DAYS``
(weekend days worked), ISO dates in the settings.
"""

import datetime
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

#: Saturday and Sunday (``date.weekday()``).
WEEKEND = {5, 6}


@lru_cache(maxsize=32)
def _calendar(year: int) -> tuple[frozenset, frozenset]:
    """(days off, weekend days worked) of ``year``."""
    country = holidays.country_holidays("VN", years=year)
    days_off = set(country) | _setting_days("WORKING_DAYS_EXTRA_HOLIDAYS", year)
    worked = set(country.weekend_workdays) | _setting_days("WORKING_DAYS_MAKEUP_DAYS", year)
    return frozenset(days_off), frozenset(worked)


def _setting_days(name: str, year: int) -> set[datetime.date]:
    days = (datetime.date.fromisoformat(text) for text in getattr(settings, name, []))
    return {day for day in days if day.year == year}


def is_working_day(day: datetime.date) -> bool:
    days_off, worked = _calendar(day.year)
    if day in worked:
        return True
    return day.weekday() not in WEEKEND and day not in days_off


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day after ``start`` (``start`` itself not counted): a request
    sent on Friday 7/2/2025 with 10 working days is due on Friday 21/2/2025."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += datetime.timedelta(days=1)
        count -= is_working_day(day)
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
    days = (start + datetime.timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(1 for day in days if is_working_day(day))


@receiver(setting_changed)
def _forget_on_change(*, setting, **kwargs):
    if setting in {"WORKING_DAYS_EXTRA_HOLIDAYS", "WORKING_DAYS_MAKEUP_DAYS"}:
        _calendar.cache_clear()

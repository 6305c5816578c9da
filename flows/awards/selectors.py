"""Reads of the award history, each in a fixed number of queries whatever the number of rows.

The answers that rest on a rule are ``Ruling``s citing it (ARCHITECTURE rule 8), so that a page
or a year-end check shows where the answer comes from:

- ``already_awarded`` — R-01, one award per achievement;
- ``merit_chain`` — R-04, thematic and extraordinary awards outside merit chains;
- ``blockers_on`` — R-05, no award while a blocking procedure runs;
- ``consecutive_rating_years`` — R-08, the chains of excellent years.

What the rules decide from these answers (how many years a title needs, which findings block
which award) is the rule sets' (flows.rules), which pass it in.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from flows.awards.models import (
    ANNULLED_STATUSES,
    AnnualRating,
    AwardKind,
    AwardRecord,
    AwardType,
    Finding,
    IndicatorScore,
    Rating,
)
from workflows.citations import Citation, Ruling
from workflows.models import Organisation

R01_ONE_AWARD_PER_ACHIEVEMENT = Citation(
    "Luật Thi đua, khen thưởng 2022, Điều 5", _("one achievement is rewarded once")
)
R04_MERIT_CHAINS = Citation(
    "NĐ 152/2025/NĐ-CP, Điều 4 khoản 3",
    _("thematic and extraordinary awards do not count toward higher merit awards"),
)
R05_BLOCKERS = Citation(
    "NĐ 152/2025/NĐ-CP, Điều 4 khoản 4; Luật BHXH 2024, Điều 40 khoản 3",
    _("no award while a blocking procedure runs or social insurance is paid late"),
)
R08_CONSECUTIVE_YEARS = Citation(
    "NĐ 152/2025/NĐ-CP, Điều 33 khoản 7",
    _("chains of collectives count continuous years of excellent ratings"),
)

#: Kinds of award whose results cannot ground a higher merit award (R-04).
OUTSIDE_MERIT_CHAINS = (AwardKind.THEMATIC, AwardKind.EXTRAORDINARY)


@dataclass(frozen=True)
class Person:
    """A person as the subject of an award or a finding: his name and his unit, and his
    account when he has one (most awarded people have none)."""

    name: str
    unit: Organisation
    user: object = None


Subject = Organisation | Person


@dataclass(frozen=True)
class MeritChain:
    """A unit's awards up to a year: those that count toward merit chains and those that do
    not (thematic, extraordinary), newest first."""

    counted: list[AwardRecord]
    excluded: list[AwardRecord]


@dataclass(frozen=True)
class UnitHistory:
    unit: Organisation
    awards: list[AwardRecord]  # the unit's own and its people's, newest first
    ratings: list[AnnualRating]
    indicators: list[IndicatorScore]
    findings: list[Finding] | None  # None: not for this reader (flows.awards.access)


# -- lists, for pages, exports and the year-end flows ---------------------------------------


def _in_year(rows, year: int | None):
    return rows if year is None else rows.filter(year=year)


def awards_of(units: Iterable, year: int | None = None) -> list[AwardRecord]:
    """The awards of ``units`` and of their people (one query)."""
    rows = AwardRecord.objects.filter(Q(unit__in=units) | Q(person_unit__in=units))
    rows = rows.select_related("unit", "person_unit", "award_type", "annulment")
    return list(_in_year(rows, year).order_by("-year", "award_type__position", "person_name", "pk"))


def ratings_of(units: Iterable, year: int | None = None) -> list[AnnualRating]:
    rows = AnnualRating.objects.filter(unit__in=units).select_related("unit")
    return list(_in_year(rows, year).order_by("-year", "unit__name"))


def findings_of(units: Iterable, year: int | None = None) -> list[Finding]:
    """The findings about ``units`` and their people (one query): what scoring turns into
    penalties."""
    rows = Finding.objects.filter(unit__in=units).select_related("unit")
    return list(_in_year(rows, year).order_by("-period_from", "unit__name", "pk"))


def indicators_of(units: Iterable, year: int | None = None) -> list[IndicatorScore]:
    rows = IndicatorScore.objects.filter(unit__in=units).select_related("unit")
    return list(_in_year(rows, year).order_by("-year", "indicator", "unit__name"))


def indicator_scores(units: Iterable, year: int) -> dict[int, dict[str, IndicatorScore]]:
    """The indicator scores of many units for a year, by unit id then indicator code (one
    query)."""
    scores: dict[int, dict[str, IndicatorScore]] = defaultdict(dict)
    for score in indicators_of(units, year):
        scores[score.unit_id][score.indicator] = score
    return dict(scores)


def history_of(unit: Organisation, *, findings: bool = True) -> UnitHistory:
    """Everything recorded about a unit, for its page (four queries, three without the
    findings, which the page shows only to whom may see them)."""
    return UnitHistory(
        unit=unit,
        awards=awards_of([unit]),
        ratings=ratings_of([unit]),
        indicators=indicators_of([unit]),
        findings=findings_of([unit]) if findings else None,
    )


# -- rulings ------------------------------------------------------------------------------------


def consecutive_rating_years(
    unit: Organisation, up_to_year: int, rating: str = Rating.HTXSNV
) -> Ruling:
    """How many years in a row, ending with ``up_to_year``, ``unit`` was rated ``rating``
    (0 when it was not that year). One query."""
    years = dict(
        AnnualRating.objects.filter(unit=unit, year__lte=up_to_year).values_list("year", "rating")
    )
    count = 0
    while years.get(up_to_year - count) == rating:
        count += 1
    return Ruling(count, R08_CONSECUTIVE_YEARS)


def _in_force():
    """The award records an annulment has not undone (P14: they no longer count)."""
    return AwardRecord.objects.exclude(annulment__status__in=ANNULLED_STATUSES)


def _awards_of_subject(subject: Subject):
    if isinstance(subject, Organisation):
        return _in_force().filter(unit=subject)
    same_person = Q(person_unit=subject.unit, person_name=subject.name)
    if subject.user is not None:
        same_person |= Q(person=subject.user)
    return _in_force().filter(same_person)


def already_awarded(
    subject: Subject, award_type: AwardType, period: tuple[datetime.date, datetime.date]
) -> Ruling:
    """The records giving ``subject`` the award ``award_type`` for an achievement period that
    overlaps ``period`` (from, to): a second award for the same achievement (one query).

    Thematic and extraordinary awards are listed too, with their kind: whether one rewards the
    same achievement as a regular award is for the rule set to say."""
    start, end = period
    records = (
        _awards_of_subject(subject)
        .filter(award_type=award_type, period_from__lte=end, period_to__gte=start)
        .select_related("award_type", "unit", "person_unit")
        .order_by("-year", "pk")
    )
    return Ruling(list(records), R01_ONE_AWARD_PER_ACHIEVEMENT)


def merit_chain(unit: Organisation, up_to_year: int) -> Ruling:
    """``unit``'s awards up to ``up_to_year``, split into those that count toward merit
    (công trạng) chains and the thematic and extraordinary ones that do not (one query)."""
    records = (
        _in_force()
        .filter(unit=unit, year__lte=up_to_year)
        .select_related("award_type")
        .order_by("-year", "award_type__position", "pk")
    )
    counted, excluded = [], []
    for record in records:
        (excluded if record.kind in OUTSIDE_MERIT_CHAINS else counted).append(record)
    return Ruling(MeritChain(counted=counted, excluded=excluded), R04_MERIT_CHAINS)


def blockers_on(subject: Subject, on: datetime.date, kinds: Iterable[str]) -> Ruling:
    """The findings about ``subject`` running on the day ``on`` whose kind is one of ``kinds``
    (the rule set's list of blocking kinds). A unit's are those about the unit itself, not
    about one of its people (one query)."""
    if isinstance(subject, Organisation):
        rows = Finding.objects.filter(unit=subject, person_name="")
    else:
        rows = Finding.objects.filter(unit=subject.unit, person_name=subject.name)
    running = (
        rows.filter(kind__in=list(kinds), period_from__lte=on)
        .filter(Q(period_to__isnull=True) | Q(period_to__gte=on))
        .select_related("unit")
        .order_by("period_from", "pk")
    )
    return Ruling(list(running), R05_BLOCKERS)


# -- the organisation tree, for the index and the lists of a jurisdiction ----------------------


def _tree() -> tuple[dict[int, Organisation], dict[int | None, list[Organisation]]]:
    organisations = list(Organisation.objects.select_related("kind").order_by("name"))
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    for organisation in organisations:
        children[organisation.parent_id].append(organisation)
    return {o.pk: o for o in organisations}, children


def _descendants(root_id: int, children) -> list[Organisation]:
    found, stack = [], list(reversed(children.get(root_id, [])))
    while stack:
        organisation = stack.pop()
        found.append(organisation)
        stack.extend(reversed(children.get(organisation.pk, [])))
    return found


def units_under(jurisdiction: Organisation) -> list[Organisation]:
    """Every unit below ``jurisdiction``, at any depth, by name under each parent (one
    query)."""
    _by_id, children = _tree()
    return _descendants(jurisdiction.pk, children)


@dataclass(frozen=True)
class JurisdictionEntry:
    jurisdiction: Organisation
    units: list[Organisation]
    years: list[int]  # the years with any record of its units, newest first


def jurisdictions_with_units() -> list[JurisdictionEntry]:
    """Each jurisdiction with its units and the years of their records, for the index (four
    queries)."""
    by_id, children = _tree()
    years = _years_by_unit()
    entries = []
    for organisation in by_id.values():
        if organisation.kind.is_jurisdiction:
            units = _descendants(organisation.pk, children)
            found = {year for unit in [organisation, *units] for year in years.get(unit.pk, ())}
            entries.append(JurisdictionEntry(organisation, units, sorted(found, reverse=True)))
    return entries


def _years_by_unit() -> dict[int, set[int]]:
    """The years with awards, ratings or indicators, by unit id (three queries). Findings are
    left out: a year would show that a unit has some, to readers who may not see them."""
    years: dict[int, set[int]] = defaultdict(set)
    for model, unit_fields in (
        (AwardRecord, ("unit_id", "person_unit_id")),
        (AnnualRating, ("unit_id",)),
        (IndicatorScore, ("unit_id",)),
    ):
        for *unit_ids, year in model.objects.values_list(*unit_fields, "year").distinct():
            for unit_id in unit_ids:
                if unit_id is not None:
                    years[unit_id].add(year)
    return years

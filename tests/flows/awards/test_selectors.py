"""The reads the year-end flows ask, each with the rule it rests on, in a fixed number of
queries whatever the number of rows."""

import datetime
from decimal import Decimal

import pytest

from flows.awards import selectors, services
from flows.awards.models import AwardKind, FindingKind, Rating
from flows.awards.selectors import Person

pytestmark = pytest.mark.django_db

BLOCKING = [FindingKind.DISCIPLINE, FindingKind.LATE_SOCIAL_INSURANCE]


def rate(unit, ratings: dict[int, str]) -> None:
    for year, rating in ratings.items():
        services.record_rating(unit=unit, year=year, rating=rating, by=None)


def give(award_type, year, number, kind=AwardKind.REGULAR, **subject):
    return services.record_award(
        award_type=award_type,
        year=year,
        kind=kind,
        decision_number=number,
        decision_date=datetime.date(year + 1, 3, 1),
        by=None,
        **subject,
    )


def find(unit, kind, start, end=None, person_name=""):
    return services.record_finding(
        unit=unit,
        kind=kind,
        agency="Thanh tra thành phố",
        year=start.year,
        period_from=start,
        period_to=end,
        person_name=person_name,
        by=None,
    )


def test_consecutive_excellent_years_end_with_the_year_asked(units, django_assert_num_queries):
    unit = units["vinh-bao"]
    rate(
        unit,
        {
            2019: Rating.HTXSNV,
            2021: Rating.HTXSNV,
            2022: Rating.HTXSNV,
            2023: Rating.HTXSNV,
            2024: Rating.HTTNV,
        },
    )
    with django_assert_num_queries(1):
        ruling = selectors.consecutive_rating_years(unit, 2023)
    assert ruling.value == 3  # 2020 has no rating: the chain starts in 2021
    assert ruling.citation.source == "NĐ 152/2025/NĐ-CP, Điều 33 khoản 7"
    assert ruling.citation.summary
    assert selectors.consecutive_rating_years(unit, 2022).value == 2
    assert selectors.consecutive_rating_years(unit, 2024).value == 0
    assert selectors.consecutive_rating_years(unit, 2024, rating=Rating.HTTNV).value == 1
    assert selectors.consecutive_rating_years(units["an-lao"], 2023).value == 0


def test_consecutive_years_cost_one_query_however_long(units, django_assert_num_queries):
    rate(units["vinh-bao"], dict.fromkeys(range(1990, 2024), Rating.HTXSNV))
    with django_assert_num_queries(1):
        assert selectors.consecutive_rating_years(units["vinh-bao"], 2023).value == 34


def test_already_awarded_finds_the_same_award_for_an_overlapping_period(
    award_types, units, make_user, django_assert_num_queries
):
    bk, co = award_types["BK_TINH"], award_types["CO_TINH"]
    first = give(bk, 2022, "1/QĐ", unit=units["an-lao"])
    give(co, 2023, "2/QĐ", unit=units["an-lao"])  # another award
    give(bk, 2023, "3/QĐ", unit=units["cat-hai"])  # another unit
    give(
        bk,
        2023,
        "4/QĐ",
        kind=AwardKind.THEMATIC,
        unit=units["an-lao"],
        period_from=datetime.date(2023, 3, 1),
        period_to=datetime.date(2023, 6, 30),
    )
    for years_before in range(1, 6):  # long before: not the same achievement
        give(bk, 2020 - years_before, f"old-{years_before}", unit=units["an-lao"])
    year_2023 = (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    with django_assert_num_queries(1):
        ruling = selectors.already_awarded(units["an-lao"], bk, year_2023)
    assert [(r.decision_number, r.kind) for r in ruling.value] == [("4/QĐ", AwardKind.THEMATIC)]
    assert ruling.citation.source == "Luật Thi đua, khen thưởng 2022, Điều 5"
    two_years = (datetime.date(2022, 6, 1), datetime.date(2023, 5, 31))
    assert selectors.already_awarded(units["an-lao"], bk, two_years).value[-1] == first

    person = make_user(first_name="Nguyễn Thị", last_name="Hoa")
    cstdcs = award_types["CSTDCS"]
    give(cstdcs, 2023, "5/QĐ", person_name="Nguyễn Thị Hoa", person_unit=units["an-lao"])
    give(
        cstdcs,
        2023,
        "6/QĐ",
        person_name="Nguyễn Thị Hoa",
        person_unit=units["cat-hai"],
        person=person,
    )
    by_name = selectors.already_awarded(
        Person("Nguyễn Thị Hoa", units["an-lao"]), cstdcs, year_2023
    )
    assert [r.decision_number for r in by_name.value] == ["5/QĐ"]
    by_account = selectors.already_awarded(
        Person("Nguyễn Thị Hoa", units["an-lao"], user=person), cstdcs, year_2023
    )
    assert {r.decision_number for r in by_account.value} == {"5/QĐ", "6/QĐ"}


def test_merit_chains_leave_out_thematic_and_extraordinary_awards(
    award_types, units, django_assert_num_queries
):
    unit, bk = units["vinh-bao"], award_types["BK_TINH"]
    regular = [give(bk, year, f"r-{year}", unit=unit) for year in range(2015, 2024)]
    thematic = give(bk, 2023, "t-2023", kind=AwardKind.THEMATIC, unit=unit)
    extraordinary = give(bk, 2022, "x-2022", kind=AwardKind.EXTRAORDINARY, unit=unit)
    give(bk, 2024, "r-2024", unit=unit)  # after the year asked
    give(award_types["CSTDCS"], 2023, "p", person_name="Nguyễn Văn A", person_unit=unit)
    with django_assert_num_queries(1):
        ruling = selectors.merit_chain(unit, 2023)
    assert ruling.value.counted == sorted(regular, key=lambda r: -r.year)
    assert ruling.value.excluded == [thematic, extraordinary]
    assert ruling.citation.source == "NĐ 152/2025/NĐ-CP, Điều 4 khoản 3"


def test_blockers_are_the_findings_of_the_kinds_asked_running_that_day(
    units, django_assert_num_queries
):
    unit = units["cat-hai"]
    insurance = find(
        unit,
        FindingKind.LATE_SOCIAL_INSURANCE,
        datetime.date(2024, 7, 1),
        datetime.date(2024, 9, 30),
    )
    ongoing = find(unit, FindingKind.DISCIPLINE, datetime.date(2024, 9, 1))
    find(unit, FindingKind.COMPLAINT, datetime.date(2024, 1, 1))  # not a kind asked
    find(unit, FindingKind.DISCIPLINE, datetime.date(2024, 8, 1), person_name="Trần Văn Bình")
    find(units["an-lao"], FindingKind.DISCIPLINE, datetime.date(2024, 1, 1))
    with django_assert_num_queries(1):
        ruling = selectors.blockers_on(unit, datetime.date(2024, 9, 15), BLOCKING)
    assert ruling.value == [insurance, ongoing]
    assert ruling.citation.source == (
        "NĐ 152/2025/NĐ-CP, Điều 4 khoản 4; Luật BHXH 2024, Điều 40 khoản 3"
    )
    assert selectors.blockers_on(unit, datetime.date(2024, 6, 30), BLOCKING).value == []
    assert selectors.blockers_on(unit, datetime.date(2024, 9, 30), BLOCKING).value == [
        insurance,
        ongoing,
    ]
    assert selectors.blockers_on(unit, datetime.date(2030, 1, 1), BLOCKING).value == [ongoing]
    assert selectors.blockers_on(unit, datetime.date(2024, 9, 15), []).value == []
    person = Person("Trần Văn Bình", unit)
    assert len(selectors.blockers_on(person, datetime.date(2024, 9, 15), BLOCKING).value) == 1


def test_indicator_scores_of_many_units_in_one_query(make_unit, django_assert_num_queries):
    many = [make_unit() for _ in range(12)]
    for rank, unit in enumerate(many, start=1):
        for year in (2022, 2023):
            services.record_indicator(
                unit=unit,
                year=year,
                indicator="cchc",
                indicator_name="Chỉ số CCHC",
                score=Decimal(90 - rank),
                rank=rank,
                by=None,
            )
        services.record_indicator(
            unit=unit, year=2023, indicator="pci", indicator_name="PCI", score=Decimal(60), by=None
        )
    with django_assert_num_queries(1):
        scores = selectors.indicator_scores(many[:10], 2023)
    assert set(scores) == {unit.pk for unit in many[:10]}
    assert scores[many[2].pk]["cchc"].rank == 3
    assert scores[many[2].pk]["pci"].score == Decimal(60)


def test_a_units_history_in_four_queries_whatever_its_length(
    award_types, units, django_assert_num_queries
):
    unit = units["vinh-bao"]
    for year in range(2000, 2024):
        give(award_types["BK_TINH"], year, f"{year}", unit=unit)
        give(award_types["CSTDCS"], year, f"p{year}", person_name="Nguyễn Văn A", person_unit=unit)
        find(unit, FindingKind.OTHER, datetime.date(year, 5, 1))
        services.record_indicator(
            unit=unit,
            year=year,
            indicator="cchc",
            indicator_name="CCHC",
            score=Decimal(90),
            by=None,
        )
    rate(unit, dict.fromkeys(range(2000, 2024), Rating.HTXSNV))
    with django_assert_num_queries(4):
        history = selectors.history_of(unit)
        assert [award.unit for award in history.awards[:2]] == [unit, None]
        assert len(history.awards) == 48 and history.awards[0].award_type.code == "BK_TINH"
        assert [len(history.ratings), len(history.findings), len(history.indicators)] == [24] * 3
    with django_assert_num_queries(3):
        assert selectors.history_of(unit, findings=False).findings is None


def test_units_under_a_jurisdiction_at_every_depth(
    units, make_unit, jurisdiction, kinds, django_assert_num_queries
):
    school = make_unit(name="Trường Tiểu học", kind="truong-hoc", parent=units["cat-hai"])
    with django_assert_num_queries(1):
        found = selectors.units_under(jurisdiction)
    assert set(found) == {*units.values(), school}
    with django_assert_num_queries(4):
        (entry,) = selectors.jurisdictions_with_units()
    assert entry.jurisdiction == jurisdiction and school in entry.units

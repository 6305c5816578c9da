"""The records' own rules (``clean``, by field) and the database constraints behind them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from flows.awards.models import (
    AnnualRating,
    AwardRecord,
    AwardType,
    Finding,
    FindingKind,
    IndicatorScore,
    Rating,
)
from flows.awards.services import STANDARD_TYPES_FILE, ensure_standard_award_types

pytestmark = pytest.mark.django_db

JAN_1, DEC_31 = datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)


def award(award_type, **fields) -> AwardRecord:
    values = {
        "award_type": award_type,
        "year": 2023,
        "decision_number": "846/QĐ-UBND",
        "decision_date": datetime.date(2024, 3, 20),
        "period_from": JAN_1,
        "period_to": DEC_31,
        **fields,
    }
    return AwardRecord(**values)


def refused(record) -> dict:
    with pytest.raises(ValidationError) as raised:
        record.full_clean()
    return raised.value.message_dict


def test_the_standard_catalogue_is_loaded_once_with_its_levels(award_types):
    assert ensure_standard_award_types()  # a second time: nothing new
    codes = list(AwardType.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == STANDARD_TYPES_FILE.read_text().count("code:")
    assert {"CO_CP", "CO_TINH", "BK_TTG", "BK_TINH", "TTLDXS", "TTLDTT", "CSTDCS", "LDTT"} <= set(
        codes
    )
    co_cp, cstdcs = award_types["CO_CP"], award_types["CSTDCS"]
    assert (co_cp.level, co_cp.for_collectives, co_cp.for_individuals) == ("state", True, False)
    assert co_cp.is_title and not award_types["BK_TINH"].is_title
    assert (cstdcs.level, cstdcs.for_individuals) == ("base", True)
    assert codes[0] == "CO_CP"  # highest first


def test_an_award_is_a_units_or_a_persons(award_types, units):
    bk = award_types["BK_TINH"]
    assert "person_name" in refused(award(bk, unit=units["an-lao"], person_name="Nguyễn Văn A"))
    assert "unit" in refused(award(bk))
    assert "person_unit" in refused(award(bk, person_name="Nguyễn Văn A"))
    assert "person_name" in refused(award(bk, unit=units["an-lao"], person_unit=units["an-lao"]))
    award(bk, unit=units["an-lao"]).full_clean()
    award(bk, person_name="Nguyễn Văn A", person_unit=units["an-lao"]).full_clean()


def test_an_award_fits_its_subject(award_types, units):
    assert "award_type" in refused(
        award(award_types["CO_CP"], person_name="Nguyễn Văn A", person_unit=units["an-lao"])
    )
    assert "award_type" in refused(award(award_types["CSTDCS"], unit=units["an-lao"]))


def test_an_achievement_period_is_ordered(award_types, units):
    errors = refused(
        award(award_types["BK_TINH"], unit=units["an-lao"], period_to=JAN_1, period_from=DEC_31)
    )
    assert list(errors) == ["period_to"]
    finding = Finding(
        unit=units["an-lao"],
        kind=FindingKind.OTHER,
        agency="Thanh tra",
        year=2023,
        period_from=DEC_31,
        period_to=JAN_1,
    )
    assert list(refused(finding)) == ["period_to"]


@pytest.mark.parametrize(
    "fields",
    [
        {"person_name": "Nguyễn Văn A"},  # both a unit and a person
        {"unit": None},  # neither
        {"period_from": DEC_31, "period_to": JAN_1},
    ],
)
def test_the_database_refuses_what_clean_refuses(award_types, units, fields):
    record = award(award_types["BK_TINH"], **{"unit": units["an-lao"], **fields})
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()


def test_one_award_per_subject_and_decision(award_types, units):
    bk = award_types["BK_TINH"]
    award(bk, unit=units["an-lao"]).save()
    award(bk, unit=units["cat-hai"]).save()  # one decision awards many units
    award(bk, person_name="Nguyễn Văn A", person_unit=units["an-lao"]).save()
    assert refused(award(bk, unit=units["an-lao"]))
    with pytest.raises(IntegrityError), transaction.atomic():
        award(bk, person_name="Nguyễn Văn A", person_unit=units["an-lao"]).save()


def test_one_rating_per_unit_and_year_one_score_per_indicator(units):
    unit = units["vinh-bao"]
    AnnualRating.objects.create(unit=unit, year=2023, rating=Rating.HTXSNV)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualRating.objects.create(unit=unit, year=2023, rating=Rating.HTTNV)
    IndicatorScore.objects.create(
        unit=unit, year=2023, indicator="cchc", indicator_name="CCHC", score="91.65"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorScore.objects.create(
            unit=unit, year=2023, indicator="cchc", indicator_name="CCHC", score="90"
        )


def test_an_ongoing_finding_has_no_end(units):
    finding = Finding(
        unit=units["an-lao"],
        kind=FindingKind.COMPLAINT,
        agency="Thanh tra",
        year=2024,
        period_from=JAN_1,
    )
    finding.full_clean()
    finding.save()
    assert finding.period_to is None

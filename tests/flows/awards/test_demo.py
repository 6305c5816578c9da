"""The demo's award history: earlier awards, ratings, indicators and a finding of the Hải Phòng
cluster, loaded once; its 2023 results are the flows' to write."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from flows.awards import selectors
from flows.awards.models import (
    AnnualRating,
    AwardKind,
    AwardRecord,
    Finding,
    FindingKind,
    IndicatorScore,
)
from flows.demo.services import load_demo
from workflows.models import AuditEvent, Organisation

pytestmark = pytest.mark.django_db


def unit(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def snapshot() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (AwardRecord, AnnualRating, Finding, IndicatorScore, AuditEvent)
    }


def test_earlier_awards_are_loaded_and_the_2023_results_left_to_the_flows():
    load_demo()
    records = AwardRecord.objects.select_related("unit", "award_type")
    assert {(r.unit.code, r.year, r.award_type.code, r.kind) for r in records} == {
        ("vinh-bao", 2021, "BK_TINH", AwardKind.REGULAR),
        ("tien-lang", 2022, "BK_TINH", AwardKind.THEMATIC),
    }
    assert all("minh họa" in r.note for r in records)  # the decisions are illustrative
    chain = selectors.merit_chain(unit("tien-lang"), 2023).value
    assert chain.counted == [] and len(chain.excluded) == 1


def test_indicators_ratings_and_the_finding():
    load_demo()
    units = {code: unit(code) for code in ("thuy-nguyen", "an-lao", "vinh-bao")}
    scores = selectors.indicator_scores(units.values(), 2023)
    assert {
        code: (str(scores[u.pk]["cchc"].score), scores[u.pk]["cchc"].rank)
        for code, u in units.items()
    } == {"thuy-nguyen": ("92.58", 3), "an-lao": ("92.26", 4), "vinh-bao": ("91.65", 6)}
    assert selectors.consecutive_rating_years(unit("vinh-bao"), 2023).value == 3
    blockers = selectors.blockers_on(
        unit("an-duong"), datetime.date(2024, 8, 1), [FindingKind.LATE_SOCIAL_INSURANCE]
    )
    assert len(blockers.value) == 1


def test_home_affairs_officers_may_import():
    load_demo()
    officer = get_user_model().objects.get(username="hp.homeaffairs")
    assert officer.has_perm("awards.add_awardrecord") and officer.has_perm("awards.add_finding")
    assert (
        not get_user_model()
        .objects.get(username="vinh-bao.head")
        .has_perm("awards.add_awardrecord")
    )


def test_a_second_load_changes_nothing():
    load_demo()
    before = snapshot()
    assert not load_demo().changed
    assert snapshot() == before

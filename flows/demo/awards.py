"""The demo's award history (``data/awards.yaml``), loaded through the award services.

Idempotent like the rest of the demo: a record that exists (the same unit, award and decision;
the same unit and year; …) is left exactly as it is. The home-affairs officers are given the
permissions to import sheets and to propose and record annulments, through a group.
"""

import datetime
from decimal import Decimal
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from flows.awards import services as award_services
from flows.awards.models import AnnualRating, AwardRecord, AwardType, Finding, IndicatorScore
from workflows.models import Role

DATA_FILE = Path(__file__).parent / "data" / "awards.yaml"
IMPORTED_MODELS = (AwardRecord, AnnualRating, Finding, IndicatorScore)


def load_award_history(organisations: dict, report) -> None:
    """``organisations`` by code, as the demo loaded them; ``report`` counts what is created."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    types = {kind.code: kind for kind in award_services.ensure_standard_award_types()}
    for row in data["awards"]:
        _ensure_award(row, data, types, organisations, report)
    for row in data["indicators"]:
        _ensure_indicator(row, data["indicator"], organisations, report)
    for code, ratings in data["ratings"].items():
        for year, rating in ratings.items():
            _ensure_rating(organisations[code], year, rating, report)
    for row in data["findings"]:
        _ensure_finding(row, organisations, report)
    _ensure_importers(data["importers_group"], report)


def _ensure_award(row, data, types: dict[str, AwardType], organisations, report) -> None:
    unit, award_type = organisations[row["unit"]], types[row["award"]]
    exists = AwardRecord.objects.filter(
        unit=unit, award_type=award_type, decision_number=row["decision_number"]
    ).exists()
    if exists:
        return
    award_services.record_award(
        unit=unit,
        award_type=award_type,
        kind=row["kind"],
        year=row["year"],
        decision_number=row["decision_number"],
        decision_date=datetime.date.fromisoformat(row["decision_date"]),
        decided_by=row["decided_by"],
        note=" ".join(filter(None, [row.get("note"), data["illustrative_note"]])),
        by=None,
    )
    report.count(AwardRecord)


def _ensure_indicator(row, indicator, organisations, report) -> None:
    unit = organisations[row["unit"]]
    if IndicatorScore.objects.filter(
        unit=unit, year=indicator["year"], indicator=indicator["code"]
    ).exists():
        return
    award_services.record_indicator(
        unit=unit,
        year=indicator["year"],
        indicator=indicator["code"],
        indicator_name=indicator["name"],
        score=Decimal(row["score"]),
        rank=row["rank"],
        by=None,
    )
    report.count(IndicatorScore)


def _ensure_rating(unit, year: int, rating: str, report) -> None:
    if AnnualRating.objects.filter(unit=unit, year=year).exists():
        return
    award_services.record_rating(unit=unit, year=year, rating=rating, by=None)
    report.count(AnnualRating)


def _ensure_finding(row, organisations, report) -> None:
    unit = organisations[row["unit"]]
    start = datetime.date.fromisoformat(row["period_from"])
    if Finding.objects.filter(unit=unit, kind=row["kind"], period_from=start).exists():
        return
    award_services.record_finding(
        unit=unit,
        kind=row["kind"],
        agency=row["agency"],
        year=row["year"],
        period_from=start,
        period_to=datetime.date.fromisoformat(row["period_to"]),
        description=row["description"],
        by=None,
    )
    report.count(Finding)


def _ensure_importers(name: str, report) -> None:
    group, created = Group.objects.get_or_create(name=name)
    if created:
        report.count(Group)
    codenames = [f"add_{model._meta.model_name}" for model in IMPORTED_MODELS]
    codenames += ["add_annulment", "change_annulment"]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="awards", codename__in=codenames)
    )
    officers = get_user_model().objects.filter(appointments__role=Role.HOME_AFFAIRS_OFFICER)
    group.user_set.add(*officers.distinct())

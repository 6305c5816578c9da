"""Every write of the award history: atomic, permission-checked, validated, audited.

One record at a time (``record_*``: the admin, the demo, the flows that decide awards) or a
whole sheet (``import_*``: all its rows, or none when any has a fault; ``flows.awards.sheets``).
"""

import datetime
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flows.awards.models import (
    AnnualRating,
    Annulment,
    AnnulmentStatus,
    AwardKind,
    AwardRecord,
    AwardType,
    Finding,
    IndicatorScore,
    Source,
)
from flows.awards.sheets import FORMATS, SheetFormat
from flows.blocs.models import default_period
from workflows.models import Organisation
from workflows.services import record_event, require_permission
from workflows.workdays import add_working_days

STANDARD_TYPES_FILE = Path(__file__).parent / "data" / "award_types.yaml"


def ensure_standard_award_types() -> list[AwardType]:
    """Create the standard award types that are missing; never changes existing ones.

    Migration 0002 loads them too; this is for databases emptied since (the demo, tests)."""
    types = []
    rows = yaml.safe_load(STANDARD_TYPES_FILE.read_text(encoding="utf-8"))
    for position, row in enumerate(rows, start=1):
        award_type, _created = AwardType.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "level": row["level"],
                "for_collectives": row["collectives"],
                "for_individuals": row["individuals"],
                "is_title": row["is_title"],
                "position": position,
            },
        )
        types.append(award_type)
    return types


def _save(record, *, by):
    record.recorded_by = by
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def record_award(
    *,
    award_type: AwardType,
    year: int,
    decision_number: str,
    decision_date: datetime.date,
    by,
    unit: Organisation | None = None,
    person_name: str = "",
    person=None,
    person_unit: Organisation | None = None,
    kind: str = AwardKind.REGULAR,
    decided_by: str = "",
    period_from: datetime.date | None = None,
    period_to: datetime.date | None = None,
    note: str = "",
    source: str = Source.ENTERED,
) -> AwardRecord:
    """Record an award of ``unit``, or of the person ``person_name`` of ``person_unit``.

    The achievement period defaults to the calendar year ``year``."""
    require_permission(by, "awards.add_awardrecord", _("You may not record awards."))
    start, end = default_period(year)
    record = AwardRecord(
        unit=unit,
        person_name=person_name,
        person=person,
        person_unit=person_unit,
        award_type=award_type,
        kind=kind,
        year=year,
        decision_number=decision_number,
        decision_date=decision_date,
        decided_by=decided_by,
        period_from=period_from or start,
        period_to=period_to or end,
        note=note,
        source=source,
    )
    _save(record, by=by)
    record_event(
        "award.recorded",
        actor=by,
        obj=record,
        data={
            "unit": (record.unit or record.person_unit).code,
            "person": person_name,
            "award": award_type.code,
            "kind": kind,
            "year": year,
            "decision": decision_number,
            "decision_date": decision_date,
        },
    )
    return record


@transaction.atomic
def record_rating(
    *, unit: Organisation, year: int, rating: str, by, source: str = Source.ENTERED
) -> AnnualRating:
    require_permission(by, "awards.add_annualrating", _("You may not record annual ratings."))
    rating_row = _save(AnnualRating(unit=unit, year=year, rating=rating, source=source), by=by)
    record_event(
        "annual_rating.recorded",
        actor=by,
        obj=rating_row,
        data={"unit": unit.code, "year": year, "rating": rating},
    )
    return rating_row


@transaction.atomic
def record_finding(
    *,
    unit: Organisation,
    kind: str,
    agency: str,
    year: int,
    period_from: datetime.date,
    by,
    period_to: datetime.date | None = None,
    person_name: str = "",
    description: str = "",
    source: str = Source.ENTERED,
) -> Finding:
    """Record a finding about ``unit`` itself, or about its person ``person_name``."""
    require_permission(by, "awards.add_finding", _("You may not record findings."))
    finding = Finding(
        unit=unit,
        person_name=person_name,
        kind=kind,
        agency=agency,
        year=year,
        period_from=period_from,
        period_to=period_to,
        description=description,
        source=source,
    )
    _save(finding, by=by)
    record_event(
        "finding.recorded",
        actor=by,
        obj=finding,
        data={
            "unit": unit.code,
            "person": person_name,
            "kind": kind,
            "year": year,
            "period_from": period_from,
            "period_to": period_to,
        },
    )
    return finding


@transaction.atomic
def record_indicator(
    *,
    unit: Organisation,
    year: int,
    indicator: str,
    indicator_name: str,
    score: Decimal,
    by,
    rank: int | None = None,
    source: str = Source.ENTERED,
) -> IndicatorScore:
    require_permission(by, "awards.add_indicatorscore", _("You may not record indicator scores."))
    score_row = _save(
        IndicatorScore(
            unit=unit,
            year=year,
            indicator=indicator,
            indicator_name=indicator_name,
            score=score,
            rank=rank,
            source=source,
        ),
        by=by,
    )
    record_event(
        "indicator_score.recorded",
        actor=by,
        obj=score_row,
        data={"unit": unit.code, "year": year, "indicator": indicator, "score": str(score)},
    )
    return score_row


# -- sheets ------------------------------------------------------------------------------------

IMPORT_REFUSALS = {
    "awards": gettext_lazy("You may not import award records."),
    "ratings": gettext_lazy("You may not import annual ratings."),
    "findings": gettext_lazy("You may not import findings."),
    "indicators": gettext_lazy("You may not import indicator scores."),
}


def _import(sheet: SheetFormat, *, upload, by) -> list:
    """Every row of ``upload`` as a record of ``sheet``, or ``SheetError`` and nothing."""
    require_permission(by, sheet.permission, IMPORT_REFUSALS[sheet.name])
    records = sheet.read(upload)
    for record in records:
        record.recorded_by = by
    created = sheet.model.objects.bulk_create(records)
    record_event(
        f"{sheet.model._meta.model_name}.imported",
        actor=by,
        data={
            "file": getattr(upload, "name", ""),
            "rows": len(created),
            "ids": [record.pk for record in created],
        },
    )
    return created


@transaction.atomic
def import_awards(*, upload, by) -> list[AwardRecord]:
    return _import(FORMATS["awards"], upload=upload, by=by)


@transaction.atomic
def import_ratings(*, upload, by) -> list[AnnualRating]:
    return _import(FORMATS["ratings"], upload=upload, by=by)


@transaction.atomic
def import_findings(*, upload, by) -> list[Finding]:
    return _import(FORMATS["findings"], upload=upload, by=by)


@transaction.atomic
def import_indicators(*, upload, by) -> list[IndicatorScore]:
    return _import(FORMATS["indicators"], upload=upload, by=by)


IMPORTS = {
    "awards": import_awards,
    "ratings": import_ratings,
    "findings": import_findings,
    "indicators": import_indicators,
}


# -- annulment (P14) -------------------------------------------------------------------------------

#: R-19: the award is annulled and its artefacts and money recovered (Luật Điều 93 khoản 2),
#: within 15 working days of the annulment (NĐ 152/2025 Điều 58).
R19_ANNULMENT = "Luật Thi đua, khen thưởng 2022, Điều 93 khoản 2; NĐ 152/2025/NĐ-CP, Điều 58"
RECOVERY_WORKING_DAYS = 15


@transaction.atomic
def propose_annulment(*, record: AwardRecord, by, reason: str, legal_basis: str = "") -> Annulment:
    """Propose annulling ``record`` (fraud, false information, unlawful appraisal, a later
    finding), with the reason; nothing of the record changes until the authority decides."""
    require_permission(by, "awards.add_annulment", _("You may not propose annulling awards."))
    if not reason.strip():
        raise ValidationError(_("Say why the award is to be annulled."))
    record = AwardRecord.objects.select_for_update().get(pk=record.pk)
    existing = Annulment.objects.filter(record=record).first()
    if existing is not None:
        raise ValidationError(
            _("This award already has an annulment (%(status)s).")
            % {"status": existing.get_status_display().lower()}
        )
    annulment = Annulment.objects.create(
        record=record,
        reason=reason.strip(),
        legal_basis=legal_basis.strip() or R19_ANNULMENT,
        proposed_by=by,
    )
    _annulment_event("annulment.proposed", by, annulment)
    return annulment


@transaction.atomic
def decide_annulment(
    *,
    annulment: Annulment,
    by,
    annul: bool,
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    decided_by: str = "",
    reason: str = "",
) -> Annulment:
    """Record the competent authority's answer: the annulment decided (its decision's number,
    date and author; recovery due in 15 working days) or the proposal rejected (why)."""
    require_permission(by, "awards.change_annulment", _("You may not record annulments."))
    annulment = Annulment.objects.select_for_update().get(pk=annulment.pk)
    if annulment.status != AnnulmentStatus.PROPOSED:
        raise ValidationError(_("This annulment was decided already."))
    if annul:
        if not decision_number.strip() or decided_on is None or not decided_by.strip():
            raise ValidationError(_("Give the annulment decision's number, date and author."))
        annulment.annul()
        annulment.decision_number = decision_number.strip()
        annulment.decided_on = decided_on
        annulment.decided_by = decided_by.strip()
        annulment.recovery_due = add_working_days(decided_on, RECOVERY_WORKING_DAYS)
    else:
        if not reason.strip():
            raise ValidationError(_("Say why the annulment is rejected."))
        annulment.reject()
        annulment.rejection_reason = reason.strip()
    annulment.recorded_by = by
    annulment.save()
    _annulment_event(
        "annulment.annulled" if annul else "annulment.rejected",
        by,
        annulment,
        decision=annulment.decision_number,
    )
    return annulment


@transaction.atomic
def record_recovery(*, annulment: Annulment, by, on: datetime.date) -> Annulment:
    """The artefacts and the money are back (on ``on``; late is shown, not refused)."""
    require_permission(by, "awards.change_annulment", _("You may not record annulments."))
    annulment = Annulment.objects.select_for_update().get(pk=annulment.pk)
    if annulment.status != AnnulmentStatus.ANNULLED:
        raise ValidationError(_("Only an annulled award is recovered."))
    annulment.recover()
    annulment.recovered_on = on
    annulment.save()
    _annulment_event("annulment.recovered", by, annulment, late=on > annulment.recovery_due)
    return annulment


def _annulment_event(action, by, annulment, **data):
    record = annulment.record
    record_event(
        action,
        actor=by,
        obj=annulment,
        data={
            "record": record.pk,
            "award": record.award_type.code,
            "decision": record.decision_number,
            **data,
        },
    )

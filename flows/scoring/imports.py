"""The province's lists in the scores: indicator scores and violations (DOMAIN.md §5 P5).

The criteria set says which component an indicator gives (``Criterion.indicator``: its points
are the component's maximum times the indicator's score out of 100) and which penalty item a
kind of violation incurs (``Criterion.finding_kind``: the item's full points). While units
score themselves the values go into their own points; once cross-scoring opens (when the
violation lists are due), into the cross-scored points, with the reason naming the list. Every
change is audited; a value already there is left alone.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from flows.awards.selectors import findings_of, indicator_scores
from flows.scoring.models import ComponentScore, ScoringStatus, SheetStatus
from workflows.services import record_event

CENT = Decimal("0.01")


def indicator_points(criterion, score) -> Decimal:
    """A component's points from an indicator scored out of 100, at most its maximum."""
    points = (criterion.max_points * score.score / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(max(points, Decimal(0)), criterion.max_points)


def _indicator_entry(criterion, unit_scores):
    score = unit_scores.get(criterion.indicator)
    if score is None:
        return None
    reason = _("%(indicator)s %(year)s: %(score)s out of 100 (the province's figures)") % {
        "indicator": score.indicator_name,
        "year": score.year,
        # Written into the unit's signed sheet: Vietnamese decimals (87,2).
        "score": f"{score.score.normalize():f}".replace(".", ","),
    }
    return indicator_points(criterion, score), reason


def _finding_entry(criterion, unit_findings):
    found = unit_findings.get(criterion.finding_kind)
    if not found:
        return None
    listed = "; ".join(f"{f.agency}: {f.description or f.get_kind_display()}" for f in found)
    return criterion.max_points, _("On the province's violation list (%(list)s)") % {"list": listed}


def apply_province_lists(scoring, *, by) -> int:
    """Write the lists' points into the sheets of ``scoring``; returns how many changed."""
    year = scoring.term.year
    units = list(scoring.sheets.values_list("unit_id", flat=True))
    indicators = indicator_scores(units, year)
    findings: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for finding in findings_of(units, year):
        findings[finding.unit_id][finding.kind].append(finding)
    cross = scoring.status != ScoringStatus.SELF_SCORING
    scores = (
        ComponentScore.objects.filter(sheet__scoring=scoring)
        .select_for_update(of=("self",))
        .select_related("criterion", "sheet")
    )
    scores = scores.exclude(criterion__indicator="", criterion__finding_kind="")
    if not cross:
        scores = scores.filter(sheet__status=SheetStatus.DRAFT)
    changes, changed = [], []
    for score in scores.order_by("sheet__position", "criterion__position"):
        criterion, unit_id = score.criterion, score.sheet.unit_id
        entry = (
            _indicator_entry(criterion, indicators.get(unit_id, {}))
            if criterion.indicator
            else _finding_entry(criterion, findings[unit_id])
        )
        if entry is None:
            continue
        old = _write(score, *entry, cross=cross, by=by)
        if old is not UNCHANGED:
            changed.append(score)
            changes.append(
                {
                    "unit": unit_id,
                    "criterion": criterion.code,
                    "old": None if old is None else str(old),
                    "new": str(entry[0]),
                    "reason": entry[1],
                }
            )
    fields = ["cross_points", "cross_reason"] if cross else ["self_points", "self_note"]
    ComponentScore.objects.bulk_update(changed, [*fields, "revision", "updated_by", "updated_at"])
    if changes:
        record_event(
            "scoring.province_lists_applied",
            actor=by,
            obj=scoring,
            data={"stage": "cross" if cross else "self", "changes": changes},
        )
    return len(changes)


UNCHANGED = object()


def _write(score, points, reason, *, cross: bool, by):
    """Set the stage's points and reason (saved by the caller, all at once); the old points,
    or ``UNCHANGED``."""
    field, note = ("cross_points", "cross_reason") if cross else ("self_points", "self_note")
    old = getattr(score, field)
    if old == points:
        return UNCHANGED
    setattr(score, field, points)
    setattr(score, note, reason)
    score.revision += 1
    score.updated_by = by
    score.updated_at = timezone.now()
    return old

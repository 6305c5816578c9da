"""Reads of the scoring pages, the flow's fan-outs and the ranking; who may watch a scoring.

Every page reads a fixed number of queries whatever the number of units and criteria (tested):
the criteria table once, every component score of the sheets shown at once, then the sums in
Python. The arithmetic of a sheet (``totals``) and of the ranking (``rank``) are pure functions
over what was read.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from flows.blocs.access import visible_terms
from flows.rules.models import CriterionKind
from flows.rules.selectors import criteria_table
from flows.scoring.models import (
    ComponentScore,
    RankedUnit,
    ScoreSheet,
    Scoring,
    ScoringAssignment,
    ScoringResult,
)
from notifications.access import watchable
from workflows.models import Attachment

ZERO = Decimal(0)


# -- who may see -----------------------------------------------------------------------------------


def visible_scorings(user):
    """The scorings of the bloc terms ``user`` may see (flows.blocs.access)."""
    return Scoring.objects.filter(term__in=visible_terms(user))


def may_see_scoring(user, scoring_id: int) -> bool:
    return visible_scorings(user).filter(pk=scoring_id).exists()


@watchable("scoring")
def may_watch(user, scoring_id: int) -> bool:
    return may_see_scoring(user, scoring_id)


# -- data sources of the flow's fan-outs -----------------------------------------------------------


def member_items(activation) -> list[dict]:
    """One self-scoring (and one review) task per member unit's sheet."""
    return [
        {"unit": unit_id}
        for unit_id in activation.process.scoring.sheets.values_list("unit_id", flat=True)
    ]


def scorer_items(activation) -> list[dict]:
    """One cross-scoring task per unit of the scoring group; the leader unit alone without one."""
    scoring = activation.process.scoring
    scorers = (
        ScoringAssignment.objects.filter(scoring=scoring)
        .values_list("scorer_id", flat=True)
        .distinct()
        .order_by("scorer_id")
    )
    return [{"unit": unit_id} for unit_id in scorers] or [{"unit": scoring.term.leader_id}]


def units_scored_by(scoring: Scoring, scorer_id: int) -> list[int]:
    """The units ``scorer_id`` cross-scores: its assignments, or every member for the leader
    unit of a bloc without a scoring group."""
    assigned = list(
        ScoringAssignment.objects.filter(scoring=scoring, scorer_id=scorer_id).values_list(
            "scored_id", flat=True
        )
    )
    if assigned or ScoringAssignment.objects.filter(scoring=scoring).exists():
        return assigned
    if scorer_id == scoring.term.leader_id:
        return list(scoring.sheets.values_list("unit_id", flat=True))
    return []


# -- the arithmetic of a sheet ---------------------------------------------------------------------


@dataclass
class Totals:
    scored: Decimal = ZERO
    bonus: Decimal = ZERO
    penalty: Decimal = ZERO
    #: Points by major criterion code, in the table's order.
    majors: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return self.scored + self.bonus - self.penalty


def totals(table, points_of) -> Totals:
    """The sheet's sums: scored criteria, bonus (capped by its group), penalty (capped).

    ``points_of(criterion)`` gives a component's points (``None`` counts as 0).
    """
    return totals_of_majors(
        table,
        {
            major.pk: sum((points_of(c) or ZERO for c in major.component_list), ZERO)
            for major in table
        },
    )


def totals_of_majors(table, sums: dict) -> Totals:
    """The totals from each major criterion's sum of points (by the major's id)."""
    result = Totals()
    for major in table:
        points = sums.get(major.pk) or ZERO
        if major.kind == CriterionKind.SCORED:
            result.scored += points
        else:
            points = min(points, major.max_points)  # the group's cap
            if major.kind == CriterionKind.BONUS:
                result.bonus += points
            else:
                result.penalty += points
        result.majors[major.code] = points
    return result


#: A component's points at each stage, as the database computes them (``ComponentScore``'s
#: ``self_points``, ``after_cross`` and ``points``).
STAGE_POINTS = {
    "self_points": ("self_points",),
    "after_cross": ("cross_points", "self_points"),
    "points": ("final_points", "cross_points", "self_points"),
}


def _stage_sum(stage: str) -> Sum:
    money = DecimalField(max_digits=9, decimal_places=2)
    return Sum(Coalesce(*STAGE_POINTS[stage], Value(ZERO), output_field=money), output_field=money)


@dataclass
class SheetTotals:
    """A sheet's totals at each stage asked for, without its component scores."""

    sheet: ScoreSheet
    stages: dict  # stage → Totals

    def __getitem__(self, stage) -> Totals:
        return self.stages[stage]


def sheet_totals(scoring, *, stages=("points",), unit_ids=None, table=None) -> list[SheetTotals]:
    """Every sheet's totals (of ``unit_ids``), summed by the database major by major, in the
    bloc's order: four queries (two with the criteria ``table`` given), whatever the number
    of units and criteria."""
    table = table if table is not None else criteria_table(scoring.criteria_set)
    sheets = scoring.sheets.select_related("unit", "document")
    scores = ComponentScore.objects.filter(sheet__scoring=scoring)
    if unit_ids is not None:
        sheets = sheets.filter(unit_id__in=unit_ids)
        scores = scores.filter(sheet__unit_id__in=unit_ids)
    rows = (
        scores.values("sheet_id", "criterion__parent_id")
        .annotate(**{f"sum_{stage}": _stage_sum(stage) for stage in stages})
        .order_by()
    )
    sums: dict[int, dict[str, dict]] = {}
    for row in rows:
        by_stage = sums.setdefault(row["sheet_id"], {stage: {} for stage in stages})
        for stage in stages:
            by_stage[stage][row["criterion__parent_id"]] = row[f"sum_{stage}"]
    return [
        SheetTotals(
            sheet=sheet,
            stages={
                stage: totals_of_majors(table, sums.get(sheet.pk, {}).get(stage, {}))
                for stage in stages
            },
        )
        for sheet in sheets
    ]


# -- the pages -------------------------------------------------------------------------------------


@dataclass
class SheetView:
    """A sheet as its pages show it: the criteria table with each component's score."""

    sheet: ScoreSheet
    table: list
    scores: dict  # criterion id → ComponentScore

    def rows(self):
        """(major, [(component, score)…], major's points) in the table's order."""
        sums = self.totals().majors
        for major in self.table:
            yield major, [(c, self.scores[c.pk]) for c in major.component_list], sums[major.code]

    def totals(self, stage: str = "points") -> Totals:
        return totals(self.table, lambda c: getattr(self.scores[c.pk], stage))


def _scores_of(sheets, *, evidence: bool):
    scores = ComponentScore.objects.filter(sheet__in=sheets).select_related(
        "criterion", "dispute", "updated_by"
    )
    if evidence:  # a list per score: the generic relation's manager would cost a queryset each
        scores = scores.prefetch_related(
            Prefetch(
                "evidence", queryset=Attachment.objects.order_by("pk"), to_attr="evidence_list"
            )
        )
    return scores


def sheet_view(sheet: ScoreSheet) -> SheetView:
    """One sheet with its table and evidence (five queries, whatever the number of criteria)."""
    table = criteria_table(sheet.scoring.criteria_set)
    scores = {score.criterion_id: score for score in _scores_of([sheet], evidence=True)}
    return SheetView(sheet=sheet, table=table, scores=scores)


def scoring_detail(user, pk: int) -> Scoring:
    """A scoring ``user`` may see, with its term and results (``Scoring.DoesNotExist``)."""
    rows = RankedUnit.objects.select_related("unit").order_by("rank", "unit__name")
    return (
        visible_scorings(user)
        .select_related("term__bloc__jurisdiction", "term__leader", "criteria_set")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=ScoringResult.objects.select_related("document").prefetch_related(
                    Prefetch("rows", queryset=rows, to_attr="row_list")
                ),
                to_attr="result_list",
            )
        )
        .get(pk=pk)
    )


def scorings_for_list(user):
    return (
        visible_scorings(user)
        .select_related("term__bloc", "term__leader")
        .annotate(sheet_count=Count("sheets"))
        .order_by("-term__year", "term__bloc__name")
    )


def stage_counts(scoring_ids) -> dict[int, dict[str, int]]:
    """How many sheets of each scoring stand at each status (one query), for the board."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        ScoreSheet.objects.filter(scoring_id__in=list(scoring_ids))
        .values("scoring_id", "status")
        .annotate(count=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["scoring_id"], {})[row["status"]] = row["count"]
    return counts


# -- the ranking -----------------------------------------------------------------------------------


@dataclass
class Placed:
    unit: object
    totals: Totals
    rank: int = 0
    tie_note: str = ""
    #: A ranking shown before freezing has no blockers recorded yet.
    blockers: list = field(default_factory=list)

    # The same names as a frozen result's rows (RankedUnit), for the pages.
    @property
    def scored(self) -> Decimal:
        return self.totals.scored

    @property
    def bonus(self) -> Decimal:
        return self.totals.bonus

    @property
    def penalty(self) -> Decimal:
        return self.totals.penalty

    @property
    def total(self) -> Decimal:
        return self.totals.total


def rank(entries: list[Placed], tie_rules: list[str], major_codes: list[str]) -> list[Placed]:
    """Order by total, then by the bloc's tie rules in order; equal keys share a rank.

    ``fewer_penalties``: fewer penalty points ranks higher; ``major_scores``: more points in
    the major criteria, compared in the table's order; ``shared``: nothing more (equal ranks).
    Each unit placed above an equal total by a rule says which (``tie_note``).
    """

    def key(entry: Placed):
        parts = [-entry.totals.total]
        for rule in tie_rules:
            if rule == "fewer_penalties":
                parts.append(entry.totals.penalty)
            elif rule == "major_scores":
                parts.extend(-entry.totals.majors.get(code, ZERO) for code in major_codes)
        return tuple(parts)

    ordered = sorted(entries, key=lambda entry: (key(entry), entry.unit.name))
    previous = None
    for position, entry in enumerate(ordered, start=1):
        entry.rank = previous.rank if previous and key(previous) == key(entry) else position
        if previous and previous.totals.total == entry.totals.total:
            note = _tie_note(previous, entry, tie_rules, major_codes)
            previous.tie_note = previous.tie_note or note
        previous = entry
    return ordered


def _tie_note(higher: Placed, lower: Placed, tie_rules, major_codes) -> str:
    if higher.rank == lower.rank:
        return _("equal total and tie rules: shared rank")
    for rule in tie_rules:
        if rule == "fewer_penalties" and higher.totals.penalty != lower.totals.penalty:
            return _("above %(unit)s on an equal total: fewer penalty points") % {
                "unit": lower.unit.name
            }
        if rule == "major_scores":
            for code in major_codes:
                mine, theirs = higher.totals.majors.get(code), lower.totals.majors.get(code)
                if mine != theirs:
                    return _(
                        "above %(unit)s on an equal total: more points in criterion %(code)s"
                    ) % {"unit": lower.unit.name, "code": code}
    return ""


def ranking_preview(scoring: Scoring, tie_rules: list[str]) -> list[Placed]:
    """The ranking the scores give now (before freezing), each unit with its totals (four
    queries; the database sums the points)."""
    table = criteria_table(scoring.criteria_set)
    codes = [major.code for major in table if major.kind == CriterionKind.SCORED]
    placed = [
        Placed(unit=t.sheet.unit, totals=t["points"]) for t in sheet_totals(scoring, table=table)
    ]
    return rank(placed, tie_rules, codes)


def with_shares(rows):
    """``rows`` (ranked), each with ``share``: its total as a percentage of the highest, for
    the ranking's bar chart."""
    rows = list(rows)
    top = max((row.total for row in rows), default=ZERO)
    for row in rows:
        row.share = int(row.total * 100 / top) if top > 0 else 0
    return rows


def latest_result(scoring: Scoring) -> ScoringResult | None:
    return scoring.results.order_by("-version").first()


def disputes_of(scoring: Scoring):
    return (
        ComponentScore.objects.filter(sheet__scoring=scoring, dispute__isnull=False)
        .select_related("sheet__unit", "criterion", "dispute__raised_by")
        .order_by("sheet__position", "criterion__position")
    )

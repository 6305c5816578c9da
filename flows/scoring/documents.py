"""The scoring's documents (DOMAIN.md §7 T3), ND 30/2020 layout, through the one pipeline:

* a unit's **score sheet** (bảng tự chấm điểm): its points, notes and totals against every
  criterion, signed by the unit's head;
* the bloc's **result** (bảng tổng hợp kết quả chấm điểm, xếp hạng): every unit's totals and
  rank, signed by the head of the leader unit.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from flows.scoring.models import ScoreSheet, ScoringResult
from flows.scoring.selectors import sheet_view
from signatures import pipeline
from workflows.models import Role
from workflows.resolvers import holders

SHEET_TYPE = "score_sheet"
RESULT_TYPE = "scoring_result"
SHEET_TEMPLATE = "scoring/documents/sheet.html"
RESULT_TEMPLATE = "scoring/documents/result.html"
#: The field of the head who signs (one per document).
HEAD_FIELD = "head"


def head_of(unit, day):
    appointments = holders(Role.HEAD, unit, day)
    if not appointments:
        raise ValidationError(
            _("%(unit)s has no head on %(day)s to sign: appoint one first.")
            % {"unit": unit, "day": day.strftime("%d/%m/%Y")}
        )
    return appointments[0]


def _signer(unit, day) -> pipeline.Signer:
    head = head_of(unit, day)
    return pipeline.Signer(
        field=HEAD_FIELD, signer=head.user, title=head.title or Role.HEAD.label, organisation=unit
    )


def _header(scoring, issuing_unit) -> dict:
    jurisdiction = scoring.term.bloc.jurisdiction
    today = timezone.localdate()
    return {
        "parent_body": scoring.term.bloc.name,
        "issuing_body": issuing_unit.name,
        "symbol": f"BC-{(issuing_unit.abbreviation or issuing_unit.code).upper()}",
        "place": jurisdiction.place_name or jurisdiction.name,
        "date": today,
        "term_year": scoring.term.year,
        "criteria_set": scoring.criteria_set,
        "recipients": [scoring.term.bloc.name, "Lưu: VT"],
    }


def sheet_draft(sheet: ScoreSheet) -> pipeline.Draft:
    scoring, unit = sheet.scoring, sheet.unit
    view = sheet_view(sheet)
    title = _("Score sheet %(year)s of %(unit)s") % {"year": scoring.term.year, "unit": unit.name}
    return pipeline.Draft(
        document_type=SHEET_TYPE,
        title=title,
        template=SHEET_TEMPLATE,
        context={
            **_header(scoring, unit),
            "document_type": "BÁO CÁO",
            "summary": f"Kết quả tự chấm điểm thi đua năm {scoring.term.year}",
            "rows": list(view.rows()),
            "totals": view.totals("self_points"),
        },
        signers=[_signer(unit, timezone.localdate())],
    )


def result_draft(result: ScoringResult) -> pipeline.Draft:
    scoring = result.scoring
    leader = scoring.term.leader
    title = _("Scoring result %(year)s of %(bloc)s, version %(version)s") % {
        "year": scoring.term.year,
        "bloc": scoring.term.bloc.name,
        "version": result.version,
    }
    return pipeline.Draft(
        document_type=RESULT_TYPE,
        title=title,
        template=RESULT_TEMPLATE,
        context={
            **_header(scoring, leader),
            "document_type": "BẢNG TỔNG HỢP",
            "summary": (
                f"Kết quả chấm điểm, xếp hạng thi đua năm {scoring.term.year}"
                f" của {scoring.term.bloc.name}"
            ),
            "result": result,
            "ranked": list(result.rows.select_related("unit").order_by("rank", "unit__name")),
            "tie_rule": scoring.rulings.get("scoring.ranking_tie_rule"),
        },
        signers=[_signer(leader, timezone.localdate())],
    )

"""Drive a bloc's year-end scoring through its whole flow as the demo officials
(``run_scoring_demo``), from ``data/scoring.yaml``.

Every step goes through the services as the person the task is assigned to, as he would from
his inbox: the province's violation list is imported as a sheet, each unit's officer fills and
evidences its sheet, each head signs it, the leader unit cross-scores, the units accept or
dispute, the leader decides, freezes and signs the result. Background work (the PDFs, each
signature) runs in this process between the steps.
"""

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from flows.awards.models import Finding
from flows.awards.services import import_findings
from flows.awards.sheets import FORMATS
from flows.demo.covenants import DemoStopped, drafter, signing_step
from flows.rules import selectors as rules
from flows.rules.services import criteria
from flows.scoring import selectors, services
from flows.scoring.models import (
    LIVE_STATUSES,
    DisputeStatus,
    Scoring,
    ScoringStatus,
    SheetStatus,
)
from workflows.background import run_queued_tasks
from workflows.sheets import write_table

SCORING_DATA = Path(__file__).parent / "data" / "scoring.yaml"
#: Every step is one task; a bloc of 20 units takes fewer than 100.
MAX_STEPS = 300
EVIDENCE = b"%PDF-1.4\n% Minh chung (demo)\n"


def _data() -> dict:
    return yaml.safe_load(SCORING_DATA.read_text(encoding="utf-8"))


def drive_scoring(*, term, signed_sheets: int | None = None, log=lambda line: None) -> Scoring:
    """Take ``term``'s scoring as far as it goes; stop once ``signed_sheets`` sheets are signed."""
    data = _data()
    _import_violations(term, data, log)
    scoring = Scoring.objects.filter(term=term, status__in=LIVE_STATUSES).first()
    if scoring is None:
        if rules.latest_criteria_set(term) is None:
            criteria.create_from_template(term=term, by=drafter(term))
        scoring = services.open_scoring(term=term, by=drafter(term))
        log(f"opened: {scoring}")
    for _step in range(MAX_STEPS):
        run_queued_tasks()
        scoring.refresh_from_db()
        if scoring.status == ScoringStatus.RANKED or _enough(scoring, signed_sheets):
            return scoring
        task = _next_task(scoring)
        log(f"{task.flow_task.name}: {task.owner.get_full_name()} ({task.data.get('unit_name')})")
        STEPS[task.flow_task.name](task, scoring, data)
    raise DemoStopped(f"{scoring} did not finish in {MAX_STEPS} steps.")


def _import_violations(term, data, log) -> None:
    violations = data["violations"]
    units = set(term.memberships.values_list("organisation__code", flat=True))
    rows = [row for row in violations["rows"] if row["unit"] in units]
    if violations["year"] != term.year or not rows:
        return
    if Finding.objects.filter(unit__code__in=units, year=term.year).exists():
        return
    sheet = FORMATS["findings"]
    content = write_table(sheet.columns, rows, title=sheet.title)
    importer = get_user_model().objects.get(username=violations["importer"])
    import_findings(upload=BytesIO(content), by=importer)
    log(f"violation list imported by {importer.get_full_name()}: {len(rows)} rows")


def _enough(scoring, signed_sheets) -> bool:
    if signed_sheets is None or scoring.status != ScoringStatus.SELF_SCORING:
        return False
    return scoring.sheets.filter(status=SheetStatus.SIGNED).count() >= signed_sheets


def _next_task(scoring):
    # The newest task first: a unit's head signs its sheet as soon as its officer sent it, so
    # a scoring stopped half-way has some units done and the others not started.
    task = (
        Task.objects.filter(
            process__scoringprocess__scoring=scoring,
            flow_task_type="HUMAN",
            status__in=[STATUS.ASSIGNED, STATUS.STARTED],
        )
        .select_related("owner")
        .order_by("-pk")
        .first()
    )
    if task is None:
        raise DemoStopped(f"{scoring} waits for no one ({scoring.get_status_display()}).")
    return task


def _self_points(score, plan) -> Decimal | None:
    code = score.criterion.code
    if code in plan.get("below", {}):
        return Decimal(str(plan["below"][code]))
    if code in plan.get("bonus", {}):
        return Decimal(str(plan["bonus"][code]))
    if score.criterion.kind == "scored":
        return score.criterion.max_points
    return score.self_points  # bonus not claimed; penalties from the province's list


def _self_score(task, scoring, data):
    sheet = scoring.sheets.select_related("unit").get(unit_id=task.data["unit"])
    plan = data["units"].get(sheet.unit.code, data["default"])
    scores = list(sheet.scores.select_related("criterion").filter(criterion__indicator=""))
    entries = {}
    for score in scores:
        points = _self_points(score, plan)
        note = score.self_note or ("Theo báo cáo tổng kết năm." if points is not None else "")
        entries[score.criterion_id] = {"points": points, "note": note, "revision": score.revision}
    services.save_self_scores(sheet=sheet, by=task.owner, entries=entries)
    for score in scores:
        if score.criterion.evidence_required and entries[score.criterion_id]["points"]:
            services.attach_evidence(
                sheet=sheet,
                criterion_id=score.criterion_id,
                by=task.owner,
                name=f"Minh chứng {score.criterion.code}",
                file=SimpleUploadedFile("minh-chung.pdf", EVIDENCE, "application/pdf"),
            )
    services.submit_sheet(task=task, by=task.owner)


def _cross_score(task, scoring, data):
    units = selectors.units_scored_by(scoring, task.data["unit"])
    for sheet in scoring.sheets.filter(unit_id__in=units).select_related("unit"):
        view = selectors.sheet_view(sheet)
        changes = data["cross"].get(view.sheet.unit.code, {})
        entries = {
            score.criterion_id: {
                "points": changes[score.criterion.code]["points"],
                "reason": changes[score.criterion.code]["reason"],
                "revision": score.revision,
            }
            for score in view.scores.values()
            if score.criterion.code in changes
        }
        services.cross_score(task=task, by=task.owner, sheet=view.sheet, entries=entries)
    services.finish_cross_scoring(task=task, by=task.owner)


def _review(task, scoring, data):
    sheet = scoring.sheets.select_related("unit").get(unit_id=task.data["unit"])
    disputes = data["disputes"].get(sheet.unit.code)
    if not disputes:
        services.accept(task=task, by=task.owner)
        return
    by_code = {s.criterion.code: s.criterion_id for s in sheet.scores.select_related("criterion")}
    services.dispute(
        task=task,
        by=task.owner,
        reasons={by_code[code]: row["reason"] for code, row in disputes.items()},
    )


def _decide(task, scoring, data):
    for score in selectors.disputes_of(scoring):
        row = data["disputes"][score.sheet.unit.code][score.criterion.code]
        if score.dispute.status == DisputeStatus.OPEN:
            services.decide_dispute(
                task=task,
                by=task.owner,
                dispute=score.dispute,
                decision=row["decision"],
                points=row.get("points"),
                reason=row["decision_reason"],
            )
    services.close_disputes(task=task, by=task.owner)


def _agree(task, scoring, data):
    services.answer_decisions(task=task, by=task.owner, agree=True)


def _freeze(task, scoring, data):
    services.freeze(task=task, by=task.owner)


def _signing(service):
    step = signing_step(service)

    def sign(task, scoring, data):
        run_queued_tasks()  # the document is rendered before anyone signs it
        step(task, scoring)

    return sign


STEPS = {
    "self_score": _self_score,
    "sign_sheet": _signing(services.sign_sheet),
    "cross_score": _cross_score,
    "review": _review,
    "decide_disputes": _decide,
    "agree_disputes": _agree,
    "freeze": _freeze,
    "sign_result": _signing(services.sign_result),
}

"""The scoring from opening to the signed result, through the services (a small bloc)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from flows.scoring import services
from flows.scoring.flows import ScoringFlow
from flows.scoring.models import DisputeStatus, Scoring, ScoringStatus, SheetStatus
from tests.fixtures.scoring import fill, open_tasks, sheet_of, sign, task_of
from tests.signatures.helpers import run_pending_tasks

pytestmark = pytest.mark.django_db(transaction=True)

FULL = {
    **{f"I.{n}": p for n, p in enumerate([10, 8, 8, 6, 6, 6, 6], start=1)},
    **{f"II.{n}": p for n, p in [(1, 6), (3, 6), (4, 5), (5, 5)]},
    **{f"III.{n}": p for n, p in enumerate([8, 6, 6], start=1)},
}


def evidence(scoring, unit, by):
    sheet = sheet_of(scoring, unit)
    for score in sheet.scores.select_related("criterion").filter(criterion__evidence_required=True):
        services.attach_evidence(
            sheet=sheet,
            criterion_id=score.criterion_id,
            by=by,
            name=f"Minh chứng {score.criterion.code}",
            file=SimpleUploadedFile("minh-chung.pdf", b"%PDF-1.4 minh chung"),
        )


def test_scoring_from_opening_to_the_signed_result(scoring_bloc):
    bloc = scoring_bloc(3)
    scoring = services.open_scoring(term=bloc.term, by=bloc.officers[0])
    assert len(open_tasks(scoring, ScoringFlow.self_score)) == 3
    for unit, officer, drop in zip(bloc.units, bloc.officers, [0, 2, 4], strict=True):
        fill(scoring, unit, officer, {**FULL, "I.1": 10 - drop})
        evidence(scoring, unit, officer)
        services.submit_sheet(task=task_of(scoring, ScoringFlow.self_score, unit), by=officer)
    run_pending_tasks()
    for unit, head in zip(bloc.units, bloc.heads, strict=True):
        sign(
            services.sign_sheet,
            task_of(scoring, ScoringFlow.sign_sheet, unit),
            head,
            bloc.bloc.credential(head),
        )
    scoring.refresh_from_db()
    assert scoring.status == ScoringStatus.CROSS_SCORING
    [cross] = open_tasks(scoring, ScoringFlow.cross_score)
    last = sheet_of(scoring, bloc.units[2])
    i1 = last.scores.get(criterion__code="I.1")
    for unit in bloc.units:
        entries = {}
        if unit == bloc.units[2]:
            entries = {
                i1.criterion_id: {
                    "points": 4,
                    "reason": "Thiếu minh chứng",
                    "revision": i1.revision,
                }
            }
        services.cross_score(
            task=cross, by=bloc.officers[0], sheet=sheet_of(scoring, unit), entries=entries
        )
    services.finish_cross_scoring(task=cross, by=bloc.officers[0])
    scoring.refresh_from_db()
    assert scoring.status == ScoringStatus.REVIEW
    for unit, head in zip(bloc.units[:2], bloc.heads[:2], strict=True):
        services.accept(task=task_of(scoring, ScoringFlow.review, unit), by=head)
    services.dispute(
        task=task_of(scoring, ScoringFlow.review, bloc.units[2]),
        by=bloc.heads[2],
        reasons={i1.criterion_id: "Đã nộp đủ minh chứng"},
    )
    [decide] = open_tasks(scoring, ScoringFlow.decide_disputes)
    dispute = sheet_of(scoring, bloc.units[2]).scores.get(criterion__code="I.1").dispute
    services.decide_dispute(
        task=decide,
        by=bloc.heads[0],
        dispute=dispute,
        decision=DisputeStatus.AMENDED,
        points="5",
        reason="Minh chứng một phần",
    )
    services.close_disputes(task=decide, by=bloc.heads[0])
    # The deputy unit's head agrees with the leader's decision.
    [agree] = open_tasks(scoring, ScoringFlow.agree_disputes)
    assert agree.owner == bloc.heads[1]
    with pytest.raises(ValidationError, match="Hãy cho biết quyết định nào"):
        services.answer_decisions(task=agree, by=bloc.heads[1], agree=False)
    services.answer_decisions(task=agree, by=bloc.heads[1], agree=True)
    [freeze] = open_tasks(scoring, ScoringFlow.freeze)
    result = services.freeze(task=freeze, by=bloc.officers[0])
    run_pending_tasks()
    assert [(row.unit, row.rank, str(row.total)) for row in result.rows.order_by("rank")] == [
        (bloc.units[0], 1, "92.00"),
        (bloc.units[1], 2, "90.00"),
        (bloc.units[2], 3, "87.00"),
    ]
    sign(
        services.sign_result,
        task_of(scoring, ScoringFlow.sign_result, bloc.units[0]),
        bloc.heads[0],
        bloc.bloc.credential(bloc.heads[0]),
    )
    scoring = Scoring.objects.get(pk=scoring.pk)
    assert scoring.status == ScoringStatus.RANKED
    assert scoring.processes.get().finished is not None
    assert sheet_of(scoring, bloc.units[2]).status == SheetStatus.SETTLED

"""The Hải Phòng cluster's 2023 scoring (8 units, 3 × 15 criteria) as the demo runs it: the
imported violation list, the province's CCHC figures, a dispute, and the ranking of seed 003
against a table computed by hand."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from flows.awards.models import Finding, Source
from flows.scoring.models import DisputeStatus, Scoring, ScoringStatus
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

# Computed by hand from flows/demo/data/scoring.yaml: the typed components at their maximum
# (92 points) less each unit's "below" points, the CCHC component 8 × score / 100 (rounded to
# the cent), the bonus items, less the penalty of the imported violation.
HAND_COMPUTED = [
    # rank, unit, criteria, bonus, penalty, total
    (1, "vinh-bao", "98.83", "5", "0", "103.83"),  # 91.5 + 7.33 (CCHC 91.65)
    (2, "thuy-nguyen", "98.41", "3", "0", "101.41"),  # 91 + 7.41 (92.58)
    (3, "an-lao", "97.38", "2", "0", "99.38"),  # 90 + 7.38 (92.26)
    (4, "kien-thuy", "97.21", "2", "3", "96.21"),  # 90 + 7.21 (90.10); discipline −3
    (5, "tien-lang", "95.16", "0", "0", "95.16"),  # 88 + 7.16 (89.45)
    (6, "an-duong", "95.11", "0", "0", "95.11"),  # 88 + 7.11 (88.90)
    (7, "cat-hai", "94.48", "0", "0", "94.48"),  # 88 − 1 (cross) + 0.5 (dispute) + 6.98
    (8, "bach-long-vi", "92.80", "0", "0", "92.80"),  # 86 + 6.80 (85.00)
]


def test_the_hai_phong_cluster_2023_ranks_as_in_seed_003(demo_pki):
    call_command("run_scoring_demo", bloc="cum-khoi-huyen-hp", year=2023, verbosity=0)
    scoring = Scoring.objects.get(term__bloc__code="cum-khoi-huyen-hp", term__year=2023)
    assert scoring.status == ScoringStatus.RANKED
    [result] = scoring.results.all()
    rows = [
        (row.rank, row.unit.code, row.scored, row.bonus, row.penalty, row.total)
        for row in result.rows.select_related("unit").order_by("rank")
    ]
    assert rows == [
        (rank, code, *(Decimal(value) for value in values)) for rank, code, *values in HAND_COMPUTED
    ]

    # The violation list came in as a sheet; it cost Kiến Thụy its penalty item, with reason.
    finding = Finding.objects.get(unit__code="kien-thuy", year=2023)
    assert finding.source == Source.IMPORTED
    penalty = scoring.sheets.get(unit__code="kien-thuy").scores.get(criterion__code="TR.1")
    assert penalty.points == 3
    assert "Sở Nội vụ thành phố Hải Phòng" in (penalty.self_note + penalty.cross_reason)

    # Cát Hải disputed its cross-scored I.1; the leader amended it, with a reason.
    disputed = scoring.sheets.get(unit__code="cat-hai").scores.get(criterion__code="I.1")
    assert (disputed.self_points, disputed.cross_points, disputed.final_points) == (
        9,
        8,
        Decimal("8.5"),
    )
    assert disputed.dispute.status == DisputeStatus.AMENDED
    decided = AuditEvent.objects.get(action="scoring.dispute_decided")
    assert decided.data["old"] == "8.00" and decided.data["new"] == "8.50"
    assert decided.data["reason"].startswith("Số liệu cập nhật chưa được Cục Thống kê")

    # The rules that decided the deadlines and the tie rule, with their sources.
    assert scoring.rulings["scoring.ranking_tie_rule"]["rule_set"] == "Nghị định 152/2025/NĐ-CP"
    assert scoring.rulings["eligibility.blockers"]["source"].startswith("NĐ 152/2025/NĐ-CP, Điều 4")
    # Every unit's head signed its sheet; the leader unit's head signed the result.
    assert all(sheet.document.fields.get().signed_by_id for sheet in scoring.sheets.all())
    assert result.document.fields.get().signed_by.username == "vinh-bao.head"

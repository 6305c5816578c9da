"""The province's award decision (P10) through its services and HTTP: drafted by the
department on the nominees the province decides (the certificates it agreed, the flags the
council passed; never the Government flag), the amounts from the rule set, signed by the
chairman, numbered QĐ-UBND and sealed by the clerk; the award history written from it and the
units told."""

from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from flows.awards.models import AwardRecord, Source
from flows.board import selectors as progress
from flows.nominations import documents, services
from flows.nominations.flows import DecisionFlow
from flows.nominations.models import AwardDecision, BlocAward, DecisionStatus
from flows.nominations.services.decision import amount_of
from notifications.models import Notification
from signatures import pipeline, validation
from tests.fixtures.meetings import appraise_dossier, sign_minutes, submit_dossier
from tests.flows.nominations.test_council import convene, count, open_with, vote
from tests.flows.nominations.test_pages import ok
from tests.signatures.helpers import run_pending_tasks, same_text, words_of_docx, words_of_pdf
from workflows.acting import open_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_amounts_are_rounded_up_to_ten_thousand_dong():
    assert amount_of(Fraction(8), 2_340_000, 10_000) == 18_720_000
    assert amount_of(Fraction(7, 2), 2_340_000, 10_000) == 8_190_000
    assert amount_of(Fraction(3, 10), 2_345_678, 10_000) == 710_000  # 703 703,4 → up


def council_passed(ranked_bloc, council):
    bloc = ranked_bloc(3)
    appraise_dossier(bloc, submit_dossier(bloc, {2: BlocAward.BK_TOAN_DIEN}))
    board = council(15)
    session = open_with(convene(bloc, board), board, 12)
    for member in board.members[:12]:
        vote(session, member)
    count(session, board)
    return bloc


def test_the_decision_from_draft_to_award_history(ranked_bloc, council, committee, client):
    bloc = council_passed(ranked_bloc, council)
    jurisdiction, year = bloc.term.bloc.jurisdiction, bloc.term.year
    with pytest.raises(ValidationError, match="công chức Sở Nội vụ"):
        services.draft_decision(jurisdiction=jurisdiction, year=year, by=bloc.officers[0])
    decision = services.draft_decision(
        jurisdiction=jurisdiction, year=year, by=bloc.department_officer
    )
    lines = {line.appraisal.candidacy.award: line for line in decision.lines.all()}
    # The Government flag is the Prime Minister's: not in the province's decision.
    assert set(lines) == {BlocAward.CO_TINH, BlocAward.BK_TOAN_DIEN}
    assert (lines[BlocAward.CO_TINH].coefficient, lines[BlocAward.CO_TINH].amount) == (
        "8",
        18_720_000,
    )
    assert lines[BlocAward.BK_TOAN_DIEN].amount == 7_020_000  # 3 × 2 340 000, a collective
    with pytest.raises(ValidationError, match="Chưa có tập thể"):
        services.draft_decision(jurisdiction=jurisdiction, year=year, by=bloc.department_officer)

    run_pending_tasks()
    decision.refresh_from_db()
    sign = open_tasks(DecisionFlow.sign).get()
    assert sign.owner == committee.chairman
    sign_minutes(
        services.sign_decision, sign, committee.chairman, committee.credential(committee.chairman)
    )
    register = open_tasks(DecisionFlow.register).get()
    assert register.owner == committee.clerk
    sign_minutes(
        services.register_decision, register, committee.clerk, committee.credential(committee.clerk)
    )

    decision = AwardDecision.objects.get(pk=decision.pk)
    assert decision.status == DecisionStatus.ISSUED
    number = decision.document.issued_number
    assert number.label.startswith("01/QĐ-UBND")
    records = AwardRecord.objects.filter(decision_number=number.label).select_related("unit")
    assert {(r.unit, r.award_type.code, r.kind, r.source) for r in records} == {
        (bloc.units[1], "CO_TINH", "regular", Source.SITE),
        (bloc.units[2], "BK_TINH", "regular", Source.SITE),
    }
    assert all(r.year == year and r.decision_date == timezone.localdate() for r in records)
    told = set(Notification.objects.filter(event="decision.issued").values_list("user", flat=True))
    assert {bloc.heads[1].pk, bloc.heads[2].pk, bloc.heads[0].pk} <= told
    report = validation.validate_pdf(decision.document.latest_revision().read())
    assert report.ok, report.as_dict()
    # Its Word copy (the ministry takes DOCX) says what the PDF says, its number included.
    draft = documents.decision_draft(decision)
    word = words_of_docx(pipeline.word_copy(draft))
    assert same_text(word, words_of_pdf(pipeline.render(draft).content))
    assert word["25.740.000"] == 2  # the total, in Điều 3 and under the list
    numbered = words_of_docx(pipeline.word_copy(draft, document=decision.document))
    assert numbered[number.label] == 1
    # The board's last column: issued, both of the bloc's nominees awarded, its number.
    [row] = progress.board(jurisdiction, year)
    cell = row.cells[6]
    assert (cell.status, cell.done, cell.total, cell.detail) == ("issued", 2, 2, number.label)

    # The pages: the department's officer and the chairman see it; a member head does not.
    client.force_login(bloc.department_officer)
    page = ok(client.get(reverse("thidua:decisions:detail", args=[decision.pk])), 200)
    assert "18720000" in page.content.decode() and number.label in page.content.decode()
    client.force_login(committee.chairman)
    ok(client.get(reverse("thidua:decisions:detail", args=[decision.pk])), 200)
    client.force_login(bloc.heads[2])
    ok(client.get(reverse("thidua:decisions:detail", args=[decision.pk])), 404)


def test_a_flag_the_council_did_not_pass_is_not_decided(ranked_bloc, council, committee):
    bloc = ranked_bloc(3)
    appraise_dossier(bloc, submit_dossier(bloc, {2: BlocAward.BK_TOAN_DIEN}))
    board = council(15)
    session = open_with(convene(bloc, board), board, 12)
    for member in board.members[:11]:
        vote(session, member)
    services.close_council_voting(session=session, by=board.chair)
    count(session, board)
    decision = services.draft_decision(
        jurisdiction=bloc.term.bloc.jurisdiction, year=bloc.term.year, by=bloc.department_officer
    )
    assert [line.appraisal.candidacy.award for line in decision.lines.all()] == [
        BlocAward.BK_TOAN_DIEN
    ]

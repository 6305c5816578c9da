"""The scoring's events reach its pages and the council's board, after commit."""

import pytest
from django.utils import timezone

from flows.scoring import services
from flows.scoring.flows import ScoringFlow
from notifications.events import live_group
from tests.fixtures.live import published
from tests.fixtures.scoring import fill, sign, task_of
from tests.flows.scoring.test_flow_smoke import FULL, evidence
from tests.signatures.helpers import run_pending_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_signed_sheet_updates_the_scoring_page_and_the_board(scoring_bloc, jurisdiction):
    bloc = scoring_bloc(2)
    board = live_group("board", jurisdiction.pk, timezone.localdate().year)
    opened = published(board, lambda: services.open_scoring(term=bloc.term, by=bloc.officers[0]))
    assert [event["event"] for event in opened] == ["scoring.opened"]
    scoring = bloc.term.scorings.get()
    unit, officer, head = bloc.units[0], bloc.officers[0], bloc.heads[0]
    fill(scoring, unit, officer, FULL)
    evidence(scoring, unit, officer)
    services.submit_sheet(task=task_of(scoring, ScoringFlow.self_score, unit), by=officer)
    run_pending_tasks()

    def head_signs():
        task = task_of(scoring, ScoringFlow.sign_sheet, unit)
        sign(services.sign_sheet, task, head, bloc.bloc.credential(head))

    on_page = published(live_group("scoring", scoring.pk), head_signs)
    events = [event["event"] for event in on_page]
    assert "scoring.sheet_signature_requested" in events
    assert "scoring.sheet_signed" in events
    [signed] = [event for event in on_page if event["event"] == "scoring.sheet_signed"]
    assert signed["unit"] == unit.pk

"""The progress board: who may open it, what it shows, constant queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from flows.board import selectors
from flows.nominations import services as meeting_services
from flows.nominations.flows import MeetingFlow
from flows.pledges import services
from flows.scoring import services as scoring_services
from flows.scoring.flows import ScoringFlow
from tests.fixtures.meetings import meeting_task
from tests.fixtures.scoring import fill, sign, task_of
from tests.flows.pledges.test_flow import adopt, draft_and_submit, review_all, sign_all
from tests.flows.scoring.test_flow_smoke import FULL, evidence
from tests.signatures.helpers import run_pending_tasks
from workflows import services as workflow_services
from workflows.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def council_member(jurisdiction, kinds, make_user, appoint):
    council = workflow_services.create_organisation(
        code="hoi-dong", name="Hội đồng TĐKT", kind=kinds["hoi-dong"], parent=jurisdiction, by=None
    )
    member = make_user()
    appoint(member, council, Role.COUNCIL_MEMBER)
    return member


def board_url(jurisdiction):
    return reverse("thidua:board:board", args=[jurisdiction.pk, timezone.localdate().year])


def test_the_board_shows_each_blocs_covenant_and_signatures(
    client, covenant_bloc, council_member, jurisdiction
):
    bloc = covenant_bloc(3)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    sign_all(bloc, covenant, heads=bloc.heads[:2])

    [row] = selectors.board(jurisdiction, timezone.localdate().year)
    cell, scoring, meeting, dossier, appraisal, council, decision = row.cells
    assert (cell.status, cell.done, cell.total, cell.overdue) == ("signing", 2, 3, 0)
    assert (scoring.status, scoring.label) == ("none", "Chưa bắt đầu")
    assert (meeting.status, meeting.label) == ("none", "Chưa bắt đầu")
    assert (dossier.status, dossier.label) == ("none", "Chưa bắt đầu")
    assert (appraisal.status, appraisal.label) == ("none", "Chưa tiếp nhận")
    assert (council.status, council.label) == ("none", "Chưa đưa ra Hội đồng")
    assert (decision.status, decision.label) == ("none", "Chưa có quyết định")
    assert cell.next_due is not None

    client.force_login(council_member)
    page = client.get(board_url(jurisdiction)).content.decode()
    assert "Khối thi đua kiểm thử" in page and "2/3" in page and "Đang ký" in page
    # The breadcrumb says where the reader is: the board, then the jurisdiction and the year.
    crumbs = re.search(r'data-testid="breadcrumbs">(.*?)</h2>', page, re.S).group(1)
    assert reverse("thidua:board:index") in crumbs
    year = timezone.localdate().year
    assert f'aria-current="page">{jurisdiction.name}, {year}</a>' in crumbs


def test_only_the_council_and_home_affairs_open_the_board(
    client, covenant_bloc, council_member, jurisdiction
):
    bloc = covenant_bloc(2)
    client.force_login(bloc.heads[0])
    assert client.get(board_url(jurisdiction)).status_code == 403
    client.force_login(council_member)
    assert client.get(board_url(jurisdiction)).status_code == 200
    assert client.get(reverse("thidua:board:index")).status_code == 200


def test_the_scoring_stage_counts_units_self_scored_and_cross_scored(
    client, scoring_bloc, council_member, jurisdiction
):
    bloc = scoring_bloc(3)
    scoring = scoring_services.open_scoring(term=bloc.term, by=bloc.officers[0])
    first = bloc.units[0]
    fill(scoring, first, bloc.officers[0], FULL)
    evidence(scoring, first, bloc.officers[0])
    scoring_services.submit_sheet(
        task=task_of(scoring, ScoringFlow.self_score, first), by=bloc.officers[0]
    )
    run_pending_tasks()
    sign(
        scoring_services.sign_sheet,
        task_of(scoring, ScoringFlow.sign_sheet, first),
        bloc.heads[0],
        bloc.bloc.credential(bloc.heads[0]),
    )
    [row] = selectors.board(jurisdiction, timezone.localdate().year)
    cell = row.cells[1]
    assert (cell.status, cell.done, cell.total) == ("self_scoring", 1, 3)
    assert cell.detail == "chấm chéo 0/3"
    assert cell.next_due is not None
    client.force_login(council_member)
    page = client.get(board_url(jurisdiction)).content.decode()
    assert "Các đơn vị đang tự chấm điểm" in page and "chấm chéo 0/3" in page


def test_the_board_is_constant_in_queries(client, covenant_bloc, council_member, jurisdiction):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(board_url(jurisdiction)).status_code == 200
        return len(captured)

    client.force_login(council_member)
    first = covenant_bloc(2)
    services.start_covenant(term=first.term, by=first.officer)
    one_bloc = queries()
    for _ in range(2):
        more = covenant_bloc(2)
        covenant = services.start_covenant(term=more.term, by=more.officer)
        draft_and_submit(more, covenant)
    assert queries() == one_bloc


def _meeting_voting(bloc):
    meeting = meeting_services.convene(
        term=bloc.term, by=bloc.officers[0], held_on=timezone.localdate(), place="Hội trường"
    )
    return meeting_services.open_voting(
        task=meeting_task(meeting, MeetingFlow.prepare), by=bloc.officers[0]
    )


def test_the_meeting_stage_shows_the_turnout_never_the_votes(
    client, ranked_bloc, council_member, jurisdiction
):
    bloc = ranked_bloc(3)
    meeting = _meeting_voting(bloc)
    meeting_services.vote(
        task=meeting_task(meeting, MeetingFlow.vote, bloc.units[1]), by=bloc.heads[1], marks=[]
    )

    [row] = selectors.board(jurisdiction, timezone.localdate().year)
    cell = row.cells[2]
    assert (cell.status, cell.done, cell.total, cell.detail) == ("voting", 1, 3, "vòng 1")
    client.force_login(council_member)
    page = client.get(board_url(jurisdiction)).content.decode()
    assert (
        "Bình xét, suy tôn" in page and reverse("thidua:meetings:detail", args=[meeting.pk]) in page
    )


def test_the_board_is_constant_in_queries_with_meetings(
    client, ranked_bloc, council_member, jurisdiction
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(board_url(jurisdiction)).status_code == 200
        return len(captured)

    client.force_login(council_member)
    _meeting_voting(ranked_bloc(2))
    one_bloc = queries()
    for _ in range(2):
        _meeting_voting(ranked_bloc(3))
    assert queries() == one_bloc

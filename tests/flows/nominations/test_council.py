"""The council's session (P9) through its services and HTTP: convened by the chairman on the
appraised flags, opened only with the quorum and the presence a session on awards needs, each
nominee passed with its threshold over the council's **total** membership (12 of 15 all yes
passes an 80 % award, 11 of 15 does not), absent members' written votes, the minutes signed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from flows.board import selectors as progress
from flows.nominations import documents, services
from flows.nominations.flows import CouncilFlow
from flows.nominations.models import BlocAward, CouncilSession, SessionStatus
from flows.nominations.selectors import members_of
from signatures import pipeline, validation
from tests.fixtures.meetings import appraise_dossier, sign_minutes, submit_dossier
from tests.flows.nominations.test_pages import execute_url, ok
from tests.signatures.helpers import run_pending_tasks, same_text, words_of_docx, words_of_pdf
from workflows import ballots
from workflows.acting import open_tasks
from workflows.models import BallotPaper

pytestmark = pytest.mark.django_db(transaction=True)


def appraised(ranked_bloc, size=3):
    bloc = ranked_bloc(size)
    meeting = submit_dossier(bloc, {2: BlocAward.BK_TOAN_DIEN})
    return bloc, appraise_dossier(bloc, meeting)


def convene(bloc, council):
    return services.convene_session(
        jurisdiction=bloc.term.bloc.jurisdiction,
        year=bloc.term.year,
        by=council.chair,
        held_on=timezone.localdate(),
        place="Hội trường UBND thành phố",
    )


def task_of(session, node, **filters):
    return open_tasks(node, process__councilprocess__session=session, **filters).first()


def open_with(session, council, present_count):
    members = members_of(council.unit, session.held_on)
    return services.open_session(
        task=task_of(session, CouncilFlow.open_session),
        by=council.secretary,
        present=members[:present_count],
    )


def vote(session, user, yes=True):
    task = next(t for t in open_tasks(CouncilFlow.vote) if t.owner_id == user.pk)
    marks = list(ballots.current_round(session.ballot).candidates.all()) if yes else []
    return services.council_vote(task=task, by=user, marks=marks)


def count(session, council):
    services.count_council(task=task_of(session, CouncilFlow.count), by=council.chair)
    session.refresh_from_db()
    return {
        item.appraisal.candidacy.award: (item.votes_for, item.passed)
        for item in session.agenda.all()
    }


def test_twelve_of_fifteen_present_all_yes_pass_an_80_percent_award(ranked_bloc, council):
    bloc, _meeting = appraised(ranked_bloc)
    board = council(15)
    with pytest.raises(PermissionDenied):
        services.convene_session(
            jurisdiction=bloc.term.bloc.jurisdiction,
            year=bloc.term.year,
            by=board.members[5],
            held_on=timezone.localdate(),
            place="Hội trường",
        )
    session = convene(bloc, board)
    # The flags go to the council; the certificate goes from the appraisal to the decision.
    assert {item.appraisal.candidacy.award for item in session.agenda.all()} == {
        BlocAward.CO_CP,
        BlocAward.CO_TINH,
    }
    assert {item.threshold for item in session.agenda.all()} == {"4/5"}
    assert task_of(session, CouncilFlow.open_session).owner == board.secretary

    # 11 of 15 present: enough to sit (2/3), not for a session on awards (80 %).
    with pytest.raises(ValidationError, match="80 %"):
        open_with(session, board, 11)
    session = open_with(session, board, 12)
    assert session.status == SessionStatus.VOTING
    assert len(open_tasks(CouncilFlow.vote)) == 12
    for member in board.members[:12]:
        vote(session, member)
    # A member present voted in person: no written vote of his is recorded beside it.
    with pytest.raises(ValidationError):
        services.record_written_council_vote(
            session=session,
            by=board.secretary,
            elector=session.ballot.electors.get(appointment__user=board.members[0]),
            marks=[],
        )
    assert count(session, board) == {
        BlocAward.CO_CP: (12, True),  # 12 / 15 = 80 %
        BlocAward.CO_TINH: (12, True),
    }
    # The papers of a secret ballot name nobody.
    assert not BallotPaper.objects.filter(elector__isnull=False).exists()

    run_pending_tasks()
    session.refresh_from_db()
    for node, person in (
        (CouncilFlow.sign_as_secretary, board.secretary),
        (CouncilFlow.sign_as_chair, board.chair),
    ):
        task = task_of(session, node)
        assert task.owner == person
        sign_minutes(services.sign_council_minutes, task, person, board.credential(person))
    session.refresh_from_db()
    assert session.status == SessionStatus.MINUTES_SIGNED
    report = validation.validate_pdf(session.minutes.latest_revision().read())
    assert report.ok, report.as_dict()
    # Its Word copy says what the PDF says: the ratio over the total membership, the source.
    draft = documents.council_minutes_draft(session)
    word = words_of_docx(pipeline.word_copy(draft, document=session.minutes))
    assert same_text(word, words_of_pdf(pipeline.render(draft).content))
    assert word["12/15"] == 2 and word["80,00"] >= 2


def test_eleven_of_fifteen_for_fails_though_no_one_present_voted_against(
    ranked_bloc, council, client
):
    bloc, _meeting = appraised(ranked_bloc)
    board = council(15)
    session = open_with(convene(bloc, board), board, 12)
    for member in board.members[:11]:
        vote(session, member)
    # The twelfth member present does not vote: the chair ends the voting from the page.
    client.force_login(board.chair)
    url = reverse("thidua:council:detail", args=[session.pk])
    page = ok(client.get(url), 200).content.decode()
    assert 'data-testid="close-voting"' in page and 'data-testid="votes-for"' not in page
    ok(client.post(url, {"close_voting": ""}))
    assert count(session, board) == {
        BlocAward.CO_CP: (11, False),  # 11 / 15 < 80 %
        BlocAward.CO_TINH: (11, False),
    }
    # The council's column of the board: counted, none of the two flags passed.
    [row] = progress.board(bloc.term.bloc.jurisdiction, bloc.term.year)
    cell = row.cells[5]
    assert (cell.status, cell.done, cell.total) == (SessionStatus.COUNTED, 0, 2)
    page = ok(client.get(url), 200).content.decode()
    assert page.count('data-testid="result"') == 2 and "Điều 33 khoản 5" in page


def test_an_absent_member_votes_in_writing_and_a_session_without_quorum_cannot_open(
    ranked_bloc, council
):
    bloc, _meeting = appraised(ranked_bloc)
    board = council(15)
    session = convene(bloc, board)
    with pytest.raises(ValidationError, match="2/3"):
        open_with(session, board, 9)
    session = open_with(session, board, 14)
    for member in board.members[:14]:
        vote(session, member)
    absent = session.ballot.electors.get(appointment__user=board.members[14])
    with pytest.raises(PermissionDenied):
        services.record_written_council_vote(
            session=session, by=board.chair, elector=absent, marks=[]
        )
    services.record_written_council_vote(
        session=session,
        by=board.secretary,
        elector=absent,
        marks=list(ballots.current_round(session.ballot).candidates.all()),
    )
    assert count(session, board) == {BlocAward.CO_CP: (15, True), BlocAward.CO_TINH: (15, True)}
    assert ballots.outcome_of(session.ballot).ballot.result["rounds"][0]["written"] == 1


def test_the_session_page_reads_as_many_queries_for_two_nominees_as_for_four(
    ranked_bloc, council, client
):
    board = council(15)
    counts = {}
    for blocs in (1, 2):
        for _bloc in range(blocs):
            bloc = ranked_bloc(3)
            # 20 leading units in the province: a Government flag quota of 4.
            appraise_dossier(bloc, submit_dossier(bloc), leading_units=20)
        session = open_with(convene(bloc, board), board, 12)
        assert session.agenda.count() == 2 * blocs
        client.force_login(board.secretary)
        url = reverse("thidua:council:detail", args=[session.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            ok(client.get(url), 200)
        counts[blocs] = len(captured)
    assert counts[1] == counts[2], counts


def test_the_council_steps_through_http(ranked_bloc, council, client):
    bloc, _meeting = appraised(ranked_bloc)
    board = council(15)
    client.force_login(board.chair)
    index = reverse("thidua:council:index")
    assert 'data-testid="convene-session"' in ok(client.get(index), 200).content.decode()
    ok(
        client.post(
            index,
            {
                "year": bloc.term.year,
                "held_on": timezone.localdate().isoformat(),
                "place": "Hội trường UBND thành phố",
            },
        )
    )
    session = CouncilSession.objects.get()
    client.force_login(board.secretary)
    url = execute_url(task_of(session, CouncilFlow.open_session))
    page = ok(client.get(url), 200).content.decode()
    assert "2/3" in page and "80 %" in page and 'data-testid="agenda"' in page
    members = members_of(board.unit, session.held_on)
    refused = client.post(url, {"open": "", "present": [m.pk for m in members[:11]]})
    assert "80 %" in ok(refused, 200).content.decode()
    ok(client.post(url, {"open": "", "present": [m.pk for m in members[:12]]}))
    session.refresh_from_db()
    assert session.status == SessionStatus.VOTING

    member = board.members[3]
    client.force_login(member)
    task = next(t for t in open_tasks(CouncilFlow.vote) if t.owner_id == member.pk)
    url = execute_url(task)
    page = ok(client.get(url), 200).content.decode()
    assert 'data-testid="secret"' in page
    candidates = ballots.current_round(session.ballot).candidates.all()
    data = {"vote": ""}
    for candidate in candidates:
        data.setdefault(f"q-{candidate.question_id}", []).append(str(candidate.pk))
    answer = ok(client.post(url, data), 200).content.decode()
    assert 'data-testid="receipt-code"' in answer
    page = ok(client.get(reverse("thidua:council:detail", args=[session.pk])), 200)
    assert "1/15" not in page.content.decode()  # no result while voting
    assert "1 trên 15 thành viên đã bỏ phiếu" in page.content.decode()

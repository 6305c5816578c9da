"""The year-end meeting through HTTP: convening, preparing, voting with a receipt shown once,
the secretary's written vote, counting, checking a receipt; constant queries on every page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from flows.nominations import services
from flows.nominations.flows import MeetingFlow
from flows.nominations.models import BlocAward, Meeting, MeetingStatus
from tests.fixtures.meetings import meeting_task, sign_minutes
from tests.signatures.helpers import run_pending_tasks
from workflows import ballots
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

RECEIPT = re.compile(r'data-testid="receipt-code">([A-Z0-9-]+)<')


def execute_url(task) -> str:
    reverse("workflow:inbox")  # viewflow names a flow's URLs once the URLconf is loaded
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def ok(response, status=302):
    assert response.status_code == status, response.content.decode()[:3000]
    return response


def meeting_page(client, meeting, **query) -> str:
    url = reverse("thidua:meetings:detail", args=[meeting.pk])
    return ok(client.get(url, query), 200).content.decode()


def convene_through_the_list(client, bloc) -> Meeting:
    client.force_login(bloc.officers[0])
    index = reverse("thidua:meetings:index")
    assert "Triệu tập họp bình xét, suy tôn" in ok(client.get(index), 200).content.decode()
    ok(
        client.post(
            index,
            {
                "term": bloc.term.pk,
                "held_on": timezone.localdate().isoformat(),
                "place": "Hội trường UBND",
                "theme": "Chuyển đổi số",
            },
        )
    )
    return Meeting.objects.get(term=bloc.term)


def paper_post(meeting, *names, prefix="") -> dict:
    round_ = ballots.current_round(meeting.ballot)
    data = {}
    for candidate in round_.candidates.all():
        if candidate.label in names:
            data.setdefault(f"{prefix}q-{candidate.question_id}", []).append(str(candidate.pk))
    return data


def test_the_meeting_through_http(client, ranked_bloc):
    bloc = ranked_bloc(3)
    meeting = convene_through_the_list(client, bloc)
    prepare = meeting_task(meeting, MeetingFlow.prepare)
    page = ok(client.get(execute_url(prepare)), 200).content.decode()
    assert "Chuẩn bị bình xét" in page and "K-02" in page and "NĐ 152/2025/NĐ-CP" in page

    # A unit that fails a check is refused with the rule, on the page; nothing is kept.
    page = ok(
        client.post(
            execute_url(prepare),
            {"propose": "1", "unit": bloc.units[2].pk, "award": BlocAward.CO_CP},
        ),
        200,
    ).content.decode()
    assert "Chỉ đơn vị dẫn đầu cụm, khối" in page
    assert meeting.candidacies.count() == 2
    ok(
        client.post(
            execute_url(prepare),
            {"propose": "1", "unit": bloc.units[2].pk, "award": BlocAward.BK_TOAN_DIEN},
        )
    )
    # The third unit is absent.
    ok(
        client.post(
            execute_url(prepare),
            {"attendance": "1", "present": [bloc.units[0].pk, bloc.units[1].pk]},
        )
    )
    ok(client.post(execute_url(prepare), {"open": "1"}))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.VOTING

    # A head votes: the answer shows his receipt, and nothing keeps it beside his name.
    names = [unit.name for unit in bloc.units]
    client.force_login(bloc.heads[0])
    vote = meeting_task(meeting, MeetingFlow.vote, bloc.units[0])
    page = ok(client.get(execute_url(vote)), 200).content.decode()
    assert "Bỏ phiếu kín" in page
    answer = ok(
        client.post(execute_url(vote), {"vote": "1", **paper_post(meeting, *names)}), 200
    ).content.decode()
    [code] = RECEIPT.findall(answer)
    assert code not in str(dict(client.session))
    assert not any(code in str(event.data) for event in AuditEvent.objects.all())
    assert "1/3 đơn vị thành viên đã bỏ phiếu" in meeting_page(client, meeting)

    client.force_login(bloc.heads[1])
    vote = meeting_task(meeting, MeetingFlow.vote, bloc.units[1])
    ok(client.post(execute_url(vote), {"vote": "1", **paper_post(meeting, names[0])}), 200)

    # The secretary records the absent unit's written vote from the meeting's page.
    client.force_login(bloc.secretary)
    page = meeting_page(client, meeting)
    assert 'data-testid="written-vote"' in page
    answer = ok(
        client.post(
            reverse("thidua:meetings:detail", args=[meeting.pk]),
            {"written": "1", "unit": bloc.units[2].pk, **paper_post(meeting, *names, prefix="w-")},
        ),
        200,
    ).content.decode()
    assert RECEIPT.search(answer) and bloc.units[2].name in answer

    client.force_login(bloc.heads[0])
    count = meeting_task(meeting, MeetingFlow.count)
    assert (
        "3/3 đơn vị thành viên đã bỏ phiếu"
        in ok(client.get(execute_url(count)), 200).content.decode()
    )
    ok(client.post(execute_url(count), {"count": "1"}))
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.NOMINATED

    page = meeting_page(client, meeting, code=code.lower())
    assert "Phiếu đã được kiểm." in page
    assert "Kết quả kiểm phiếu" in page
    assert "Không có phiếu nào" in meeting_page(client, meeting, code="AAAA-BBBB-CCCC")


def test_a_unit_outside_the_bloc_sees_no_meeting(client, ranked_bloc, make_user):
    bloc = ranked_bloc(3)
    meeting = convene_through_the_list(client, bloc)
    client.force_login(make_user(username="stranger"))
    url = reverse("thidua:meetings:detail", args=[meeting.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("page", ["detail", "prepare", "vote"])
def test_the_pages_read_as_many_queries_for_three_units_as_for_eight(client, ranked_bloc, page):
    counts = {}
    for size in (3, 8):
        bloc = ranked_bloc(size)
        meeting = convene_through_the_list(client, bloc)
        for unit in bloc.units[2:]:
            client.post(
                execute_url(meeting_task(meeting, MeetingFlow.prepare)),
                {"propose": "1", "unit": unit.pk, "award": BlocAward.BK_TOAN_DIEN},
            )
        if page == "prepare":
            url = execute_url(meeting_task(meeting, MeetingFlow.prepare))
        else:
            ok(client.post(execute_url(meeting_task(meeting, MeetingFlow.prepare)), {"open": "1"}))
            client.force_login(bloc.heads[1])
            vote = meeting_task(meeting, MeetingFlow.vote, bloc.units[1])
            if page == "vote":
                url = execute_url(vote)
            else:
                client.post(execute_url(vote), {"vote": "1"})
                url = reverse("thidua:meetings:detail", args=[meeting.pk])
        client.get(url)  # warm the caches the first request fills
        with CaptureQueriesContext(connection) as captured:
            ok(client.get(url), 200)
        counts[size] = len(captured)
        Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CANCELLED)
    assert counts[3] == counts[8], counts


def test_the_meeting_page_with_its_dossier_reads_as_many_queries_for_three_units_as_for_six(
    client, ranked_bloc
):
    counts = {}
    for size in (3, 6):
        bloc = ranked_bloc(size)
        meeting = convene_through_the_list(client, bloc)
        officer = bloc.officers[0]
        for unit in bloc.units[2:]:
            services.propose(
                task=meeting_task(meeting, MeetingFlow.prepare),
                by=officer,
                unit=unit,
                award=BlocAward.BK_TOAN_DIEN,
            )
        meeting = services.open_voting(task=meeting_task(meeting, MeetingFlow.prepare), by=officer)
        everyone = list(ballots.current_round(meeting.ballot).candidates.all())
        for unit, head in zip(bloc.units, bloc.heads, strict=True):
            services.vote(
                task=meeting_task(meeting, MeetingFlow.vote, unit), by=head, marks=everyone
            )
        services.count(task=meeting_task(meeting, MeetingFlow.count), by=bloc.heads[0])
        run_pending_tasks()
        for node, person in (
            (MeetingFlow.sign_as_secretary, officer),
            (MeetingFlow.sign_as_chair, bloc.heads[0]),
        ):
            sign_minutes(
                services.sign_minutes, meeting_task(meeting, node), person, bloc.credential(person)
            )
        assert meeting.dossier.reports.count() == size
        client.force_login(officer)
        url = reverse("thidua:meetings:detail", args=[meeting.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert "Hồ sơ đề nghị khen thưởng" in ok(client.get(url), 200).content.decode()
        counts[size] = len(captured)
    assert counts[3] == counts[6], counts

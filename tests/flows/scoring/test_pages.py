"""The scoring through HTTP: opening, every step's page and form, the sheet and scoring pages,
the PDFs; who may see and do what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from flows.scoring.flows import ScoringFlow
from flows.scoring.models import Scoring, ScoringStatus, SheetStatus
from signatures.pki import DEMO_PIN
from tests.fixtures.scoring import open_tasks, sheet_of, task_of
from tests.flows.scoring.test_flow_smoke import FULL
from tests.signatures.helpers import run_pending_tasks
from workflows.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def execute_url(task) -> str:
    reverse("workflow:inbox")  # viewflow names a flow's URLs once the URLconf is loaded
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def sheet_post(sheet, points: dict, **extra) -> dict:
    data = dict(extra)
    for score in sheet.scores.select_related("criterion"):
        key = score.criterion_id
        data[f"points-{key}"] = str(points.get(score.criterion.code, 0))
        data[f"note-{key}"] = "Theo báo cáo tổng kết năm"
        data[f"revision-{key}"] = str(score.revision)
    return data


def ok(response, status=302):
    assert response.status_code == status, response.content.decode()[:3000]
    return response


def test_the_whole_scoring_through_http(client, scoring_bloc):
    bloc = scoring_bloc(3)
    leader_officer = bloc.officers[0]
    client.force_login(leader_officer)
    assert "Mở chấm điểm" in client.get(reverse("thidua:scorings:index")).content.decode()
    ok(client.post(reverse("thidua:scorings:index"), {"term": bloc.term.pk}))
    scoring = Scoring.objects.get(term=bloc.term)

    # Every unit's officer fills, attaches and sends; its head signs.
    for unit, officer, head in zip(bloc.units, bloc.officers, bloc.heads, strict=True):
        client.force_login(officer)
        task = task_of(scoring, ScoringFlow.self_score, unit)
        page = client.get(execute_url(task)).content.decode()
        assert "Tự chấm điểm" in page and 'name="points-' in page
        sheet = sheet_of(scoring, unit)
        ok(client.post(execute_url(task), sheet_post(sheet, {**FULL, "I.1": 12}, save="1")), 200)
        assert (
            "I.1: 12 điểm vượt mức tối đa của tiêu chí là 10."
            in client.post(
                execute_url(task), sheet_post(sheet, {**FULL, "I.1": 12}, save="1")
            ).content.decode()
        )
        ok(client.post(execute_url(task), sheet_post(sheet, FULL, save="1")))
        for score in sheet.scores.filter(criterion__evidence_required=True):
            ok(
                client.post(
                    execute_url(task),
                    {
                        "attach": "1",
                        "criterion": score.criterion_id,
                        "name": "Báo cáo tổng kết",
                        "file": SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 bao cao"),
                    },
                )
            )
        sheet.refresh_from_db()
        ok(client.post(execute_url(task), sheet_post(sheet, FULL, submit="1")))
        assert sheet_of(scoring, unit).status == SheetStatus.SUBMITTED
        run_pending_tasks()
        client.force_login(head)
        sign_task = task_of(scoring, ScoringFlow.sign_sheet, unit)
        page = client.get(execute_url(sign_task)).content.decode()
        assert "Ký bảng tự chấm điểm" in page and "/revisions/" in page
        credential = bloc.bloc.credential(head)
        ok(
            client.post(
                execute_url(sign_task), {"sign": "1", "credential": credential.pk, "pin": DEMO_PIN}
            )
        )
        run_pending_tasks()
    scoring.refresh_from_db()
    assert scoring.status == ScoringStatus.CROSS_SCORING

    # The leader unit cross-scores: a change needs a reason.
    client.force_login(leader_officer)
    [cross] = open_tasks(scoring, ScoringFlow.cross_score)
    last = bloc.units[2]
    url = f"{execute_url(cross)}?unit={last.pk}"
    assert "Chấm chéo" in client.get(url).content.decode()
    sheet = sheet_of(scoring, last)
    changed = {**FULL, "I.1": 6}
    i1 = sheet.scores.get(criterion__code="I.1").criterion_id
    data = sheet_post(sheet, changed, save="1")
    data[f"note-{i1}"] = ""
    refused = client.post(url, data).content.decode()
    assert "Hãy cho biết vì sao điểm của I.1 khác điểm đơn vị tự chấm." in refused
    data[f"note-{i1}"] = "Thiếu minh chứng tăng trưởng"
    ok(client.post(url, data))
    for unit in bloc.units[:2]:
        ok(
            client.post(
                f"{execute_url(cross)}?unit={unit.pk}",
                sheet_post(sheet_of(scoring, unit), FULL, save="1"),
            )
        )
    ok(client.post(execute_url(cross), {"finish": "1"}))

    # Two units accept; the last disputes; the leader's head decides.
    for unit, head in zip(bloc.units[:2], bloc.heads[:2], strict=True):
        client.force_login(head)
        ok(client.post(execute_url(task_of(scoring, ScoringFlow.review, unit)), {"accept": "1"}))
    client.force_login(bloc.heads[2])
    review = task_of(scoring, ScoringFlow.review, last)
    assert "Thiếu minh chứng tăng trưởng" in client.get(execute_url(review)).content.decode()
    ok(
        client.post(
            execute_url(review), {"dispute": "1", f"reason-{i1}": "Đã có số liệu Cục Thống kê"}
        )
    )
    client.force_login(bloc.heads[0])
    [decide] = open_tasks(scoring, ScoringFlow.decide_disputes)
    dispute = sheet_of(scoring, last).scores.get(criterion_id=i1).dispute
    ok(
        client.post(
            execute_url(decide),
            {
                "decide": "1",
                "dispute": dispute.pk,
                "decision": "upheld",
                "points": "",
                "reason": "Số liệu hợp lệ",
            },
        )
    )
    ok(client.post(execute_url(decide), {"close": "1"}))
    # The deputy unit's head sends the decision back once, then agrees.
    client.force_login(bloc.heads[1])
    [agree] = open_tasks(scoring, ScoringFlow.agree_disputes)
    assert "Số liệu hợp lệ" in client.get(execute_url(agree)).content.decode()
    ok(
        client.post(
            execute_url(agree), {"send_back": "1", "reason": "Cần xác nhận của Cục Thống kê"}
        )
    )
    client.force_login(bloc.heads[0])
    [decide] = open_tasks(scoring, ScoringFlow.decide_disputes)
    ok(
        client.post(
            execute_url(decide),
            {
                "decide": "1",
                "dispute": dispute.pk,
                "decision": "upheld",
                "points": "",
                "reason": "Cục Thống kê đã xác nhận",
            },
        )
    )
    ok(client.post(execute_url(decide), {"close": "1"}))
    client.force_login(bloc.heads[1])
    [agree] = open_tasks(scoring, ScoringFlow.agree_disputes)
    ok(client.post(execute_url(agree), {"agree": "1"}))

    # Freeze, rank and sign the result.
    client.force_login(leader_officer)
    [freeze] = open_tasks(scoring, ScoringFlow.freeze)
    assert 'data-testid="ranking"' in client.get(execute_url(freeze)).content.decode()
    ok(client.post(execute_url(freeze), {"freeze": "1"}))
    run_pending_tasks()
    client.force_login(bloc.heads[0])
    [sign_result] = open_tasks(scoring, ScoringFlow.sign_result)
    credential = bloc.bloc.credential(bloc.heads[0])
    ok(
        client.post(
            execute_url(sign_result), {"sign": "1", "credential": credential.pk, "pin": DEMO_PIN}
        )
    )
    run_pending_tasks()
    scoring.refresh_from_db()
    assert scoring.status == ScoringStatus.RANKED

    page = client.get(reverse("thidua:scorings:detail", args=[scoring.pk])).content.decode()
    assert "Xếp hạng (kết quả phiên bản 1)" in page
    result_pdf = scoring.results.get().document.latest_revision()
    pdf = client.get(reverse("thidua:scorings:revision", args=[scoring.pk, result_pdf.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    sheet_page = client.get(reverse("thidua:scorings:sheet", args=[scoring.pk, last.pk]))
    assert "Đã có số liệu Cục Thống kê" in sheet_page.content.decode()


def test_who_may_see_and_fill_a_sheet_over_http(
    client, scoring_bloc, make_user, make_unit, appoint
):
    bloc = scoring_bloc(2)
    client.force_login(bloc.officers[0])
    ok(client.post(reverse("thidua:scorings:index"), {"term": bloc.term.pk}))
    scoring = Scoring.objects.get(term=bloc.term)
    unit = bloc.units[1]
    sheet = sheet_of(scoring, unit)
    url = reverse("thidua:scorings:sheet", args=[scoring.pk, unit.pk])
    task = task_of(scoring, ScoringFlow.self_score, unit)

    # The leader unit's officer sees the member's sheet but may not fill it or take its task.
    page = client.get(url).content.decode()
    assert 'name="points-' not in page
    assert client.post(url, sheet_post(sheet, FULL, save="1")).status_code == 403
    assert client.get(execute_url(task)).status_code in (302, 403)
    assert not sheet.scores.exclude(self_points=None).exists()

    # An official of another bloc learns nothing of it.
    outsider = make_user(username="head-of-another-bloc")
    appoint(outsider, make_unit(), Role.HEAD)
    client.force_login(outsider)
    for address in (url, reverse("thidua:scorings:detail", args=[scoring.pk])):
        assert client.get(address).status_code == 404
    assert bloc.term.bloc.name not in client.get(reverse("thidua:scorings:index")).content.decode()

    # The unit's own officer fills it in his task.
    client.force_login(bloc.officers[1])
    ok(client.post(execute_url(task), sheet_post(sheet, FULL, save="1")))
    assert sheet.scores.get(criterion__code="I.1").self_points == FULL["I.1"]

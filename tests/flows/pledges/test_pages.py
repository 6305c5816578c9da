"""The covenant through HTTP: the inbox, every step's page, the covenant page and its PDFs."""

import datetime
import gc
import json
import logging
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task

from flows.pledges import services
from flows.pledges.flows import CovenantFlow
from flows.pledges.models import Covenant, CovenantStatus, Decision
from signatures.pki import DEMO_PIN
from tests.fixtures.pki import NAMED_OFFICIALS
from tests.flows.pledges.test_flow import (
    TARGETS,
    adopt,
    draft_and_submit,
    open_tasks,
    review_all,
    task_of,
)
from tests.signatures.helpers import official_user, pkcs12_credential, run_pending_tasks
from workflows.models import DelegationScope, Role
from workflows.services import appoint, delegate, end_appointment

pytestmark = pytest.mark.django_db(transaction=True)


def execute_url(task) -> str:
    reverse("workflow:inbox")  # viewflow names a flow's URLs once the URLconf is loaded
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def draft_data(**extra):
    data = {
        "title": "Giao ước thi đua năm 2026",
        "basis": "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;",
        "theme": "Đoàn kết, đổi mới",
        "preamble": "",
        "closing": "Các đơn vị tổ chức thực hiện.",
        "commitments-TOTAL_FORMS": "1",
        "commitments-INITIAL_FORMS": "0",
        "commitments-0-heading": "Chính trị",
        "commitments-0-text": "Hoàn thành xuất sắc nhiệm vụ.",
        "targets-TOTAL_FORMS": str(len(TARGETS)),
        "targets-INITIAL_FORMS": "0",
    }
    for index, target in enumerate(TARGETS):
        for key, value in target.items():
            data[f"targets-{index}-{key}"] = value
    return {**data, **extra}


@pytest.mark.parametrize("size", [6, 8])
def test_the_whole_covenant_through_http(client, covenant_bloc, size, caplog):
    caplog.set_level(logging.WARNING)
    bloc = covenant_bloc(size)
    client.force_login(bloc.officer)
    page = client.get(reverse("thidua:covenants:index"))
    assert page.status_code == 200
    response = client.post(reverse("thidua:covenants:index"), {"term": bloc.term.pk})
    covenant = Covenant.objects.get(term=bloc.term)
    assert response.status_code == 302

    inbox = client.get(reverse("workflow:inbox")).content.decode()
    assert "Soạn dự thảo giao ước" in inbox
    draft = task_of(covenant, CovenantFlow.draft, bloc.officer)
    page = client.get(execute_url(draft))
    assert page.status_code == 200
    assert "đơn vị Trưởng khối" in page.content.decode()
    response = client.post(execute_url(draft), draft_data(submit="1"))
    assert response.status_code == 302, response.content.decode()
    assert Covenant.objects.get(pk=covenant.pk).status == CovenantStatus.REVIEW

    for head in bloc.heads:
        client.force_login(head)
        inbox = client.get(reverse("workflow:inbox")).content.decode()
        assert "Góp ý dự thảo giao ước" in inbox
        review = task_of(covenant, CovenantFlow.review, head)
        response = client.post(execute_url(review), {"decision": "approve", "review": "1"})
        assert response.status_code == 302

    client.force_login(bloc.heads[0])
    adopt = task_of(covenant, CovenantFlow.adopt, bloc.heads[0])
    assert client.post(execute_url(adopt), {"adopt": "1"}).status_code == 302
    run_pending_tasks()

    for head, unit in zip(bloc.heads, bloc.units, strict=True):
        client.force_login(head)
        inbox = client.get(reverse("workflow:inbox")).content.decode()
        # Each row says what, for which unit, of which covenant, and where the covenant stands.
        assert f"Ký giao ước: {unit.name}" in inbox
        assert f"{covenant}: đang ký" in inbox
        sign = task_of(covenant, CovenantFlow.sign, head)
        response = client.post(
            execute_url(sign),
            {"credential": bloc.credential(head).pk, "pin": DEMO_PIN, "sign": "1"},
        )
        assert response.status_code == 302
        # Until the worker has signed, the step says the signature is being made.
        waiting = client.get(response.url).content.decode()
        assert "Đang chờ ký: chữ ký của đồng chí đang được thực hiện." in waiting
        run_pending_tasks()
        # The step's live page refreshes once the task is done: told quietly that it is gone.
        gone = client.get(response.url, headers={"X-Live-Refresh": "1"})
        assert (gone.status_code, gone["X-Live-Gone"]) == (204, "1")

    client.force_login(bloc.clerk)
    assert "Cấp số, ký số cơ quan" in client.get(reverse("workflow:inbox")).content.decode()
    register = task_of(covenant, CovenantFlow.register, bloc.clerk)
    response = client.post(
        execute_url(register),
        {"credential": bloc.credential(bloc.clerk).pk, "pin": DEMO_PIN, "sign": "1"},
    )
    assert response.status_code == 302
    run_pending_tasks()
    assert Covenant.objects.get(pk=covenant.pk).status == CovenantStatus.IN_FORCE

    page = client.get(reverse("thidua:covenants:detail", args=[covenant.pk])).content.decode()
    assert "01/GƯ-DV1" in page
    links = re.findall(r'href="(/[^"]+\.pdf)"', page)
    assert links
    # The final, signed and sealed revision comes first, marked, with its signatures.
    final = covenant.versions.get().document.latest_revision()
    assert links[0] == reverse("thidua:covenants:revision", args=[covenant.pk, final.pk])
    assert "Giao ước đã ký số và đóng dấu" in page and "(bản cuối cùng)" in page
    assert f"đủ {size + 1} chữ ký số" in page
    pdf = client.get(links[-1])
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")

    # The archive's filter offers each step by its title, not its code name ("…/Sign"); its
    # options travel as JSON in an attribute.
    client.force_login(bloc.heads[0])
    archive = client.get(reverse("workflow:archive")).content.decode()
    assert json.dumps("Giao ước thi đua: Ký giao ước")[1:-1] in archive
    assert "/Sign" not in archive and "/Review" not in archive

    # A normal covenant leaves nothing in the log: no refused refresh, no unclosed HTTP
    # session of the responders' fetchers (reported when it is collected).
    gc.collect()
    assert [record.getMessage() for record in caplog.records] == []


def test_only_the_assigned_head_opens_his_step(client, covenant_bloc):
    bloc = covenant_bloc(2)
    client.force_login(bloc.officer)
    client.post(reverse("thidua:covenants:index"), {"term": bloc.term.pk})
    covenant = Covenant.objects.get(term=bloc.term)
    client.post(
        execute_url(task_of(covenant, CovenantFlow.draft, bloc.officer)), draft_data(submit="1")
    )
    theirs = task_of(covenant, CovenantFlow.review, bloc.heads[1])
    client.force_login(bloc.heads[0])
    assert client.get(execute_url(theirs)).status_code == 403
    response = client.post(execute_url(theirs), {"decision": "approve", "review": "1"})
    assert response.status_code == 403
    assert Task.objects.get(pk=theirs.pk).finished is None
    assert len(open_tasks(covenant, CovenantFlow.review)) == 2


def test_a_refused_draft_says_why_and_changes_nothing(client, covenant_bloc):
    bloc = covenant_bloc(2)
    client.force_login(bloc.officer)
    client.post(reverse("thidua:covenants:index"), {"term": bloc.term.pk})
    covenant = Covenant.objects.get(term=bloc.term)
    draft = task_of(covenant, CovenantFlow.draft, bloc.officer)
    response = client.post(
        execute_url(draft), draft_data(**{"targets-1-code": "CT1", "submit": "1"})
    )
    assert response.status_code == 200
    assert "CT1" in response.content.decode()
    assert Covenant.objects.get(pk=covenant.pk).status == CovenantStatus.DRAFT


def test_out_of_period_appointments_and_delegations_cannot_act(client, covenant_bloc, make_user):
    bloc = covenant_bloc(2)
    client.force_login(bloc.officer)
    client.post(reverse("thidua:covenants:index"), {"term": bloc.term.pk})
    covenant = Covenant.objects.get(term=bloc.term)
    client.post(
        execute_url(task_of(covenant, CovenantFlow.draft, bloc.officer)), draft_data(submit="1")
    )
    head = bloc.heads[1]
    review = task_of(covenant, CovenantFlow.review, head)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    substitute = make_user()
    appointment = head.appointments.get(role=Role.HEAD)
    delegate(
        appointment=appointment,
        substitute=substitute,
        valid_from=yesterday - datetime.timedelta(days=5),
        valid_to=yesterday,
        scope=DelegationScope.REVIEW,
        by=None,
    )
    client.force_login(substitute)
    assert client.get(execute_url(review)).status_code == 403
    with pytest.raises(PermissionDenied):
        services.review_draft(task=review, by=substitute, decision=Decision.APPROVE)

    end_appointment(appointment=appointment, valid_to=yesterday, by=None)
    client.force_login(head)
    assert client.get(execute_url(review)).status_code == 403
    response = client.post(execute_url(review), {"decision": "approve", "review": "1"})
    assert response.status_code == 403
    assert Task.objects.get(pk=review.pk).finished is None


def test_decline_reopen_and_a_substitute_signature_through_http(client, covenant_bloc, dev_pki):
    bloc = covenant_bloc(2)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)

    client.force_login(bloc.heads[1])
    sign = task_of(covenant, CovenantFlow.sign, bloc.heads[1])
    response = client.post(execute_url(sign), {"reason": "", "decline": "1"})
    assert response.status_code == 200  # a reason is required
    response = client.post(execute_url(sign), {"reason": "Chưa phù hợp.", "decline": "1"})
    assert response.status_code == 302
    client.force_login(bloc.heads[0])
    answer = task_of(covenant, CovenantFlow.answer_decline, bloc.heads[0])
    response = client.post(execute_url(answer), {"answer": "reopen", "reason": ""})
    assert response.status_code == 302
    assert Covenant.objects.get(pk=covenant.pk).status == CovenantStatus.DRAFT
    assert covenant.versions.count() == 2

    # The second head is away: his deputy signs the new version for him (KT.).
    deputy = official_user(NAMED_OFFICIALS[1])
    appoint(
        user=deputy,
        organisation=bloc.units[1],
        role=Role.DEPUTY_HEAD,
        valid_from=datetime.date(2024, 1, 1),
        by=None,
    )
    today = timezone.localdate()
    delegate(
        appointment=bloc.heads[1].appointments.get(role=Role.HEAD),
        substitute=deputy,
        valid_from=today,
        valid_to=today,
        scope=DelegationScope.SIGN,
        by=None,
    )
    credential = pkcs12_credential(dev_pki, deputy)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    client.force_login(deputy)
    sign = task_of(covenant, CovenantFlow.sign, deputy)
    page = client.get(execute_url(sign)).content.decode()
    assert "theo ủy quyền (KT.)" in page
    response = client.post(
        execute_url(sign), {"credential": credential.pk, "pin": DEMO_PIN, "sign": "1"}
    )
    assert response.status_code == 302
    run_pending_tasks()
    field = covenant.versions.order_by("-number")[0].document.fields.get(signer=bloc.heads[1])
    assert (field.signed_by, field.signing_prefix) == (deputy, "KT.")


def test_attachments_join_the_draft_and_its_next_versions(
    client, covenant_bloc, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    bloc = covenant_bloc(2)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    client.force_login(bloc.officer)
    draft = execute_url(task_of(covenant, CovenantFlow.draft, bloc.officer))
    rules = SimpleUploadedFile("quy-che.pdf", b"%PDF-1.7 quy che", "application/pdf")
    response = client.post(draft, {"name": "Quy chế khối", "file": rules, "attach": "1"})
    assert response.status_code == 302
    response = client.post(draft, {"name": "", "attach": "1"})
    assert "Hãy chọn tệp" in response.content.decode()

    settings.ATTACHMENT_MAX_BYTES = 4
    big = SimpleUploadedFile("lon.pdf", b"%PDF-1.7 too large", "application/pdf")
    response = client.post(draft, {"name": "", "file": big, "attach": "1"})
    assert "quá lớn" in response.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

    page = client.get(reverse("thidua:covenants:detail", args=[covenant.pk])).content.decode()
    [link] = re.findall(r'href="(/thidua/covenants/\d+/attachments/\d+/)"', page)
    download = client.get(link)
    assert b"".join(download.streaming_content) == b"%PDF-1.7 quy che"

    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant, changes_by=bloc.heads[1])
    draft_and_submit(bloc, covenant)  # version 2 keeps the attachment
    assert [a.name for a in covenant.versions.get(number=2).attachments.all()] == ["Quy chế khối"]

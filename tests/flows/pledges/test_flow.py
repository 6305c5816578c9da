"""The covenant from draft to in force, through the services, with real signatures."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from flows.pledges import services
from flows.pledges.flows import CovenantFlow
from flows.pledges.models import Covenant, CovenantStatus, Decision
from flows.rules.services import criteria
from signatures import validation
from signatures.models import RequestStatus
from signatures.pki import DEMO_PIN
from tests.fixtures.pki import NAMED_OFFICIALS
from tests.signatures.helpers import official_user, pkcs12_credential, run_pending_tasks
from tests.signatures.poppler import pdftotext, pdftotext_missing
from workflows.models import AuditEvent, DelegationScope, Role, SigningPrefix
from workflows.services import delegate

pytestmark = pytest.mark.django_db(transaction=True)

COMMITMENTS = [
    {"heading": "Chính trị", "text": "Hoàn thành xuất sắc nhiệm vụ chính trị được giao."},
    {"heading": "Cải cách hành chính", "text": "100% hồ sơ được giải quyết đúng hạn."},
]
TARGETS = [
    {"code": "CT1", "text": "CBCCVC đạt Lao động tiên tiến", "value": "95", "unit": "%"},
    {"code": "CT2", "text": "CBCCVC đạt Chiến sĩ thi đua cơ sở", "value": "15", "unit": "%"},
]


def open_tasks(covenant, node):
    return list(
        Task.objects.filter(
            process__covenantprocess__covenant=covenant,
            flow_task=node,
            status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
        ).order_by("pk")
    )


def task_of(covenant, node, user):
    [task] = [task for task in open_tasks(covenant, node) if task.owner_id == user.pk]
    return task


def status_of(covenant) -> str:
    return Covenant.objects.get(pk=covenant.pk).status


def draft_and_submit(bloc, covenant, *, targets=TARGETS):
    task = task_of(covenant, CovenantFlow.draft, bloc.officer)
    services.save_draft(
        task=task,
        by=bloc.officer,
        title="Giao ước thi đua năm 2026",
        basis="Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;",
        theme="Đoàn kết, kỷ cương, đổi mới, hiệu quả",
        commitments=COMMITMENTS,
        targets=targets,
    )
    services.submit_draft(task=task, by=bloc.officer)


def review_all(bloc, covenant, *, changes_by=None):
    for head in bloc.heads:
        wants_changes = head == changes_by
        services.review_draft(
            task=task_of(covenant, CovenantFlow.review, head),
            by=head,
            decision=Decision.REQUEST_CHANGES if wants_changes else Decision.APPROVE,
            comment="Đề nghị bổ sung chỉ tiêu chuyển đổi số." if wants_changes else "",
        )


def adopt(bloc, covenant):
    services.adopt(task=task_of(covenant, CovenantFlow.adopt, bloc.heads[0]), by=bloc.heads[0])
    run_pending_tasks()


def sign_all(bloc, covenant, heads=None):
    for head in heads or bloc.heads:
        services.sign(
            task=task_of(covenant, CovenantFlow.sign, head),
            by=head,
            credential=bloc.credential(head),
            secret=DEMO_PIN,
        )
        run_pending_tasks()


def register(bloc, covenant):
    services.register(
        task=task_of(covenant, CovenantFlow.register, bloc.clerk),
        by=bloc.clerk,
        credential=bloc.credential(bloc.clerk),
        secret=DEMO_PIN,
    )
    run_pending_tasks()


@pytest.mark.parametrize("size", [6, 8])
def test_covenant_from_draft_to_in_force(covenant_bloc, size, mailoutbox):
    bloc = covenant_bloc(size)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    assert status_of(covenant) == CovenantStatus.DRAFT

    draft_and_submit(bloc, covenant)
    assert status_of(covenant) == CovenantStatus.REVIEW
    assert len(open_tasks(covenant, CovenantFlow.review)) == size

    # One member asks for changes: every opinion is kept, the draft comes back.
    review_all(bloc, covenant, changes_by=bloc.heads[2])
    assert status_of(covenant) == CovenantStatus.CHANGES_REQUESTED
    draft_and_submit(
        bloc,
        covenant,
        targets=[*TARGETS, {"code": "CT3", "text": "Văn bản ký số", "value": "98", "unit": "%"}],
    )
    covenant.refresh_from_db()
    assert [v.number for v in covenant.versions.all()] == [1, 2]
    assert covenant.versions.get(number=1).opinions.count() == size

    review_all(bloc, covenant)
    assert status_of(covenant) == CovenantStatus.REVIEWED
    adopt(bloc, covenant)
    assert status_of(covenant) == CovenantStatus.SIGNING
    assert len(open_tasks(covenant, CovenantFlow.sign)) == size

    sign_all(bloc, covenant)
    assert status_of(covenant) == CovenantStatus.SIGNED
    register(bloc, covenant)

    covenant = Covenant.objects.get(pk=covenant.pk)
    assert covenant.status == CovenantStatus.IN_FORCE
    assert covenant.number_label == "01/GƯ-DV1"
    told = {address for message in mailoutbox for address in message.to}
    assert told == {head.email for head in bloc.heads} | {bloc.officer.email}
    assert "01/GƯ-DV1" in mailoutbox[-1].subject
    process = covenant.processes.get()
    assert process.finished is not None
    content = covenant.versions.get(number=2).document.latest_revision().read()
    report = validation.validate_pdf(content)
    personal = [s for s in report.signatures if s.kind == "signature"]
    assert len(personal) == size + 1
    assert report.ok, report.as_dict()


@pdftotext_missing
def test_adopting_the_covenant_adopts_the_criteria_set_and_lists_it(covenant_bloc):
    bloc = covenant_bloc(3)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    criteria_set = criteria.create_from_template(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    version = covenant.versions.get()
    assert version.criteria_set == criteria_set
    criteria_set.refresh_from_db()
    assert criteria_set.is_adopted
    text = " ".join(pdftotext(version.document.latest_revision().read()).split())
    assert "PHỤ LỤC: BẢNG TIÊU CHÍ CHẤM ĐIỂM THI ĐUA" in text
    assert "II.2 Chỉ số cải cách hành chính (CCHC) của thành phố 8" in text


def test_a_head_cannot_act_for_another_unit(covenant_bloc):
    bloc = covenant_bloc(3)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    foreign_task = task_of(covenant, CovenantFlow.review, bloc.heads[1])
    with pytest.raises(PermissionDenied):
        services.review_draft(task=foreign_task, by=bloc.heads[0], decision=Decision.APPROVE)
    assert not foreign_task.__class__.objects.get(pk=foreign_task.pk).finished


def test_decline_reopens_a_new_version_and_voids_the_signatures(covenant_bloc, mailoutbox):
    bloc = covenant_bloc(3)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    sign_all(bloc, covenant, heads=bloc.heads[:1])
    stale_task = task_of(covenant, CovenantFlow.sign, bloc.heads[2])

    services.decline(
        task=task_of(covenant, CovenantFlow.sign, bloc.heads[1]),
        by=bloc.heads[1],
        reason="Chỉ tiêu CT2 chưa phù hợp với đơn vị.",
    )
    assert status_of(covenant) == CovenantStatus.DECLINED
    assert open_tasks(covenant, CovenantFlow.sign) == []
    run_pending_tasks()
    told = sorted(address for message in mailoutbox for address in message.to)
    assert told == sorted([bloc.heads[0].email, bloc.officer.email])

    services.answer_decline(
        task=task_of(covenant, CovenantFlow.answer_decline, bloc.heads[0]),
        by=bloc.heads[0],
        reopen=True,
    )
    assert status_of(covenant) == CovenantStatus.DRAFT
    with pytest.raises(ValidationError):  # the first version's signature tasks are void
        services.sign(
            task=stale_task,
            by=bloc.heads[2],
            credential=bloc.credential(bloc.heads[2]),
            secret=DEMO_PIN,
        )
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    sign_all(bloc, covenant)
    register(bloc, covenant)
    covenant = Covenant.objects.get(pk=covenant.pk)
    assert covenant.status == CovenantStatus.IN_FORCE
    first, latest = covenant.versions.get(number=1), covenant.versions.order_by("-number")[0]
    assert first.document.fields.filter(signed_by__isnull=False).count() == 1
    assert latest.document.fields.filter(signed_by__isnull=True).count() == 0


def test_a_wrong_pin_fails_and_leaves_the_task_open(covenant_bloc, responder_outage):
    bloc = covenant_bloc(2)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    head = bloc.heads[0]
    task = task_of(covenant, CovenantFlow.sign, head)
    request = services.sign(task=task, by=head, credential=bloc.credential(head), secret="000000")
    # The key is unlocked before any responder is asked: with them all down, the reason is
    # still the PIN.
    with responder_outage():
        run_pending_tasks()
    request.refresh_from_db()
    assert request.status == RequestStatus.FAILED
    assert "PIN" in request.reason
    assert task_of(covenant, CovenantFlow.sign, head).pk == task.pk
    services.sign(task=task, by=head, credential=bloc.credential(head), secret=DEMO_PIN)
    run_pending_tasks()
    assert open_tasks(covenant, CovenantFlow.sign) == [
        task_of(covenant, CovenantFlow.sign, bloc.heads[1])
    ]


def test_duplicate_targets_and_a_second_covenant_are_refused(covenant_bloc):
    bloc = covenant_bloc(2)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    task = task_of(covenant, CovenantFlow.draft, bloc.officer)
    with pytest.raises(ValidationError, match=r"(?i)ct1"):
        services.save_draft(
            task=task,
            by=bloc.officer,
            title="X",
            commitments=COMMITMENTS,
            targets=[TARGETS[0], {**TARGETS[1], "code": "ct1"}],
        )
    with pytest.raises(ValidationError, match="Khối thi đua kiểm thử"):
        services.start_covenant(term=bloc.term, by=bloc.officer)


def test_a_substitute_signs_for_the_absent_head(covenant_bloc, dev_pki, make_user, appoint):
    bloc = covenant_bloc(2)
    absent = bloc.heads[1]
    deputy = official_user(NAMED_OFFICIALS[1])  # binh, Phó Chủ tịch
    appoint(deputy, bloc.units[1], Role.DEPUTY_HEAD, title="Phó Chủ tịch")
    today = timezone.localdate()
    delegate(
        appointment=absent.appointments.get(role=Role.HEAD),
        substitute=deputy,
        valid_from=today,
        valid_to=today,
        scope=DelegationScope.SIGN,
        prefix=SigningPrefix.KT,
        by=None,
    )
    credential = pkcs12_credential(dev_pki, deputy)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    sign_all(bloc, covenant, heads=bloc.heads[:1])
    # The task went to the substitute, who acts while the delegation lasts.
    task = task_of(covenant, CovenantFlow.sign, deputy)
    with pytest.raises(PermissionDenied):
        services.sign(task=task, by=make_user(), credential=credential, secret=DEMO_PIN)
    services.sign(task=task, by=deputy, credential=credential, secret=DEMO_PIN)
    run_pending_tasks()
    assert status_of(covenant) == CovenantStatus.SIGNED
    field = covenant.versions.get().document.fields.get(signer=absent)
    assert (field.signed_by, field.signing_prefix) == (deputy, "KT.")
    event = AuditEvent.objects.filter(action="signature.applied").latest("position")
    assert (event.actor, event.on_behalf_of) == (deputy, absent)


def test_a_membership_change_during_signing_needs_a_new_version(covenant_bloc, mailoutbox):
    from flows.blocs.services import change_term

    bloc = covenant_bloc(3)
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    sign_all(bloc, covenant, heads=bloc.heads[:1])

    term = bloc.term
    change_term(
        term=term,
        leader=term.leader,
        deputy=term.deputy,
        members=bloc.units[:2],
        valid_from=term.valid_from,
        valid_to=term.valid_to,
        by=None,
    )
    assert status_of(covenant) == CovenantStatus.DECLINED
    assert open_tasks(covenant, CovenantFlow.sign) == []
    stopped = covenant.versions.get().declines.get()
    assert stopped.membership_changed

    services.answer_decline(
        task=task_of(covenant, CovenantFlow.answer_decline, bloc.heads[0]),
        by=bloc.heads[0],
        reopen=True,
    )
    draft_and_submit(bloc, covenant)
    assert len(open_tasks(covenant, CovenantFlow.review)) == 2
    bloc.heads = bloc.heads[:2]
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    latest = Covenant.objects.get(pk=covenant.pk).versions.order_by("-number")[0]
    assert latest.document.fields.filter(kind="personal").count() == 2


def test_ordered_signing_asks_one_head_after_another(covenant_bloc):
    bloc = covenant_bloc(3, signing_order="ordered")
    covenant = services.start_covenant(term=bloc.term, by=bloc.officer)
    draft_and_submit(bloc, covenant)
    review_all(bloc, covenant)
    adopt(bloc, covenant)
    for position, head in enumerate(bloc.heads):
        [task] = open_tasks(covenant, CovenantFlow.sign)
        assert task.owner == head, position
        sign_all(bloc, covenant, heads=[head])
    assert status_of(covenant) == CovenantStatus.SIGNED
    assert open_tasks(covenant, CovenantFlow.sign) == []

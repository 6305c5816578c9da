"""The document pipeline serves a document type it has never heard of: a score sheet defined
here, in the test, needs no code in signatures/ to be rendered, signed, numbered and sealed,
and its flow hears of every signature with its owner."""

from dataclasses import dataclass

import pytest
from django.db import connection, transaction

from signatures import pipeline, validation
from signatures.models import FieldKind, RequestStatus
from signatures.pki import DEMO_PIN
from tests.fixtures.pki import TWENTY_OFFICIALS
from tests.signatures.helpers import (
    create_document,
    official_user,
    pkcs12_credential,
    run_pending_tasks,
    sign,
)

pytestmark = pytest.mark.django_db(transaction=True)

SHEET = "test-score-sheet"


@pytest.fixture
def heard():
    """What the score sheet's flow hears, registered as any flow registers (and then undone)."""
    calls = []

    def signed(owner, field, request):
        calls.append(("signed", owner, field.name, connection.in_atomic_block))

    def progressed(owner, request):
        calls.append(("progressed", owner, request.status, request.reason))

    pipeline.on_document(SHEET, signed=signed, progressed=progressed)
    yield calls
    del pipeline.HANDLERS[SHEET]


@dataclass
class Sheet:
    document: object
    owner: object
    heads: list
    clerk: object
    credentials: dict
    units: list

    def sign_all(self):
        fields = pipeline.unsigned_fields(self.document)
        for field, head in zip(fields, self.heads, strict=True):
            credential = self.credentials[head.pk]
            pipeline.sign(field=field, person=head, credential=credential, secret=DEMO_PIN)
            run_pending_tasks()


@pytest.fixture
def sheet(dev_pki, make_unit):
    """Two unit heads sign a score sheet of their bloc; the first unit's clerk numbers it."""
    first, second = make_unit(name="Huyện Vĩnh Bảo"), make_unit(name="Huyện Cát Hải")
    heads = [official_user(identity) for identity in TWENTY_OFFICIALS[:2]]
    clerk = official_user(TWENTY_OFFICIALS[2])
    draft = pipeline.Draft(
        document_type=SHEET,
        title="Bảng điểm thi đua năm 2026",
        template="signatures/nd30/generic.html",
        context={
            "parent_body": "UBND THÀNH PHỐ HẢI PHÒNG",
            "issuing_body": "CỤM THI ĐUA KHỐI HUYỆN",
            "symbol": "BĐ-CTĐ",
            "place": "Hải Phòng",
            "year": 2026,
            "document_type": "BẢNG ĐIỂM THI ĐUA",
            "summary": "Kết quả chấm điểm năm 2026",
            "basis": ["Căn cứ Bảng tiêu chí chấm điểm thi đua năm 2026;"],
            "paragraphs": ["Các đơn vị thống nhất kết quả chấm điểm."],
            "recipients": ["Các đơn vị thành viên", "Lưu: VT"],
        },
        signers=[
            pipeline.Signer(
                field="head-1", signer=heads[0], title="Chủ tịch", organisation=first, seal="seal"
            ),
            pipeline.Signer(field="head-2", signer=heads[1], title="Chủ tịch", organisation=second),
            pipeline.Signer(
                field="seal",
                signer=clerk,
                title="Văn thư",
                organisation=first,
                kind=FieldKind.ORGANISATION,
            ),
        ],
        numbered=True,
        level="B-T",
    )
    owner = first  # any object of any model can own a document
    with transaction.atomic():
        document = pipeline.store(draft, pipeline.render(draft), owner=owner)
    credentials = {user.pk: pkcs12_credential(dev_pki, user) for user in [*heads, clerk]}
    return Sheet(document, owner, heads, clerk, credentials, [first, second])


def number(sheet, secret):
    """The first unit's records clerk numbers and seals the sheet (the task run at once)."""
    request = pipeline.register(
        document=sheet.document,
        person=sheet.clerk,
        credential=sheet.credentials[sheet.clerk.pk],
        secret=secret,
        organisation=sheet.units[0],
        symbol="BĐ-CTĐ",
        summary="Bảng điểm thi đua năm 2026",
    )
    run_pending_tasks()
    return request


def test_a_new_document_type_is_signed_numbered_and_sealed(sheet, heard):
    document, owner = sheet.document, sheet.owner
    assert document.owner == owner
    fields = pipeline.unsigned_fields(document)
    assert [field.name for field in fields] == ["head-1", "head-2"]
    assert [field.organisation for field in fields] == sheet.units
    assert pipeline.unsigned_fields(document, ordered=True) == fields[:1]

    sheet.sign_all()
    assert pipeline.all_personal_signed(document)
    assert pipeline.personal_progress([document.pk]) == {document.pk: pipeline.Progress(2, 2)}
    request = number(sheet, DEMO_PIN)

    document.refresh_from_db()
    assert document.issued_number.label == "01/BĐ-CTĐ"
    assert request.field.name == "seal"
    assert [call[:3] for call in heard] == [
        ("signed", owner, "head-1"),
        ("signed", owner, "head-2"),
        ("signed", owner, "seal"),
    ]
    assert all(call[3] for call in heard), "the flow hears inside the signature's transaction"
    report = validation.validate_pdf(document.latest_revision().read())
    assert report.ok and len(report.signatures) == 3


def test_a_failed_signature_is_heard_and_a_second_numbering_keeps_the_number(sheet, heard):
    sheet.sign_all()
    wrong = number(sheet, "000000")
    wrong.refresh_from_db()
    assert wrong.status == RequestStatus.FAILED
    assert heard[-1][:3] == ("progressed", sheet.owner, RequestStatus.FAILED)
    documents = type(sheet.document).objects
    first_number = documents.get(pk=sheet.document.pk).issued_number
    right = number(sheet, DEMO_PIN)
    right.refresh_from_db()
    assert right.status == RequestStatus.SIGNED
    assert documents.get(pk=sheet.document.pk).issued_number == first_number


def test_documents_of_other_types_are_not_heard(sheet, heard, dev_pki):
    identity = TWENTY_OFFICIALS[3]
    user = official_user(identity)
    uploaded = create_document([identity], [user])
    sign(uploaded.fields.get(), user, pkcs12_credential(dev_pki, user))
    assert heard == []

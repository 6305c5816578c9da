"""Word copies of the ND 30 documents: written from the HTML the PDF is rendered from, they say
the same words; python-docx and LibreOffice open them; a numbered document's copy carries its
number and date."""

import datetime

import pytest
from django.db import transaction

from signatures import pipeline
from tests.fixtures.pki import TWENTY_OFFICIALS
from tests.signatures.helpers import (
    libreoffice_converts,
    official_user,
    words_of_docx,
    words_of_pdf,
)
from workflows.services import issue_number

pytestmark = pytest.mark.django_db

PARAGRAPHS = [
    "Các đơn vị thống nhất kết quả chấm điểm, xếp hạng thi đua năm 2026.",
    "Đơn vị dẫn đầu: UBND huyện Vĩnh Bảo (103,83 điểm); thứ hai: UBND huyện Thủy Nguyên.",
] * 12  # more than a page: the PDF's page numbers are not words of the document


@pytest.fixture
def draft(make_unit):
    unit = make_unit(name="UBND huyện Vĩnh Bảo", code="vinh-bao")
    head = official_user(TWENTY_OFFICIALS[0])
    return pipeline.Draft(
        document_type="test_report",
        title="Báo cáo kết quả thi đua năm 2026",
        template="signatures/nd30/generic.html",
        context={
            "parent_body": "Cụm thi đua Khối huyện",
            "issuing_body": unit.name,
            "symbol": "BC-UBND",
            "place": "Hải Phòng",
            "year": 2026,
            "document_type": "BÁO CÁO",
            "summary": "Kết quả thi đua năm 2026",
            "basis": ["Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;"],
            "paragraphs": PARAGRAPHS,
            "recipients": ["Sở Nội vụ thành phố Hải Phòng", "Lưu: VT"],
        },
        signers=[pipeline.Signer(field="head", signer=head, title="Chủ tịch", organisation=unit)],
        numbered=True,
    )


def test_the_word_copy_says_what_the_pdf_says(draft, tmp_path):
    content = pipeline.word_copy(draft)
    pdf = pipeline.render(draft).content

    assert words_of_docx(content) == words_of_pdf(pdf)
    assert words_of_pdf(pdf)["Vĩnh"] == 12  # the whole body, over two pages


def test_libreoffice_opens_the_word_copy(draft, tmp_path):
    converted = libreoffice_converts(pipeline.word_copy(draft), tmp_path)

    words = words_of_pdf(converted)
    assert words["Thủy"] == 12 and words["CỘNG"] == 1 and words["Nơi"] == 1


def test_a_numbered_documents_copy_carries_its_number_and_date(draft):
    with transaction.atomic():
        document = pipeline.store(
            draft, pipeline.render(draft), owner=draft.signers[0].organisation
        )
    document.issued_number = issue_number(
        organisation=draft.signers[0].organisation,
        symbol="BC-UBND",
        on=datetime.date(2026, 12, 7),
        summary="Báo cáo",
        by=None,
    )
    document.save(update_fields=["issued_number"])

    words = words_of_docx(pipeline.word_copy(draft, document=document))

    assert words["01/BC-UBND"] == 1
    assert {"ngày", "07", "tháng", "12", "năm", "2026"} <= set(words)

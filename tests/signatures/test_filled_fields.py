"""The number and date the records clerk fills at his signature sit on the printed line.

Measured by poppler (pdftotext -bbox) in the signed document: the filled words share the
baseline of the words printed beside them ("Số:", "/GƯ-KTT"; "ngày", "năm"), the number ends
against its symbol and the date is centred between "ngày" and "năm".
"""

import pytest
from django.db import transaction

from signatures import validation
from signatures.models import RequestStatus
from tests.signatures import helpers
from tests.signatures.poppler import baseline, descent_share, pdftotext_missing, words_by_page

pytestmark = [pytest.mark.django_db, pdftotext_missing]

NUMBER, DAY_MONTH = "07", "21 tháng 11"
TOLERANCE = 0.3  # pt


@pytest.fixture(scope="module")
def filled(django_db_setup, django_db_blocker, dev_pki, dev_officials):
    # Signed once for the module: only the PDF is kept, the database work is rolled back.
    with django_db_blocker.unblock(), transaction.atomic():
        content = _sign_and_fill(dev_pki, dev_officials)
        transaction.set_rollback(True)
    return content


def _sign_and_fill(dev_pki, dev_officials) -> bytes:
    head_identity, clerk_identity = dev_officials[0], dev_officials[2]
    head, clerk = helpers.official_user(head_identity), helpers.official_user(clerk_identity)
    document = helpers.create_document(
        [head_identity], [head], level="B-B", clerk=clerk, clerk_identity=clerk_identity
    )
    signed = helpers.sign(
        document.fields.get(name="Sig01"), head, helpers.pkcs12_credential(dev_pki, head)
    )
    assert signed.status == RequestStatus.SIGNED, signed.reason
    sealed = helpers.sign(
        document.fields.get(name="Org"),
        clerk,
        helpers.pkcs12_credential(dev_pki, clerk),
        fill={"number": NUMBER, "date": DAY_MONTH},
    )
    assert sealed.status == RequestStatus.SIGNED, sealed.reason
    return document.latest_revision().read()


def line(content: bytes, first_word: str) -> dict[str, tuple[float, float, float, float]]:
    """The words of page 1 on the line that starts with ``first_word``, by text."""
    words = [(text, box) for page, text, box in words_by_page(content) if page == 0]
    [start] = [box for text, box in words if text == first_word]
    return {text: box for text, box in words if box[1] < start[3] and start[1] < box[3]}


def test_the_document_with_its_number_and_date_is_valid(filled):
    report = validation.validate_pdf(filled)
    assert report.ok, report.as_dict()


@pytest.mark.parametrize(
    ("first_word", "printed", "filled_words"),
    [
        ("Số:", ["Số:", "/GƯ-KTT"], [NUMBER]),
        ("Hải", ["Hải", "Phòng,", "ngày", "năm", "2026"], DAY_MONTH.split()),
    ],
    ids=["number", "date"],
)
def test_filled_words_sit_on_the_baseline_of_the_printed_ones(
    filled, first_word, printed, filled_words
):
    words, share = line(filled, first_word), descent_share(filled)
    assert set(printed + filled_words) <= set(words), words
    printed_baseline = baseline(words[first_word], share)
    for word in printed + filled_words:
        assert baseline(words[word], share) == pytest.approx(printed_baseline, abs=TOLERANCE)


def test_the_number_ends_against_its_symbol(filled):
    words = line(filled, "Số:")
    assert words["/GƯ-KTT"][0] - words[NUMBER][2] == pytest.approx(0, abs=TOLERANCE)


def test_the_date_is_centred_between_ngay_and_nam(filled):
    words = line(filled, "Hải")
    day, month = DAY_MONTH.split()[0], DAY_MONTH.split()[-1]
    before = words[day][0] - words["ngày"][2]
    after = words["năm"][0] - words[month][2]
    assert before == pytest.approx(after, abs=TOLERANCE)


def test_the_filled_text_is_drawn_at_13_pt_unstretched(filled):
    # As high as the 13 pt "Số:" in the same font: the appearance is not scaled to its box.
    words = {**line(filled, "Số:"), **line(filled, "Hải")}
    height = words["Số:"][3] - words["Số:"][1]
    for word in [NUMBER, *DAY_MONTH.split()]:
        assert words[word][3] - words[word][1] == pytest.approx(height, abs=0.02)

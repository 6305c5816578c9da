"""The base of a signed document: kept when pyHanko signs over it, rewritten when it cannot
(Word's hybrid cross-references), refused with the reason when it must not or cannot be.

No database. poppler (pdftotext, pdftoppm) and qpdf read the results independently; the newer
messages are asserted through gettext, so the tests hold before and after the catalogue is
completed.
"""

import io
import shutil
import subprocess

import pytest
from django.utils.translation import gettext
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError

from signatures import preparation, validation
from tests.signatures import helpers
from tests.signatures.poppler import pdftotext, pdftotext_missing
from tests.signatures.samples import pdfs

ENCRYPTED = (
    "The PDF is protected by a password (encrypted): save or export it again without a "
    "password, then upload it."
)
SIGNED = (
    "The PDF already carries a digital signature: a document is signed here from its unsigned "
    "original. Upload the PDF before anyone signed it."
)
BOMB = "Tệp PDF chứa dữ liệu nén bất thường (có thể là bom giải nén): tệp không được mở."
DAMAGED = "Tệp PDF bị hỏng hoặc không đọc được"

qpdf_missing = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")


def strict_reader(content: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(content), strict=True)


@pytest.mark.parametrize(
    "make",
    [pdfs.unsigned_pdf, lambda: helpers.render([]).content],
    ids=["classic-table", "rendered"],
)
def test_a_pdf_pyhanko_signs_over_is_kept_byte_for_byte(make):
    content = make()
    assert preparation.signable_base(content) == content


@pytest.mark.parametrize("content", [pdfs.word_export_pdf(), pdfs.hybrid_xref_pdf()])
def test_hybrid_cross_references_are_rewritten_into_a_classic_file(content):
    assert strict_reader(content).xrefs.hybrid_xrefs_present
    base = preparation.signable_base(content)
    reader = strict_reader(base)
    assert not reader.xrefs.hybrid_xrefs_present
    assert "/XRefStm" not in reader.trailer
    assert not reader.embedded_signatures
    assert reader.root["/Pages"]["/Count"] == 1


def test_a_file_only_a_lenient_reader_takes_is_rewritten():
    content = pdfs.misindexed_object_stream_pdf()
    with pytest.raises(PdfStrictReadError):
        strict_reader(content).root  # noqa: B018 (reads the catalog)
    base = strict_reader(preparation.signable_base(content))
    assert base.root["/Pages"]["/Count"] == 1


def test_pyhanko_signs_the_rewrite_and_not_the_word_export(dev_pki):
    word = pdfs.word_export_pdf()
    with pytest.raises(SigningError, match="hybrid cross-reference"):
        pdfs.sign_with_dev_pki(dev_pki, "an", word)
    signed = pdfs.sign_with_dev_pki(dev_pki, "an", preparation.signable_base(word))
    assert validation.validate_pdf(signed).ok


def test_the_tags_only_the_cross_reference_stream_lists_are_kept():
    base = strict_reader(preparation.signable_base(pdfs.word_export_pdf()))
    tags = base.root["/StructTreeRoot"]
    assert tags["/K"]["/S"] == "/P"


@pdftotext_missing
def test_the_rewrite_reads_the_same_in_poppler():
    word = pdfs.word_export_pdf()
    base = preparation.signable_base(word)
    assert (
        pdftotext(base).split() == pdftotext(word).split() == " ".join(pdfs.WORD_TEXT_LINES).split()
    )


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed")
def test_the_rewrite_looks_the_same_pixel_for_pixel():
    word = pdfs.word_export_pdf()
    page = render_page(word)
    header = b"P5\n414 585\n255\n"  # a grey map of the whole page
    assert page.startswith(header)
    assert sum(value < 128 for value in page[len(header) :]) > 100  # with the text on it
    assert render_page(preparation.signable_base(word)) == page


def render_page(content: bytes) -> bytes:
    """The first page at 50 dpi as a PGM image (pdftoppm writes it to stdout)."""
    result = subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-"],
        input=content,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout


@qpdf_missing
@pytest.mark.parametrize("content", [pdfs.word_export_pdf(), pdfs.hybrid_xref_pdf()])
def test_qpdf_finds_the_rewrite_sound(tmp_path, content):
    path = tmp_path / "base.pdf"
    path.write_bytes(preparation.signable_base(content))
    result = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


@pytest.mark.parametrize("strict", [True, False], ids=["classic", "hybrid"])
def test_a_signed_pdf_is_refused(dev_pki, strict):
    # A hybrid one would have to be rewritten, breaking the signature; a classic one would get
    # our fields and certification after a signature that may forbid them.
    content = pdfs.unsigned_pdf() if strict else pdfs.word_export_pdf()
    signed = pdfs.sign_with_dev_pki(dev_pki, "an", content, strict=strict)
    with pytest.raises(preparation.BaseRefused) as refused:
        preparation.signable_base(signed)
    assert str(refused.value) == gettext(SIGNED)


def test_an_encrypted_pdf_is_refused():
    with pytest.raises(preparation.BaseRefused) as refused:
        preparation.signable_base(pdfs.encrypted_pdf())
    assert str(refused.value) == gettext(ENCRYPTED)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (pdfs.signed_elsewhere_pdf()[:13000], DAMAGED),
        (pdfs.decompression_bomb_pdf(layers=2), BOMB),
    ],
    ids=["truncated", "bomb"],
)
def test_an_unreadable_pdf_is_refused_with_the_reason(content, expected):
    with pytest.raises(validation.UnreadablePdf) as refused:
        preparation.signable_base(content)
    assert str(refused.value).startswith(expected)

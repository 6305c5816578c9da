"""A document made from an uploaded PDF: a Word export is signed by two officials and validates;
what cannot become a signed document is refused with the reason, and nothing is stored.

qpdf and poppler (pdfsig, pdftotext) check the results independently. The newer messages are
asserted through gettext, so the tests hold before and after the catalogue is completed.
"""

import itertools
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from signatures import rendering, validation
from signatures.models import Document, RequestStatus, Revision, RevisionKind
from signatures.services import documents
from tests.signatures import helpers
from tests.signatures.poppler import pdftotext, pdftotext_missing
from tests.signatures.samples import pdfs
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

# Two signature spaces at the foot of the Word export's single page.
PLACEMENTS = (
    rendering.FieldPlacement("Sig01", "signature", 0, (60.0, 120.0, 260.0, 190.0)),
    rendering.FieldPlacement("Sig02", "signature", 0, (330.0, 120.0, 530.0, 190.0)),
)


def create(content: bytes, signers=()):
    return documents.create_document(
        title="Biên bản họp khối thi đua",
        document_type="test",
        rendered=rendering.RenderedPdf(content=content, fields=PLACEMENTS, page_count=1),
        signers=signers,
        by=None,
        level="B-T",
    )


def two_signers(dev_pki, dev_officials):
    """Two officials with their keystores, declared on Sig01 and Sig02."""
    identities = dev_officials[:2]
    users = [helpers.official_user(identity) for identity in identities]
    credentials = [helpers.pkcs12_credential(dev_pki, user) for user in users]
    declared = [
        documents.Signer(field=f"Sig0{position}", signer=user, title=identity.title)
        for position, (identity, user) in enumerate(zip(identities, users, strict=True), 1)
    ]
    return users, credentials, declared


@dataclass(frozen=True)
class SignedUpload:
    revisions: list[tuple[str, bytes]]  # (kind, content), oldest first
    audit: dict  # the data of the document.created event

    def content(self, kind: str) -> bytes:
        [content] = [content for revision_kind, content in self.revisions if revision_kind == kind]
        return content

    @property
    def final(self) -> bytes:
        return self.revisions[-1][1]


@pytest.fixture(scope="module")
def signed_word_export(django_db_setup, django_db_blocker, dev_pki, dev_officials):
    # Signed once for the module: what the tests read is kept, the database work rolled back.
    with django_db_blocker.unblock(), transaction.atomic():
        users, credentials, declared = two_signers(dev_pki, dev_officials)
        document = create(pdfs.word_export_pdf(), declared)
        for field, user, credential in zip(document.fields.all(), users, credentials, strict=True):
            request = helpers.sign(field, user, credential)
            assert request.status == RequestStatus.SIGNED, request.reason
        signed = SignedUpload(
            revisions=[(revision.kind, revision.read()) for revision in document.revisions.all()],
            audit=AuditEvent.objects.get(action="document.created").data,
        )
        transaction.set_rollback(True)
    return signed


@pytest.fixture
def signed_path(signed_word_export, tmp_path):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed_word_export.final)
    return path


def test_a_word_export_is_signed_by_two_officials_and_validates(signed_word_export):
    report = validation.validate_pdf(signed_word_export.final)
    assert report.ok, report.as_dict()
    assert [signature.field_name for signature in report.signatures] == ["Sig01", "Sig02"]
    assert report.signatures[0].certification


def test_the_upload_is_kept_and_the_signatures_build_on_its_rewrite(signed_word_export):
    kinds, contents = zip(*signed_word_export.revisions, strict=True)
    assert list(kinds) == [
        RevisionKind.UPLOADED,
        RevisionKind.RENDERED,
        RevisionKind.FIELDS,
        RevisionKind.SIGNATURE,
        RevisionKind.SIGNATURE,
    ]
    assert contents[0] == pdfs.word_export_pdf()
    for earlier, later in itertools.pairwise(contents[1:]):
        assert later.startswith(earlier)  # incremental updates of the rewrite
    assert signed_word_export.audit["base_rewritten"] is True


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf is not installed")
def test_qpdf_finds_the_signed_word_export_sound(signed_path):
    result = subprocess.run(["qpdf", "--check", str(signed_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler's pdfsig is not installed")
def test_pdfsig_finds_both_signatures_intact(signed_path):
    result = subprocess.run(["pdfsig", "-nocert", str(signed_path)], capture_output=True, text=True)
    assert result.stdout.count("Signature Validation: Signature is Valid.") == 2, result.stdout


@pdftotext_missing
def test_the_page_reads_as_uploaded(signed_word_export):
    uploaded = signed_word_export.content(RevisionKind.UPLOADED)
    rewritten = signed_word_export.content(RevisionKind.RENDERED)
    assert pdftotext(rewritten) == pdftotext(uploaded)
    final = " ".join(pdftotext(signed_word_export.final).split())
    assert " ".join(pdfs.WORD_TEXT_LINES) in final


def test_a_rendered_document_is_stored_as_it_is(dev_pki, dev_officials):
    *_rest, declared = two_signers(dev_pki, dev_officials)
    content = pdfs.unsigned_pdf()
    document = create(content, declared)
    assert [revision.kind for revision in document.revisions.all()] == [
        RevisionKind.RENDERED,
        RevisionKind.FIELDS,
    ]
    assert document.revisions.get(kind=RevisionKind.RENDERED).read() == content


SIGNED = (
    "The PDF already carries a digital signature: a document is signed here from its unsigned "
    "original. Upload the PDF before anyone signed it."
)
ENCRYPTED = (
    "The PDF is protected by a password (encrypted): save or export it again without a "
    "password, then upload it."
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (pdfs.signed_elsewhere_pdf(), SIGNED),
        (pdfs.encrypted_pdf(), ENCRYPTED),
        (pdfs.signed_elsewhere_pdf()[:13000], "Tệp PDF bị hỏng hoặc không đọc được"),
        (pdfs.png_image(), "Tệp không phải văn bản PDF: đây là ảnh PNG."),
        (b"", "Tệp trống, không có nội dung."),
    ],
    ids=["signed", "encrypted", "truncated", "png", "empty"],
)
def test_what_cannot_become_a_signed_document_is_refused(content, expected):
    with pytest.raises(ValidationError) as refused:
        create(content)
    [message] = refused.value.messages
    assert message.startswith(gettext(expected))  # the translated ones translate to themselves
    assert not Document.objects.exists() and not Revision.objects.exists()


def test_an_oversized_pdf_is_refused_without_being_read(settings):
    settings.SIGNING_PDF_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as refused:
        create(pdfs.word_export_pdf() + bytes(1024))
    [message] = refused.value.messages
    assert message.startswith("Tệp quá lớn")
    assert not Document.objects.exists()

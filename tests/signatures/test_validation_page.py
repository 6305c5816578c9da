"""The "Check signatures" pages: upload, the job's page while checking, then its report."""

import copy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from signatures.forms import ValidationUploadForm
from signatures.models import ValidationJob, ValidationStatus
from signatures.services import uploads
from tests.signatures.samples import pdfs

pytestmark = pytest.mark.django_db

UNTRUSTED = "Chứng thư số của người ký không dẫn tới chứng thư gốc tin cậy."
REFRESH = '<meta http-equiv="refresh" content="2">'


@pytest.fixture(autouse=True)
def trusted_roots(dev_pki):
    return dev_pki


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def official(make_user, client):
    user = make_user(first_name="Nguyễn Văn", last_name="An")
    client.force_login(user)
    return user


def index_url() -> str:
    return reverse("thidua:validation:index")


def job_url(job) -> str:
    return reverse("thidua:validation:detail", args=[job.pk])


def upload(client, content: bytes, name: str = "giao-uoc.pdf", **data):
    file = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(index_url(), {"file": file, **data})


def checked(client, content: bytes, **data) -> ValidationJob:
    """Upload, then run the queued check as the worker would."""
    response = upload(client, content, **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ValidationJob.objects.latest("pk")
    assert response["Location"] == job_url(job)
    return uploads.run_validation(job.pk)


# -- the upload page ----------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    for url in [index_url(), reverse("thidua:validation:detail", args=[1])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_upload_form(client, official):
    response = client.get(index_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert gettext("Check signatures") in page
    assert 'enctype="multipart/form-data"' in page
    assert 'name="file"' in page
    assert 'name="fetch_revocation"' in page
    assert gettext("Also fetch revocation data (OCSP/CRL) online") in page


def test_an_upload_is_stored_queued_and_shown_as_being_checked(
    client, official, django_capture_on_commit_callbacks
):
    content = pdfs.signed_elsewhere_pdf()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content, fetch_revocation="on")
    job = ValidationJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    assert (job.requested_by, job.file_name, job.size) == (official, "giao-uoc.pdf", len(content))
    assert job.fetch_revocation is True
    assert DBTaskResult.objects.get().args_kwargs["args"] == [job.pk, "vi"]

    page = client.get(job_url(job)).content.decode()
    assert gettext("Checking…") in page
    assert REFRESH in page
    assert 'data-verdict="pending"' in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pdfs.png_image(), "The file is not a PDF document: it is %(kind)s."),
        (b"Bien ban hop\n", "The file is not a PDF document: it is a text file."),
        (b"", "The file is empty."),
    ],
    ids=["png", "text", "empty"],
)
def test_what_is_not_a_pdf_is_refused_in_the_form(client, official, content, message):
    response = upload(client, content, name="anh.png")
    assert response.status_code == 200
    page = response.content.decode()
    assert gettext(message) % {"kind": gettext("a PNG image")} in page
    assert 'data-testid="form-errors"' in page
    assert not ValidationJob.objects.exists()


def test_an_oversized_file_is_refused_in_the_form(client, official, settings):
    settings.SIGNING_PDF_MAX_BYTES = 1024
    response = upload(client, b"%PDF-1.7\n" + bytes(2048))
    expected = gettext("The file is too large: %(size)s, at most %(limit)s are accepted.") % {
        "size": "2,0\xa0KB",
        "limit": "1,0\xa0KB",
    }
    assert expected in response.content.decode()
    assert not ValidationJob.objects.exists()


def test_no_file_at_all_is_refused(client, official):
    response = client.post(index_url(), {})
    assert gettext("Choose the PDF file to check.") in response.content.decode()


class _Unreadable(SimpleUploadedFile):
    """An upload whose size alone must decide: reading it fails the test."""

    def read(self, *args):
        raise AssertionError("an oversized upload must not be read")

    chunks = read


def test_the_form_refuses_an_oversized_upload_from_its_size_alone(settings):
    settings.SIGNING_PDF_MAX_BYTES = 1024
    upload = _Unreadable("big.pdf", b"%PDF-" + bytes(4096), content_type="application/pdf")
    form = ValidationUploadForm(data={}, files={"file": upload})
    assert not form.is_valid()
    assert form.errors["file"] == [
        gettext("The file is too large: %(size)s, at most %(limit)s are accepted.")
        % {"size": "4,0\xa0KB", "limit": "1,0\xa0KB"}
    ]


# -- the job's page -----------------------------------------------------------------------------


def test_a_document_signed_elsewhere_is_reported_untrusted(client, official):
    job = checked(client, pdfs.signed_elsewhere_pdf())
    response = client.get(job_url(job))
    page = response.content.decode()
    assert 'data-verdict="bad"' in page
    assert gettext("The signatures of this document are not all valid") in page
    assert page.count(UNTRUSTED) == 4  # two signatures: in the banner and in each card
    assert 'data-testid="signature-1"' in page and 'data-testid="signature-2"' in page
    assert pdfs.SIGNER_NAME in page
    assert REFRESH not in page
    for label in ["Signer", "Certificate issuer", "Certificate chain", "Changes after signing"]:
        assert gettext(label) in page


def test_a_valid_document_gets_the_green_verdict(client, official, dev_pki):
    job = checked(client, pdfs.sign_with_dev_pki(dev_pki, "an", certify=True))
    page = client.get(job_url(job)).content.decode()
    assert 'data-verdict="ok"' in page
    assert gettext("All signatures are valid") in page
    assert "Nguyễn Văn An" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pdfs.signed_elsewhere_pdf()[:13000], "Tệp PDF bị hỏng hoặc không đọc được"),
        (pdfs.encrypted_pdf(), "Tệp PDF được mã hóa: không kiểm tra được chữ ký."),
        (pdfs.decompression_bomb_pdf(layers=2), "Tệp PDF chứa dữ liệu nén bất thường"),
        (pdfs.hybrid_xref_pdf(), "Tệp không có chữ ký số nào."),
        (pdfs.unsigned_pdf(), "Tệp không có chữ ký số nào."),
    ],
    ids=["truncated", "encrypted", "bomb", "hybrid", "unsigned"],
)
def test_a_pdf_that_fails_shows_why(client, official, content, message):
    job = checked(client, content)
    assert job.status == ValidationStatus.DONE
    response = client.get(job_url(job))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="bad"' in page
    assert gettext("No valid signature could be confirmed") in page
    assert message in page


def test_a_failed_check_shows_its_reason(client, official, monkeypatch):
    def explode(content, *, fetch):
        raise RuntimeError("boom in the validator")

    monkeypatch.setattr("signatures.validation.validate_pdf", explode)
    job = checked(client, pdfs.unsigned_pdf())
    page = client.get(job_url(job)).content.decode()
    assert 'data-verdict="failed"' in page
    assert gettext("The file could not be checked") in page
    assert "boom in the validator" in page
    assert REFRESH not in page


def test_only_the_uploader_sees_a_job(client, official, make_user):
    job = checked(client, pdfs.unsigned_pdf())
    client.force_login(make_user())
    assert client.get(job_url(job)).status_code == 404
    assert client.get(reverse("thidua:validation:detail", args=[job.pk + 1000])).status_code == 404
    assert job.file_name not in client.get(index_url()).content.decode()


def test_the_upload_page_lists_my_recent_checks(client, official):
    job = checked(client, pdfs.unsigned_pdf())
    page = client.get(index_url()).content.decode()
    assert 'data-testid="recent-checks"' in page
    assert job_url(job) in page


def test_the_job_page_reads_the_same_queries_for_1_and_20_signatures(client, official):
    job = checked(client, pdfs.signed_elsewhere_pdf())
    signature = job.report["signatures"][0]

    def queries_for(count: int) -> int:
        report = {**job.report, "signatures": [copy.deepcopy(signature) for _ in range(count)]}
        ValidationJob.objects.filter(pk=job.pk).update(report=report)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(job_url(job))
        assert response.content.decode().count('data-testid="signature-') == count
        return len(captured)

    assert queries_for(1) == queries_for(20)

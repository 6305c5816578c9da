"""Checking uploaded PDFs: bad files get a precise message, jobs always end, reports are kept.

The messages of validation.py are translated already and asserted in Vietnamese; the newer ones
are asserted through gettext, so the tests hold before and after the catalogue is completed.
"""

import gc
import hashlib
import json
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from signatures import validation
from signatures.models import ValidationJob, ValidationStatus, revision_path
from signatures.services import uploads
from tests.signatures import helpers
from tests.signatures.samples import pdfs
from workflows.models import AuditEvent

NOT_A_PDF = "Tệp không phải văn bản PDF."
NO_SIGNATURE = "Tệp không có chữ ký số nào."
ENCRYPTED = "Tệp PDF được mã hóa: không kiểm tra được chữ ký."
BOMB = "Tệp PDF chứa dữ liệu nén bất thường (có thể là bom giải nén): tệp không được mở."
DAMAGED = "Tệp PDF bị hỏng hoặc không đọc được"
UNTRUSTED = "Chứng thư số của người ký không dẫn tới chứng thư gốc tin cậy."


@pytest.fixture(autouse=True)
def trusted_roots(dev_pki):
    # SIGNING_TRUST_ROOTS = the development root: every check below has roots to read.
    return dev_pki


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(scope="module")
def bomb():
    return pdfs.decompression_bomb_pdf()


def truncated(content: bytes) -> bytes:
    return content[: len(content) // 2]


# -- validate_pdf on bad and unusual files ------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [pdfs.png_image(), b"Bien ban hop ngay 21/11/2026\n", b"", b"   \n\t"],
    ids=["png", "text", "empty", "white-space"],
)
def test_what_is_not_a_pdf_is_named_so(content):
    report = validation.validate_pdf(content)
    assert (report.ok, report.problems, report.signatures) == (False, [NOT_A_PDF], [])


def test_a_signed_pdf_cut_in_half_is_damaged():
    report = validation.validate_pdf(truncated(pdfs.signed_elsewhere_pdf()))
    assert not report.ok
    assert report.signatures == []
    [problem] = report.problems
    assert problem.startswith(DAMAGED)


def test_an_encrypted_pdf_is_refused():
    report = validation.validate_pdf(pdfs.encrypted_pdf())
    assert (report.problems, report.signatures) == ([ENCRYPTED], [])


def test_an_oversized_file_is_refused_with_both_sizes(settings):
    settings.SIGNING_PDF_MAX_BYTES = 2 * 2**20
    report = validation.validate_pdf(b"%PDF-1.7\n" + bytes(3 * 2**20))
    assert report.problems == ["Tệp quá lớn (3.0 MB; tối đa 2.0 MB)."]


def test_a_decompression_bomb_is_stopped_quickly(bomb):
    assert len(bomb) < 400_000  # inflates to 300 MB
    started = time.monotonic()
    report = validation.validate_pdf(bomb)
    assert time.monotonic() - started < 5
    assert report.problems == [BOMB]


def test_a_bomb_of_stacked_filters_is_stopped_too():
    bomb = pdfs.decompression_bomb_pdf(layers=2)
    assert len(bomb) < 5_000
    assert validation.validate_pdf(bomb).problems == [BOMB]


def test_a_hybrid_reference_file_from_word_is_read():
    # The catalog is reachable only through /XRefStm: a report, not a damaged file.
    report = validation.validate_pdf(pdfs.hybrid_xref_pdf())
    assert (report.problems, report.signatures) == ([NO_SIGNATURE], [])


def test_a_hybrid_reference_file_signed_afterwards_is_valid(dev_pki):
    # pyHanko signs such files only when told to read them leniently (strict=False).
    content = pdfs.sign_with_dev_pki(dev_pki, "an", pdfs.hybrid_xref_pdf(), strict=False)
    report = validation.validate_pdf(content)
    assert report.ok, report.as_dict()


def test_a_pdf_without_signature_says_so():
    report = validation.validate_pdf(pdfs.unsigned_pdf())
    assert (report.ok, report.problems, report.signatures) == (False, [NO_SIGNATURE], [])


def test_a_pdf_signed_by_a_dev_official_is_valid(dev_pki):
    report = validation.validate_pdf(pdfs.sign_with_dev_pki(dev_pki, "an", certify=True))
    assert report.ok, report.as_dict()
    [signature] = report.signatures
    assert (signature.signer, signature.chain, signature.certification) == (
        "Nguyễn Văn An",
        "trusted",
        True,
    )


def test_the_cycle_collector_is_paused_while_pyhanko_validates(dev_pki, monkeypatch):
    content = pdfs.sign_with_dev_pki(dev_pki, "an", certify=True)
    collector_enabled = []
    real_context = validation.trust.validation_context

    def context_noting_the_collector(**kwargs):  # called when the signatures are checked
        collector_enabled.append(gc.isenabled())
        return real_context(**kwargs)

    monkeypatch.setattr(validation.trust, "validation_context", context_noting_the_collector)
    report = validation.validate_pdf(content)

    assert report.ok
    assert collector_enabled == [False]
    assert gc.isenabled()


def test_pauses_overlap_across_threads_and_keep_a_collector_someone_disabled():
    first_in, second_done = threading.Event(), threading.Event()

    def second():
        first_in.wait()
        with validation.cycle_collector_paused():
            assert not gc.isenabled()
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with validation.cycle_collector_paused():
        first_in.set()
        second_done.wait()
        assert not gc.isenabled()  # the other pause ended, this one goes on
    thread.join()
    assert gc.isenabled()

    gc.disable()
    try:
        with validation.cycle_collector_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_a_signature_whose_algorithm_does_not_fit_its_key_says_so():
    report = validation.validate_pdf(pdfs.mismatched_algorithm_pdf())
    assert report.signatures[0].problems == [
        "Không đọc được chữ ký này (thuật toán của chữ ký không khớp với khóa của người ký)."
    ]


def test_a_pdf_signed_elsewhere_is_intact_and_valid_but_untrusted():
    report = validation.validate_pdf(pdfs.signed_elsewhere_pdf())
    assert not report.ok
    assert report.problems == []
    assert [s.field_name for s in report.signatures] == ["Sig1", "Sig2"]
    for signature in report.signatures:
        assert (signature.intact, signature.valid, signature.trusted) == (True, True, False)
        assert signature.chain == "untrusted"
        assert signature.signer == pdfs.SIGNER_NAME
        assert UNTRUSTED in signature.problems
        assert signature.timestamp is not None  # B-T, by a TSA of the same foreign chain
    first, second = report.signatures
    assert first.certification and first.certification_respected
    assert (first.coverage, second.coverage) == ("entire_revision", "entire_file")


# -- the upload rules ---------------------------------------------------------------------------


def refusal(content: bytes) -> str:
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(size=len(content), read_head=lambda count: content[:count])
    [message] = refused.value.messages
    return message


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (pdfs.png_image(), "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (
            b"PK\x03\x04\x14\x00\x06\x00",
            "a ZIP archive, such as a Word (.docx) or Excel (.xlsx) file",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "an older Word or Excel file (.doc, .xls)"),
    ],
    ids=["png", "jpeg", "docx", "doc"],
)
def test_an_upload_that_is_not_a_pdf_is_named(content, kind):
    expected = gettext("The file is not a PDF document: it is %(kind)s.") % {"kind": gettext(kind)}
    assert refusal(content) == expected


def test_a_text_file_is_named_a_text_file():
    message = refusal("Biên bản họp ngày 21/11/2026\r\n".encode())
    assert message == gettext("The file is not a PDF document: it is a text file.")


def test_unknown_bytes_are_simply_not_a_pdf():
    assert refusal(bytes(range(256))) == NOT_A_PDF


def test_an_empty_upload_is_refused():
    assert refusal(b"") == gettext("The file is empty.")


def test_an_oversized_upload_is_refused_before_it_is_read(settings):
    settings.SIGNING_PDF_MAX_BYTES = 1024

    def never(count):
        raise AssertionError("an oversized upload must not be read")

    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(size=5000, read_head=never)
    assert refused.value.messages == [
        gettext("The file is too large: %(size)s, at most %(limit)s are accepted.")
        % {"size": "4,9\xa0KB", "limit": "1,0\xa0KB"}
    ]


# -- jobs ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upload_is_stored_by_its_hash_and_queued_once_committed(
    make_user, media, django_capture_on_commit_callbacks
):
    content, user = pdfs.signed_elsewhere_pdf(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        job = uploads.submit_validation(
            content=content, file_name="giao-uoc.pdf", user=user, fetch=False
        )
    assert job.status == ValidationStatus.PENDING
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    assert (job.size, job.file_name, job.requested_by) == (len(content), "giao-uoc.pdf", user)
    with default_storage.open(revision_path(job.sha256), "rb") as stored:
        assert stored.read() == content
    task = DBTaskResult.objects.get(task_path="signatures.tasks.validate_uploaded")
    assert task.args_kwargs["args"] == [job.pk, "vi"]
    event = AuditEvent.objects.get(action="validation.requested")
    assert (event.actor, event.data["sha256"]) == (user, job.sha256)


@pytest.mark.django_db
def test_a_refused_upload_leaves_no_job(make_user, media):
    with pytest.raises(ValidationError):
        uploads.submit_validation(
            content=pdfs.png_image(), file_name="anh.png", user=make_user(), fetch=False
        )
    assert not ValidationJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def submitted(content: bytes, user, **options) -> ValidationJob:
    return uploads.submit_validation(
        content=content, file_name="tep.pdf", user=user, fetch=False, **options
    )


@pytest.mark.django_db
def test_a_job_ends_with_the_report(make_user, media):
    job = submitted(pdfs.signed_elsewhere_pdf(), make_user())
    done = uploads.run_validation(job.pk)
    stored = ValidationJob.objects.get(pk=job.pk)
    assert stored.status == done.status == ValidationStatus.DONE
    assert stored.finished_at is not None
    assert stored.report == validation.validate_pdf(pdfs.signed_elsewhere_pdf()).as_dict()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (truncated(pdfs.signed_elsewhere_pdf()), DAMAGED),
        (pdfs.encrypted_pdf(), ENCRYPTED),
        (pdfs.decompression_bomb_pdf(layers=2), BOMB),
        (pdfs.hybrid_xref_pdf(), NO_SIGNATURE),
        (pdfs.unsigned_pdf(), NO_SIGNATURE),
    ],
    ids=["truncated", "encrypted", "bomb", "hybrid", "unsigned"],
)
def test_a_bad_pdf_is_checked_and_reported(make_user, media, content, expected):
    job = uploads.run_validation(submitted(content, make_user()).pk)
    assert job.status == ValidationStatus.DONE
    [problem] = job.report["problems"]
    assert problem.startswith(expected)
    assert job.report["ok"] is False


@pytest.mark.django_db
def test_an_unexpected_error_ends_the_job_as_failed(make_user, media, monkeypatch, caplog):
    job = submitted(pdfs.unsigned_pdf(), make_user())

    def explode(content, *, fetch):
        raise RuntimeError("boom in the validator")

    monkeypatch.setattr(validation, "validate_pdf", explode)
    uploads.run_validation(job.pk)
    job.refresh_from_db()
    assert job.status == ValidationStatus.FAILED
    assert job.report["problems"] == [
        gettext("The check could not be completed because of an unexpected error (%(detail)s).")
        % {"detail": "boom in the validator"}
    ]
    assert "boom in the validator" in caplog.text  # logged with its traceback, for the operator


@pytest.mark.django_db
def test_unreadable_trust_roots_end_the_job_as_failed(make_user, media, settings):
    job = submitted(pdfs.signed_elsewhere_pdf(), make_user())
    settings.SIGNING_TRUST_ROOTS = [str(media / "missing-root.pem")]
    job = uploads.run_validation(job.pk)
    assert job.status == ValidationStatus.FAILED
    [problem] = job.report["problems"]
    assert "missing-root.pem" in problem


@pytest.mark.django_db
def test_a_stored_file_gone_or_altered_ends_the_job_as_failed(make_user, media):
    user = make_user()
    gone = submitted(pdfs.unsigned_pdf(), user)
    default_storage.delete(revision_path(gone.sha256))
    altered = submitted(pdfs.signed_elsewhere_pdf(), user)
    (media / revision_path(altered.sha256)).write_bytes(pdfs.unsigned_pdf())

    assert uploads.run_validation(gone.pk).report["problems"] == [
        gettext("The uploaded file is no longer in storage.")
    ]
    assert uploads.run_validation(altered.pk).report["problems"] == [
        gettext("The stored file does not match the uploaded one (SHA-256).")
    ]
    assert set(ValidationJob.objects.values_list("status", flat=True)) == {"failed"}


@pytest.mark.django_db
def test_a_finished_job_is_not_checked_again(make_user, media, monkeypatch):
    job = uploads.run_validation(submitted(pdfs.unsigned_pdf(), make_user()).pk)
    monkeypatch.setattr(validation, "validate_pdf", pytest.fail)
    assert uploads.run_validation(job.pk).report == job.report
    assert uploads.run_validation(10**9) is None  # a job deleted meanwhile


@pytest.mark.django_db
def test_the_report_speaks_the_uploaders_language(
    make_user, media, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        job = submitted(pdfs.unsigned_pdf(), make_user())
    [language] = DBTaskResult.objects.get().args_kwargs["args"][1:]
    job = uploads.run_validation(job.pk, language=language)
    assert job.report["problems"] == ["The document carries no digital signature."]


@pytest.mark.django_db(transaction=True)
def test_the_worker_checks_an_uploaded_pdf(make_user, media, dev_pki):
    job = submitted(pdfs.sign_with_dev_pki(dev_pki, "binh"), make_user())
    helpers.run_pending_tasks()
    job.refresh_from_db()
    assert job.status == ValidationStatus.DONE
    assert job.report["ok"] is True
    assert job.report["signatures"][0]["signer"] == "Trần Thị Bình"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


# -- inputs found by fuzzing (test_fuzz_validation.py) ------------------------------------------


class ValidationRaised(Exception):
    """validate_pdf raised instead of reporting: the bug the marker below expects."""


def report_of(content: bytes) -> validation.ValidationReport:
    try:
        return validation.validate_pdf(content)
    except Exception as error:  # any: a regression must end as a report
        raise ValidationRaised(f"{type(error).__name__}: {error}") from error


UNREADABLE_FILES = [
    "regression-startxref-overflow.pdf",
    "regression-malformed-number.pdf",
    "regression-catalog-not-a-dictionary.pdf",
    "regression-startxref-not-an-xref-stream.pdf",
]
UNREADABLE_SIGNATURES = [
    "regression-unknown-digest-algorithm.pdf",
    "regression-unknown-content-type.pdf",
    "regression-page-tree-null-kid.pdf",
]


UNCOPYABLE_REPORTS = ["regression-unparsable-xmp.pdf"]


def test_every_regression_sample_is_tested():
    assert set(pdfs.regression_samples()) == {
        *UNREADABLE_FILES,
        *UNREADABLE_SIGNATURES,
        *UNCOPYABLE_REPORTS,
    }


@pytest.mark.parametrize("name", UNREADABLE_FILES)
def test_a_pdf_that_breaks_the_parser_is_reported_damaged(name):
    report = report_of(pdfs.regression_samples()[name])
    assert report.signatures == []
    [problem] = report.problems
    assert problem.startswith(DAMAGED)


@pytest.mark.parametrize("name", UNREADABLE_SIGNATURES)
def test_a_signature_that_breaks_the_validator_is_reported_unreadable(name):
    report = report_of(pdfs.regression_samples()[name])
    assert not report.ok
    assert report.signatures
    assert any(
        problem.startswith("Không đọc được chữ ký này")
        for signature in report.signatures
        for problem in signature.problems
    )


def dict_of(content: bytes) -> dict:
    report = validation.validate_pdf(content)
    try:
        return report.as_dict()
    except Exception as error:  # any: a regression must end as a report
        raise ValidationRaised(f"{type(error).__name__}: {error}") from error


def test_a_report_whose_document_cannot_be_copied_still_serialises():
    data = dict_of(pdfs.regression_samples()["regression-unparsable-xmp.pdf"])
    assert data["signatures"][0]["modification"] == "other"


def test_a_report_holds_plain_strings():
    data = validation.validate_pdf(pdfs.signed_elsewhere_pdf()).as_dict()
    assert [type(signature["field_name"]) for signature in data["signatures"]] == [str, str]


def test_a_report_never_copies_the_document():
    report = validation.validate_pdf(pdfs.regression_samples()["regression-unparsable-xmp.pdf"])
    data = report.as_dict()
    assert [type(signature["field_name"]) for signature in data["signatures"]] == [str, str]
    assert [signature["modification"] for signature in data["signatures"]] == ["other", "none"]
    assert json.loads(json.dumps(data)) == data


@pytest.mark.django_db
def test_a_job_on_a_document_that_cannot_be_copied_is_done(make_user, media):
    content = pdfs.regression_samples()["regression-unparsable-xmp.pdf"]
    job = uploads.run_validation(submitted(content, make_user()).pk)
    assert job.status == ValidationStatus.DONE
    assert len(job.report["signatures"]) == 2

"""Checking the signatures of an uploaded PDF: early refusals, the job, its report."""

import codecs
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from signatures import validation
from signatures.models import (
    PDF_SUFFIX,
    REVISIONS_FOLDER,
    ValidationJob,
    ValidationStatus,
    store_content,
)
from workflows.background import enqueue_on_commit
from workflows.services import record_event
from workflows.storage import ContentAltered, read_content

logger = logging.getLogger(__name__)

#: Enough of a file to recognise it: PDF readers accept the header in the first 1024 bytes.
UPLOAD_HEAD_BYTES = 1024


# What officials upload by mistake, recognised by their first bytes, to say what the file is.
KNOWN_NOT_PDF = [
    (b"\x89PNG\r\n\x1a\n", gettext_lazy("a PNG image")),
    (b"\xff\xd8\xff", gettext_lazy("a JPEG image")),
    (b"PK\x03\x04", gettext_lazy("a ZIP archive, such as a Word (.docx) or Excel (.xlsx) file")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", gettext_lazy("an older Word or Excel file (.doc, .xls)")),
]


def check_upload(*, size: int, read_head: Callable[[int], bytes]) -> None:
    """Refuse a file that cannot be a PDF to check, with a precise message (ValidationError).

    Decided from the size and the first bytes only: ``read_head(n)`` is called once the size
    is known to be acceptable, so an oversized upload is never read.
    """
    if size == 0:
        raise ValidationError(_("The file is empty."))
    limit = settings.SIGNING_PDF_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is too large: %(size)s, at most %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    head = read_head(UPLOAD_HEAD_BYTES)
    # The same test as validation.validate_pdf: a header after leading white space.
    if head.lstrip()[:5] != b"%PDF-":
        raise ValidationError(_not_a_pdf(head))


def _not_a_pdf(head: bytes) -> str:
    for magic, kind in KNOWN_NOT_PDF:
        if head.startswith(magic):
            return _("The file is not a PDF document: it is %(kind)s.") % {"kind": kind}
    # Decoded incrementally: a character cut at the end of the head is no reason to doubt.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head)
    if "\ufffd" not in text and all(char.isprintable() or char in "\t\r\n" for char in text):
        return _("The file is not a PDF document: it is a text file.")
    return _("The file is not a PDF document.")


@transaction.atomic
def submit_validation(
    *, content: bytes, file_name: str, user, fetch: bool = False
) -> ValidationJob:
    """Store an uploaded PDF (content-addressed) and queue the check of its signatures.

    The check runs as a task (``tasks.validate_uploaded``): with ``fetch`` it asks OCSP
    responders and CRL servers, which may take long. The report is written in the language
    active now, the uploader's.
    """
    check_upload(size=len(content), read_head=lambda count: content[:count])
    job = ValidationJob.objects.create(
        sha256=store_content(content),
        file_name=file_name[:255],
        size=len(content),
        fetch_revocation=fetch,
        requested_by=user,
    )
    record_event(
        "validation.requested",
        actor=user,
        obj=job,
        data={"sha256": job.sha256, "file_name": job.file_name, "fetch": fetch},
    )
    enqueue_on_commit("signatures.validate_uploaded", job.pk, translation.get_language())
    return job


def run_validation(job_id: int, *, language: str | None = None) -> ValidationJob | None:
    """Check a pending job's PDF now (the task's body) and store the report in the job.

    Whatever the file does to the validator, the job ends: an unexpected exception ends it as
    failed, with the reason, instead of leaving it pending for ever. No lock is held while the
    check runs (it may wait for OCSP responders); the final write only ends a pending job.
    """
    job = ValidationJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ValidationStatus.PENDING:
        return job
    with translation.override(language or settings.LANGUAGE_CODE):
        try:
            report = validation.validate_pdf(_uploaded_content(job), fetch=job.fetch_revocation)
            job.status, job.report = ValidationStatus.DONE, report.as_dict()
        except Exception as error:  # any: the job must end, see above
            logger.exception("Validation job %s could not be completed", job.pk)
            job.status = ValidationStatus.FAILED
            job.report = {"ok": False, "problems": [validation_failure(error)], "signatures": []}
    job.finished_at = timezone.now()
    ValidationJob.objects.filter(pk=job.pk, status=ValidationStatus.PENDING).update(
        status=job.status, report=job.report, finished_at=job.finished_at
    )
    return job


class UploadUnavailable(Exception):
    """The stored upload is gone or altered; the message says which."""


def _uploaded_content(job: ValidationJob) -> bytes:
    try:
        return read_content(REVISIONS_FOLDER, job.sha256, PDF_SUFFIX)
    except FileNotFoundError as error:
        raise UploadUnavailable(_("The uploaded file is no longer in storage.")) from error
    except ContentAltered as error:
        raise UploadUnavailable(
            _("The stored file does not match the uploaded one (SHA-256).")
        ) from error


def validation_failure(error: Exception) -> str:
    """Why a check could not be completed, for the job page and verify_pdf."""
    if isinstance(error, UploadUnavailable):
        return str(error)
    if isinstance(error, OSError):
        return _(
            "The check could not be completed: a file or service could not be reached (%(detail)s)."
        ) % {"detail": error}
    return _("The check could not be completed because of an unexpected error (%(detail)s).") % {
        "detail": str(error) or type(error).__name__
    }

"""Every write of the signatures app: atomic, checked, recorded in the audit log."""

import asyncio
import codecs
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.sign.general import SigningError

from signatures import pades, preparation, providers, signals, stamps, trust, validation
from signatures.keystores import KeystoreLocked, seal, unseal
from signatures.models import (
    Credential,
    Document,
    FieldKind,
    Provider,
    RequestStatus,
    Revision,
    RevisionKind,
    SignatureField,
    SigningLevel,
    SigningRequest,
    ValidationJob,
    ValidationStatus,
    revision_path,
    store_content,
)
from workflows.services import record_event, require_permission

logger = logging.getLogger(__name__)


def person_name(user) -> str:
    # workflows.models has the same one-liner; signatures may use workflows for the audit log
    # only (docs/architecture.md), so it keeps its own.
    return user.get_full_name() or user.get_username()


def _pem(certificates) -> str:
    return "".join(pem.armor("CERTIFICATE", cert.dump()).decode() for cert in certificates)


@transaction.atomic
def register_credential(
    *,
    user,
    provider: str,
    certificate: bytes,
    chain: bytes = b"",
    keystore: bytes | None = None,
    config: dict | None = None,
    label: str = "",
    by,
    context=None,
) -> Credential:
    """Register ``user``'s signing certificate after checking it may sign now.

    ``certificate`` and ``chain`` are PEM or DER; ``keystore`` is the PKCS#12 file (sealed here)
    for the PKCS#12 provider. ``context`` lets the caller supply revocation data (the dev PKI
    registers its own certificates before its OCSP responder runs).
    """
    if by is not None and by.pk != user.pk:
        require_permission(
            by,
            "signatures.add_credential",
            _("You may register signing credentials only for yourself."),
        )
    [cert] = trust.load_certificates(certificate)[:1]
    intermediates = trust.load_certificates(chain) if chain else []
    trust.check_certificate(cert, intermediates, context=context)
    if provider == Provider.PKCS12 and not keystore:
        raise trust.CertificateRefused(_("A personal keystore (PKCS#12 file) is required."))
    credential = Credential.objects.create(
        user=user,
        provider=provider,
        label=label,
        certificate=cert.dump(),
        chain=_pem(intermediates),
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        valid_from=cert["tbs_certificate"]["validity"]["not_before"].native,
        valid_to=cert["tbs_certificate"]["validity"]["not_after"].native,
        keystore=seal(keystore) if keystore else None,
        config=config or {},
    )
    record_event(
        "credential.registered",
        actor=by,
        on_behalf_of=user,
        obj=credential,
        data={
            "provider": provider,
            "subject": credential.subject,
            "fingerprint": credential.fingerprint,
        },
    )
    return credential


def register_keystore(*, user, keystore: bytes, pin: str, label: str = "", by) -> Credential:
    """Register a personal PKCS#12 keystore: it must open with ``pin``; its certificate and
    chain come from inside it, and are checked like any other credential."""
    try:
        _key, certificate, extra = pkcs12.load_key_and_certificates(keystore, pin.encode())
    except ValueError as error:
        raise KeystoreLocked(
            _("The keystore does not open with this PIN (or it is not a PKCS#12 file).")
        ) from error
    if certificate is None:
        raise trust.CertificateRefused(_("The keystore holds no certificate."))
    der = serialization.Encoding.DER
    chain = b"".join(pem.armor("CERTIFICATE", cert.public_bytes(der)) for cert in extra or ())
    return register_credential(
        user=user,
        provider=Provider.PKCS12,
        certificate=certificate.public_bytes(der),
        chain=chain,
        keystore=keystore,
        label=label,
        by=by,
    )


@transaction.atomic
def withdraw_credential(*, credential: Credential, by) -> Credential:
    if by is not None and by.pk != credential.user_id:
        require_permission(
            by,
            "signatures.change_credential",
            _("You may withdraw only your own signing credentials."),
        )
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
        record_event(
            "credential.withdrawn",
            actor=by,
            on_behalf_of=credential.user,
            obj=credential,
            data={"fingerprint": credential.fingerprint},
        )
    return credential


# -- documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredSigner:
    """Who signs which field of a document, as printed in his stamp."""

    field: str
    signer: object
    title: str = ""
    unit: str = ""
    kind: str = FieldKind.PERSONAL


def _add_revision(document: Document, content: bytes, kind: str, by) -> Revision:
    latest = document.revisions.order_by("-number").values_list("number", flat=True).first()
    return Revision.objects.create(
        document=document,
        number=0 if latest is None else latest + 1,
        kind=kind,
        sha256=store_content(content),
        size=len(content),
        created_by=by,
    )


@transaction.atomic
def create_document(
    *,
    title: str,
    document_type: str,
    rendered,
    signers,
    by,
    level: str | None = None,
    certify: bool = True,
) -> Document:
    """Store a rendered PDF (``rendering.RenderedPdf``) and the revision adding its fields.

    ``signers`` declares, for every signature placeholder to sign, who signs it.
    """
    pdf, placements = rendered.content, rendered.fields
    placed = {placement.name: placement for placement in placements}
    for declared in signers:
        expected = "organisation" if declared.kind == FieldKind.ORGANISATION else "signature"
        placement = placed.get(declared.field)
        if placement is None or placement.kind != expected:
            raise ValueError(f"No {expected} placement named {declared.field!r}.")
    document = Document.objects.create(
        title=title,
        document_type=document_type,
        certify=certify,
        created_by=by,
        level=level or settings.SIGNING_LEVELS.get(document_type, settings.SIGNING_DEFAULT_LEVEL),
    )
    _add_revision(document, pdf, RevisionKind.RENDERED, by)
    _add_revision(document, preparation.add_fields(pdf, list(placements)), RevisionKind.FIELDS, by)
    for position, declared in enumerate(signers, start=1):
        placement = placed[declared.field]
        SignatureField.objects.create(
            document=document,
            name=declared.field,
            position=position,
            kind=declared.kind,
            signer=declared.signer,
            signer_title=declared.title,
            unit_name=declared.unit,
            page=placement.page,
            box=list(placement.box),
        )
    record_event(
        "document.created",
        actor=by,
        obj=document,
        data={
            "type": document_type,
            "level": document.level,
            "fields": [declared.field for declared in signers],
        },
    )
    return document


# -- signing --------------------------------------------------------------------------------------


def _refuse(message) -> None:
    raise ValidationError(message)


def _check_signable(field: SignatureField, person, credential: Credential) -> None:
    if field.is_signed:
        _refuse(
            _("This field was already signed by %(person)s at %(moment)s.")
            % {
                "person": person_name(field.signed_by),
                "moment": formats.date_format(
                    timezone.localtime(field.signed_at), "SHORT_DATETIME_FORMAT"
                ),
            }
        )
    if credential.user_id != person.pk:
        _refuse(
            _("This certificate belongs to %(owner)s, not to %(person)s.")
            % {"owner": person_name(credential.user), "person": person_name(person)}
        )
    if credential.revoked_at is not None:
        _refuse(
            _("This certificate was withdrawn on %(day)s.")
            % {
                "day": formats.date_format(
                    timezone.localtime(credential.revoked_at), "SHORT_DATE_FORMAT"
                )
            }
        )


@transaction.atomic
def request_signature(
    *,
    field: SignatureField,
    person,
    credential: Credential,
    secret: str | None = None,
    signing_prefix: str = "",
    fill: dict | None = None,
) -> SigningRequest:
    """Queue the signature of ``field`` by ``person`` (the signer, or his substitute).

    Who may sign for whom is the flow's decision (role resolvers and delegations); here the
    field must be unsigned, the certificate must be the signing person's own, and a person
    other than the declared signer must sign with a prefix (KT., TL., TUQ., Q.).
    """
    field = SignatureField.objects.select_for_update().get(pk=field.pk)
    _check_signable(field, person, credential)
    if person.pk != field.signer_id and not signing_prefix:
        _refuse(
            _("%(person)s is not the signer of this field (%(signer)s).")
            % {"person": person_name(person), "signer": person_name(field.signer)}
        )
    if field.requests.filter(status__in=OPEN_STATUSES).exists():
        _refuse(_("A signature of this field is already under way: wait for it to finish."))
    request = SigningRequest.objects.create(
        field=field,
        person=person,
        credential=credential,
        signing_prefix=signing_prefix,
        fill=fill or {},
        secret=seal(secret.encode()) if secret else None,
    )
    record_event(
        "signature.requested",
        actor=person,
        on_behalf_of=_principal(field, person),
        obj=field,
        data={"request": request.pk, "credential": credential.fingerprint},
    )
    from signatures import tasks  # tasks import this module

    transaction.on_commit(lambda: tasks.sign_requested.enqueue(request.pk))
    return request


OPEN_STATUSES = [RequestStatus.PENDING, RequestStatus.WAITING_EXTERNAL]


def _principal(field: SignatureField, person):
    return field.signer if field.signer_id != person.pk else None


def carry_out(request_id: int) -> SigningRequest:
    """Sign a pending request now (the task's body); a refusal ends it as failed, with why."""
    with transaction.atomic():
        request = SigningRequest.objects.select_for_update().get(pk=request_id)
        if request.status != RequestStatus.PENDING:
            return request
        # One signer at a time per document: each signs over the previous revision.
        document = Document.objects.select_for_update().get(pk=request.field.document_id)
        secret = unseal(request.secret).decode() if request.secret else None
        request.secret = None
        try:
            _sign(document, request, secret)
        except SIGNING_FAILURES as error:
            _fail(request, _failure_reason(error))
            return request
        _announce(request)
        return request


def _announce(request: SigningRequest) -> None:
    field = SignatureField.objects.select_related("document").get(pk=request.field_id)
    signals.field_signed.send(sender=SignatureField, field=field, request=request)


def _sign(document: Document, request: SigningRequest, secret: str | None) -> None:
    field = SignatureField.objects.get(pk=request.field_id)
    _check_signable(field, request.person, request.credential)
    certificate = providers.credential_certificate(request.credential)
    chain = providers.credential_chain(request.credential)
    spec = _spec(document, field, request, timezone.now())
    current = document.latest_revision().read()
    credential = request.credential

    # No database access in here: Django refuses it inside an event loop.
    async def sign_now():
        await trust.acheck_certificate(certificate, chain)
        async with providers.open_signer(credential, secret) as signer:
            return await pades.sign(current, signer, spec, reservation_key=credential.fingerprint)

    content = asyncio.run(sign_now())
    _record_signature(document, field, request, content, RevisionKind.SIGNATURE)


def _spec(document, field, request, moment) -> pades.SignatureSpec:
    title = " ".join(filter(None, [request.signing_prefix, field.signer_title]))
    first = not document.fields.filter(revision__isnull=False).exists()
    return pades.SignatureSpec(
        field_name=field.name,
        stamp_text=stamps.stamp_lines(
            signer=person_name(request.person), title=title, unit=field.unit_name, moment=moment
        ),
        level=document.level,
        certify=document.certify and first and field.kind == FieldKind.PERSONAL,
        organisation=field.kind == FieldKind.ORGANISATION,
        fill=request.fill,
        reason=document.title,
    )


def _record_signature(document, field, request, content: bytes, kind: str) -> None:
    revision = _add_revision(document, content, kind, request.person)
    field.revision, field.signed_at = revision, timezone.now()
    field.signed_by, field.signing_prefix = request.person, request.signing_prefix
    field.save(update_fields=["revision", "signed_at", "signed_by", "signing_prefix"])
    request.status, request.revision, request.finished_at = (
        RequestStatus.SIGNED,
        revision,
        timezone.now(),
    )
    request.save(update_fields=["status", "revision", "finished_at", "secret"])
    record_event(
        "signature.applied",
        actor=request.person,
        on_behalf_of=_principal(field, request.person),
        obj=field,
        data={
            "revision": revision.number,
            "sha256": revision.sha256,
            "prefix": request.signing_prefix,
            "document": document.pk,
        },
    )
    if not document.fields.filter(revision__isnull=True).exists():
        _finish_long_term(document, request.person)


def _finish_long_term(document: Document, by) -> None:
    """Once every field is signed: validation data (B-LT) and a document timestamp (B-LTA)."""
    if document.level not in (SigningLevel.B_LT, SigningLevel.B_LTA):
        return
    content = asyncio.run(
        pades.add_long_term_data(
            document.latest_revision().read(), document.level, trust.validation_context()
        )
    )
    revision = _add_revision(document, content, RevisionKind.TIMESTAMP, by)
    record_event(
        "document.long_term_data_added",
        actor=by,
        obj=document,
        data={"revision": revision.number, "level": document.level},
    )


def _fail(request: SigningRequest, reason: str) -> None:
    request.status, request.reason, request.finished_at = (
        RequestStatus.FAILED,
        reason,
        timezone.now(),
    )
    request.save(update_fields=["status", "reason", "finished_at", "secret"])
    record_event(
        "signature.failed",
        actor=request.person,
        on_behalf_of=_principal(request.field, request.person),
        obj=request.field,
        data={"request": request.pk, "reason": reason},
    )


SIGNING_FAILURES = (
    ValidationError,
    trust.CertificateRefused,
    providers.SignerUnavailable,
    SigningError,
    OSError,
)


def _failure_reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, (trust.CertificateRefused, providers.SignerUnavailable)):
        return str(error)
    if isinstance(error, OSError):
        return _("A signing service could not be reached (%(detail)s).") % {"detail": error}
    return _("The signature could not be made: %(detail)s") % {"detail": error}


# -- two-step signing with an outside signer ----------------------------------------------------


@transaction.atomic
def prepare_external_signature(
    *,
    field: SignatureField,
    person,
    credential: Credential,
    signing_prefix: str = "",
    fill: dict | None = None,
) -> SigningRequest:
    """Reserve the signature in a prepared PDF and give the digest the outside signer signs.

    The request then waits for the signer ("waiting for the signer") until
    :func:`complete_external_signature` receives the CMS.
    """
    field = SignatureField.objects.select_for_update().get(pk=field.pk)
    document = Document.objects.select_for_update().get(pk=field.document_id)
    _check_signable(field, person, credential)
    if field.requests.filter(status__in=OPEN_STATUSES).exists():
        _refuse(_("A signature of this field is already under way: wait for it to finish."))
    request = SigningRequest(
        field=field,
        person=person,
        credential=credential,
        signing_prefix=signing_prefix,
        fill=fill or {},
        status=RequestStatus.WAITING_EXTERNAL,
    )
    base = document.latest_revision()
    spec = _spec(document, field, request, timezone.now())
    prepared = asyncio.run(
        pades.prepare_external(
            base.read(),
            providers.credential_certificate(credential),
            providers.credential_chain(credential),
            spec,
        )
    )
    request.external = {
        "base_revision": base.number,
        "prepared_sha256": store_content(prepared.pdf),
        "digest": prepared.digest.hex(),
        "start": prepared.reserved_start,
        "end": prepared.reserved_end,
    }
    request.save()
    record_event(
        "signature.prepared",
        actor=person,
        on_behalf_of=_principal(field, person),
        obj=field,
        data={"request": request.pk, "digest": request.external["digest"]},
    )
    return request


@transaction.atomic
def complete_external_signature(*, request: SigningRequest, cms: bytes) -> SigningRequest:
    """Embed the CMS returned by the outside signer, after checking it signs what we prepared."""
    request = SigningRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.WAITING_EXTERNAL:
        _refuse(_("This signing request is not waiting for a signature."))
    document = Document.objects.select_for_update().get(pk=request.field.document_id)
    try:
        content = _embed_external(document, request, cms)
    except SIGNING_FAILURES as error:
        _fail(request, _failure_reason(error))
        return request
    field = SignatureField.objects.get(pk=request.field_id)
    _record_signature(document, field, request, content, RevisionKind.EXTERNAL_SIGNATURE)
    _announce(request)
    return request


def _embed_external(document: Document, request: SigningRequest, cms: bytes) -> bytes:
    external = request.external
    if document.latest_revision().number != external["base_revision"]:
        _refuse(_("The document changed since the signature was prepared: prepare it again."))
    certificate = providers.credential_certificate(request.credential)
    signed = pades.external_cms_facts(cms)
    if signed.certificate.dump() != certificate.dump():
        _refuse(_("The signature was made with another certificate than the signer's."))
    if signed.message_digest.hex() != external["digest"]:
        _refuse(_("The signature does not cover the prepared document."))
    asyncio.run(
        trust.acheck_certificate(certificate, providers.credential_chain(request.credential))
    )
    prepared = pades.PreparedExternal(
        pdf=_read_content(external["prepared_sha256"]),
        digest=bytes.fromhex(external["digest"]),
        reserved_start=external["start"],
        reserved_end=external["end"],
    )
    return asyncio.run(pades.finish_external(prepared, cms))


def _read_content(sha256: str) -> bytes:
    with default_storage.open(revision_path(sha256), "rb") as stored:
        content = stored.read()
    if hashlib.sha256(content).hexdigest() != sha256:
        _refuse(_("The prepared document was altered in storage."))
    return content


# -- checking the signatures of an uploaded PDF --------------------------------------------------

# Enough of a file to recognise it: PDF readers accept the header in the first 1024 bytes.
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
        _refuse(_("The file is empty."))
    limit = settings.SIGNING_PDF_MAX_BYTES
    if size > limit:
        _refuse(
            _("The file is too large: %(size)s, at most %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    head = read_head(UPLOAD_HEAD_BYTES)
    # The same test as validation.validate_pdf: a header after leading white space.
    if head.lstrip()[:5] != b"%PDF-":
        _refuse(_not_a_pdf(head))


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
    from signatures import tasks  # tasks import this module

    language = translation.get_language()
    transaction.on_commit(lambda: tasks.validate_uploaded.enqueue(job.pk, language))
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
        with default_storage.open(revision_path(job.sha256), "rb") as stored:
            content = stored.read()
    except FileNotFoundError as error:
        raise UploadUnavailable(_("The uploaded file is no longer in storage.")) from error
    if hashlib.sha256(content).hexdigest() != job.sha256:
        raise UploadUnavailable(_("The stored file does not match the uploaded one (SHA-256)."))
    return content


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

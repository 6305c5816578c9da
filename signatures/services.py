"""Every write of the signatures app: atomic, checked, recorded in the audit log."""

import asyncio
import base64
import binascii
import codecs
import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import pem, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pyhanko.sign.general import SigningError

from signatures import pades, preparation, providers, signals, stamps, trust, validation
from signatures.keystores import KeystoreLocked, seal, unseal
from signatures.models import (
    PDF_SUFFIX,
    REVISIONS_FOLDER,
    Credential,
    CredentialStatus,
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
    store_content,
)
from workflows.background import enqueue_on_commit
from workflows.services import record_event, require_permission
from workflows.storage import ContentAltered, read_content

logger = logging.getLogger(__name__)


def person_name(user) -> str:
    # workflows.models has the same one-liner; signatures may use workflows for the audit log
    # only (docs/architecture.md), so it keeps its own.
    return user.get_full_name() or user.get_username()


def _pem(certificates) -> str:
    return "".join(pem.armor("CERTIFICATE", cert.dump()).decode() for cert in certificates)


def _require_may_register(user, by) -> None:
    if by is not None and by.pk != user.pk:
        require_permission(
            by,
            "signatures.add_credential",
            _("You may register signing credentials only for yourself."),
        )


def _loaded(data: bytes) -> list[x509.Certificate]:
    certificates = trust.load_certificates(data)
    for certificate in certificates:
        certificate.native  # noqa: B018 - asn1crypto parses lazily: a damaged file fails here
    return certificates


def _read_certificates(certificate: bytes, chain: bytes):
    """The certificate and its intermediate certificates, refused by name when unreadable."""
    try:
        [cert] = _loaded(certificate)[:1]
    except (ValueError, TypeError) as error:
        raise trust.CertificateRefused(
            _("The certificate file cannot be read: it is not a certificate in PEM or DER form.")
        ) from error
    try:
        intermediates = _loaded(chain) if chain else []
    except (ValueError, TypeError) as error:
        raise trust.CertificateRefused(
            _(
                "The file of intermediate certificates cannot be read: it holds no "
                "certificates in PEM or DER form."
            )
        ) from error
    return cert, intermediates


def _offline_context(intermediates):
    # Everything but the revocation status: nothing is fetched, and missing revocation data is
    # no failure here (the task asks for it).
    return trust.validation_context(
        other_certs=intermediates, fetch=False, revocation_mode="soft-fail"
    )


def _credential_changed(credential: Credential) -> None:
    signals.credential_changed.send(sender=Credential, credential=credential)


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
    """Register ``user``'s signing certificate; it signs once its check has accepted it.

    ``certificate`` and ``chain`` are PEM or DER; ``keystore`` is the PKCS#12 file (sealed here)
    for the PKCS#12 provider. What needs no network is checked now and refused with its reason
    (validity, key usage, the chain to a trusted root: the intermediate certificates must be
    given); the credential is then *checking* while a task asks for its revocation status
    (:func:`finish_credential_check`). A caller that brings the revocation data in ``context``
    (the dev PKI registers its certificates before its OCSP responder runs) has it all checked
    now, and the credential is *active* at once.
    """
    _require_may_register(user, by)
    cert, intermediates = _read_certificates(certificate, chain)
    if provider == Provider.PKCS12 and not keystore:
        raise trust.CertificateRefused(_("A personal keystore (PKCS#12 file) is required."))
    trust.check_certificate(cert, intermediates, context=context or _offline_context(intermediates))
    try:
        with transaction.atomic():  # the constraint's refusal must not break the caller's
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
                status=CredentialStatus.ACTIVE if context else CredentialStatus.CHECKING,
            )
    except IntegrityError as error:  # one_live_credential_per_certificate
        raise trust.CertificateRefused(_("This certificate is registered already.")) from error
    record_event(
        "credential.registered",
        actor=by,
        on_behalf_of=user,
        obj=credential,
        data={
            "provider": provider,
            "subject": credential.subject,
            "fingerprint": credential.fingerprint,
            "status": credential.status,
        },
    )
    _credential_changed(credential)
    if credential.status == CredentialStatus.CHECKING:
        # The reason of a refusal is written in the registering person's language.
        _schedule_check(credential, translation.get_language(), attempt=1)
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


def register_csc_credential(*, user, config: dict, label: str = "", by) -> Credential:
    """Register a credential of a remote signing service (CSC API), with the certificate and
    chain the service holds for it (``credentials/info``); ``config`` names the service and the
    credential (see ``providers``). Raises ``providers.SignerUnavailable`` when the service does
    not describe it."""
    _require_may_register(user, by)  # before asking the service anything
    certificate, chain = asyncio.run(providers.fetch_csc_certificates(config))
    return register_credential(
        user=user,
        provider=Provider.CSC,
        certificate=certificate.dump(),
        chain=_pem(chain).encode(),
        config=config,
        label=label,
        by=by,
    )


def finish_credential_check(
    credential_id: int, *, language: str | None = None, attempt: int = 1
) -> Credential | None:
    """Check a credential being checked completely now, revocation included (the task's body,
    ``attempt`` counting from 1): it becomes active, or refused with the reason.

    When its revocation status cannot be learnt now (the certificate authority's responder is
    down), it stays being checked, with the reason and the time of the next attempt, and a task
    asks again after the next of ``SIGNING_CREDENTIAL_RECHECK_MINUTES``; after the last it is
    refused. No lock is held while the responders are asked; the final write only touches a
    check still under way. Whatever happens, the check ends: an unexpected error refuses the
    credential with its reason rather than leaving it being checked for ever.
    """
    credential = Credential.objects.select_related("user").filter(pk=credential_id).first()
    if credential is None or credential.status != CredentialStatus.CHECKING:
        return credential
    with translation.override(language or settings.LANGUAGE_CODE):
        credential.status, credential.reason, recheck_at = _complete_check(credential, attempt)
    with transaction.atomic():
        written = Credential.objects.filter(
            pk=credential.pk, status=CredentialStatus.CHECKING
        ).update(status=credential.status, reason=credential.reason)
        if not written:  # another worker ended it meanwhile: its outcome stands
            return Credential.objects.get(pk=credential.pk)
        record_event(
            "credential.checked" if recheck_at is None else "credential.check_deferred",
            actor=None,
            on_behalf_of=credential.user,
            obj=credential,
            data={
                "fingerprint": credential.fingerprint,
                "status": credential.status,
                "reason": credential.reason,
                "attempt": attempt,
            },
        )
        _credential_changed(credential)
        if recheck_at is not None:
            _schedule_check(credential, language, attempt=attempt + 1, at=recheck_at)
    return credential


def _schedule_check(
    credential: Credential,
    language: str | None,
    *,
    attempt: int,
    at: datetime.datetime | None = None,
) -> None:
    """Queue ``credential``'s check once the transaction commits, to run at ``at`` (or now)."""
    enqueue_on_commit(
        "signatures.check_credential", credential.pk, language, attempt=attempt, run_after=at
    )


def _complete_check(
    credential: Credential, attempt: int
) -> tuple[str, str, datetime.datetime | None]:
    """The status and reason a complete check gives ``credential`` now, and when to check it
    again (None: the check is over)."""
    try:
        trust.check_certificate(
            providers.credential_certificate(credential), providers.credential_chain(credential)
        )
    except trust.RevocationUnknown as error:
        delays = settings.SIGNING_CREDENTIAL_RECHECK_MINUTES
        if attempt > len(delays):
            return CredentialStatus.REFUSED, str(error), None
        recheck_at = timezone.now() + datetime.timedelta(minutes=delays[attempt - 1])
        reason = _(
            "%(reason)s It will be asked again at %(time)s (attempt %(next)s of %(total)s)."
        ) % {
            "reason": error,
            "time": formats.date_format(timezone.localtime(recheck_at), "SHORT_DATETIME_FORMAT"),
            "next": attempt + 1,
            "total": len(delays) + 1,
        }
        return CredentialStatus.CHECKING, reason, recheck_at
    except trust.CertificateRefused as error:
        return CredentialStatus.REFUSED, str(error), None
    except Exception as error:  # any: the check must end (finish_credential_check)
        logger.exception("The check of credential %s could not be completed", credential.pk)
        return CredentialStatus.REFUSED, validation_failure(error), None
    return CredentialStatus.ACTIVE, "", None


def inactive_reason(credential: Credential) -> str:
    """Why a credential that is not active may not sign."""
    if credential.status == CredentialStatus.REFUSED:
        return _("This certificate was refused when it was registered: %(reason)s") % {
            "reason": credential.reason
        }
    still = _("This certificate is still being checked: it can sign once it is usable.")
    return f"{still} {credential.reason}" if credential.reason else still


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
        _credential_changed(credential)
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

    ``rendered`` may also be an uploaded PDF with the placements of its fields. A PDF pyHanko
    cannot sign over (Word's hybrid cross-references) is stored rewritten, after the file as
    given (``preparation.signable_base``); one it cannot take at all is refused with the reason
    (ValidationError). ``signers`` declares, for every signature placeholder to sign, who signs
    it.
    """
    pdf, placements = rendered.content, rendered.fields
    placed = {placement.name: placement for placement in placements}
    for declared in signers:
        expected = "organisation" if declared.kind == FieldKind.ORGANISATION else "signature"
        placement = placed.get(declared.field)
        if placement is None or placement.kind != expected:
            raise ValueError(f"No {expected} placement named {declared.field!r}.")
    check_upload(size=len(pdf), read_head=lambda count: pdf[:count])
    try:
        base = preparation.signable_base(pdf)
    except (preparation.BaseRefused, validation.UnreadablePdf) as error:
        raise ValidationError(str(error)) from error
    rewritten = base != pdf
    document = Document.objects.create(
        title=title,
        document_type=document_type,
        certify=certify,
        created_by=by,
        level=level or settings.SIGNING_LEVELS.get(document_type, settings.SIGNING_DEFAULT_LEVEL),
    )
    if rewritten:
        # The file as given stays on record: the signed revisions build on its rewrite.
        _add_revision(document, pdf, RevisionKind.UPLOADED, by)
    _add_revision(document, base, RevisionKind.RENDERED, by)
    _add_revision(document, preparation.add_fields(base, list(placements)), RevisionKind.FIELDS, by)
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
            "base_rewritten": rewritten,
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
    if credential.status != CredentialStatus.ACTIVE:
        _refuse(inactive_reason(credential))


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

    The task signs. For an outside signer (an external credential) it prepares the document
    instead, and the request waits for his signature (:func:`complete_external_signature`).
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
    # An outside signer unlocks his key himself: a PIN typed anyway is not kept.
    keep_secret = secret and credential.provider != Provider.EXTERNAL
    request = SigningRequest.objects.create(
        field=field,
        person=person,
        credential=credential,
        signing_prefix=signing_prefix,
        fill=fill or {},
        secret=seal(secret.encode()) if keep_secret else None,
    )
    record_event(
        "signature.requested",
        actor=person,
        on_behalf_of=_principal(field, person),
        obj=field,
        data={"request": request.pk, "credential": credential.fingerprint},
    )
    _queue(request)
    return request


OPEN_STATUSES = [RequestStatus.PENDING, RequestStatus.WAITING_EXTERNAL]


def _queue(request: SigningRequest) -> None:
    enqueue_on_commit("signatures.sign_requested", request.pk)


def _principal(field: SignatureField, person):
    return field.signer if field.signer_id != person.pk else None


def carry_out(request_id: int) -> SigningRequest:
    """Take a pending request one step on (the task's body); a refusal ends it as failed, with why.

    The step is the signature itself or, for an outside signer, the preparation of the document
    (the request then waits for him) and, once his signature came back, its embedding.
    """
    with transaction.atomic():
        request = SigningRequest.objects.select_for_update().get(pk=request_id)
        if request.status != RequestStatus.PENDING:
            return request
        # One signer at a time per document: each signs over the previous revision.
        document = Document.objects.select_for_update().get(pk=request.field.document_id)
        secret = unseal(request.secret).decode() if request.secret else None
        request.secret = None
        try:
            if request.credential.provider != Provider.EXTERNAL:
                _sign(document, request, secret)
            elif RETURNED_CMS in request.external:
                _embed_external(document, request)
            else:
                _prepare_external(document, request)
        except SIGNING_FAILURES as error:
            _fail(request, _failure_reason(error))
            return request
        if request.status == RequestStatus.SIGNED:
            _announce(request)
        return request


def _announce(request: SigningRequest) -> None:
    field = SignatureField.objects.select_related("document").get(pk=request.field_id)
    signals.field_signed.send(sender=SignatureField, field=field, request=request)


def _request_changed(request: SigningRequest) -> None:
    signals.request_changed.send(sender=SigningRequest, request=request)


def _checked_field(request: SigningRequest) -> SignatureField:
    """The request's field, checked again when the work is done: still unsigned, and the
    credential still the signer's and usable."""
    field = SignatureField.objects.get(pk=request.field_id)
    _check_signable(field, request.person, request.credential)
    return field


def _certificates(credential: Credential):
    return providers.credential_certificate(credential), providers.credential_chain(credential)


def _sign(document: Document, request: SigningRequest, secret: str | None) -> None:
    field = _checked_field(request)
    certificate, chain = _certificates(request.credential)
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
    _prepare_again(document, revision)
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


def _fail(
    request: SigningRequest, reason: str, *, action: str = "signature.failed", actor=None
) -> None:
    request.status, request.reason, request.finished_at = (
        RequestStatus.FAILED,
        reason,
        timezone.now(),
    )
    request.save(update_fields=["status", "reason", "finished_at", "secret"])
    record_event(
        action,
        actor=actor or request.person,
        on_behalf_of=_principal(request.field, request.person),
        obj=request.field,
        data={"request": request.pk, "reason": reason},
    )
    _request_changed(request)


@transaction.atomic
def abandon_open_requests(*, document: Document, reason: str, by) -> int:
    """End as failed, with ``reason``, every signature of ``document`` still under way: queued
    or waiting for an outside signer. For a flow that voids the document (a signing round
    stopped): nothing may land on it any more, and nobody is left waiting. Returns how many."""
    requests = list(
        SigningRequest.objects.select_for_update()
        .select_related("field")
        .filter(field__document=document, status__in=OPEN_STATUSES)
    )
    for request in requests:
        _fail(request, reason, action="signature.abandoned", actor=by)
    return len(requests)


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
#
# request_signature → task: the document is prepared, the request waits with the digest
# → complete_external_signature (checks without network) → task: certificate status, embedding.
# request.external holds the prepared PDF (content-addressed), the revision it was prepared on,
# the digest (hex and base64, for the signing tools), where the signature goes, the digests
# given before the document moved on ("superseded") and, once returned, the CMS (RETURNED_CMS).

RETURNED_CMS = "cms_sha256"


def _prepare_external(document: Document, request: SigningRequest) -> None:
    """Prepare the document for an outside signer; the request then waits for his signature.

    The certificate's status is checked now too: a revoked certificate is refused before the
    official takes out his token, not after.
    """
    field = _checked_field(request)
    certificate, chain = _certificates(request.credential)
    spec = _spec(document, field, request, timezone.now())
    base = document.latest_revision()
    current = base.read()

    async def prepare():
        await trust.acheck_certificate(certificate, chain)
        return await pades.prepare_external(current, certificate, chain, spec)

    prepared = asyncio.run(prepare())
    request.status = RequestStatus.WAITING_EXTERNAL
    request.external = {
        "superseded": request.external.get("superseded", []),
        "base_revision": base.number,
        "prepared_sha256": store_content(prepared.pdf),
        "digest": prepared.digest.hex(),
        "digest_base64": base64.b64encode(prepared.digest).decode("ascii"),
        "start": prepared.reserved_start,
        "end": prepared.reserved_end,
    }
    request.save(update_fields=["status", "external", "secret"])
    record_event(
        "signature.prepared",
        actor=request.person,
        on_behalf_of=_principal(field, request.person),
        obj=field,
        data={"request": request.pk, "digest": request.external["digest"]},
    )
    _request_changed(request)


def _prepare_again(document: Document, revision: Revision) -> None:
    """A signature moved the document on: what outside signers were given no longer fits it.

    Their requests go back to preparation over the new revision (a new digest, shown live); a
    signature returned over an earlier digest is then refused, saying why. Runs under the
    document's lock, with the revision that moved it on.
    """
    stale = SigningRequest.objects.select_for_update().filter(
        field__document=document, status__in=OPEN_STATUSES, external__has_key="digest"
    )
    for request in stale:
        digest = request.external["digest"]
        request.status = RequestStatus.PENDING
        request.external = {"superseded": [*request.external["superseded"], digest]}
        request.save(update_fields=["status", "external"])
        record_event(
            "signature.prepared_again",
            actor=request.person,
            on_behalf_of=_principal(request.field, request.person),
            obj=request.field,
            data={"request": request.pk, "superseded": digest, "revision": revision.number},
        )
        _request_changed(request)
        _queue(request)


@transaction.atomic
def complete_external_signature(*, request: SigningRequest, cms: bytes, by) -> SigningRequest:
    """Take the signature an outside signer returned, and queue its embedding.

    ``cms`` is a CMS SignedData as DER (a .p7s file), PEM or base64 text. What needs no network
    is checked here, for an immediate and precise answer (a ValidationError; the request keeps
    waiting): it is a CMS that fits the room reserved in the document, made with the request's
    certificate, over the prepared digest, and its signature value verifies. The task then
    checks the certificate's status (OCSP) and embeds it.
    """
    request = SigningRequest.objects.select_for_update().get(pk=request.pk)
    _check_own_request(request, by)
    _check_waiting(request)
    der = _returned_cms(request, cms)
    request.status = RequestStatus.PENDING
    request.external = {**request.external, RETURNED_CMS: store_content(der)}
    request.save(update_fields=["status", "external"])
    record_event(
        "signature.returned",
        actor=by,
        on_behalf_of=_principal(request.field, by),
        obj=request.field,
        data={"request": request.pk, "cms_sha256": request.external[RETURNED_CMS]},
    )
    _request_changed(request)
    _queue(request)
    return request


@transaction.atomic
def cancel_external_signature(*, request: SigningRequest, by) -> SigningRequest:
    """The signer gives up a signature waiting for him (to sign with another credential, say).

    The request ends as failed, and the field may be signed again.
    """
    request = SigningRequest.objects.select_for_update().get(pk=request.pk)
    _check_own_request(request, by)
    _check_waiting(request)
    _fail(request, _("Cancelled by the signer."), action="signature.cancelled")
    return request


def _check_own_request(request: SigningRequest, by) -> None:
    if by.pk != request.person_id:
        raise PermissionDenied(
            _("Only %(person)s, who asked for this signature, may complete or cancel it.")
            % {"person": person_name(request.person)}
        )


def _check_waiting(request: SigningRequest) -> None:
    """Refuse, saying why, unless ``request`` waits for its outside signer."""
    if request.status == RequestStatus.WAITING_EXTERNAL:
        return
    if request.status == RequestStatus.SIGNED:
        _refuse(_("This signature is already in the document."))
    if request.status == RequestStatus.FAILED:
        _refuse(
            _("This signing request has ended (%(reason)s): start a new signature.")
            % {"reason": request.reason}
        )
    if RETURNED_CMS in request.external:
        _refuse(_("Your signature was already received: it is being added to the document."))
    _refuse(_("The document is still being prepared for your signature: wait for the digest."))


def _check_fits(cms: bytes, external: dict, *, timestamped: bool = False) -> None:
    """Refuse a signature larger than the room the prepared document keeps for it."""
    # /Contents holds the CMS in hexadecimal, two digits per byte, between < and >.
    room = (external["end"] - external["start"] - 2) // 2
    if len(cms) <= room:
        return
    if timestamped:
        message = _(
            "With the timestamp the document's level requires, the signature is too large:"
            " %(size)s bytes, at most %(room)s fit."
        )
    else:
        message = _("The returned signature is too large: %(size)s bytes, at most %(room)s fit.")
    _refuse(message % {"size": len(cms), "room": room})


def _returned_cms(request: SigningRequest, data: bytes) -> bytes:
    """The returned signature as DER, once it is known to be what was asked for."""
    der = _cms_der(data)
    external = request.external
    _check_fits(der, external)
    try:
        facts = pades.external_cms_facts(der)
    except SigningError as error:
        raise ValidationError(
            _("The returned data is not a CMS signature (PKCS#7 SignedData, a .p7s file).")
        ) from error
    _check_signed_with(request.credential, facts.certificate)
    digest = facts.message_digest.hex()
    if digest in external["superseded"]:
        _refuse(
            _(
                "The signature covers an earlier preparation of the document: another signature"
                " was added since. Sign the new digest shown on the page."
            )
        )
    if digest != external["digest"]:
        _refuse(
            _(
                "The signature does not cover the prepared document: sign the digest shown on"
                " the page."
            )
        )
    if not facts.signature_valid:
        _refuse(
            _(
                "The signature value does not verify with the certificate: the signature is"
                " damaged, or was not made with this certificate's key."
            )
        )
    return der


def _cms_der(data: bytes) -> bytes:
    """DER from a .p7s file (DER as is), or from its PEM or base64 text."""
    if data[:1] == b"\x30":  # a DER SEQUENCE; base64 of one starts with "M", PEM with "-"
        return data
    text = data.strip()
    try:
        if pem.detect(text):
            return pem.unarmor(text)[2]
        return base64.b64decode(b"".join(text.split()), validate=True)
    except (ValueError, binascii.Error) as error:
        raise ValidationError(
            _("The returned signature is neither a .p7s file (DER) nor its PEM or base64 text.")
        ) from error


def _check_signed_with(credential: Credential, certificate) -> None:
    if certificate is None:
        _refuse(
            _(
                "The returned signature does not include the signer's certificate: set the"
                " signing tool to include it."
            )
        )
    expected = providers.credential_certificate(credential)
    if certificate.dump() != expected.dump():
        _refuse(
            _(
                "The signature was made with the certificate of %(subject)s (serial number"
                " %(serial)s), not with the one chosen for this signature (%(expected)s)."
            )
            % {
                "subject": certificate.subject.human_friendly,
                "serial": format(certificate.serial_number, "x"),
                "expected": credential.subject,
            }
        )


def _embed_external(document: Document, request: SigningRequest) -> None:
    """Embed the returned signature once its certificate's status is known to be good."""
    external = request.external
    # _prepare_again sends a request back whenever the document moves on: this only guards
    # the rule that a signature is always an update of the latest revision.
    if document.latest_revision().number != external["base_revision"]:
        _refuse(_("The document changed since the signature was prepared: prepare it again."))
    field = _checked_field(request)
    certificate, chain = _certificates(request.credential)
    prepared = pades.PreparedExternal(
        pdf=_read_content(external["prepared_sha256"]),
        digest=bytes.fromhex(external["digest"]),
        reserved_start=external["start"],
        reserved_end=external["end"],
    )
    cms = _read_content(external[RETURNED_CMS])

    async def embed():
        await trust.acheck_certificate(certificate, chain)
        stamped = await pades.with_signature_timestamp(cms, document.level)
        _check_fits(stamped, external, timestamped=stamped != cms)
        return await pades.finish_external(prepared, stamped)

    content = asyncio.run(embed())
    _record_signature(document, field, request, content, RevisionKind.EXTERNAL_SIGNATURE)


def _read_content(sha256: str) -> bytes:
    try:
        return read_content(REVISIONS_FOLDER, sha256, PDF_SUFFIX)
    except ContentAltered as error:
        raise ValidationError(_("The prepared document was altered in storage.")) from error


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

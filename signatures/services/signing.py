"""Carrying out a signing request (the task's body): the signature, recorded as a new revision."""

import asyncio

from django.db import transaction
from django.utils import timezone

from signatures import pades, providers, signals, trust
from signatures.keystores import unseal
from signatures.models import (
    Document,
    Provider,
    RequestStatus,
    RevisionKind,
    SignatureField,
    SigningLevel,
    SigningRequest,
)
from signatures.services.documents import add_revision
from signatures.services.external import (
    RETURNED_CMS,
    embedded_signature,
    prepare_again,
    prepare_external,
)
from signatures.services.signing_requests import (
    SIGNING_FAILURES,
    certificates_of,
    checked_field,
    fail,
    failure_reason,
    principal_of,
    signature_spec,
)
from workflows import throttle
from workflows.services import record_event


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
                field, content = embedded_signature(document, request)
                _record_signature(
                    document, field, request, content, RevisionKind.EXTERNAL_SIGNATURE
                )
            else:
                prepare_external(document, request)
        except SIGNING_FAILURES as error:
            if isinstance(error, providers.WrongSecret):
                throttle.PIN.failed(request.credential_id, actor=request.person)
            fail(request, failure_reason(error))
            return request
        if request.status == RequestStatus.SIGNED:
            throttle.PIN.succeeded(request.credential_id)
            _announce(request)
        return request


def _announce(request: SigningRequest) -> None:
    field = SignatureField.objects.select_related("document").get(pk=request.field_id)
    signals.field_signed.send(sender=SignatureField, field=field, request=request)


def _sign(document: Document, request: SigningRequest, secret: str | None) -> None:
    field = checked_field(request)
    certificate, chain = certificates_of(request.credential)
    spec = signature_spec(document, field, request, timezone.now())
    current = document.latest_revision().read()
    credential = request.credential

    # No database access in here: Django refuses it inside an event loop.
    async def sign_now():
        # The key first: a wrong PIN costs no call to the responders and says what it is.
        async with providers.open_signer(credential, secret) as signer:
            await trust.acheck_certificate(certificate, chain)
            return await pades.sign(current, signer, spec, reservation_key=credential.fingerprint)

    content = asyncio.run(sign_now())
    _record_signature(document, field, request, content, RevisionKind.SIGNATURE)


def _record_signature(document, field, request, content: bytes, kind: str) -> None:
    revision = add_revision(document, content, kind, request.person)
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
        on_behalf_of=principal_of(field, request.person),
        obj=field,
        data={
            "revision": revision.number,
            "sha256": revision.sha256,
            "prefix": request.signing_prefix,
            "document": document.pk,
        },
    )
    prepare_again(document, revision)
    if not document.fields.filter(revision__isnull=True).exists():
        _finish_long_term(document, request.person)


def _finish_long_term(document: Document, by) -> None:
    """Once every field is signed: validation data (B-LT) and a document timestamp (B-LTA)."""
    if document.level not in (SigningLevel.B_LT, SigningLevel.B_LTA):
        return
    pdf = document.latest_revision().read()

    async def add_now():
        context = trust.validation_context()
        try:
            return await pades.add_long_term_data(pdf, document.level, context)
        finally:
            # Its fetchers' aiohttp session belongs to this loop, which asyncio.run closes.
            await context.aclose()

    content = asyncio.run(add_now())
    revision = add_revision(document, content, RevisionKind.TIMESTAMP, by)
    record_event(
        "document.long_term_data_added",
        actor=by,
        obj=document,
        data={"revision": revision.number, "level": document.level},
    )

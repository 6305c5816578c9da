"""Signing requests: asking for a field's signature, and what every way of signing shares."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from pyhanko.sign.general import SigningError

from signatures import pades, providers, signals, stamps, trust
from signatures.keystores import seal
from signatures.models import (
    Credential,
    CredentialStatus,
    Document,
    FieldKind,
    Provider,
    RequestStatus,
    SignatureField,
    SigningRequest,
)
from signatures.services.credentials import inactive_reason
from workflows import throttle
from workflows.background import enqueue_on_commit
from workflows.models import person_name
from workflows.services import record_event


def refuse(message) -> None:
    raise ValidationError(message)


def _check_signable(field: SignatureField, person, credential: Credential) -> None:
    if field.is_signed:
        refuse(
            _("This field was already signed by %(person)s at %(moment)s.")
            % {
                "person": person_name(field.signed_by),
                "moment": formats.date_format(
                    timezone.localtime(field.signed_at), "SHORT_DATETIME_FORMAT"
                ),
            }
        )
    if credential.user_id != person.pk:
        refuse(
            _("This certificate belongs to %(owner)s, not to %(person)s.")
            % {"owner": person_name(credential.user), "person": person_name(person)}
        )
    if credential.revoked_at is not None:
        refuse(
            _("This certificate was withdrawn on %(day)s.")
            % {
                "day": formats.date_format(
                    timezone.localtime(credential.revoked_at), "SHORT_DATE_FORMAT"
                )
            }
        )
    if credential.status != CredentialStatus.ACTIVE:
        refuse(inactive_reason(credential))
    locked_until = throttle.PIN.locked_until(credential.pk)
    if locked_until is not None:
        refuse(
            _(
                "The PIN of this certificate was entered wrongly too many times: it can sign"
                " again at %(time)s."
            )
            % {"time": throttle.until_text(locked_until)}
        )


def _check_secret(credential: Credential, secret: str | None) -> None:
    # Refused here, before anything is queued: an empty PIN never reaches a key or a responder.
    if credential.provider in Provider.unlocked_by_pin() and not secret:
        refuse(_("Enter the PIN of your keystore or token."))


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
    _check_secret(credential, secret)
    if person.pk != field.signer_id and not signing_prefix:
        refuse(
            _("%(person)s is not the signer of this field (%(signer)s).")
            % {"person": person_name(person), "signer": person_name(field.signer)}
        )
    if field.requests.filter(status__in=OPEN_STATUSES).exists():
        refuse(_("A signature of this field is already under way: wait for it to finish."))
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
        on_behalf_of=principal_of(field, person),
        obj=field,
        data={"request": request.pk, "credential": credential.fingerprint},
    )
    queue_request(request)
    return request


OPEN_STATUSES = [RequestStatus.PENDING, RequestStatus.WAITING_EXTERNAL]


def queue_request(request: SigningRequest) -> None:
    enqueue_on_commit("signatures.sign_requested", request.pk)


def principal_of(field: SignatureField, person):
    return field.signer if field.signer_id != person.pk else None


def request_changed(request: SigningRequest) -> None:
    signals.request_changed.send(sender=SigningRequest, request=request)


def checked_field(request: SigningRequest) -> SignatureField:
    """The request's field, checked again when the work is done: still unsigned, and the
    credential still the signer's and usable."""
    field = SignatureField.objects.get(pk=request.field_id)
    _check_signable(field, request.person, request.credential)
    return field


def certificates_of(credential: Credential):
    return providers.credential_certificate(credential), providers.credential_chain(credential)


def signature_spec(document, field, request, moment) -> pades.SignatureSpec:
    title = " ".join(filter(None, [request.signing_prefix, field.signer_title]))
    first = not document.fields.filter(revision__isnull=False).exists()
    inset = _seal_inset(document, field)
    x1, _y1, x2, _y2 = field.box
    return pades.SignatureSpec(
        field_name=field.name,
        stamp_text=stamps.stamp_lines(
            signer=person_name(request.person),
            title=title,
            unit=field.unit_name,
            moment=moment,
            width_share=1 - inset / (x2 - x1),
        ),
        seal_inset=inset,
        level=document.level,
        certify=document.certify and first and field.kind == FieldKind.PERSONAL,
        organisation=field.kind == FieldKind.ORGANISATION,
        fill=request.fill,
        reason=document.title,
    )


def _seal_inset(document, field) -> float:
    if field.kind == FieldKind.ORGANISATION:
        return 0.0
    seals = document.fields.filter(kind=FieldKind.ORGANISATION, page=field.page)
    return stamps.seal_inset(field.box, [seal.box for seal in seals])


def fail(
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
        on_behalf_of=principal_of(request.field, request.person),
        obj=request.field,
        data={"request": request.pk, "reason": reason},
    )
    request_changed(request)


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
        fail(request, reason, action="signature.abandoned", actor=by)
    return len(requests)


SIGNING_FAILURES = (
    ValidationError,
    trust.CertificateRefused,
    providers.SignerUnavailable,
    SigningError,
    OSError,
)


def failure_reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, (trust.CertificateRefused, providers.SignerUnavailable)):
        return str(error)
    if isinstance(error, OSError):
        return _("A signing service could not be reached (%(detail)s).") % {"detail": error}
    return _("The signature could not be made: %(detail)s") % {"detail": error}

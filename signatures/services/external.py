"""Two-step signing with an outside signer (his USB-token tool, a remote-signing service)."""

import asyncio
import base64
import binascii

from asn1crypto import pem
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign.general import SigningError

from signatures import pades, providers, trust
from signatures.models import (
    PDF_SUFFIX,
    REVISIONS_FOLDER,
    Credential,
    Document,
    RequestStatus,
    Revision,
    SigningRequest,
    store_content,
)
from signatures.services.signing_requests import (
    OPEN_STATUSES,
    certificates_of,
    checked_field,
    fail,
    principal_of,
    queue_request,
    refuse,
    request_changed,
    signature_spec,
)
from workflows.models import person_name
from workflows.services import record_event
from workflows.storage import ContentAltered, read_content

RETURNED_CMS = "cms_sha256"


def prepare_external(document: Document, request: SigningRequest) -> None:
    """Prepare the document for an outside signer; the request then waits for his signature.

    The certificate's status is checked now too: a revoked certificate is refused before the
    official takes out his token, not after.
    """
    field = checked_field(request)
    certificate, chain = certificates_of(request.credential)
    spec = signature_spec(document, field, request, timezone.now())
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
        on_behalf_of=principal_of(field, request.person),
        obj=field,
        data={"request": request.pk, "digest": request.external["digest"]},
    )
    request_changed(request)


def prepare_again(document: Document, revision: Revision) -> None:
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
            on_behalf_of=principal_of(request.field, request.person),
            obj=request.field,
            data={"request": request.pk, "superseded": digest, "revision": revision.number},
        )
        request_changed(request)
        queue_request(request)


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
        on_behalf_of=principal_of(request.field, by),
        obj=request.field,
        data={"request": request.pk, "cms_sha256": request.external[RETURNED_CMS]},
    )
    request_changed(request)
    queue_request(request)
    return request


@transaction.atomic
def cancel_external_signature(*, request: SigningRequest, by) -> SigningRequest:
    """The signer gives up a signature waiting for him (to sign with another credential, say).

    The request ends as failed, and the field may be signed again.
    """
    request = SigningRequest.objects.select_for_update().get(pk=request.pk)
    _check_own_request(request, by)
    _check_waiting(request)
    fail(request, _("Cancelled by the signer."), action="signature.cancelled")
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
        refuse(_("This signature is already in the document."))
    if request.status == RequestStatus.FAILED:
        refuse(
            _("This signing request has ended (%(reason)s): start a new signature.")
            % {"reason": request.reason}
        )
    if RETURNED_CMS in request.external:
        refuse(_("Your signature was already received: it is being added to the document."))
    refuse(_("The document is still being prepared for your signature: wait for the digest."))


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
    refuse(message % {"size": len(cms), "room": room})


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
        refuse(
            _(
                "The signature covers an earlier preparation of the document: another signature"
                " was added since. Sign the new digest shown on the page."
            )
        )
    if digest != external["digest"]:
        refuse(
            _(
                "The signature does not cover the prepared document: sign the digest shown on"
                " the page."
            )
        )
    if not facts.signature_valid:
        refuse(
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
        refuse(
            _(
                "The returned signature does not include the signer's certificate: set the"
                " signing tool to include it."
            )
        )
    expected = providers.credential_certificate(credential)
    if certificate.dump() != expected.dump():
        refuse(
            _(
                "The signature was made with the certificate of %(subject)s (serial number"
                " %(serial)s), not with the one chosen for this signature (%(expected)s)."
            )
            % {
                "subject": trust.name_text(certificate.subject),
                "serial": format(certificate.serial_number, "x"),
                "expected": credential.subject,
            }
        )


def embedded_signature(document: Document, request: SigningRequest):
    """The document with the returned signature embedded, once its certificate's status is
    known to be good: (the field it signs, the signed PDF)."""
    external = request.external
    # prepare_again sends a request back whenever the document moves on: this only guards
    # the rule that a signature is always an update of the latest revision.
    if document.latest_revision().number != external["base_revision"]:
        refuse(_("The document changed since the signature was prepared: prepare it again."))
    field = checked_field(request)
    certificate, chain = certificates_of(request.credential)
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

    return field, asyncio.run(embed())


def _read_content(sha256: str) -> bytes:
    try:
        return read_content(REVISIONS_FOLDER, sha256, PDF_SUFFIX)
    except ContentAltered as error:
        raise ValidationError(_("The prepared document was altered in storage.")) from error

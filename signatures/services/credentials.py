"""Officials' signing credentials: registered, checked in the background, withdrawn."""

import asyncio
import datetime
import hashlib
import logging

from asn1crypto import pem, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from signatures import providers, signals, trust
from signatures.keystores import KeystoreLocked, seal
from signatures.models import (
    Credential,
    CredentialStatus,
    Provider,
)
from signatures.services.uploads import validation_failure
from workflows.background import enqueue_on_commit
from workflows.services import record_event, require_permission

logger = logging.getLogger(__name__)


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
                subject=trust.name_text(cert.subject),
                issuer=trust.name_text(cert.issuer),
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

"""Trust: which roots we trust, and whether a certificate may sign now.

Registration and signing both call :func:`check_certificate`, which answers with a precise
Vietnamese reason: expired, not yet valid, revoked, untrusted, or not meant for signing.
"""

import asyncio
import datetime
import logging
from pathlib import Path

from asn1crypto import pem, x509
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors

logger = logging.getLogger(__name__)

SIGNING_KEY_USAGE = {"non_repudiation"}
ALTERNATIVE_KEY_USAGE = {"digital_signature"}


class CertificateRefused(Exception):
    """A certificate that may not sign; the message says why, in the user's language."""


class RevocationUnknown(CertificateRefused):
    """The revocation status could not be learnt now (a responder down, unreachable): asking
    again later may succeed, unlike every other refusal."""


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """Certificates from PEM (one or many) or a single DER blob."""
    if pem.detect(data):
        return [x509.Certificate.load(der) for _type, _headers, der in pem.unarmor(data, True)]
    return [x509.Certificate.load(data)]


def name_text(name: x509.Name) -> str:
    """A certificate's name as its values, most specific first ("Nguyễn Văn An, UBND huyện
    Tiên Lãng, VN"): the same in every language, where asn1crypto's ``human_friendly`` labels
    them in English ("Common Name: …, Organization: …")."""
    values = [str(attribute["value"].native) for rdn in name.chosen for attribute in rdn]
    return ", ".join(reversed(values))


def trust_roots() -> list[x509.Certificate]:
    roots = []
    for path in settings.SIGNING_TRUST_ROOTS:
        roots.extend(load_certificates(Path(path).read_bytes()))
    return roots


def validation_context(
    *, moment=None, other_certs=(), crls=(), ocsps=(), fetch=None, revocation_mode=None
) -> ValidationContext:
    """A fresh context (they cache revocation data: one per operation)."""
    return ValidationContext(
        trust_roots=trust_roots(),
        other_certs=list(other_certs),
        moment=moment,
        allow_fetching=settings.SIGNING_FETCH_REVOCATION if fetch is None else fetch,
        crls=list(crls),
        ocsps=list(ocsps),
        revocation_mode=revocation_mode or settings.SIGNING_REVOCATION_MODE,
    )


def _day(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def check_certificate(certificate: x509.Certificate, chain=(), *, context=None) -> None:
    """Raise :class:`CertificateRefused` unless ``certificate`` may sign now."""
    context = context or validation_context(other_certs=chain)

    async def check_and_close():
        try:
            await acheck_certificate(certificate, chain, context=context)
        finally:
            # The fetchers' aiohttp session belongs to this loop, which asyncio.run closes.
            await context.aclose()

    asyncio.run(check_and_close())


async def acheck_certificate(certificate: x509.Certificate, chain=(), *, context=None) -> None:
    """:func:`check_certificate` for code already running in an event loop (signing)."""
    if context is None:
        context = validation_context(other_certs=chain)
        try:
            return await acheck_certificate(certificate, chain, context=context)
        finally:
            await context.aclose()
    moment = context.moment or timezone.now()
    validity = certificate["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if moment < not_before:
        raise CertificateRefused(
            _("The certificate is not valid yet: it starts on %(day)s.") % {"day": _day(not_before)}
        )
    if moment > not_after:
        raise CertificateRefused(
            _("The certificate expired on %(day)s.") % {"day": _day(not_after)}
        )
    _check_key_usage(certificate)
    validator = CertificateValidator(
        certificate, intermediate_certs=list(chain), validation_context=context
    )
    # pyHanko's own words (English, with certificate names) go to the log for the
    # administrator; the official reads the cause in his language, naming the issuer.
    where = {"issuer": name_text(certificate.issuer)}
    try:
        await validator.async_validate_path()
    except cv_errors.RevokedError as error:
        raise CertificateRefused(_("The certificate has been revoked.")) from error
    except cv_errors.InsufficientRevinfoError as error:
        logger.info("Revocation status unknown: %s", error)
        raise RevocationUnknown(
            _(
                "The revocation status of the certificate could not be checked: the OCSP and"
                " CRL services of %(issuer)s gave no usable answer."
            )
            % where
        ) from error
    except cv_errors.PathBuildingError as error:
        logger.info("No path to a trusted root: %s", error)
        raise CertificateRefused(
            _(
                "The certificate does not lead to a trusted root certificate authority: no"
                " chain from its issuer %(issuer)s to a root the site trusts."
            )
            % where
        ) from error
    except cv_errors.PathValidationError as error:
        logger.info("Certificate path refused: %s", error)
        raise CertificateRefused(
            _(
                "The certificate does not lead to a trusted root certificate authority: its"
                " chain through %(issuer)s was refused (a certificate of the chain is expired,"
                " revoked or not valid for signing)."
            )
            % where
        ) from error


def _check_key_usage(certificate: x509.Certificate) -> None:
    usage = certificate.key_usage_value
    granted = set(usage.native) if usage is not None else set()
    if not (granted & (SIGNING_KEY_USAGE | ALTERNATIVE_KEY_USAGE)):
        raise CertificateRefused(
            _("The certificate is not meant for signing (its key usage lacks digital signature).")
        )

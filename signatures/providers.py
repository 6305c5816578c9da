"""Signers: where an official's private key lives, behind one interface.

Each provider opens a pyHanko ``Signer`` for the duration of one signature:

- ``pkcs12``: the official's keystore, stored sealed and opened with his PIN;
- ``pkcs11``: a token or HSM (SoftHSM2 in tests), logged in with his PIN;
- ``csc``: a remote signing service speaking the Cloud Signature Consortium API;
- ``external``: no signer here at all — the signing task prepares the document and the
  official's own tool signs its digest (``services.complete_external_signature``).
"""

import contextlib

import aiohttp
from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.utils.translation import gettext as _
from pkcs11.exceptions import PinIncorrect
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.signers.csc_signer import (
    CSCAuthorizationManager,
    CSCServiceSessionInfo,
    CSCSigner,
    fetch_certs_in_csc_credential,
)
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signatures import trust
from signatures.keystores import KeystoreLocked, open_pkcs12
from signatures.models import Credential, Provider


class SignerUnavailable(Exception):
    """The key cannot be used now; the message says why, in the user's language."""


class WrongSecret(SignerUnavailable):
    """The PIN does not unlock the key (workflows.throttle counts these)."""


def credential_certificate(credential: Credential) -> x509.Certificate:
    return x509.Certificate.load(bytes(credential.certificate))


def credential_chain(credential: Credential) -> list[x509.Certificate]:
    return trust.load_certificates(credential.chain.encode()) if credential.chain else []


@contextlib.asynccontextmanager
async def open_signer(credential: Credential, secret: str | None):
    """Yield a pyHanko signer for ``credential``, unlocked with ``secret`` (PIN or OTP)."""
    opener = {
        Provider.PKCS12: _pkcs12_signer,
        Provider.PKCS11: _pkcs11_signer,
        Provider.CSC: _csc_signer,
    }.get(credential.provider)
    if opener is None:
        raise SignerUnavailable(
            _("This credential signs outside the server: use the two-step signing.")
        )
    async with opener(credential, secret) as signer:
        yield signer


@contextlib.asynccontextmanager
async def _pkcs12_signer(credential: Credential, pin: str | None):
    try:
        key, _cert, _extra = open_pkcs12(credential.keystore, pin or "")
    except KeystoreLocked as error:
        raise WrongSecret(str(error)) from error
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    yield signers.SimpleSigner(
        signing_cert=credential_certificate(credential),
        signing_key=load_private_key_from_pemder_data(der, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(credential_chain(credential)),
    )


@contextlib.asynccontextmanager
async def _pkcs11_signer(credential: Credential, pin: str | None):
    config = credential.config
    try:
        session = open_pkcs11_session(
            config.get("module") or settings.SIGNING_PKCS11_MODULE,
            token_criteria=TokenCriteria(label=config["token_label"]),
            user_pin=pin or "",
        )
    except PinIncorrect as error:
        raise WrongSecret(_("The PIN is wrong.")) from error
    except Exception as error:  # python-pkcs11 raises many classes; all mean "cannot log in"
        raise SignerUnavailable(
            _("The token could not be opened (wrong PIN, or token not present): %(detail)s")
            % {"detail": type(error).__name__}
        ) from error
    try:
        # Select the key by id (token labels of keys and certificates often differ) and sign
        # with the registered certificate, the one whose chain and status were checked.
        certificate = credential_certificate(credential)
        yield PKCS11Signer(
            session,
            key_id=bytes.fromhex(config["key_id"]),
            signing_cert=certificate,
            ca_chain=credential_chain(credential),
            # Many tokens (SoftHSM2 among them) only do raw ECDSA: hash here, sign there.
            use_raw_mechanism=certificate.public_key.algorithm == "ec",
        )
    finally:
        session.close()


class _PinAuthorisation(CSCAuthorizationManager):
    """CSC authorisation with the official's PIN (credentials/authorize, SCAL 1 or 2)."""

    def __init__(self, session, pin: str | None, **kwargs):
        super().__init__(**kwargs)
        self.session, self.pin = session, pin

    async def authorize_signature(self, hash_b64s):
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        payload = self.format_csc_auth_request(hash_b64s=hash_b64s, pin=self.pin)
        async with self.session.post(
            url, headers=self.auth_headers, json=payload, raise_for_status=True
        ) as response:
            return self.parse_csc_auth_response(await response.json())


def _csc_session_info(config: dict) -> CSCServiceSessionInfo:
    return CSCServiceSessionInfo(
        service_url=config["service_url"],
        credential_id=config["credential_id"],
        oauth_token=config.get("oauth_token", ""),
        api_ver="v1",
    )


#: Seconds to wait for a CSC service to describe a credential (an administrator is waiting).
CSC_INFO_TIMEOUT = 10


async def fetch_csc_certificates(config: dict) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The certificate and chain a CSC service holds for a credential (``credentials/info``)."""
    async with aiohttp.ClientSession() as session:
        try:
            info = await fetch_certs_in_csc_credential(
                session, _csc_session_info(config), timeout=CSC_INFO_TIMEOUT
            )
        except (SigningError, OSError) as error:
            raise SignerUnavailable(_csc_info_failure(error)) from error
    return info.signing_cert, info.chain


def _csc_info_failure(error: Exception) -> str:
    # pyHanko wraps the HTTP client's errors in a SigningError; timeouts come through as is.
    cause = error.__cause__ or error
    if isinstance(cause, aiohttp.ClientResponseError):
        return _(
            "The remote signing service refused to describe the credential (HTTP %(status)s): "
            "check the credential ID and the access token."
        ) % {"status": cause.status}
    if isinstance(cause, (aiohttp.ClientError, OSError)):
        return _("The remote signing service does not answer: %(detail)s") % {
            "detail": str(cause) or type(cause).__name__
        }
    return _("The remote signing service gave no usable certificate (%(detail)s).") % {
        "detail": error
    }


@contextlib.asynccontextmanager
async def _csc_signer(credential: Credential, pin: str | None):
    config = credential.config
    async with aiohttp.ClientSession() as session:
        info = _csc_session_info(config)
        try:
            credential_info = await fetch_certs_in_csc_credential(session, info)
        except (aiohttp.ClientError, OSError) as error:
            raise SignerUnavailable(
                _("The remote signing service does not answer: %(detail)s") % {"detail": error}
            ) from error
        auth = _PinAuthorisation(
            session, pin, csc_session_info=info, credential_info=credential_info
        )
        yield CSCSigner(session, auth_manager=auth)

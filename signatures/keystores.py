"""Personal keystores: PKCS#12 protected by the official's PIN, encrypted again at rest.

The PIN never leaves the official: the server keeps the PKCS#12 file encrypted with its own key
(``SIGNING_KEYSTORE_KEY``) and can open it only with the PIN given for one signature.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.utils.translation import gettext as _


class KeystoreLocked(Exception):
    """The keystore cannot be opened: wrong PIN or damaged keystore; the message says which."""


def _fernet() -> Fernet:
    key = settings.SIGNING_KEYSTORE_KEY
    if not key:
        # Derived from SECRET_KEY for development; production sets SIGNING_KEYSTORE_KEY.
        key = base64.urlsafe_b64encode(
            hashlib.sha256(f"keystores:{settings.SECRET_KEY}".encode()).digest()
        )
    return Fernet(key)


def seal(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def unseal(data: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(data))
    except InvalidToken as error:
        raise KeystoreLocked(
            _("The keystore cannot be decrypted with this server's key (SIGNING_KEYSTORE_KEY).")
        ) from error


def open_pkcs12(sealed: bytes, pin: str):
    """Return ``(private_key, certificate, additional_certificates)`` of a sealed keystore."""
    try:
        return pkcs12.load_key_and_certificates(unseal(sealed), pin.encode())
    except ValueError as error:
        raise KeystoreLocked(_("The PIN is wrong.")) from error

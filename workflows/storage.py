"""Content-addressed files: stored once under their SHA-256, never rewritten.

Signed revisions and attachments both live this way (ARCHITECTURE rule 5): a row names its
content by hash, so the same bytes are kept once however many rows refer to them, and a file
whose content no longer matches its name is found when it is read.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


class ContentAltered(Exception):
    """A stored file no longer matches the SHA-256 it is stored under."""


def content_path(folder: str, sha256: str, suffix: str = "") -> str:
    return f"{folder}/{sha256[:2]}/{sha256}{suffix}"


def store_content(content: bytes, folder: str, suffix: str = "") -> str:
    """Write ``content`` once under its SHA-256 in ``folder`` (an existing file is kept)."""
    sha256 = hashlib.sha256(content).hexdigest()
    path = content_path(folder, sha256, suffix)
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(content))
        if saved != path:  # a concurrent writer stored the same content first
            default_storage.delete(saved)
    return sha256


def read_content(folder: str, sha256: str, suffix: str = "") -> bytes:
    """The stored content, checked against its SHA-256 (``ContentAltered`` if it differs)."""
    with default_storage.open(content_path(folder, sha256, suffix), "rb") as stored:
        content = stored.read()
    if hashlib.sha256(content).hexdigest() != sha256:
        raise ContentAltered(sha256)
    return content

"""Faster reading of two PDF token kinds in pyHanko's parser, with exactly its results.

pyHanko's tokenizer reads one byte per Python call: a hex string (every signature's /Contents,
7 000 digits and more) and every name and keyword cost thousands of calls. pyHanko also parses
each object again for every historical revision it compares, so validating a document with
twenty signatures spent about a quarter of its time here (docs/benchmarks.md).

The replacements read a chunk and search it. They handle the common, well-formed case only:
anything else (a comment inside a hex string, a stray byte, the end of the file) rewinds the
stream and calls pyHanko's own function, so results, errors and the stream position are always
pyHanko's. ``tests/signatures/test_tokenizer.py`` compares both on generated input.

They are installed when the app is ready, only for the pyHanko version they were checked
against; with another version pyHanko's own functions stay, and validation is merely slower.
"""

import binascii
import logging
import re
from importlib.metadata import version

from pyhanko.pdf_utils import generic, misc

logger = logging.getLogger(__name__)

CHECKED_PYHANKO_VERSION = "0.38.0"
ORIGINAL_READ_HEX_STRING = generic.read_hex_string_from_stream
ORIGINAL_READ_UNTIL_CLASS = misc._read_until_class
_HEX_DIGITS_ONLY = re.compile(rb"[0-9A-Fa-f]*")
_FIRST_CHUNK = 64  # most names and keywords are shorter; hex strings grow the chunk


def read_hex_string_from_stream(stream):
    """``<hex digits and whitespace>`` → the string object, as pyHanko reads it."""
    start = stream.tell()
    body = _read_through(stream, start + 1, b">")
    digits = None if body is None else body.translate(None, misc.PDF_WHITESPACE)
    if digits is None or not _HEX_DIGITS_ONLY.fullmatch(digits):
        stream.seek(start)
        return ORIGINAL_READ_HEX_STRING(stream)
    stream.seek(start + 1 + len(body) + 1)
    return generic.pdf_string(binascii.unhexlify(digits + b"0" * (len(digits) % 2)))


def _read_through(stream, position: int, stop: bytes) -> bytes | None:
    """The bytes from ``position`` up to the first ``stop``, or None at the end of the file."""
    stream.seek(position)
    parts, size = [], _FIRST_CHUNK
    while True:
        chunk = stream.read(size)
        found = chunk.find(stop)
        if found >= 0:
            parts.append(chunk[:found])
            return b"".join(parts)
        if len(chunk) < size:
            return None
        parts.append(chunk)
        size *= 4


_class_patterns: dict[bytes, re.Pattern] = {}


def read_until_class(class_chars: bytes, stream, maxchars=None):
    """Bytes up to the first of ``class_chars`` (consumed), and whether the file ended first."""
    if maxchars is not None:  # only the header check limits it: rare, keep pyHanko's loop
        return ORIGINAL_READ_UNTIL_CLASS(class_chars, stream, maxchars)
    pattern = _class_patterns.get(class_chars)
    if pattern is None:
        pattern = _class_patterns.setdefault(
            class_chars, re.compile(b"[" + re.escape(class_chars) + b"]")
        )
    start, parts, size = stream.tell(), [], _FIRST_CHUNK
    while True:
        chunk = stream.read(size)
        found = pattern.search(chunk)
        if found:
            parts.append(chunk[: found.start()])
            token = b"".join(parts)
            stream.seek(start + len(token) + 1)
            return token, False
        parts.append(chunk)
        if len(chunk) < size:
            return b"".join(parts), True
        size *= 4


def install() -> bool:
    """Use the faster functions if this is the pyHanko they were checked against."""
    installed = version("pyhanko")
    if installed != CHECKED_PYHANKO_VERSION:
        logger.warning(
            "pyHanko %s is not the version the faster tokenizer was checked against (%s): "
            "pyHanko's own tokenizer is used.",
            installed,
            CHECKED_PYHANKO_VERSION,
        )
        return False
    generic.read_hex_string_from_stream = read_hex_string_from_stream
    misc._read_until_class = read_until_class
    return True


def uninstall() -> None:
    """Back to pyHanko's own functions (the benchmark compares both)."""
    generic.read_hex_string_from_stream = ORIGINAL_READ_HEX_STRING
    misc._read_until_class = ORIGINAL_READ_UNTIL_CLASS

"""The faster tokenizer gives exactly pyHanko's results: values, errors and stream positions."""

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.pdf_utils import generic, misc

from signatures import tokenizer

# Bytes that matter to the two readers, and some that do not, so that generated input hits
# every branch: digits, whitespace, comments, delimiters, the closing bracket, stray bytes.
INTERESTING = [
    *b"0123456789abcdefABCDEF",
    *misc.PDF_WHITESPACE,
    *misc.PDF_DELIMITERS,
    *b"gGzZ#\x80\xff",
]
pdf_bytes = st.lists(st.sampled_from(INTERESTING), max_size=300).map(bytes) | st.binary(
    max_size=300
)


def outcome(function, data: bytes, start: int, *args):
    """What ``function`` returns or raises on ``data`` read from ``start``, and where it stops."""
    stream = io.BytesIO(data)
    stream.seek(start)
    try:
        result = function(*args, stream)
    except Exception as error:  # any: the error itself is what is compared
        return ("raised", type(error), str(error), stream.tell())
    if isinstance(result, tuple):
        return ("returned", result, stream.tell())
    return ("returned", type(result), bytes(result.original_bytes), stream.tell())


@settings(max_examples=600, derandomize=True, deadline=None)
@given(body=pdf_bytes, tail=pdf_bytes, closed=st.booleans())
def test_hex_strings_read_as_pyhanko_reads_them(body, tail, closed):
    data = b"<" + body + (b">" if closed else b"") + tail
    ours = outcome(tokenizer.read_hex_string_from_stream, data, 0)
    assert ours == outcome(tokenizer.ORIGINAL_READ_HEX_STRING, data, 0)


@settings(max_examples=600, derandomize=True, deadline=None)
@given(
    data=pdf_bytes,
    start=st.integers(min_value=0, max_value=300),
    class_chars=st.sampled_from([misc.PDF_WHITESPACE, misc.PDF_WHITESPACE + misc.PDF_DELIMITERS]),
)
def test_tokens_read_as_pyhanko_reads_them(data, start, class_chars):
    start = min(start, len(data))
    ours = outcome(tokenizer.read_until_class, data, start, class_chars)
    assert ours == outcome(tokenizer.ORIGINAL_READ_UNTIL_CLASS, data, start, class_chars)


def test_long_signature_contents_are_read_in_one_piece():
    digits = bytes.fromhex("3082") * 4000  # a CMS-sized /Contents, spanning many chunks
    data = b"<" + digits.hex().encode() + b"\n>> endobj"
    stream = io.BytesIO(data)
    value = tokenizer.read_hex_string_from_stream(stream)
    assert bytes(value.original_bytes) == digits
    assert data[stream.tell() :] == b"> endobj"


def test_the_app_installs_the_faster_functions():
    # SignaturesConfig.ready installed them: every pyHanko read in the site uses them.
    assert generic.read_hex_string_from_stream is tokenizer.read_hex_string_from_stream
    assert misc._read_until_class is tokenizer.read_until_class

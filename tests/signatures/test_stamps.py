"""The shared stamp font: its widths as written in the PDF, and read back by poppler."""

import asyncio
import collections
import datetime

from pyhanko.sign import signers

from signatures import fonts, pades, preparation, stamps
from signatures.pki import DEMO_PIN
from tests.signatures import helpers, poppler

STAMP_TEXT = "Ký bởi: Nguyễn Thị Hưởng\nThời gian ký: 09:30 21/11/2026"


def expand(default: int, ranges: list[int], count: int) -> list[int]:
    """Every glyph's width as a PDF reader takes it from /DW and a range-form /W."""
    widths = [default] * count
    for first, last, width in zip(ranges[0::3], ranges[1::3], ranges[2::3], strict=True):
        widths[first : last + 1] = [width] * (last - first + 1)
    return widths


def test_the_stamp_writes_the_moment_as_the_site_does():
    moment = datetime.datetime(2026, 11, 21, 2, 30, tzinfo=datetime.UTC)
    lines = stamps.stamp_lines(signer="Nguyễn Thị Hưởng", title="", unit="", moment=moment)
    assert lines == STAMP_TEXT


def test_dw_and_w_give_every_glyph_its_width():
    widths = stamps.metrics_for(fonts.stamp_font_bytes()).widths
    ranges = stamps.width_ranges(widths)
    assert expand(stamps.default_width(widths), ranges, len(widths)) == widths
    # One range per width (and .notdef's) but the default: the glyphs are numbered by width.
    assert len(ranges) <= 3 * len(set(widths)) < len(widths) / 2


def test_width_ranges_of_unordered_widths():
    widths = [0, 500, 500, 722, 500, 333, 333, 722, 722, 722]
    ranges = stamps.width_ranges(widths)
    assert stamps.default_width(widths) == 722
    assert ranges == [0, 0, 0, 1, 2, 500, 4, 4, 500, 5, 6, 333]
    assert expand(722, ranges, len(widths)) == widths


def test_stamp_font_glyphs_are_numbered_by_width_notdef_first():
    widths = stamps.metrics_for(fonts.stamp_font_bytes()).widths
    assert widths[1:] == sorted(widths[1:])


@poppler.pdftotext_missing
def test_poppler_lays_out_the_stamp_text_with_the_fonts_widths(dev_pki, dev_officials):
    # An independent reader places every glyph of the stamp from /DW and /W: each word's box
    # is as wide as its glyphs' widths at the stamp's font size.
    identity = dev_officials[0]
    prepared = preparation.add_fields(*_rendered(identity))
    signer = signers.SimpleSigner.load_pkcs12_data(
        dev_pki.pkcs12_for(identity.username), other_certs=[], passphrase=DEMO_PIN.encode()
    )
    spec = pades.SignatureSpec(field_name="Sig01", stamp_text=STAMP_TEXT, level="B-B")
    signed = asyncio.run(pades.sign(prepared, signer, spec, reservation_key="stamp-test"))

    metrics = stamps.metrics_for(fonts.stamp_font_bytes())
    stamp_words = _stamp_words(signed, STAMP_TEXT.split())
    assert sorted(stamp_words) == sorted(STAMP_TEXT.split())
    # pyHanko fits the stamp into its box with one scale for the whole stamp.
    scales = {
        word: width / (sum(metrics.widths[g] for g in metrics.glyphs(word)) / 1000)
        for word, widths in stamp_words.items()
        for width in widths
    }
    assert min(scales.values()) > 0.9 * stamps.STAMP_FONT_SIZE
    assert max(scales.values()) - min(scales.values()) < 0.01, scales


def _rendered(identity):
    rendered = helpers.render([identity])
    return rendered.content, list(rendered.fields)


def _stamp_words(content: bytes, words: list[str]) -> dict[str, list[float]]:
    """The width of each of ``words`` written at the stamp's size (the page text is larger)."""
    found = collections.defaultdict(list)
    for _page, text, (x1, y1, x2, y2) in poppler.words_by_page(content):
        height = y2 - y1
        if text in words and height < stamps.STAMP_FONT_SIZE * 1.3:
            found[text].append(x2 - x1)
    return found

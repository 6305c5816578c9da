"""The document font: Times-metric serif with every Vietnamese letter.

ND 30/2020 asks for Times New Roman. Liberation Serif 2 (Debian ``fonts-liberation2``) has the
same metrics and covers Vietnamese; DejaVu Serif is the fallback. Liberation Serif 1.x
(``fonts-liberation``) lacks ư, ơ and their toned forms and must never be used, which is why the
paths are chosen here explicitly instead of asking fontconfig for "Times New Roman".
"""

import functools
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

LIBERATION2_DIR = Path("/usr/share/fonts/truetype/liberation2")
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class FontPaths:
    family: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path

    def all(self) -> tuple[Path, Path, Path, Path]:
        return (self.regular, self.bold, self.italic, self.bold_italic)


_CANDIDATES = (
    FontPaths(
        family="Liberation Serif",
        regular=LIBERATION2_DIR / "LiberationSerif-Regular.ttf",
        bold=LIBERATION2_DIR / "LiberationSerif-Bold.ttf",
        italic=LIBERATION2_DIR / "LiberationSerif-Italic.ttf",
        bold_italic=LIBERATION2_DIR / "LiberationSerif-BoldItalic.ttf",
    ),
    FontPaths(
        family="DejaVu Serif",
        regular=DEJAVU_DIR / "DejaVuSerif.ttf",
        bold=DEJAVU_DIR / "DejaVuSerif-Bold.ttf",
        italic=DEJAVU_DIR / "DejaVuSerif-Italic.ttf",
        bold_italic=DEJAVU_DIR / "DejaVuSerif-BoldItalic.ttf",
    ),
)


class FontMissing(ImproperlyConfigured):
    pass


def document_font_paths() -> FontPaths:
    """The first installed candidate with all four styles (Liberation Serif 2 first)."""
    for candidate in _CANDIDATES:
        if all(path.is_file() for path in candidate.all()):
            return candidate
    raise FontMissing(_("No font with Vietnamese letters is installed: install fonts-liberation2."))


def _vietnamese_letters() -> str:
    # Built from base letter + combining marks and composed with NFC, so that the list cannot
    # silently miss a letter the way a hand-typed one could. Every result is one code point.
    bases = list("aăâeêioôơuưy")
    tones = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # sắc huyền hỏi ngã nặng
    toned = []
    for base in bases:
        for tone in tones:
            letter = unicodedata.normalize("NFC", unicodedata.normalize("NFD", base) + tone)
            assert len(letter) == 1, letter
            toned.append(letter)
    lower = "".join(toned) + "đ"
    ascii_letters = "abcdefghijklmnopqrstuvwxyz"
    return lower + lower.upper() + ascii_letters + ascii_letters.upper() + "0123456789"


def _unique(text: str) -> str:
    return "".join(dict.fromkeys(text))


#: Every Vietnamese letter in every tone (lower and upper case), đ/Đ, a–z, A–Z and the digits.
VIETNAMESE_LETTERS: str = _unique(_vietnamese_letters())

#: Punctuation used in documents and stamps beyond printable ASCII.
DOCUMENT_PUNCTUATION = "–—…“”‘’«»§°·×"

#: What the stamp font keeps: letters, printable ASCII, document punctuation, space.
STAMP_REPERTOIRE: str = _unique(
    VIETNAMESE_LETTERS + "".join(chr(c) for c in range(0x20, 0x7F)) + DOCUMENT_PUNCTUATION
)


def normalise(text: str) -> str:
    """NFC: one code point per letter, as TCVN 6909 text and search expect."""
    return unicodedata.normalize("NFC", text)


@functools.cache
def stamp_font_bytes() -> bytes:
    """The regular document font, subset to STAMP_REPERTOIRE and rescaled to 1000 units/em.

    pyHanko 0.38 writes the /W widths of a stamp font in raw font units, so a 2048-upem font
    (Liberation, DejaVu) renders letter-spaced; at 1000 upem the units equal PDF glyph space.
    Deterministic for an installed font, hence cached for the process.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(document_font_paths().regular)
    options = subset.Options()
    options.drop_tables += ["FFTM"]  # FontForge timestamps: unknown to the subsetter
    options.hinting = False  # instructions are meaningless after rescaling
    # Stamps map NFC characters through the cmap, one glyph each (stamps._SharedFontEngine):
    # no shaping, so no layout tables.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    options.name_IDs = ["*"]  # keep the copyright and licence records (OFL)
    options.name_languages = ["*"]
    options.glyph_names = True
    options.notdef_outline = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=[ord(char) for char in STAMP_REPERTOIRE])
    subsetter.subset(font)
    scale_upem(font, 1000)
    _order_glyphs_by_width(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _order_glyphs_by_width(font) -> None:
    """Number the glyphs by advance width, .notdef first.

    Glyphs of one width are then consecutive, so the font's /W array holds one range per width
    (about 30) instead of one number per glyph (about 280; ``stamps.width_ranges``). Validators
    walk that array once for every path to the font, two per signed stamp and for every signed
    revision: with 20 signatures it was most of what pyHanko's difference analysis read.
    """
    font.ensureDecompiled()  # every table names its glyphs before their numbers change
    order = font.getGlyphOrder()
    advance = font["hmtx"].metrics
    font.setGlyphOrder(order[:1] + sorted(order[1:], key=lambda name: advance[name][0]))

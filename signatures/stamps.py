"""Visible signature stamps in Vietnamese, with one font shared by every signature.

pyHanko's own TrueType stamps re-embed a font subset in every signature (about 11 KB each) and
spend ~0.15 s shaping and subsetting. Here the stamp font (a Vietnamese subset rescaled to 1000
units per em, see ``fonts.stamp_font_bytes``) is embedded once, when the fields are added, under
the form's default resources (``/AcroForm /DR /Font /VnStamp``). Each stamp then refers to that
font object and shapes its text from the font program stored in the document itself, so the
glyph numbers always match what is embedded.
"""

import collections
import datetime
import functools
import hashlib
import io
import textwrap
import unicodedata

from django.utils import timezone
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory, ShapeResult
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

STAMP_FONT_NAME = "/VnStamp"
STAMP_FONT_SIZE = 9
STAMP_LEADING = 11
# ND 30/2020 PL I §II.7–8: personal signatures in blue, the organisation's seal in red.
PERSONAL_COLOUR = (0.1, 0.2, 0.7)
ORGANISATION_COLOUR = (0.8, 0.0, 0.0)
STAMP_LINE_CHARS = 38  # characters per stamp line before wrapping (no automatic wrap in PDF)
REPLACEMENT = "?"


class StampFontMetrics:
    """Glyph numbers and advance widths (per 1000 em) of an embedded TrueType program."""

    def __init__(self, program: bytes):
        font = TTFont(io.BytesIO(program))
        scale = 1000 / font["head"].unitsPerEm
        self.glyph_of = {code: font.getGlyphID(name) for code, name in font.getBestCmap().items()}
        metrics = font["hmtx"].metrics
        self.widths = [round(metrics[name][0] * scale) for name in font.getGlyphOrder()]
        head, hhea = font["head"], font["hhea"]
        self.bbox = [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        self.ascent, self.descent = round(hhea.ascent * scale), round(hhea.descent * scale)
        os2 = font["OS/2"]
        self.cap_height = round(getattr(os2, "sCapHeight", 0) * scale) or self.ascent
        self.italic_angle = font["post"].italicAngle
        self.postscript_name = font["name"].getDebugName(6) or "VnStamp"

    def glyphs(self, text: str) -> list[int]:
        replacement = self.glyph_of.get(ord(REPLACEMENT), 0)
        return [self.glyph_of.get(ord(char), replacement) for char in text]


@functools.lru_cache(maxsize=32)
def metrics_for(program: bytes) -> StampFontMetrics:
    return StampFontMetrics(program)


# The font dictionary carries the SHA-256 of its program (a private key: readers ignore keys they
# do not know), so that signing finds the metrics in the cache without reading the font stream.
PROGRAM_HASH_KEY = "/ThiDuaProgramSHA256"
_metrics_by_hash: dict[str, StampFontMetrics] = {}


# -- embedding the font once ------------------------------------------------------------------


def embed_stamp_font(writer, program: bytes) -> generic.IndirectObject:
    """Add the stamp font to ``writer`` and register it as the form's /VnStamp resource."""
    metrics = metrics_for(program)
    font_file = generic.StreamObject(
        {pdf_name("/Length1"): generic.NumberObject(len(program))}, stream_data=program
    )
    font_file.compress()
    descriptor = writer.add_object(_font_descriptor(metrics, writer.add_object(font_file)))
    cid_font = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/CIDFontType2"),
                pdf_name("/BaseFont"): pdf_name("/" + _base_font_name(metrics)),
                pdf_name("/CIDSystemInfo"): generic.DictionaryObject(
                    {
                        pdf_name("/Registry"): generic.pdf_string("Adobe"),
                        pdf_name("/Ordering"): generic.pdf_string("Identity"),
                        pdf_name("/Supplement"): generic.NumberObject(0),
                    }
                ),
                pdf_name("/FontDescriptor"): descriptor,
                pdf_name("/CIDToGIDMap"): pdf_name("/Identity"),
                pdf_name("/DW"): generic.NumberObject(default_width(metrics.widths)),
                pdf_name("/W"): generic.ArrayObject(
                    generic.NumberObject(number) for number in width_ranges(metrics.widths)
                ),
            }
        )
    )
    font = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/Type0"),
                pdf_name("/BaseFont"): pdf_name("/" + _base_font_name(metrics)),
                pdf_name("/Encoding"): pdf_name("/Identity-H"),
                pdf_name("/DescendantFonts"): generic.ArrayObject([cid_font]),
                pdf_name("/ToUnicode"): writer.add_object(_to_unicode(metrics)),
                pdf_name(PROGRAM_HASH_KEY): generic.pdf_string(_program_hash(program)),
            }
        )
    )
    _register_in_form(writer, font)
    return font


def default_width(widths: list[int]) -> int:
    """The most common advance width: the /DW of the font, left out of /W."""
    return collections.Counter(widths).most_common(1)[0][0]


def width_ranges(widths: list[int]) -> list[int]:
    """/W in its range form, ``first last width`` for every run of glyphs of one width other
    than the default (ISO 32000-1 §9.7.4.3); short when glyphs are ordered by width."""
    default, ranges, first = default_width(widths), [], 0
    for glyph in range(1, len(widths) + 1):
        if glyph == len(widths) or widths[glyph] != widths[first]:
            if widths[first] != default:
                ranges += [first, glyph - 1, widths[first]]
            first = glyph
    return ranges


def _program_hash(program: bytes) -> str:
    digest = hashlib.sha256(program).hexdigest()
    _metrics_by_hash.setdefault(digest, metrics_for(program))
    return digest


def _base_font_name(metrics: StampFontMetrics) -> str:
    # The "XXXXXX+" tag marks an embedded subset (ISO 32000-1 §9.6.4).
    return "VNSTMP+" + metrics.postscript_name.replace(" ", "")


def _font_descriptor(metrics: StampFontMetrics, font_file) -> generic.DictionaryObject:
    return generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/FontDescriptor"),
            pdf_name("/FontName"): pdf_name("/" + _base_font_name(metrics)),
            pdf_name("/Flags"): generic.NumberObject(34),  # serif, non-symbolic
            pdf_name("/FontBBox"): generic.ArrayObject(
                generic.NumberObject(v) for v in metrics.bbox
            ),
            pdf_name("/ItalicAngle"): generic.FloatObject(metrics.italic_angle),
            pdf_name("/Ascent"): generic.NumberObject(metrics.ascent),
            pdf_name("/Descent"): generic.NumberObject(metrics.descent),
            pdf_name("/CapHeight"): generic.NumberObject(metrics.cap_height),
            pdf_name("/StemV"): generic.NumberObject(80),
            pdf_name("/FontFile2"): font_file,
        }
    )


def _to_unicode(metrics: StampFontMetrics) -> generic.StreamObject:
    """The CMap that lets readers copy and search the stamp text."""
    pairs = sorted((glyph, code) for code, glyph in metrics.glyph_of.items())
    chunks = []
    for start in range(0, len(pairs), 100):  # at most 100 entries per bfchar block
        block = pairs[start : start + 100]
        lines = "\n".join(
            f"<{glyph:04X}> <{chr(code).encode('utf-16-be').hex().upper()}>"
            for glyph, code in block
        )
        chunks.append(f"{len(block)} beginbfchar\n{lines}\nendbfchar")
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(chunks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    stream = generic.StreamObject(stream_data=cmap.encode("ascii"))
    stream.compress()
    return stream


def _register_in_form(writer, font_ref) -> None:
    acroform = writer.root["/AcroForm"]
    resources = acroform.setdefault(pdf_name("/DR"), generic.DictionaryObject())
    fonts = resources.setdefault(pdf_name("/Font"), generic.DictionaryObject())
    fonts[pdf_name(STAMP_FONT_NAME)] = font_ref
    container = writer.root.raw_get("/AcroForm")
    if isinstance(container, generic.IndirectObject):
        writer.mark_update(container)
    else:
        writer.update_root()


# -- shaping stamp text with the embedded font ------------------------------------------------


def find_stamp_font(handler) -> tuple[generic.IndirectObject, StampFontMetrics]:
    """The /VnStamp font of a document: an indirect reference to it, and its metrics."""
    font = handler.root["/AcroForm"]["/DR"]["/Font"].raw_get(STAMP_FONT_NAME)
    font_dict = font.get_object()
    metrics = _metrics_by_hash.get(str(font_dict.get(PROGRAM_HASH_KEY, "")))
    if metrics is None:  # another process prepared the document: read its font program once
        descendant = font_dict["/DescendantFonts"][0]
        program = descendant["/FontDescriptor"]["/FontFile2"].data
        metrics = _metrics_by_hash.setdefault(_program_hash(program), metrics_for(program))
    return font, metrics


class _SharedFontEngine(FontEngine):
    def __init__(
        self, writer, font_ref: generic.IndirectObject, metrics: StampFontMetrics, font_size: int
    ):
        # FontEngine.__init__ would register a new subset to embed: deliberately not called.
        self.writer, self.obj_stream = writer, None
        self.font_ref, self.metrics, self.font_size = font_ref, metrics, font_size

    @property
    def uses_complex_positioning(self):
        return False  # plain Tj: the /W widths position the glyphs

    def shape(self, txt: str) -> ShapeResult:
        glyphs = self.metrics.glyphs(unicodedata.normalize("NFC", txt))
        hex_glyphs = "".join(f"{glyph:04x}" for glyph in glyphs)
        advance = sum(self.metrics.widths[glyph] for glyph in glyphs) / 1000
        return ShapeResult(
            graphics_ops=f"<{hex_glyphs}> Tj".encode(), x_advance=advance, y_advance=0
        )

    def as_resource(self) -> generic.PdfObject:
        return self.font_ref


class SharedStampFont(FontEngineFactory):
    def __init__(self, font_ref: generic.IndirectObject, metrics: StampFontMetrics):
        self.font_ref, self.metrics = font_ref, metrics

    def create_font_engine(self, writer, obj_stream=None) -> FontEngine:
        return _SharedFontEngine(writer, self.font_ref, self.metrics, STAMP_FONT_SIZE)


def text_style(handler, font_size: int = STAMP_FONT_SIZE, leading: int = STAMP_LEADING):
    """A text style drawing with the document's /VnStamp font (stamps and filled fields)."""
    font_ref, metrics = find_stamp_font(handler)
    return TextBoxStyle(
        font=SharedStampFont(font_ref, metrics), font_size=font_size, leading=leading
    )


#: Room between the seal's edge and a signature's text beside it, in points.
SEAL_GAP = 3


def stamp_style(handler, *, organisation: bool = False, seal_inset: float = 0) -> TextStampStyle:
    """The stamp of a field; ``seal_inset`` points of its left are under the organisation's
    seal (see :func:`seal_inset`), and its text stays to the right of them."""
    inner = None
    if seal_inset:
        inner = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=seal_inset + SEAL_GAP),
        )
    return TextStampStyle(
        stamp_text="%(lines)s",
        text_box_style=text_style(handler),
        inner_content_layout=inner,
        border_width=1,
        border_color=ORGANISATION_COLOUR if organisation else PERSONAL_COLOUR,
        background_opacity=0,
    )


def seal_inset(box, seal_boxes) -> float:
    """How far into a signature's box (x1, y1, x2, y2) an organisation's seal reaches from its
    left, in points (0: no seal over it). ND 30 puts the seal over about a third of the head's
    signature, on its left; the signature's text must stay readable beside it."""
    x1, y1, x2, y2 = box
    reach = 0.0
    for sx1, sy1, sx2, sy2 in seal_boxes:
        if sx1 < x2 and sx2 > x1 and sy1 < y2 and sy2 > y1:
            reach = max(reach, min(sx2, x2) - x1)
    return reach


#: How documents write a moment (stamps, filled fields): the site's SHORT_DATETIME_FORMAT.
DOCUMENT_MOMENT = "%H:%M %d/%m/%Y"


def stamp_lines(
    *, signer: str, title: str, unit: str, moment: datetime.datetime, width_share: float = 1.0
) -> str:
    """The stamp text: who signed, as what, for which unit, and when, written as the site
    writes moments (HH:MM dd/mm/yyyy, local time; a document never shows an ISO timestamp: the
    exact instant is in the signature itself)."""
    signed_at = timezone.localtime(moment).strftime(DOCUMENT_MOMENT)
    lines = [f"Ký bởi: {signer}"]
    for text in (title, unit):
        for given_line in text.splitlines():
            lines += textwrap.wrap(given_line, int(STAMP_LINE_CHARS * width_share))
    lines.append(f"Thời gian ký: {signed_at}")
    return "\n".join(unicodedata.normalize("NFC", line) for line in lines)

"""Reading PDFs with poppler (poppler-utils), an independent reader, for the signature tests."""

import html
import io
import re
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from signatures.fonts import normalise

pdftotext_missing = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext is not installed (Debian package poppler-utils)",
)

_PAGE = re.compile(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', re.DOTALL)
_WORD = re.compile(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<')


def pdftotext(content: bytes, *options: str) -> str:
    result = subprocess.run(
        ["pdftotext", *options, "-", "-"], input=content, capture_output=True, check=True
    )
    return normalise(result.stdout.decode("utf-8"))


def words_by_page(content: bytes) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """[(page, text, (x1, y1, x2, y2))] from pdftotext -bbox, in PDF points, origin bottom-left."""
    return [
        (
            index,
            html.unescape(text),
            (float(x1), float(height) - float(y2), float(x2), float(height) - float(y1)),
        )
        for index, (height, page) in enumerate(_PAGE.findall(pdftotext(content, "-bbox")))
        for x1, y1, x2, y2, text in _WORD.findall(page)
    ]


def descent_share(content: bytes) -> float:
    """The share of a word's box below its baseline, the same for every font of ``content``.

    pdftotext -bbox spans a word from its font's /Descent to its /Ascent (font descriptor,
    thousandths of the font size) around the baseline. The fonts of our documents, the page's
    and the form's, are all Liberation Serif: one share for all, checked here.
    """
    reader = PdfFileReader(io.BytesIO(content))
    fonts = list(_page_fonts(reader.root["/Pages"]))
    if "/AcroForm" in reader.root:
        fonts += reader.root["/AcroForm"]["/DR"]["/Font"].values()
    shares = set()
    for font in fonts:
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object()["/FontDescriptor"]
            ascent, descent = float(descriptor["/Ascent"]), float(descriptor["/Descent"])
            shares.add(round(-descent / (ascent - descent), 4))
    [share] = shares
    return share


def baseline(box: tuple[float, float, float, float], share: float) -> float:
    """The baseline of a word from its pdftotext box (origin bottom-left)."""
    return box[1] + (box[3] - box[1]) * share


def _page_fonts(node):
    if node["/Type"] == "/Pages":
        for kid in node["/Kids"]:
            yield from _page_fonts(kid.get_object())
    else:
        yield from node["/Resources"]["/Font"].values()

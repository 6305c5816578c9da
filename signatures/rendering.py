"""ND 30/2020 documents to PDF, with the positions of their signature and text placeholders.

The document is laid out once by WeasyPrint. The placeholders (elements with ``data-field``)
are found in that layout and their boxes converted to PDF coordinates; the PDF is written from
the same laid-out document, so the boxes are exactly where the blank spaces are. The signing
code creates the form fields at these boxes (this module creates none).

Coordinates: PDF points (1/72 in), origin at the bottom-left of the page, boxes as
``(x1, y1, x2, y2)`` with x1 < x2 and y1 < y2; pages are 0-based.
"""

import atexit
import datetime
import functools
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from signatures.fonts import FontPaths, document_font_paths, normalise

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STYLESHEET = TEMPLATES_DIR / "signatures" / "nd30" / "nd30.css"

#: WeasyPrint lays out in CSS pixels (96 per inch); PDF points are 72 per inch.
PT_PER_PX = 0.75

#: Kinds of placeholder, as in the ``data-kind`` attribute of the templates.
FIELD_KINDS = ("signature", "organisation", "text")

#: Where the baseline of its line crosses a text placeholder, as a share of the box's height
#: from its bottom: ``.nd30-text-field`` (nd30.css) is 1.2 em high and reaches 0.25 em below
#: the baseline. The filled text is drawn there (``pades``), level with the printed words.
TEXT_FIELD_BASELINE = 0.25 / 1.2

# Field names end up as PDF form field names, where "." separates a hierarchy.
_FIELD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class RenderingError(Exception):
    """The template does not produce the placeholders the caller asked for."""


@dataclass(frozen=True)
class SignatureBlock:
    """One signer's block (ND 30 ô 7): authority line, title, signature space, name.

    ``authority`` is the line above the title for signing on behalf ("KT. CHỦ TỊCH",
    "TM. ỦY BAN NHÂN DÂN", "TL. …"), or "". ``organisation_field`` names the records
    clerk's organisation-signature field, placed over the left third of this signature.
    """

    name: str
    authority: str
    title: str
    signer_name: str
    kind: str = "personal"
    organisation_field: str | None = None


@dataclass(frozen=True)
class FieldPlacement:
    name: str
    kind: str  # "signature", "organisation" or "text"
    page: int  # 0-based
    box: tuple[float, float, float, float]  # (x1, y1, x2, y2), PDF points, origin bottom-left

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    fields: tuple[FieldPlacement, ...]
    page_count: int

    def field(self, name: str) -> FieldPlacement:
        for placement in self.fields:
            if placement.name == name:
                return placement
        raise KeyError(name)


@dataclass(frozen=True)
class SignatureRow:
    """A row of the signature area: two halves, None where a half is empty."""

    cells: tuple[SignatureBlock | None, ...]
    recipients_left: bool = False


# ND 30 wording helpers -------------------------------------------------------------------------


def nd30_number(number: int | str) -> str:
    """Document number as printed: numbers below 10 get a leading zero ("05")."""
    text = str(number).strip()
    return f"{int(text):02d}" if text.isdigit() and int(text) < 10 else text


def nd30_day_month(day: datetime.date) -> str:
    """ "28 tháng 02": days below 10 and months 1 and 2 get a leading zero (PL I §II.4)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d} tháng {month}"


def nd30_date(day: datetime.date) -> str:
    """ "ngày 28 tháng 02 năm 2024"."""
    return f"ngày {nd30_day_month(day)} năm {day.year}"


def recipient_lines(recipients: Sequence[str]) -> list[str]:
    """ "- …;" for each entry, the last ending with "." (ND 30 ô 9b)."""
    entries = [entry.strip().lstrip("-").strip().rstrip(";.").rstrip() for entry in recipients]
    entries = [entry for entry in entries if entry]
    return [
        f"- {entry}{'.' if index == len(entries) - 1 else ';'}"
        for index, entry in enumerate(entries)
    ]


# Signature area --------------------------------------------------------------------------------


def signature_rows(
    blocks: Sequence[SignatureBlock], *, has_recipients: bool = False
) -> list[SignatureRow]:
    """Two blocks per row; a lone last block takes the right half, as ND 30 puts one signer.

    The free left half beside a lone block holds "Nơi nhận", where ND 30 places it.
    """
    rows = [SignatureRow(cells=tuple(blocks[i : i + 2])) for i in range(0, len(blocks), 2)]
    if rows and len(rows[-1].cells) == 1:
        lone = rows[-1].cells[0]
        rows[-1] = (
            SignatureRow(cells=(lone,), recipients_left=True)
            if has_recipients
            else SignatureRow(cells=(None, lone))
        )
    return rows


def _check_blocks(blocks: Sequence[SignatureBlock], text_fields: Sequence[str]) -> None:
    names = [block.name for block in blocks]
    names += [block.organisation_field for block in blocks if block.organisation_field]
    names += list(text_fields)
    for name in names:
        if not _FIELD_NAME.match(name):
            raise ValueError(
                _("Invalid field name %(name)s: use letters, digits, - and _ only.")
                % {"name": name}
            )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(_("Duplicate field names: %(names)s.") % {"names": ", ".join(duplicates)})


# Templates -------------------------------------------------------------------------------------


@functools.cache
def _engine() -> Engine:
    # Our own engine, so that the templates load whether or not "signatures" is in
    # INSTALLED_APPS; app_dirs lets templates of other apps extend the ND 30 base.
    return Engine(dirs=[TEMPLATES_DIR], app_dirs=True, autoescape=True, debug=False)


def document_context(
    context: dict, signature_blocks: Sequence[SignatureBlock]
) -> dict[str, object]:
    """The caller's context plus what base.html derives from it."""
    day = context.get("date")
    number = context.get("number")
    lines = recipient_lines(context.get("recipients") or ())
    rows = signature_rows(signature_blocks, has_recipients=bool(lines))
    return {
        **context,
        "year": context.get("year") or (day.year if day else timezone.localdate().year),
        "date_text": nd30_date(day) if day else "",
        "number_text": nd30_number(number) if number not in (None, "") else "",
        "recipient_lines": lines,
        "signature_rows": rows,
        "signature_blocks": tuple(signature_blocks),
        "recipients_beside_signature": any(row.recipients_left for row in rows),
    }


def render_html(
    template_name: str, context: dict, *, signature_blocks: Sequence[SignatureBlock] = ()
) -> str:
    """The document as HTML, NFC-normalised (user text may arrive decomposed)."""
    template = _engine().get_template(template_name)
    # Documents are Vietnamese whatever language the official browses in.
    with translation.override("vi"):
        html = template.render(Context(document_context(context, signature_blocks)))
    return normalise(html)


# Layout ----------------------------------------------------------------------------------------


def _font_face_css(fonts: FontPaths) -> str:
    faces = (
        (fonts.regular, "normal", "normal"),
        (fonts.bold, "bold", "normal"),
        (fonts.italic, "normal", "italic"),
        (fonts.bold_italic, "bold", "italic"),
    )
    return "\n".join(
        f'@font-face {{ font-family: "ND30 Serif"; src: url("{path.as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for path, weight, style in faces
    )


def _local_fetcher(roots: tuple[Path, ...]):
    """A URL fetcher that reads only our fonts and stylesheet: no network, no other files.

    Templates autoescape user text, but a document must never be able to pull in a remote
    resource or an arbitrary local file even if markup slipped through.
    """
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file":
                path = Path(url2pathname(parts.path)).resolve()
                if any(path == root or path.is_relative_to(root) for root in roots):
                    return super().fetch(url, headers)
            elif parts.scheme == "data":
                return super().fetch(url, headers)
            raise ValueError(f"Refused resource {url!r}")

    return LocalFetcher(allowed_protocols=("file", "data"))


class _Styles:
    """Font configuration and parsed stylesheets, built once per process.

    Loading the @font-face rules costs about 40 ms, a fifth of a render, so they are kept.
    A FontConfiguration is not documented as thread-safe, so documents are laid out and
    written under ``lock`` (rendering holds the GIL most of the time anyway, so threads would
    gain little by running it in parallel).
    """

    def __init__(self):
        self.lock = threading.RLock()
        self.fonts: FontPaths | None = None

    def get(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        fonts = document_font_paths()
        if self.fonts != fonts:
            roots = (*{path.resolve().parent for path in fonts.all()}, STYLESHEET.resolve())
            self.fetcher = _local_fetcher(roots)
            self.font_config = FontConfiguration()
            self.stylesheets = [
                CSS(
                    string=_font_face_css(fonts),
                    font_config=self.font_config,
                    url_fetcher=self.fetcher,
                ),
                CSS(filename=STYLESHEET, font_config=self.font_config, url_fetcher=self.fetcher),
            ]
            self.fonts = fonts
        return self.font_config, self.stylesheets, self.fetcher

    def clear(self):
        # FontConfiguration keeps copies of the fonts in a temporary folder that its __del__
        # removes; at interpreter teardown that fails (shutil is gone) and the folder stays.
        with self.lock:
            self.__dict__.pop("font_config", None)
            self.__dict__.pop("stylesheets", None)
            self.fonts = None


_styles = _Styles()
atexit.register(_styles.clear)


def layout(html: str):
    """The WeasyPrint Document for the HTML, with the ND 30 stylesheets.

    Call under ``_styles.lock`` and write the PDF before releasing it.
    """
    from weasyprint import HTML

    font_config, stylesheets, fetcher = _styles.get()
    return HTML(string=html, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher).render(
        font_config=font_config, stylesheets=stylesheets
    )


def _pdf_box(box, page_height_px: float) -> tuple[float, float, float, float]:
    """A layout box's content box in PDF points, origin bottom-left."""
    left, top = box.content_box_x(), box.content_box_y()
    right, bottom = left + box.width, top + box.height
    return (
        round(left * PT_PER_PX, 3),
        round((page_height_px - bottom) * PT_PER_PX, 3),
        round(right * PT_PER_PX, 3),
        round((page_height_px - top) * PT_PER_PX, 3),
    )


def _page_placements(page, index: int) -> Iterator[FieldPlacement]:
    seen = set()
    # placeholders=True also walks absolutely positioned boxes (the organisation field).
    for box in page._page_box.descendants(placeholders=True):
        element = getattr(box, "element", None)
        if element is None or "::" in box.element_tag:
            continue
        name = element.get("data-field")
        # An element's first (outermost) box is its own; anonymous boxes share the element.
        if not name or name in seen:
            continue
        seen.add(name)
        kind = element.get("data-kind", "text")
        if kind not in FIELD_KINDS:
            raise RenderingError(f"Unknown data-kind {kind!r} on field {name!r}")
        yield FieldPlacement(name=name, kind=kind, page=index, box=_pdf_box(box, page.height))


def placements(document) -> tuple[FieldPlacement, ...]:
    """Every placeholder of the laid-out document; each must sit on exactly one page."""
    found = [
        placement
        for index, page in enumerate(document.pages)
        for placement in _page_placements(page, index)
    ]
    names = [placement.name for placement in found]
    split = sorted({name for name in names if names.count(name) > 1})
    if split:
        raise RenderingError(f"Placeholders split across pages or repeated: {split}")
    return tuple(found)


def _check_found(
    fields: Sequence[FieldPlacement],
    blocks: Sequence[SignatureBlock],
    text_fields: Sequence[str],
) -> None:
    expected = {block.name: "signature" for block in blocks}
    expected |= {block.organisation_field: "organisation" for block in blocks}
    expected |= dict.fromkeys(text_fields, "text")
    expected.pop(None, None)
    found = {field.name: field.kind for field in fields}
    missing = sorted(name for name, kind in expected.items() if found.get(name) != kind)
    if missing:
        raise RenderingError(
            _("The document has no place for the fields %(names)s.") % {"names": ", ".join(missing)}
        )


def render_pdf(
    template_name: str,
    context: dict,
    *,
    signature_blocks: Sequence[SignatureBlock],
    text_fields: Sequence[str] = (),
) -> RenderedPdf:
    """Render an ND 30 template to PDF and report where its placeholders are.

    ``text_fields`` names text placeholders that must be present ("number", "date": left out
    of the base layout when the context gives a fixed number or date). Every placeholder found
    is reported; a requested one that is missing raises RenderingError.
    """
    _check_blocks(signature_blocks, text_fields)
    html = render_html(template_name, context, signature_blocks=signature_blocks)
    with _styles.lock:
        document = layout(html)
        fields = placements(document)
        _check_found(fields, signature_blocks, text_fields)
        content = document.write_pdf()
    return RenderedPdf(content=content, fields=fields, page_count=len(document.pages))

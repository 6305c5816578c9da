"""Word (DOCX) copies of the ND 30 documents, from the very HTML their PDF is rendered from.

The ministry's e-dossier system takes Word files (DOMAIN.md R-17): a flow exports any of its
documents with :func:`docx_of`, which renders the document's template as for its PDF (with the
number and date the records clerk gave it, when it has them) and writes the same text, in the
same order, with python-docx: the ND 30 header (issuing body beside the national title, number
beside place and date), the title, the body's paragraphs and tables, the signature blocks and
the recipients. Nothing is written twice: a template change shows in both formats.

The DOCX is an unsigned copy for editing and filing; the signed PDF stays the original.
"""

import io
import re

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import html as lxml_html

from signatures import rendering

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
SMALL_SIZE = Pt(12)
#: Inline tags and how they style their text.
BOLD_TAGS = {"strong", "b"}
ITALIC_TAGS = {"em", "i"}
CENTRED = WD_ALIGN_PARAGRAPH.CENTER
WHITESPACE = re.compile(r"\s+")


def docx_of(template_name: str, context: dict, *, signature_blocks=(), number=None) -> bytes:
    """The document as DOCX. ``number``: its IssuedNumber, printed as on the signed PDF."""
    if number is not None:
        context = {**context, "number": number.number, "date": number.issued_on}
    page = rendering.render_html(template_name, context, signature_blocks=signature_blocks)
    return write_docx(page)


def write_docx(page: str) -> bytes:
    """Write a rendered ND 30 page (signatures/nd30/base.html) as a DOCX."""
    tree = lxml_html.document_fromstring(page)
    document = _new_document()
    for element in tree.body:
        _write_block(document, element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _new_document():
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = BODY_SIZE
    # East-Asian and complex-script slots too, or Word falls back to another font for them.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    style.paragraph_format.space_after = Pt(6)
    _number_pages(section)
    return document


def _number_pages(section) -> None:
    """ND 30: the page number centred in the top margin, not on the first page."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTRED
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph._p.append(field)


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _write_block(container, element) -> None:
    """Write one block element of the page into ``container`` (the document or a cell)."""
    classes = _classes(element)
    if element.tag == "table" and "nd30-header" in classes:
        _write_header(container, element)
    elif element.tag == "table" and "nd30-sig-row" in classes:
        _write_signatures(container, element)
    elif element.tag == "table":
        _write_table(container, element)
    elif element.tag == "p":
        paragraph = container.add_paragraph()
        if "nd30-basis" in classes:
            paragraph.paragraph_format.first_line_indent = Mm(10)
        if "nd30-centred" in classes:
            paragraph.alignment = CENTRED
        _write_inline(paragraph, element, italic="nd30-basis" in classes)
    elif element.tag in {"div", "section"} and "nd30-title" in classes:
        for line in element:
            paragraph = container.add_paragraph()
            paragraph.alignment = CENTRED
            _write_inline(paragraph, line, bold=True)
    elif element.tag in {"div", "section"} and "nd30-recipients" in classes:
        for line in element:
            paragraph = container.add_paragraph()
            title = "nd30-recipients-title" in _classes(line)
            _write_inline(paragraph, line, bold=title, italic=title, size=SMALL_SIZE)
    elif element.tag == "div" and "nd30-annex" in classes:
        container.add_page_break()
        for child in element:
            _write_block(container, child)
    elif element.tag in {"div", "section", "ul", "ol"}:
        for child in element:
            _write_block(container, child)
    elif element.tag == "li":
        _write_inline(container.add_paragraph(), element, prefix="- ")
    elif (element.text_content() or "").strip():
        _write_inline(container.add_paragraph(), element)


def _write_inline(paragraph, element, *, bold=False, italic=False, size=None, prefix=""):
    """The text of ``element`` and its inline children as runs, line breaks kept."""
    if prefix:
        _add_run(paragraph, prefix, bold, italic, size)
    _add_run(paragraph, element.text, bold, italic, size)
    for child in element:
        tail = child.tail
        if child.tag == "br":
            paragraph.add_run().add_break()
            tail = (tail or "").lstrip()  # a new line starts without a space
        else:
            _write_inline(
                paragraph,
                child,
                bold=bold or child.tag in BOLD_TAGS,
                italic=italic or child.tag in ITALIC_TAGS,
                size=SMALL_SIZE if child.tag == "small" else size,
            )
        _add_run(paragraph, tail, bold, italic, size)


def _add_run(paragraph, text, bold, italic, size) -> None:
    """HTML's whitespace rules: runs of spaces and newlines are one space, none at the start."""
    text = WHITESPACE.sub(" ", text or "")
    if not paragraph.runs:
        text = text.lstrip()
    if not text:
        return
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    if size is not None:
        run.font.size = size


def _write_table(container, element) -> None:
    rows = element.xpath("./thead/tr | ./tbody/tr | ./tr")
    if not rows:
        return
    width = max(len(row.xpath("./th | ./td")) for row in rows)
    table = container.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in rows:
        added = table.add_row()
        if row.getparent().tag == "thead":
            _repeat_on_every_page(added)
        for cell, source in zip(added.cells, row.xpath("./th | ./td"), strict=False):
            paragraph = cell.paragraphs[0]
            if source.tag == "th":
                paragraph.alignment = CENTRED
            _write_inline(paragraph, source, bold=source.tag == "th", size=SMALL_SIZE)


def _repeat_on_every_page(row) -> None:
    """A header row, repeated at the top of every page the table runs to (as the PDF does)."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(header)


def _borderless(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    table._tbl.tblPr.append(borders)


def _write_header(container, element) -> None:
    """Issuing body beside the national title; the number beside the place and date."""
    rows = element.xpath("./tr | ./tbody/tr")
    table = container.add_table(rows=0, cols=2)
    _borderless(table)
    for row in rows:
        cells = table.add_row().cells
        for cell, source in zip(cells, row.xpath("./td"), strict=False):
            first = True
            for line in source.xpath("./div") or [source]:
                paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
                first = False
                paragraph.alignment = CENTRED
                classes = _classes(line) | _classes(source)
                bold = bool(classes & {"nd30-issuing-body", "nd30-national-title", "nd30-motto"})
                italic = "nd30-place-date" in classes
                _write_inline(paragraph, line, bold=bold, italic=italic)


def _write_signatures(container, element) -> None:
    """A row of signature blocks: authority and title, the space to sign, the name."""
    heading, _space, names = element.xpath("./tr | ./tbody/tr")[:3]
    cells = heading.xpath("./td")
    table = container.add_table(rows=1, cols=len(cells))
    _borderless(table)
    name_cells = names.xpath("./td")
    for index, (cell, source) in enumerate(zip(table.rows[0].cells, cells, strict=False)):
        if "nd30-recipients-cell" in _classes(source):
            for child in source:
                _write_block(cell, child)
            continue
        title = cell.paragraphs[0]
        title.alignment = CENTRED
        _write_inline(title, source, bold=True)
        for _line in range(3):
            cell.add_paragraph()
        name_index = index - (len(cells) - len(name_cells))
        if 0 <= name_index < len(name_cells):
            name = cell.add_paragraph()
            name.alignment = CENTRED
            _write_inline(name, name_cells[name_index], bold=True)
